package sqlite

import (
	"context"
	"encoding/json"

	"github.com/paulmach/orb/encoding/wkb"

	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var _ gazetteer.PlaceStore = (*Store)(nil)

const placeColumns = `id, name, specific, generic, aliases, former_names, romanization, category, division_code,
	geom, meaning, origin, history, description, coalesce(named_on, ''), coalesce(cancelled_on, ''),
	approved_by, coalesce(approved_on, ''), protected, synthetic, source, version, updated_at`

// Places returns the places matching f, ordered by id.
func (s *Store) Places(ctx context.Context, f gazetteer.PlaceFilter) ([]gazetteer.Place, error) {
	w := rowstore.NewWhere(question)
	q := "SELECT " + placeColumns + " FROM places" + rowstore.PlaceWhere(w, f, func(w *rowstore.Where, ids []int64) string {
		b, _ := json.Marshal(ids)
		return "id IN (SELECT value FROM json_each(" + w.Arg(string(b)) + "))"
	})
	return rowstore.ListOrNil(classifyOp, rowstore.OpQueryPlaces, dec.Place)(s.db.QueryContext(ctx, q, w.Args...))
}

// Place returns one place by id.
func (s *Store) Place(ctx context.Context, id int64) (gazetteer.Place, error) {
	return rowstore.One(classifyOp, rowstore.OpReadPlace, func() error { return rowstore.NoPlace(id) }, dec.Place,
		s.db.QueryRowContext(ctx, "SELECT "+placeColumns+" FROM places WHERE id = ?", id))
}

// CountPlaces returns how many places are stored.
func (s *Store) CountPlaces(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM places").Scan(&n)
	return n, classifyOp(err, rowstore.OpCountPlaces)
}

// PlaceHistory returns every version of a place, oldest first.
func (s *Store) PlaceHistory(ctx context.Context, id int64) ([]gazetteer.PlaceVersion, error) {
	if _, err := s.Place(ctx, id); err != nil {
		return nil, err
	}
	return rowstore.ListOrNil(classifyOp, rowstore.OpPlaceHistory, dec.PlaceVersion)(s.db.QueryContext(ctx,
		"SELECT place_id, version, actor, reason, at, record FROM place_versions WHERE place_id = ? ORDER BY version", id))
}

// ---- rows of a write (rowstore.PlaceRows)

func (t *tx) LockPlace(ctx context.Context, id int64) (gazetteer.Place, error) {
	return dec.Place(t.tx.QueryRowContext(ctx, "SELECT "+placeColumns+" FROM places WHERE id = ?", id))
}

const placeWriteColumns = `name, specific, generic, aliases, former_names, romanization, category, division_code, geom,
	minx, miny, maxx, maxy, meaning, origin, history, description, named_on, cancelled_on, approved_by,
	approved_on, protected, synthetic, source, version, updated_at`

func placeArgs(p gazetteer.Place) ([]any, error) {
	geom, err := wkb.Marshal(p.Geometry)
	if err != nil {
		return nil, err
	}
	b := p.Geometry.Bound()
	return []any{p.Name, p.Specific, p.Generic, jsonList(p.Aliases), jsonList(p.FormerNames), p.Romanization, p.Category,
		p.DivisionCode, geom, b.Min[0], b.Min[1], b.Max[0], b.Max[1], p.Meaning, p.Origin, p.History, p.Description,
		nullStr(p.NamedOn), nullStr(p.CancelledOn), p.ApprovedBy, nullStr(p.ApprovedOn), boolInt(p.Protected),
		boolInt(p.Synthetic), p.Source, p.Version, ts(p.UpdatedAt)}, nil
}

func (t *tx) InsertPlace(ctx context.Context, p gazetteer.Place) (int64, error) {
	args, err := placeArgs(p)
	if err != nil {
		return 0, err
	}
	return t.insert(ctx, insertInto("places", placeWriteColumns), args...)
}

func (t *tx) UpdatePlace(ctx context.Context, p gazetteer.Place) error {
	args, err := placeArgs(p)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, updateSet("places", placeWriteColumns), append(args, p.ID)...)
	return err
}

func (t *tx) InsertPlaceVersion(ctx context.Context, v gazetteer.PlaceVersion) error {
	_, err := t.exec(ctx, "INSERT INTO place_versions (place_id, version, actor, reason, at, record) VALUES (?, ?, ?, ?, ?, ?)",
		v.PlaceID, v.Version, string(v.Actor), v.Reason, ts(v.At), string(v.Record))
	return err
}
