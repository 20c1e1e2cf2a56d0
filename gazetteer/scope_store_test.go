package gazetteer_test

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"diming"
	"diming/demo"
	"diming/gazetteer"
	"diming/geo"
	"diming/internal/pgtest"
	"diming/store/postgis"
	"diming/store/sqlite"
)

// scopeStore is what the end-to-end scope test needs of a store.
type scopeStore interface {
	gazetteer.ApplicationStore
	PutDivisions(ctx context.Context, actor diming.Actor, ds []gazetteer.Division) error
	Divisions(ctx context.Context, f gazetteer.DivisionFilter) ([]gazetteer.Division, error)
	Places(ctx context.Context, f gazetteer.PlaceFilter) ([]gazetteer.Place, error)
}

// TestScopeCheckAndPublicationAgree runs applications through the whole
// procedure on a real store, with the built-up area configured as
// `--built-up-area 500106001` (小龙坎街道 only): the checks run on a
// checker built from the store's places and divisions, as the read model
// builds it, and publication claims the name with the checker's scopes. The
// checks and the store's claim must give the same answer: a name the checks
// pass publishes, a name they block is refused at publication (ECONFLICT,
// nothing written) when an approver forces it past the checks.
func TestScopeCheckAndPublicationAgree(t *testing.T) {
	stores := map[string]func(t *testing.T) scopeStore{
		"sqlite": func(t *testing.T) scopeStore {
			st, err := sqlite.Open(context.Background(), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return st
		},
		"postgis": func(t *testing.T) scopeStore {
			st, err := postgis.Open(context.Background(), postgis.Config{URL: pgtest.NewDatabase(t)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		},
	}
	for _, name := range []string{"sqlite", "postgis"} {
		t.Run(name, func(t *testing.T) {
			st := stores[name](t)
			testScopeCheckAndPublication(t, st)
		})
	}
}

func testScopeCheckAndPublication(t *testing.T, st scopeStore) {
	ctx := context.Background()
	ds, err := demo.Divisions()
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutDivisions(ctx, "test", ds); err != nil {
		t.Fatal(err)
	}
	cfg := gazetteer.CheckConfig{BuiltUpArea: []string{"500106001"}}
	checker := func() *gazetteer.NameChecker {
		ps, err := st.Places(ctx, gazetteer.PlaceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		divs, err := st.Divisions(ctx, gazetteer.DivisionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return gazetteer.NewNameChecker(ps, gazetteer.NewDivisionIndex(divs), cfg)
	}
	idx := gazetteer.NewDivisionIndex(ds)
	lineIn := func(code string) orb.LineString {
		d, err := idx.Division(code)
		if err != nil {
			t.Fatal(err)
		}
		pt := geo.LabelPoint(d.Geometry)
		return orb.LineString{pt, {pt[0] + 0.0002, pt[1] + 0.0001}}
	}
	for _, tc := range []struct {
		name, division string
		blocked        bool // by the checks, and so refused by the claim
		why            string
	}{
		{"汉渝路", "500106002003", false, "the first 汉渝路, in 沙坪坝街道 (outside the built-up area: its own town)"},
		{"汉渝路", "500106004001", false, "磁器口街道 is another town outside the built-up area: the name is free there (the bug: the checks passed and publication failed with 409)"},
		{"汉渝路", "500106002005", true, "沙坪坝街道 already has 汉渝路"},
		{"寒玉路", "500106004002", true, "a homophone of 磁器口街道's 汉渝路"},
		{"汉渝路", "500106001004", false, "the built-up area (小龙坎街道) has no 汉渝路 yet"},
		{"汉渝路", "500106001001", true, "the built-up area has 汉渝路 now"},
	} {
		c := checker()
		before, err := st.Places(ctx, gazetteer.PlaceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		a, err := st.CreateApplication(ctx, "user:shenqing", gazetteer.Application{Kind: gazetteer.KindNaming, Status: gazetteer.StatusDraft,
			Applicant: "shenqing", Name: tc.name, Category: "0801", DivisionCode: tc.division, Geometry: lineIn(tc.division), Reasons: "新建道路"})
		if err != nil {
			t.Fatal(err)
		}
		checks := c.Check(gazetteer.Proposal{Name: a.Name, Category: a.Category, DivisionCode: a.DivisionCode, Geometry: a.Geometry, Kind: a.Kind})
		if got := gazetteer.Blocked(checks); got != tc.blocked {
			t.Errorf("%s in %s: checks blocked = %v, want %v (%s):\n%s", tc.name, tc.division, got, tc.blocked, tc.why, dump(checks))
		}
		today := time.Now()
		var pubErr error
		for _, act := range []gazetteer.Action{gazetteer.ActSubmit, gazetteer.ActReview, gazetteer.ActNotice, gazetteer.ActApprove, gazetteer.ActPublish} {
			in := gazetteer.StepInput{Authority: "沙坪坝区人民政府", NoticeDays: 0}
			if act == gazetteer.ActNotice {
				in.NoticeStart, in.NoticeEnd = today.Format(time.DateOnly), today.Format(time.DateOnly)
			}
			next, ev, err := gazetteer.Step(a, act, in, checks, "user:shenpi", today)
			if act == gazetteer.ActApprove && gazetteer.Blocked(checks) {
				if diming.Code(err) != diming.ECONFLICT {
					t.Fatalf("%s: approve despite blocking checks: %v", tc.name, err)
				}
				// The approver forces it past the checks: the claim must refuse it.
				next, ev, err = gazetteer.Step(a, act, in, nil, "user:shenpi", today)
			}
			if err != nil {
				t.Fatalf("%s in %s: %s: %v", tc.name, tc.division, act, err)
			}
			var pub *gazetteer.Publication
			if act == gazetteer.ActPublish {
				p, err := gazetteer.PublicationOf(next, nil, c.Scopes())
				if err != nil {
					t.Fatal(err)
				}
				pub = &p
			}
			a, err = st.UpdateApplication(ctx, "user:shenpi", next, ev, pub)
			if act == gazetteer.ActPublish {
				pubErr = err
			} else if err != nil {
				t.Fatalf("%s: %v", act, err)
			}
		}
		after, err := st.Places(ctx, gazetteer.PlaceFilter{})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.blocked && diming.Code(pubErr) != diming.ECONFLICT:
			t.Errorf("%s in %s: blocked by the checks, but publication gave %v, want a conflict (%s)", tc.name, tc.division, pubErr, tc.why)
		case tc.blocked && len(after) != len(before):
			t.Errorf("%s in %s: a refused publication wrote %d places", tc.name, tc.division, len(after)-len(before))
		case !tc.blocked && pubErr != nil:
			t.Errorf("%s in %s: the checks pass, but publication failed: %v (%s)", tc.name, tc.division, pubErr, tc.why)
		case !tc.blocked && len(after) != len(before)+1:
			t.Errorf("%s in %s: publication wrote %d places, want 1", tc.name, tc.division, len(after)-len(before))
		}
	}
}
