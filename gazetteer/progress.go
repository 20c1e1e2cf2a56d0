package gazetteer

import "context"

type progressKey struct{}

// Progress is told how many of total items a long write has done.
type Progress func(done, total int)

// WithProgress returns a context that stores report write progress to.
func WithProgress(ctx context.Context, p Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, p)
}

// ReportProgress calls the context's Progress, if any.
func ReportProgress(ctx context.Context, done, total int) {
	if p, ok := ctx.Value(progressKey{}).(Progress); ok && p != nil {
		p(done, total)
	}
}
