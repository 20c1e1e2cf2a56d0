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
		start, end, err := noticePeriod(in, today)
		if err != nil {
			return a, ev, err
		}
		a.NoticeStart, a.NoticeEnd = start, end
		ev.Note = fmt.Sprintf("公示 %s 至 %s", start, end)
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

// noticePeriod works out and checks the dates of a notice put up today (the
// bureau's day): no start means today, no end means start + in.NoticeDays
// (default DefaultNoticeDays). A notice cannot start before today: a
// backdated notice would have run without the public seeing it, and could be
// approved at once. The end may be the start (a 0-day notice, one day on
// display) but not before it, and the period is at most a year.
func noticePeriod(in StepInput, today time.Time) (start, end string, err error) {
	day := today.Format(time.DateOnly)
	if in.NoticeStart == "" {
		in.NoticeStart = day
	}
	st, err := time.Parse(time.DateOnly, in.NoticeStart)
	if err != nil {
		return "", "", diming.Errorf(diming.EINVALID, "公示开始日期 %q 无效：应为 YYYY-MM-DD", "the notice start %q is invalid: give YYYY-MM-DD", truncateRunes(in.NoticeStart, 30))
	}
	start = st.Format(time.DateOnly)
	if start < day {
		return "", "", diming.Errorf(diming.EINVALID, "公示开始日期 %[1]s 早于今天（%[2]s）：公示不能倒签，最早自今天开始",
			"the notice cannot start on %[1]s, before today (%[2]s): a notice cannot be backdated, it starts today at the earliest", start, day)
	}
	if in.NoticeEnd == "" {
		days := in.NoticeDays
		if days <= 0 {
			days = DefaultNoticeDays
		}
		in.NoticeEnd = st.AddDate(0, 0, days).Format(time.DateOnly)
	}
	en, err := time.Parse(time.DateOnly, in.NoticeEnd)
	if err != nil || en.Before(st) {
		return "", "", diming.Errorf(diming.EINVALID, "公示起止日期应为 YYYY-MM-DD，且结束不早于开始", "notice start and end must be YYYY-MM-DD with the end not before the start")
	}
	if en.Sub(st) > 366*24*time.Hour {
		return "", "", diming.Errorf(diming.EINVALID, "公示期不能超过一年", "a notice period cannot exceed a year")
	}
	return start, en.Format(time.DateOnly), nil
}

// NoticeRunning says whether a's public notice runs on today (the bureau's
// day): it is on notice and start ≤ today ≤ end, both days included. Only a
// running notice is shown to the public and takes comments; one yet to start
// is not public yet, and an ended one waits for the approver's decision.
func NoticeRunning(a Application, today time.Time) bool {
	return CheckNoticeOpen(a, today) == nil
}

// CheckNoticeOpen says why the public cannot comment on a today: ENOTFOUND
// when a is not on notice or its notice has not started (not public yet),
// ECONFLICT when it has ended; nil while it runs.
func CheckNoticeOpen(a Application, today time.Time) error {
	if a.Status != StatusOnNotice {
		return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的公示", "no notice with id %d", a.ID)
	}
	day := today.Format(time.DateOnly)
	switch {
	case a.NoticeStart > day:
		// Not public yet: as if it did not exist (its name is not told).
		return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的公示", "no notice with id %d", a.ID)
	case a.NoticeEnd < day:
		return diming.Errorf(diming.ECONFLICT, "“%[1]s”的公示已于 %[2]s 结束，不再接受意见", "the notice of %[1]s ended on %[2]s: it takes no more comments", a.Name, a.NoticeEnd)
	}
	return nil
}

// PublicationOf is what publishing an approved application writes: the new
// standard name (naming), the renamed record with its old name kept as a
// former name (renaming), or the record marked cancelled (cancellation).
// existing is the record renamed or cancelled (nil for naming); scopes are
// the naming checks' scopes (NameChecker.Scopes), under which the name is
// claimed.
func PublicationOf(a Application, existing *Place, scopes *NameScopes) (Publication, error) {
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
		return Publication{Place: p, Reason: reason, ClaimKey: scopes.ClaimKey(a.Name, a.Category, a.DivisionCode)}, nil
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
		return Publication{Place: p, Reason: reason, ClaimKey: scopes.ClaimKey(a.Name, p.Category, p.DivisionCode)}, nil
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
