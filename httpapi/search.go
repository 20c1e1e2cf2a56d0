package httpapi

import (
	"net/http"
	"strings"

	"diming"

	"diming/gazetteer"
	"diming/readmodel"
)

type searchResponse struct {
	Results []placeSummary `json:"results"`
}

func (s *Server) searchResults(m *readmodel.Model, rs []gazetteer.SearchResult) []placeSummary {
	out := make([]placeSummary, 0, len(rs))
	for _, r := range rs {
		sum := summarize(m, r.Place)
		score := r.Score
		sum.Score, sum.Match = &score, r.Match
		if r.DistanceM > 0 {
			sum.DistanceM = round1(r.DistanceM)
		}
		out = append(out, sum)
	}
	return out
}

// searchPlaces: GET /api/v1/places?q=&category=&division=&near=LON,LAT&crs=&limit=
func (s *Server) searchPlaces(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "q", "category", "division", "near", "crs", "limit")
	if err != nil {
		return err
	}
	sq := gazetteer.SearchQuery{Text: q.Get("q")}
	if q.Has("category") {
		if _, err := gazetteer.CategoryByCode(q.Get("category")); err != nil {
			return err
		}
		sq.Category = q.Get("category")
	}
	if q.Has("division") {
		if sq.Division, err = gazetteer.NormalizeCode(q.Get("division")); err != nil {
			return err
		}
	}
	if q.Has("near") {
		lon, lat, ok := strings.Cut(q.Get("near"), ",")
		if !ok {
			return diming.Errorf(diming.EINVALID, "near 参数应为 经度,纬度", "near must be LON,LAT")
		}
		p, err := parsePoint(lon, lat, q.Get("crs"), "near")
		if err != nil {
			return err
		}
		sq.Near = &p
	} else if q.Has("crs") {
		return diming.Errorf(diming.EINVALID, "crs 参数只与 near 一起使用", "crs applies only with near")
	}
	if sq.Limit, err = intParam(q.Get("limit"), "limit", 10, 1, 100); err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	rs, err := m.Search.Search(sq)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "", searchResponse{Results: s.searchResults(m, rs)})
}

// autocomplete: GET /api/v1/places/autocomplete?q=&limit=
func (s *Server) autocomplete(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "q", "limit")
	if err != nil {
		return err
	}
	limit, err := intParam(q.Get("limit"), "limit", 10, 1, 20)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	rs, err := m.Search.Autocomplete(q.Get("q"), limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "", map[string][]placeSummary{"suggestions": s.searchResults(m, rs)})
}
