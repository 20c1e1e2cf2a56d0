package coverage

import (
	"diming"
	"diming/gazetteer"
)

// FacilityImportPlan is what importing a batch of facility rows would do,
// decided before anything is written (a dry run reports it as it stands).
type FacilityImportPlan struct {
	// Valid are the rows to give Store.ImportFacilities, in file order
	// (unchanged ones included: the store skips them again itself).
	Valid []Facility
	// Added, Updated and Unchanged count the valid rows by what the import
	// would do with them against the stored facilities.
	Added, Updated, Unchanged int
	// Rejected are the bad rows with their line numbers, in file order.
	Rejected []RowError
}

// PlanFacilityImport decides row by row what an import of rows does,
// the way Store.ImportFacilities does it: a row with the code of a stored
// facility updates it, or leaves it alone when SameFacility says nothing
// changed; any other row adds a facility. It rejects, with their line
// numbers, the rows that did not parse, the rows whose point lies outside
// the district (Facility.CheckInDistrict with divs, the read model's or the
// store's divisions) and the rows repeating the code of an earlier row.
func PlanFacilityImport(rows []FacilityRow, existing []Facility, divs *gazetteer.DivisionIndex) FacilityImportPlan {
	byCode := make(map[string]Facility, len(existing))
	for _, f := range existing {
		if f.Code != "" {
			byCode[f.Code] = f
		}
	}
	var plan FacilityImportPlan
	seen := map[string]int{} // code → line of the row that has it
	for _, r := range rows {
		f := r.Facility
		err := r.Err
		if err == nil {
			err = f.CheckInDistrict(divs)
		}
		if err == nil && f.Code != "" {
			if line, dup := seen[f.Code]; dup {
				err = diming.Errorf(diming.EINVALID, "设施编号 %s 与第 %d 行重复", "the facility code %s repeats line %d", f.Code, line)
			}
		}
		if err != nil {
			plan.Rejected = append(plan.Rejected, rowError(r.Line, f.Name, err))
			continue
		}
		if f.Code != "" {
			seen[f.Code] = r.Line
		}
		plan.Valid = append(plan.Valid, f)
		old, found := byCode[f.Code]
		switch {
		case f.Code == "" || !found:
			plan.Added++
		case SameFacility(old, f):
			plan.Unchanged++
		default:
			plan.Updated++
		}
	}
	return plan
}
