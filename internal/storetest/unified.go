package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"diming"
	"diming/auth"
	"diming/coverage"
	"diming/gazetteer"
)

// The tests below hold the parts both stores share (the version checks,
// the audit entry of each write and the name-claim protocol) to one
// behaviour, down to the words of the messages.

// wantError fails unless err is a *diming.Error with code and exactly these
// messages.
func wantError(t *testing.T, what string, err error, code diming.ErrorCode, zh, en string) {
	t.Helper()
	var de *diming.Error
	if !errors.As(err, &de) || de.Code != code || de.Message != zh || de.MessageEN != en {
		t.Errorf("%s: %#v\nwant %s %q / %q", what, err, code, zh, en)
	}
}

func auditCount(t *testing.T, h Harness) int {
	t.Helper()
	n, err := h.Count(ctx(t), "SELECT count(*) FROM audit_log")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func count(t *testing.T, h Harness, sql string) int {
	t.Helper()
	n, err := h.Count(ctx(t), sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func testBoundaryLinesStored(t *testing.T, h Harness) {
	fx := Fixtures()
	put(t, h, fx)
	want := 0
	for _, l := range gazetteer.Levels {
		want += len(gazetteer.DeriveBoundaryLines(fx, l))
	}
	if n := count(t, h, "SELECT count(*) FROM boundary_lines"); n != want || n == 0 {
		t.Fatalf("%d stored boundary lines, want %d", n, want)
	}
	if n := count(t, h, "SELECT count(*) FROM boundary_lines WHERE length_m > 0"); n != want {
		t.Fatalf("%d of %d stored lines have a length", n, want)
	}
}

// namingApplication is an approved application for name in 龙泉路社区.
func namingApplication(name string) gazetteer.Application {
	return gazetteer.Application{Kind: gazetteer.KindNaming, Status: gazetteer.StatusApproved, Applicant: "shenqing", Name: name,
		Category: "0801", DivisionCode: "500106001001", Geometry: orb.LineString{{106.31, 29.51}, {106.32, 29.52}}, Reasons: "新建道路"}
}

func roadPlace(name, specific string) gazetteer.Place {
	return gazetteer.Place{Name: name, Specific: specific, Generic: "路", Category: "0801", DivisionCode: "500106001001",
		Geometry: orb.LineString{{106.31, 29.51}, {106.32, 29.52}}}
}

func publish(t *testing.T, h Harness, a gazetteer.Application, p gazetteer.Place, key string) (gazetteer.Application, error) {
	t.Helper()
	a.Status = gazetteer.StatusPublished
	return h.Apps.UpdateApplication(ctx(t), "user:shenpi", a, gazetteer.AppEvent{Action: "publish", From: gazetteer.StatusApproved, To: gazetteer.StatusPublished},
		&gazetteer.Publication{Place: p, ClaimKey: key})
}

func testVersionConflicts(t *testing.T, h Harness) {
	put(t, h, Fixtures())
	// An application.
	a, err := h.Apps.CreateApplication(ctx(t), "user:shenqing", namingApplication("测试路"))
	if err != nil {
		t.Fatal(err)
	}
	a.Status = gazetteer.StatusSubmitted
	if _, err := h.Apps.UpdateApplication(ctx(t), "user:shenqing", a, gazetteer.AppEvent{Action: "submit", To: gazetteer.StatusSubmitted}, nil); err != nil {
		t.Fatal(err)
	}
	before := auditCount(t, h)
	_, err = h.Apps.UpdateApplication(ctx(t), "user:x", a, gazetteer.AppEvent{Action: "submit", To: gazetteer.StatusSubmitted}, nil)
	wantError(t, "stale application", err, diming.ECONFLICT,
		fmt.Sprintf("申请 #%d 已被他人处理（当前第 2 版，操作基于第 1 版），请刷新后重试", a.ID),
		fmt.Sprintf("application #%d was changed by someone else (now version 2, this is based on 1): reload and retry", a.ID))
	if got, _ := h.Apps.Application(ctx(t), a.ID); got.Version != 2 {
		t.Errorf("after a stale update the application is at version %d, want 2", got.Version)
	}
	if n := auditCount(t, h); n != before {
		t.Errorf("the stale application update added %d audit entries", n-before)
	}

	// A facility, updated and deleted from a stale version.
	cs := coverageOf(t, h)
	f, err := cs.PutFacility(ctx(t), "user:x", FacilityFixtures()[0])
	if err != nil {
		t.Fatal(err)
	}
	f.Note = "改"
	if f, err = cs.PutFacility(ctx(t), "user:x", f); err != nil || f.Version != 2 {
		t.Fatalf("update: %+v %v", f, err)
	}
	before = auditCount(t, h)
	stale := f
	stale.Version, stale.Note = 1, "旧"
	_, err = cs.PutFacility(ctx(t), "user:y", stale)
	wantError(t, "stale facility", err, diming.ECONFLICT, "设施“"+f.Name+"”已被他人修改（版本 1，现为 2），请刷新后重试",
		"facility "+f.Name+": stale version 1 (now 2): reload and retry")
	err = cs.DeleteFacility(ctx(t), "user:y", f.ID, 1)
	wantError(t, "stale delete", err, diming.ECONFLICT, "设施“"+f.Name+"”已被他人修改（版本 1，现为 2），请刷新后重试",
		"facility "+f.Name+": stale version 1 (now 2): reload and retry")
	if got, err := cs.Facility(ctx(t), f.ID); err != nil || got.Version != 2 || got.Note != "改" {
		t.Errorf("after stale writes: %+v %v", got, err)
	}

	// A marker.
	m, err := h.Store.PutMarker(ctx(t), "user:x", gazetteer.Marker{Number: "沙坪坝-009", Kind: "double", LineID: "500106001000|500106104000",
		Level: gazetteer.LevelTownship, Point: orb.Point{106.4, 29.6}, State: "intact"})
	if err != nil {
		t.Fatal(err)
	}
	m.Note = "新"
	if _, err := h.Store.PutMarker(ctx(t), "user:x", m); err != nil {
		t.Fatal(err)
	}
	_, err = h.Store.PutMarker(ctx(t), "user:y", m)
	wantError(t, "stale marker", err, diming.ECONFLICT, "界桩 沙坪坝-009 已被他人修改，请刷新后重试", "marker 沙坪坝-009 was changed by someone else: reload and retry")
	dup := m
	dup.ID, dup.Version = 0, 0
	_, err = h.Store.PutMarker(ctx(t), "user:y", dup)
	wantError(t, "a second marker of one number", err, diming.ECONFLICT, "界桩编号 沙坪坝-009 已存在", "marker number 沙坪坝-009 exists already")

	// A place.
	ps, err := h.Store.PutPlaces(ctx(t), "user:x", "", []gazetteer.Place{roadPlace("版本路", "版本")})
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	p.Description = "一"
	if _, err := h.Store.PutPlaces(ctx(t), "user:x", "", []gazetteer.Place{p}); err != nil {
		t.Fatal(err)
	}
	p.Description = "二"
	_, err = h.Store.PutPlaces(ctx(t), "user:y", "", []gazetteer.Place{p})
	wantError(t, "stale place", err, diming.ECONFLICT,
		fmt.Sprintf("地名 版本路（#%d）已被他人修改（当前第 2 版，提交基于第 1 版）", p.ID),
		fmt.Sprintf("place 版本路 (#%d) was changed by someone else (now version 2, change based on 1)", p.ID))

	// No refused write left an audit entry.
	if n := auditCount(t, h); n != before+4 {
		t.Errorf("%d audit entries after the refused writes and two good ones (marker, place, place update and marker update), want %d", n, before+4)
	}
	// Taken keys, in the same words.
	taken := FacilityFixtures()[1]
	taken.Code = f.Code
	_, err = cs.PutFacility(ctx(t), "user:x", taken)
	wantError(t, "a taken facility code", err, diming.ECONFLICT, "设施编号 "+f.Code+" 已被其他设施使用", "facility code "+f.Code+" is taken by another facility")
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Accounts.CreateUser(ctx(t), "admin:setup", auth.User{Name: "wang.wu", Role: auth.RoleReviewer}, hash); err != nil {
		t.Fatal(err)
	}
	_, err = h.Accounts.CreateUser(ctx(t), "admin:setup", auth.User{Name: "wang.wu", Role: auth.RoleAdmin}, hash)
	wantError(t, "a taken user name", err, diming.ECONFLICT, "用户名 wang.wu 已被使用", "user name wang.wu is taken")
	before = auditCount(t, h)

	// Unknown records are not found, in the same words.
	_, err = h.Apps.UpdateApplication(ctx(t), "user:x", gazetteer.Application{ID: 999999, Kind: gazetteer.KindNaming, Status: gazetteer.StatusSubmitted,
		Applicant: "x", Name: "无", Category: "0801", DivisionCode: "500106001001", Geometry: orb.Point{106.33, 29.53}, Version: 1},
		gazetteer.AppEvent{Action: "submit", To: gazetteer.StatusSubmitted}, nil)
	wantError(t, "unknown application", err, diming.ENOTFOUND, "没有编号为 999999 的申请", "no application with id 999999")
	_, err = cs.PutFacility(ctx(t), "user:x", coverage.Facility{ID: 999999, Version: 1, Name: f.Name, Category: f.Category, Point: f.Point, Status: f.Status})
	wantError(t, "unknown facility", err, diming.ENOTFOUND, "没有编号为 999999 的设施", "no facility with id 999999")
	_, err = h.Store.PutPlaces(ctx(t), "user:x", "", []gazetteer.Place{{ID: 999999, Name: "无名路", Specific: "无名", Generic: "路", Category: "0801",
		DivisionCode: "500106001001", Geometry: orb.Point{106.33, 29.53}}})
	wantError(t, "unknown place", err, diming.ENOTFOUND, "没有编号为 999999 的地名", "no place with id 999999")
	_, err = h.Store.AddInspection(ctx(t), "user:x", gazetteer.Inspection{MarkerID: 999999, InspectedOn: "2026-11-20", State: "intact", Inspector: "x"})
	wantError(t, "inspection of an unknown marker", err, diming.ENOTFOUND, "没有这个界桩", "no such marker")
	_, err = h.Accounts.CreateToken(ctx(t), "admin:setup", 999999, auth.HashSecret("x"), "", nil)
	wantError(t, "a token of an unknown user", err, diming.ENOTFOUND, "没有这个账号", "no such account")
	if n := auditCount(t, h); n != before {
		t.Errorf("the refused writes added %d audit entries", n-before)
	}
}

func testAuditInTransaction(t *testing.T, h Harness) {
	put(t, h, Fixtures()[:1])
	cs := coverageOf(t, h)
	hash, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	// Each write adds exactly its audit entries.
	type write struct {
		name   string
		entity string
		n      int // audit entries it adds
		do     func() error
	}
	var facilityID int64
	writes := []write{
		{"divisions", "division", 2, func() error { return h.Store.PutDivisions(ctx(t), "test", Fixtures()[1:3]) }},
		{"places", "place", 2, func() error {
			_, err := h.Store.PutPlaces(ctx(t), "test", "", []gazetteer.Place{roadPlace("甲路", "甲"), roadPlace("乙路", "乙")})
			return err
		}},
		{"application", "application", 1, func() error {
			_, err := h.Apps.CreateApplication(ctx(t), "user:shenqing", namingApplication("丙路"))
			return err
		}},
		{"marker", "marker", 1, func() error {
			_, err := h.Store.PutMarker(ctx(t), "test", gazetteer.Marker{Number: "审计-001", Kind: "single", LineID: "a|b", Level: gazetteer.LevelTownship,
				Point: orb.Point{106.4, 29.6}, State: "intact"})
			return err
		}},
		{"facility", coverage.EntityFacility, 1, func() error {
			f, err := cs.PutFacility(ctx(t), "test", FacilityFixtures()[0])
			facilityID = f.ID
			return err
		}},
		{"facility import", coverage.EntityFacility, 2, func() error {
			_, _, err := cs.ImportFacilities(ctx(t), "test", FacilityFixtures()[1:])
			return err
		}},
		{"households", coverage.EntityHouseholds, 1, func() error {
			_, err := cs.PutHouseholds(ctx(t), "test", []coverage.HouseholdPoint{{Point: orb.Point{106.35, 29.55}, Households: 3, Residents: 8, Source: "test"}}, false)
			return err
		}},
		{"run", coverage.EntityRun, 1, func() error {
			_, err := cs.SaveRun(ctx(t), "test", coverage.Run{Report: "eldercare", DataVersion: 1})
			return err
		}},
		{"account", "user", 1, func() error {
			_, err := h.Accounts.CreateUser(ctx(t), "admin:setup", auth.User{Name: "audit.one", Role: auth.RoleReviewer}, hash)
			return err
		}},
	}
	for _, w := range writes {
		before := count(t, h, "SELECT count(*) FROM audit_log WHERE entity = '"+w.entity+"'")
		if err := w.do(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if got := count(t, h, "SELECT count(*) FROM audit_log WHERE entity = '"+w.entity+"'") - before; got != w.n {
			t.Errorf("%s added %d %s audit entries, want %d", w.name, got, w.entity, w.n)
		}
	}

	// When the audit entry cannot be written, the write is undone with it.
	if err := h.Exec(ctx(t), h.RefuseAudit); err != nil {
		t.Fatalf("install the refusing trigger: %v", err)
	}
	tables := []string{"divisions", "boundary_lines", "places", "place_versions", "applications", "application_events", "boundary_markers",
		"facilities", "households", "coverage_runs", "users", "name_claims"}
	rows := map[string]int{}
	for _, tb := range tables {
		rows[tb] = count(t, h, "SELECT count(*) FROM "+tb)
	}
	audits := auditCount(t, h)
	renamed := Fixtures()[1]
	renamed.Name = "改名街道"
	moved, _ := cs.Facility(ctx(t), facilityID)
	moved.Point = orb.Point{106.37, 29.57}
	refused := map[string]error{
		"division": h.Store.PutDivisions(ctx(t), "test", []gazetteer.Division{renamed}),
		"place": func() error {
			_, err := h.Store.PutPlaces(ctx(t), "test", "", []gazetteer.Place{roadPlace("丁路", "丁")})
			return err
		}(),
		"application": func() error {
			_, err := h.Apps.CreateApplication(ctx(t), "user:shenqing", namingApplication("戊路"))
			return err
		}(),
		"marker": func() error {
			_, err := h.Store.PutMarker(ctx(t), "test", gazetteer.Marker{Number: "审计-002", Kind: "single", LineID: "a|b", Level: gazetteer.LevelTownship,
				Point: orb.Point{106.4, 29.6}, State: "intact"})
			return err
		}(),
		"facility": func() error { _, err := cs.PutFacility(ctx(t), "test", moved); return err }(),
		"delete":   cs.DeleteFacility(ctx(t), "test", moved.ID, moved.Version),
		"households": func() error {
			_, err := cs.PutHouseholds(ctx(t), "test", nil, true)
			return err
		}(),
		"run": func() error {
			_, err := cs.SaveRun(ctx(t), "test", coverage.Run{Report: "eldercare", DataVersion: 2})
			return err
		}(),
		"account": func() error {
			_, err := h.Accounts.CreateUser(ctx(t), "admin:setup", auth.User{Name: "audit.two", Role: auth.RoleReviewer}, hash)
			return err
		}(),
	}
	for what, err := range refused {
		if err == nil {
			t.Errorf("%s: written although its audit entry was refused", what)
		}
	}
	for _, tb := range tables {
		if n := count(t, h, "SELECT count(*) FROM "+tb); n != rows[tb] {
			t.Errorf("%s: %d rows after the refused writes, %d before", tb, n, rows[tb])
		}
	}
	if n := auditCount(t, h); n != audits {
		t.Errorf("%d audit entries after the refused writes, %d before", n, audits)
	}
	if got, _ := h.Store.Division(ctx(t), renamed.Code); got.Name != Fixtures()[1].Name {
		t.Errorf("the refused rename was kept: %q", got.Name)
	}
	if got, _ := cs.Facility(ctx(t), moved.ID); got.Point == moved.Point {
		t.Errorf("the refused move was kept: %v", got.Point)
	}
}

func testNameClaims(t *testing.T, h Harness) {
	put(t, h, Fixtures())
	const key = "test-scope|0801|ceshilu"
	a, err := h.Apps.CreateApplication(ctx(t), "user:shenqing", namingApplication("测试路"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := publish(t, h, a, roadPlace("测试路", "测试"), key)
	if err != nil || pub.PublishedPlaceID == 0 {
		t.Fatalf("publish: %+v %v", pub, err)
	}
	// The claim is held by the published place.
	if n := count(t, h, fmt.Sprintf("SELECT count(*) FROM name_claims WHERE claim_key = '%s' AND place_id = %d AND application_id = %d", key, pub.PublishedPlaceID, a.ID)); n != 1 {
		t.Fatalf("%d claims of %s held by place %d", n, key, pub.PublishedPlaceID)
	}
	// A second publication under the same key is refused and writes nothing.
	b, err := h.Apps.CreateApplication(ctx(t), "user:other", namingApplication("策试路"))
	if err != nil {
		t.Fatal(err)
	}
	places, _ := h.Store.CountPlaces(ctx(t))
	audits := auditCount(t, h)
	_, err = publish(t, h, b, roadPlace("策试路", "策试"), key)
	wantError(t, "second claim", err, diming.ECONFLICT,
		fmt.Sprintf("同一范围内已公告同名或同音的地名，申请 #%d（策试路）不能公告", b.ID),
		fmt.Sprintf("a name that is the same or sounds the same is already published in this scope: application #%d (策试路) cannot be published", b.ID))
	if n, _ := h.Store.CountPlaces(ctx(t)); n != places {
		t.Errorf("%d places after the refused publication, %d before", n, places)
	}
	if n := auditCount(t, h); n != audits {
		t.Errorf("%d audit entries after the refused publication, %d before", n, audits)
	}
	if got, _ := h.Apps.Application(ctx(t), b.ID); got.Status != gazetteer.StatusApproved || got.Version != b.Version {
		t.Errorf("the refused application is %s at version %d, want approved at %d", got.Status, got.Version, b.Version)
	}
	if n := count(t, h, "SELECT count(*) FROM name_claims"); n != 1 {
		t.Errorf("%d claims after the refused publication, want 1", n)
	}
	// A renamed record gives up its name: the claim goes with it.
	placed, err := h.Store.Place(ctx(t), pub.PublishedPlaceID)
	if err != nil {
		t.Fatal(err)
	}
	placed.Name, placed.Specific = "新测试路", "新测试"
	c, err := h.Apps.CreateApplication(ctx(t), "user:x", gazetteer.Application{Kind: gazetteer.KindRenaming, Status: gazetteer.StatusApproved,
		Applicant: "x", Name: placed.Name, Category: "0801", DivisionCode: "500106001001", PlaceID: placed.ID, Geometry: placed.Geometry})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := publish(t, h, c, placed, "test-scope|0801|xinceshilu"); err != nil {
		t.Fatalf("renaming: %v", err)
	}
	if n := count(t, h, "SELECT count(*) FROM name_claims WHERE claim_key = '"+key+"'"); n != 0 {
		t.Errorf("the old name's claim survived the renaming (%d)", n)
	}
	if _, err := publish(t, h, b, roadPlace("策试路", "策试"), key); err != nil {
		t.Errorf("publishing under a key freed by a renaming: %v", err)
	}
}

func testConcurrentClaims(t *testing.T, h Harness) {
	put(t, h, Fixtures())
	const key = "test-scope|0801|binglu"
	var apps []gazetteer.Application
	for i := 0; i < 4; i++ {
		a, err := h.Apps.CreateApplication(ctx(t), "user:shenqing", namingApplication("并路"))
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(apps))
	for i, a := range apps {
		wg.Add(1)
		go func(i int, a gazetteer.Application) {
			defer wg.Done()
			_, errs[i] = publish(t, h, a, roadPlace("并路", "并"), key)
		}(i, a)
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case diming.Code(err) != diming.ECONFLICT:
			t.Errorf("publication %d: %v, want a conflict", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent publications of one name succeeded, want 1 (%v)", won, len(apps), errs)
	}
	if n := count(t, h, "SELECT count(*) FROM places WHERE name = '并路'"); n != 1 {
		t.Errorf("%d places named 并路, want 1", n)
	}
	if n := count(t, h, "SELECT count(*) FROM audit_log WHERE entity = 'place'"); n != 1 {
		t.Errorf("%d place audit entries, want 1", n)
	}
}
