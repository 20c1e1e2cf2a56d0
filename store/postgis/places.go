package postgis

import (
	"context"

	"diming/gazetteer"
	"diming/store/internal/rowstore"
)

var _ gazetteer.PlaceStore = (*Store)(nil)

const placeColumns = `id, name, specific, generic, aliases, former_names, romanization, category, division_code,
	ST_AsEWKB(geom), meaning, origin, history, description, coalesce(to_char(named_on, 'YYYY-MM-DD'), ''),
	coalesce(to_char(cancelled_on, 'YYYY-MM-DD'), ''), approved_by, coalesce(to_char(approved_on, 'YYYY-MM-DD'), ''),
	protected, synthetic, source, version, updated_at`

// Places returns the places matching f, ordered by id.
func (s *Store) Places(ctx context.Context, f gazetteer.PlaceFilter) ([]gazetteer.Place, error) {
	w := rowstore.NewWhere(dollar)
	q := "SELECT " + placeColumns + " FROM places" + rowstore.PlaceWhere(w, f, func(w *rowstore.Where, ids []int64) string {
		return "id = ANY(" + w.Arg(ids) + ")"
	})
	return rowstore.ListOrNil(classifyOp, rowstore.OpQueryPlaces, dec.Place)(s.pool.Query(ctx, q, w.Args...))
}

// Place returns one place by id.
func (s *Store) Place(ctx context.Context, id int64) (gazetteer.Place, error) {
	return rowstore.One(classifyOp, rowstore.OpReadPlace, func() error { return rowstore.NoPlace(id) }, dec.Place,
		s.pool.QueryRow(ctx, "SELECT "+placeColumns+" FROM places WHERE id = $1", id))
}

// CountPlaces returns how many places are stored.
func (s *Store) CountPlaces(ctx context.Context) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, "SELECT count(*) FROM places").Scan(&n)
	return n, classifyOp(err, rowstore.OpCountPlaces)
}

// PlaceHistory returns every version of a place, oldest first.
func (s *Store) PlaceHistory(ctx context.Context, id int64) ([]gazetteer.PlaceVersion, error) {
	if _, err := s.Place(ctx, id); err != nil {
		return nil, err
	}
	return rowstore.ListOrNil(classifyOp, rowstore.OpPlaceHistory, dec.PlaceVersion)(s.pool.Query(ctx, "SELECT place_id, version, actor, reason, at, record::text FROM place_versions WHERE place_id = $1 ORDER BY version", id))
}

// ---- rows of a write (rowstore.PlaceRows)

func (t *tx) LockPlace(ctx context.Context, id int64) (gazetteer.Place, error) {
	return dec.Place(t.tx.QueryRow(ctx, "SELECT "+placeColumns+" FROM places WHERE id = $1"+lock, id))
}

const placeWriteColumns = `name, specific, generic, aliases, former_names, romanization, category, division_code,
	geom, meaning, origin, history, description, named_on, cancelled_on, approved_by, approved_on,
	protected, synthetic, source, version, updated_at`

const placeWriteValues = `$1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromEWKB($9), $10, $11, $12, $13,
	NULLIF($14, '')::date, NULLIF($15, '')::date, $16, NULLIF($17, '')::date, $18, $19, $20, $21, $22`

func placeArgs(p gazetteer.Place) ([]any, error) {
	geom, err := toEWKB(p.Geometry)
	if err != nil {
		return nil, err
	}
	return []any{p.Name, p.Specific, p.Generic, nonNil(p.Aliases), nonNil(p.FormerNames), p.Romanization,
		p.Category, p.DivisionCode, geom, p.Meaning, p.Origin, p.History, p.Description, p.NamedOn,
		p.CancelledOn, p.ApprovedBy, p.ApprovedOn, p.Protected, p.Synthetic, p.Source, p.Version, p.UpdatedAt}, nil
}

func (t *tx) InsertPlace(ctx context.Context, p gazetteer.Place) (int64, error) {
	args, err := placeArgs(p)
	if err != nil {
		return 0, err
	}
	return t.insert(ctx, "INSERT INTO places ("+placeWriteColumns+") VALUES ("+placeWriteValues+") RETURNING id", args...)
}

func (t *tx) UpdatePlace(ctx context.Context, p gazetteer.Place) error {
	args, err := placeArgs(p)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, "UPDATE places SET ("+placeWriteColumns+") = ROW("+placeWriteValues+") WHERE id = $23", append(args, p.ID)...)
	return err
}

func (t *tx) InsertPlaceVersion(ctx context.Context, v gazetteer.PlaceVersion) error {
	_, err := t.exec(ctx, "INSERT INTO place_versions (place_id, version, actor, reason, at, record) VALUES ($1, $2, $3, $4, $5, $6::jsonb)",
		v.PlaceID, v.Version, string(v.Actor), v.Reason, v.At, string(v.Record))
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
