package rowstore

import (
	"diming"
	"diming/auth"
	"diming/coverage"
	"diming/gazetteer"
)

// The domain rules a store still checks before it writes, in one place.
//
// They are defence in depth: the use cases (app/) validate with the same
// rules before they call a store, and a store must still refuse what no rule
// has checked (a tool or a test can call it directly). Whether to keep them
// here is decided once, in this file, for both stores.

func guardDivisions(actor diming.Actor, ds []gazetteer.Division) error {
	return gazetteer.ValidateBatch(actor, ds)
}

func guardPlaces(actor diming.Actor, ps []gazetteer.Place) error {
	return gazetteer.ValidatePlaces(actor, ps)
}

func guardApplication(a gazetteer.Application) error { return gazetteer.ValidateApplication(a) }

// guardPublication checks an application's transition and the place it
// publishes, if any.
func guardPublication(actor diming.Actor, a gazetteer.Application, pub *gazetteer.Publication) error {
	if err := guardApplication(a); err != nil {
		return err
	}
	if pub == nil {
		return nil
	}
	return guardPlaces(actor, []gazetteer.Place{pub.Place})
}

func guardMarker(m gazetteer.Marker) error { return gazetteer.ValidateMarker(m) }

func guardInspection(in gazetteer.Inspection) error { return gazetteer.ValidateInspection(in) }

func guardFacility(f coverage.Facility) error { return f.Validate() }

func guardFacilityImport(fs []coverage.Facility) error { return coverage.ValidateFacilityImport(fs) }

func guardRoadSegments(segs []coverage.RoadSegment) error { return coverage.ValidateRoadSegments(segs) }

func guardHouseholds(hs []coverage.HouseholdPoint) error { return coverage.ValidateHouseholds(hs) }

func guardRun(r coverage.Run) error { return r.Validate() }

func guardUser(u auth.User) error { return auth.ValidateUser(u) }
