package gazetteer_test

import (
	"testing"
	"time"

	"diming"
	"diming/gazetteer"
)

func TestStepRules(t *testing.T) {
	today := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	a := gazetteer.Application{ID: 1, Kind: gazetteer.KindNaming, Status: gazetteer.StatusUnderReview}
	// A notice with no dates runs from today for the default 7 days; approval waits for its end.
	n, ev, err := gazetteer.Step(a, gazetteer.ActNotice, gazetteer.StepInput{}, nil, "user:r", today)
	if err != nil || n.NoticeStart != "2026-11-28" || n.NoticeEnd != "2026-12-05" || ev.To != gazetteer.StatusOnNotice {
		t.Fatalf("notice: %+v %v", n, err)
	}
	if _, _, err := gazetteer.Step(n, gazetteer.ActApprove, gazetteer.StepInput{}, nil, "user:a", today); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("approval during the notice: %v", err)
	}
	ap, _, err := gazetteer.Step(n, gazetteer.ActApprove, gazetteer.StepInput{Authority: "区政府"}, nil, "user:a", today.AddDate(0, 0, 7))
	if err != nil || ap.ApprovedOn != "2026-12-05" || ap.ApprovedBy != "区政府" {
		t.Fatalf("approval after the notice: %+v %v", ap, err)
	}
	// Filing and announcement are due 15 days after approval.
	d := gazetteer.DeadlinesOf(ap, today.AddDate(0, 0, 22))
	if d.FilingDue != "2026-12-20" || d.PublicationDue != "2026-12-20" || d.FilingOverdue || d.PublicationOverdue {
		t.Fatalf("deadlines on the due date: %+v", d)
	}
	d = gazetteer.DeadlinesOf(ap, today.AddDate(0, 0, 23))
	if !d.FilingOverdue || !d.PublicationOverdue {
		t.Fatalf("deadlines a day late: %+v", d)
	}
	filed, ev, err := gazetteer.Step(ap, gazetteer.ActFile, gazetteer.StepInput{}, nil, "user:r", today.AddDate(0, 0, 10))
	if err != nil || filed.FiledOn != "2026-12-08" || filed.Status != gazetteer.StatusApproved || ev.To != gazetteer.StatusApproved {
		t.Fatalf("filing: %+v %v", filed, err)
	}
	if d := gazetteer.DeadlinesOf(filed, today.AddDate(0, 0, 30)); d.FilingOverdue || !d.PublicationOverdue {
		t.Fatalf("after filing: %+v", d)
	}
	if _, _, err := gazetteer.Step(filed, gazetteer.ActFile, gazetteer.StepInput{}, nil, "user:r", today); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("filing twice: %v", err)
	}
	pub, _, err := gazetteer.Step(filed, gazetteer.ActPublish, gazetteer.StepInput{}, nil, "user:a", today.AddDate(0, 0, 12))
	if err != nil || pub.PublishedOn != "2026-12-10" || pub.Status != gazetteer.StatusPublished {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	// Wrong statuses, bad input.
	for _, tc := range []struct {
		from   gazetteer.AppStatus
		action gazetteer.Action
		in     gazetteer.StepInput
		code   diming.ErrorCode
	}{
		{gazetteer.StatusDraft, gazetteer.ActApprove, gazetteer.StepInput{}, diming.ECONFLICT},
		{gazetteer.StatusPublished, gazetteer.ActWithdraw, gazetteer.StepInput{}, diming.ECONFLICT},
		{gazetteer.StatusSubmitted, gazetteer.ActReject, gazetteer.StepInput{}, diming.EINVALID},
		{gazetteer.StatusUnderReview, gazetteer.ActNotice, gazetteer.StepInput{NoticeStart: "2026-12-10", NoticeEnd: "2026-12-01"}, diming.EINVALID},
		{gazetteer.StatusUnderReview, gazetteer.ActNotice, gazetteer.StepInput{NoticeStart: "2026-01-01", NoticeEnd: "2028-01-01"}, diming.EINVALID},
		{gazetteer.StatusDraft, "fly", gazetteer.StepInput{}, diming.EINVALID},
	} {
		b := a
		b.Status = tc.from
		if _, _, err := gazetteer.Step(b, tc.action, tc.in, nil, "user:x", today); diming.Code(err) != tc.code {
			t.Errorf("%s from %s: %v, want %s", tc.action, tc.from, err, tc.code)
		}
	}
	// A blocking check stops approval; an overridable one needs a reason.
	block := []gazetteer.CheckResult{{Check: "protected", Severity: gazetteer.SeverityBlock, Overridable: true, Message: "历史地名"}}
	n.NoticeEnd = "2026-11-01"
	if _, _, err := gazetteer.Step(n, gazetteer.ActApprove, gazetteer.StepInput{}, block, "user:a", today); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("overridable block without a reason: %v", err)
	}
	if ok, _, err := gazetteer.Step(n, gazetteer.ActApprove, gazetteer.StepInput{OverrideReason: "常务会议同意"}, block, "user:a", today); err != nil || ok.OverrideReason == "" {
		t.Fatalf("override: %v", err)
	}
	block[0].Overridable = false
	if _, _, err := gazetteer.Step(n, gazetteer.ActApprove, gazetteer.StepInput{OverrideReason: "x"}, block, "user:a", today); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("a hard block was overridden: %v", err)
	}
}
