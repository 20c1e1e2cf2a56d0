package gazetteer

import (
	"fmt"
	"time"

	"diming"
)

// Action is a step of the naming procedure.
type Action string

// The actions. Who may take each is the HTTP layer's business (roles);
// which statuses allow it is here.
const (
	ActSubmit   Action = "submit"
	ActReview   Action = "review"
	ActNotice   Action = "notice"
	ActApprove  Action = "approve"
	ActReject   Action = "reject"
	ActPublish  Action = "publish"
	ActWithdraw Action = "withdraw"
	// ActFile records the filing (备案) of an approval; the status stays.
	ActFile Action = "file"
)

// DefaultNoticeDays is the public-notice period when none is given.
const DefaultNoticeDays = 7

// transitions: for each action, the statuses it starts from and where it goes.
var transitions = map[Action]struct {
	from []AppStatus
	to   AppStatus
}{
	ActSubmit:   {[]AppStatus{StatusDraft}, StatusSubmitted},
	ActReview:   {[]AppStatus{StatusSubmitted}, StatusUnderReview},
	ActNotice:   {[]AppStatus{StatusUnderReview}, StatusOnNotice},
	ActApprove:  {[]AppStatus{StatusOnNotice}, StatusApproved},
	ActReject:   {[]AppStatus{StatusSubmitted, StatusUnderReview, StatusOnNotice, StatusApproved}, StatusRejected},
	ActPublish:  {[]AppStatus{StatusApproved}, StatusPublished},
	ActWithdraw: {[]AppStatus{StatusDraft, StatusSubmitted, StatusUnderReview, StatusOnNotice}, StatusWithdrawn},
	ActFile:     {[]AppStatus{StatusApproved, StatusPublished}, ""}, // "" keeps the status
}

// StepInput is what an action may carry.
type StepInput struct {
	Note           string // reject (required), approve
	NoticeStart    string // notice: YYYY-MM-DD
	NoticeEnd      string
	OverrideReason string // approve despite overridable blocks
	Authority      string // approve: the approving authority (批准机关)
	NoticeDays     int    // notice: the period when no end is given (default DefaultNoticeDays)
}

// Step applies action to a, given the naming checks on it and today's date.
// It returns the new state and its event, or an error saying why not
// (ECONFLICT for a wrong status or a blocking check, EINVALID for bad input).
func Step(a Application, action Action, in StepInput, checks []CheckResult, actor diming.Actor, today time.Time) (Application, AppEvent, error) {
	t, ok := transitions[action]
	if !ok {
		return a, AppEvent{}, diming.Errorf(diming.EINVALID, "未知的操作 %q", "unknown action %q", truncateRunes(string(action), 30))
	}
	allowed := false
	for _, s := range t.from {
		allowed = allowed || a.Status == s
	}
	if !allowed {
		return a, AppEvent{}, diming.Errorf(diming.ECONFLICT, "申请当前状态为 %s，不能执行 %s", "the application is %s: it cannot be %s", a.Status, action)
	}
	to := t.to
	if to == "" {
		to = a.Status
	}
	ev := AppEvent{Actor: actor, Action: string(action), From: a.Status, To: to, Note: in.Note}
	day := today.Format(time.DateOnly)
	switch action {
	case ActFile:
		if a.FiledOn != "" {
			return a, ev, diming.Errorf(diming.ECONFLICT, "已于 %s 备案", "already filed on %s", a.FiledOn)
		}
		a.FiledOn = day
		ev.Note = joinHistory("备案 "+day, in.Note)
	case ActNotice:
		if in.NoticeStart == "" {
			in.NoticeStart = day
		}
		if in.NoticeEnd == "" {
			days := in.NoticeDays
			if days <= 0 {
				days = DefaultNoticeDays
			}
			if st, err := time.Parse(time.DateOnly, in.NoticeStart); err == nil {
				in.NoticeEnd = st.AddDate(0, 0, days).Format(time.DateOnly)
			}
		}
		start, err1 := time.Parse(time.DateOnly, in.NoticeStart)
		end, err2 := time.Parse(time.DateOnly, in.NoticeEnd)
		if err1 != nil || err2 != nil || end.Before(start) {
			return a, ev, diming.Errorf(diming.EINVALID, "公示起止日期应为 YYYY-MM-DD，且结束不早于开始", "notice start and end must be YYYY-MM-DD with the end not before the start")
		}
		if end.Sub(start) > 366*24*time.Hour {
			return a, ev, diming.Errorf(diming.EINVALID, "公示期不能超过一年", "a notice period cannot exceed a year")
		}
		a.NoticeStart, a.NoticeEnd = in.NoticeStart, in.NoticeEnd
		ev.Note = fmt.Sprintf("公示 %s 至 %s", in.NoticeStart, in.NoticeEnd)
	case ActApprove:
		if a.NoticeEnd > day {
			return a, ev, diming.Errorf(diming.ECONFLICT, "公示期至 %s 结束，之后才能批准", "the notice period ends on %s: approve after that", a.NoticeEnd)
		}
		for _, c := range checks {
			if c.Severity != SeverityBlock {
				continue
			}
			if !c.Overridable || in.OverrideReason == "" {
				return a, ev, diming.Errorf(diming.ECONFLICT, "自动检查未通过：%[1]s", "a naming check blocks this: %[2]s", c.Message, c.MessageEN)
			}
		}
		a.OverrideReason = in.OverrideReason
		a.DecisionNote = in.Note
		a.ApprovedBy, a.ApprovedOn = in.Authority, day
	case ActReject:
		if in.Note == "" {
			return a, ev, diming.Errorf(diming.EINVALID, "驳回须写明理由（note）", "a rejection needs a reason (note)")
		}
		a.DecisionNote = in.Note
	}
	if action == ActPublish {
		a.PublishedOn = day
	}
	a.Status = to
	return a, ev, nil
}

// PublicationOf is what publishing an approved application writes: the new
// standard name (naming), the renamed record with its old name kept as a
// former name (renaming), or the record marked cancelled (cancellation).
// existing is the record renamed or cancelled (nil for naming).
func PublicationOf(a Application, existing *Place) (Publication, error) {
	reason := fmt.Sprintf("申请 #%d 批准（%s %s）", a.ID, a.ApprovedBy, a.ApprovedOn)
	switch a.Kind {
	case KindNaming:
		specific, generic := SplitName(a.Name, a.Category)
		rom := a.Romanization
		if rom == "" {
			rom = ProposeRomanization(a.Name, specific, generic, a.Category).Standard
		}
		p := Place{Name: a.Name, Specific: specific, Generic: generic, Romanization: rom, Category: a.Category,
			DivisionCode: a.DivisionCode, Geometry: a.Geometry, Meaning: a.Meaning, Origin: a.Origin, Description: a.LocationDescription,
			NamedOn: a.ApprovedOn, ApprovedBy: a.ApprovedBy, ApprovedOn: a.ApprovedOn, Source: fmt.Sprintf("approval:%d", a.ID)}
		return Publication{Place: p, Reason: reason, ClaimKey: NameClaimKey(a.Name, a.Category, a.DivisionCode)}, nil
	case KindRenaming, KindCancellation:
		if existing == nil {
			return Publication{}, diming.Errorf(diming.ENOTFOUND, "要更名或注销的地名 #%d 不存在", "the place #%d to rename or cancel does not exist", a.PlaceID)
		}
		p := *existing
		if a.Kind == KindCancellation {
			p.CancelledOn = a.ApprovedOn
			p.History = joinHistory(p.History, fmt.Sprintf("%s 经%s批准注销", a.ApprovedOn, a.ApprovedBy))
			return Publication{Place: p, Reason: reason, Cancelled: true}, nil
		}
		old := p.Name
		p.Specific, p.Generic = SplitName(a.Name, p.Category)
		p.Name = a.Name
		p.FormerNames = append(append([]string{}, p.FormerNames...), old)
		p.Romanization = a.Romanization
		if p.Romanization == "" {
			p.Romanization = ProposeRomanization(p.Name, p.Specific, p.Generic, p.Category).Standard
		}
		if a.Geometry != nil {
			p.Geometry = a.Geometry
		}
		p.ApprovedBy, p.ApprovedOn = a.ApprovedBy, a.ApprovedOn
		p.History = joinHistory(p.History, fmt.Sprintf("%s 经%s批准由“%s”更名为“%s”", a.ApprovedOn, a.ApprovedBy, old, a.Name))
		return Publication{Place: p, Reason: reason, ClaimKey: NameClaimKey(a.Name, p.Category, p.DivisionCode)}, nil
	}
	return Publication{}, diming.Errorf(diming.EINVALID, "申请类型 %q 无效", "invalid application kind %q", a.Kind)
}

func joinHistory(h, add string) string {
	if h == "" {
		return add
	}
	return h + "；" + add
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
