package storetest

import (
	"bytes"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/gazetteer"
)

func testApplications(t *testing.T, h Harness) {
	st := h.Apps
	put(t, h, Fixtures())
	a := gazetteer.Application{Kind: gazetteer.KindNaming, Status: gazetteer.StatusDraft, Applicant: "shenqing", Name: "测试路",
		Category: "0801", DivisionCode: "500106001001", Geometry: orb.LineString{{106.31, 29.51}, {106.32, 29.52}}, Reasons: "新建道路"}
	a, err := st.CreateApplication(ctx(t), "user:shenqing", a)
	if err != nil || a.ID == 0 || a.Version != 1 {
		t.Fatalf("CreateApplication: %+v %v", a, err)
	}
	got, err := st.Application(ctx(t), a.ID)
	if err != nil || got.Name != "测试路" || got.Geometry == nil || got.Geometry.GeoJSONType() != "LineString" {
		t.Fatalf("Application: %+v %v", got, err)
	}
	if _, err := st.Application(ctx(t), 999999); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("unknown application: %v", err)
	}
	if _, err := st.CreateApplication(ctx(t), "user:x", gazetteer.Application{Kind: "rename-it", Name: "x"}); diming.Code(err) != diming.EINVALID {
		t.Fatalf("invalid application: %v", err)
	}
	// A transition bumps the version; a stale one conflicts and writes nothing.
	got.Status = gazetteer.StatusSubmitted
	next, err := st.UpdateApplication(ctx(t), "user:shenqing", got, gazetteer.AppEvent{Actor: "user:shenqing", Action: "submit", From: gazetteer.StatusDraft, To: gazetteer.StatusSubmitted}, nil)
	if err != nil || next.Version != 2 {
		t.Fatalf("UpdateApplication: %+v %v", next, err)
	}
	if _, err := st.UpdateApplication(ctx(t), "user:x", got, gazetteer.AppEvent{Action: "submit", To: gazetteer.StatusSubmitted}, nil); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("stale update: %v", err)
	}
	evs, err := st.ApplicationEvents(ctx(t), a.ID)
	if err != nil || len(evs) != 2 || evs[1].Action != "submit" || evs[1].From != gazetteer.StatusDraft {
		t.Fatalf("events %+v %v", evs, err)
	}
	if err := h.Exec(ctx(t), "DELETE FROM application_events"); err == nil {
		t.Fatal("deleting application events succeeded")
	}
	// Reports and comments.
	pdf := []byte("%PDF-1.4 report")
	att, err := st.AddAttachment(ctx(t), "user:shenqing", gazetteer.Attachment{ApplicationID: a.ID, Kind: "expert", Filename: "专家论证.pdf"}, pdf)
	if err != nil || att.ID == 0 || att.Size != len(pdf) || len(att.SHA256) != 64 {
		t.Fatalf("AddAttachment: %+v %v", att, err)
	}
	_, data, err := st.AttachmentData(ctx(t), a.ID, att.ID)
	if err != nil || !bytes.Equal(data, pdf) {
		t.Fatalf("AttachmentData: %q %v", data, err)
	}
	if _, _, err := st.AttachmentData(ctx(t), a.ID+1, att.ID); diming.Code(err) != diming.ENOTFOUND {
		t.Fatalf("attachment through another application: %v", err)
	}
	if list, _ := st.Attachments(ctx(t), a.ID); len(list) != 1 || list[0].Filename != "专家论证.pdf" {
		t.Fatalf("Attachments %+v", list)
	}
	if _, err := st.AddComment(ctx(t), gazetteer.Comment{ApplicationID: a.ID, Author: "居民", Text: "同意"}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := st.Comments(ctx(t), a.ID); len(cs) != 1 || cs[0].Text != "同意" {
		t.Fatalf("Comments %+v", cs)
	}
	if audit, _ := h.Store.Audit(ctx(t), diming.AuditFilter{Entity: "comment"}); len(audit) != 1 || audit[0].Actor != "public" {
		t.Fatalf("comment audit %+v", audit)
	}
	// Publishing writes the place; a second publication of the same claim conflicts and writes nothing.
	next.Status = gazetteer.StatusPublished
	p := gazetteer.Place{Name: "测试路", Specific: "测试", Generic: "路", Category: "0801", DivisionCode: "500106001001",
		Geometry: orb.LineString{{106.31, 29.51}, {106.32, 29.52}}}
	key := gazetteer.NewNameScopes(nil, gazetteer.CheckConfig{}).ClaimKey(p.Name, p.Category, p.DivisionCode)
	pub, err := st.UpdateApplication(ctx(t), "user:shenpi", next, gazetteer.AppEvent{Action: "publish", To: gazetteer.StatusPublished}, &gazetteer.Publication{Place: p, ClaimKey: key})
	if err != nil || pub.PublishedPlaceID == 0 {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	b, _ := st.CreateApplication(ctx(t), "user:other", gazetteer.Application{Kind: gazetteer.KindNaming, Status: gazetteer.StatusApproved,
		Applicant: "other", Name: "测试路", Category: "0801", DivisionCode: "500106001001", Geometry: orb.Point{106.33, 29.53}})
	before, _ := h.Store.CountPlaces(ctx(t))
	b.Status = gazetteer.StatusPublished
	if _, err := st.UpdateApplication(ctx(t), "user:shenpi", b, gazetteer.AppEvent{Action: "publish", To: gazetteer.StatusPublished}, &gazetteer.Publication{Place: p, ClaimKey: key}); diming.Code(err) != diming.ECONFLICT {
		t.Fatalf("second publication of one name: %v", err)
	}
	after, _ := h.Store.CountPlaces(ctx(t))
	still, _ := st.Application(ctx(t), b.ID)
	if after != before || still.Status != gazetteer.StatusApproved {
		t.Fatalf("a refused publication wrote: places %d→%d, status %s", before, after, still.Status)
	}
	// Cancelling the published record frees its name: the other application can then publish it.
	placed, err := h.Store.Place(ctx(t), pub.PublishedPlaceID)
	if err != nil {
		t.Fatal(err)
	}
	placed.CancelledOn = "2026-12-01"
	cancel, _ := st.CreateApplication(ctx(t), "user:x", gazetteer.Application{Kind: gazetteer.KindCancellation, Status: gazetteer.StatusApproved,
		Applicant: "x", Name: "测试路", Category: "0801", DivisionCode: "500106001001", PlaceID: placed.ID})
	cancel.Status = gazetteer.StatusPublished
	if _, err := st.UpdateApplication(ctx(t), "user:shenpi", cancel, gazetteer.AppEvent{Action: "publish", To: gazetteer.StatusPublished}, &gazetteer.Publication{Place: placed, Cancelled: true}); err != nil {
		t.Fatalf("cancellation: %v", err)
	}
	p.Geometry = orb.Point{106.33, 29.53}
	still.Status = gazetteer.StatusPublished
	if _, err := st.UpdateApplication(ctx(t), "user:shenpi", still, gazetteer.AppEvent{Action: "publish", To: gazetteer.StatusPublished}, &gazetteer.Publication{Place: p, ClaimKey: key}); err != nil {
		t.Fatalf("publishing a name freed by a cancellation: %v", err)
	}
}
