package gazetteer_test

import (
	"strings"
	"testing"
	"time"

	"diming"
	"diming/gazetteer"
)

// A notice starts today at the earliest (the bureau's day the caller passes),
// and only a running notice takes comments.
func TestNoticeDates(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	// 00:30 on 28 November in Chongqing is still the 27th in UTC: the day is
	// the one of the time given.
	today := time.Date(2026, 11, 28, 0, 30, 0, 0, cst)
	a := gazetteer.Application{ID: 7, Name: "青杠林路", Kind: gazetteer.KindNaming, Status: gazetteer.StatusUnderReview, Version: 3}
	for _, in := range []gazetteer.StepInput{
		{NoticeStart: "2020-01-01", NoticeEnd: "2020-01-02"},
		{NoticeStart: "2026-11-27", NoticeEnd: "2026-12-05"},
		{NoticeStart: "2026-11-27"},
		{NoticeStart: "2026-11-27", NoticeDays: 30},
	} {
		got, _, err := gazetteer.Step(a, gazetteer.ActNotice, in, nil, "user:r", today)
		if diming.Code(err) != diming.EINVALID {
			t.Fatalf("backdated notice %+v: %v", in, err)
		}
		e := err.(*diming.Error)
		if !strings.Contains(e.Message, in.NoticeStart) || !strings.Contains(e.Message, "2026-11-28") || !strings.Contains(e.MessageEN, in.NoticeStart) {
			t.Errorf("the message does not name the dates: %s / %s", e.Message, e.MessageEN)
		}
		if got.Status != gazetteer.StatusUnderReview || got.NoticeStart != "" {
			t.Errorf("a refused notice changed the application: %+v", got)
		}
	}
	for _, tc := range []struct {
		in         gazetteer.StepInput
		start, end string
	}{
		{gazetteer.StepInput{}, "2026-11-28", "2026-12-05"},
		{gazetteer.StepInput{NoticeStart: "2026-11-28", NoticeEnd: "2026-11-28"}, "2026-11-28", "2026-11-28"}, // a 0-day notice
		{gazetteer.StepInput{NoticeStart: "2026-12-01", NoticeDays: 10}, "2026-12-01", "2026-12-11"},
	} {
		n, _, err := gazetteer.Step(a, gazetteer.ActNotice, tc.in, nil, "user:r", today)
		if err != nil || n.NoticeStart != tc.start || n.NoticeEnd != tc.end || n.Status != gazetteer.StatusOnNotice {
			t.Errorf("notice %+v: %+v %v", tc.in, n, err)
		}
	}
	// Bad dates and an end before the start are still refused.
	for _, in := range []gazetteer.StepInput{{NoticeStart: "2026-11-31"}, {NoticeStart: "28/11/2026"}, {NoticeStart: "2026-12-10", NoticeEnd: "2026-12-09"}, {NoticeEnd: "2026-11-27"}} {
		if _, _, err := gazetteer.Step(a, gazetteer.ActNotice, in, nil, "user:r", today); diming.Code(err) != diming.EINVALID {
			t.Errorf("notice %+v: %v", in, err)
		}
	}

	// Running: start ≤ today ≤ end, both days included.
	on := a
	on.Status, on.NoticeStart, on.NoticeEnd = gazetteer.StatusOnNotice, "2026-11-28", "2026-12-05"
	for _, tc := range []struct {
		day  time.Time
		code diming.ErrorCode
		says string
	}{
		{today.AddDate(0, 0, -1), diming.ENOTFOUND, "7"}, // not public yet: not there, its name untold
		{today, "", ""},
		{time.Date(2026, 12, 5, 23, 59, 0, 0, cst), "", ""},
		{time.Date(2026, 12, 6, 0, 0, 0, 0, cst), diming.ECONFLICT, "2026-12-05"},
	} {
		err := gazetteer.CheckNoticeOpen(on, tc.day)
		if diming.Code(err) != tc.code || gazetteer.NoticeRunning(on, tc.day) != (err == nil) {
			t.Errorf("on %s: %v, want %q", tc.day.Format(time.DateOnly), err, tc.code)
		}
		if err != nil && (!strings.Contains(err.(*diming.Error).Message, tc.says) || !strings.Contains(err.(*diming.Error).MessageEN, tc.says)) {
			t.Errorf("on %s: the message does not name %s: %v", tc.day.Format(time.DateOnly), tc.says, err)
		}
	}
	for _, st := range []gazetteer.AppStatus{gazetteer.StatusUnderReview, gazetteer.StatusApproved, gazetteer.StatusPublished} {
		b := on
		b.Status = st
		if err := gazetteer.CheckNoticeOpen(b, today); diming.Code(err) != diming.ENOTFOUND || gazetteer.NoticeRunning(b, today) {
			t.Errorf("%s: %v", st, err)
		}
	}
}
