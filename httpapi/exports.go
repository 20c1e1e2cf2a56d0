package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"time"

	"diming"
	"diming/gazetteer"
	"diming/internal/tabular"
	"diming/readmodel"
)

// noticeDays is the notice period for a notice action: the request's, else
// the configured default.
func (s *Server) noticeDays(days int) int {
	if days > 0 {
		return days
	}
	return s.cfg.NoticeDays
}

// table is an export: a title, a header row and rows.
type table struct {
	title  string
	header []string
	rows   [][]string
}

// writeTable answers with the table as JSON, CSV (UTF-8 with a BOM, so Excel
// opens it as Chinese; cells that a spreadsheet would run as formulas are
// escaped by tabular.SafeCell) or .xlsx (the id column a number, every
// other cell text), as ?format= asks.
func writeTable(w http.ResponseWriter, format, filename string, t table, jsonBody any) error {
	switch format {
	case "", "json":
		return writeJSON(w, http.StatusOK, "", jsonBody)
	case "csv":
		var b bytes.Buffer
		b.WriteString("\ufeff")
		cw := tabular.NewCSVWriter(&b)
		_ = cw.Write(t.header)
		_ = cw.WriteAll(t.rows)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename*=UTF-8''%s.csv", urlPathEscape(filename)))
		_, _ = w.Write(b.Bytes()) // a client that went away is not an error of ours
		return nil
	case "xlsx":
		var b bytes.Buffer
		if err := tabular.WriteXLSX(&b, tabular.Sheet{Name: t.title, Header: t.header, Rows: t.rows, NumberColumns: []int{0}}); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename*=UTF-8''%s.xlsx", urlPathEscape(filename)))
		_, _ = w.Write(b.Bytes())
		return nil
	}
	return diming.Errorf(diming.EINVALID, "format 应为 json、csv 或 xlsx", "format must be json, csv or xlsx")
}

// announcementRow is one published name as the 公告 states it.
type announcementRow struct {
	ApplicationID       int64    `json:"application_id"`
	PlaceID             int64    `json:"place_id"`
	Kind                string   `json:"kind"`
	Name                string   `json:"name"`         // 标准名称
	Romanization        string   `json:"romanization"` // 罗马字母拼写
	DivisionPath        []string `json:"division_path"`
	LocationDescription string   `json:"location_description"` // 位置描述
	ApprovedBy          string   `json:"approved_by"`          // 批准机关
	ApprovedOn          string   `json:"approved_on"`          // 批准时间
	PublishedOn         string   `json:"published_on"`
	FiledOn             string   `json:"filed_on"`
}

var kindNames = map[string]string{gazetteer.KindNaming: "命名", gazetteer.KindRenaming: "更名", gazetteer.KindCancellation: "注销"}

func (s *Server) announcementRows(r *http.Request, m *readmodel.Model, status gazetteer.AppStatus) ([]announcementRow, error) {
	apps, err := s.store.Applications(r.Context(), gazetteer.AppFilter{Status: status})
	if err != nil {
		return nil, err
	}
	out := []announcementRow{}
	for _, a := range apps {
		out = append(out, announcementRow{ApplicationID: a.ID, PlaceID: a.PublishedPlaceID, Kind: a.Kind, Name: a.Name,
			Romanization: a.Romanization, DivisionPath: nonNilStrings(m.Divisions.Path(a.DivisionCode)),
			LocationDescription: a.LocationDescription, ApprovedBy: a.ApprovedBy, ApprovedOn: a.ApprovedOn,
			PublishedOn: a.PublishedOn, FiledOn: a.FiledOn})
	}
	return out, nil
}

// announcements: GET /api/v1/announcements[?format=csv|xlsx] (public): the
// published names with what the 公告 states.
func (s *Server) announcements(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "format")
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	rows, err := s.announcementRows(r, m, gazetteer.StatusPublished)
	if err != nil {
		return err
	}
	t := table{title: "地名公告", header: []string{"申请编号", "类型", "标准名称", "罗马字母拼写", "所属政区", "位置描述", "批准机关", "批准时间", "公告日期"}}
	for _, a := range rows {
		t.rows = append(t.rows, []string{fmt.Sprint(a.ApplicationID), kindNames[a.Kind], a.Name, a.Romanization,
			strings.Join(a.DivisionPath, ""), a.LocationDescription, a.ApprovedBy, a.ApprovedOn, a.PublishedOn})
	}
	return writeTable(w, q.Get("format"), "地名公告", t, map[string]any{"announcements": rows})
}

// filings: GET /api/v1/filings[?format=csv|xlsx] (officials): every
// approved name with its filing and announcement dates and deadlines.
func (s *Server) filings(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "format", "overdue")
	if err != nil {
		return err
	}
	onlyOverdue := q.Get("overdue") == "true"
	if v := q.Get("overdue"); v != "" && v != "true" && v != "false" {
		return diming.Errorf(diming.EINVALID, "overdue 应为 true 或 false", "overdue must be true or false")
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	today := time.Now().In(s.cfg.Location)
	type filingRow struct {
		announcementRow
		gazetteer.Deadlines
	}
	out := []filingRow{}
	t := table{title: "地名备案", header: []string{"申请编号", "类型", "标准名称", "罗马字母拼写", "所属政区", "批准机关", "批准时间", "备案期限", "备案日期", "公告期限", "公告日期", "逾期"}}
	for _, st := range []gazetteer.AppStatus{gazetteer.StatusApproved, gazetteer.StatusPublished} {
		apps, err := s.store.Applications(r.Context(), gazetteer.AppFilter{Status: st})
		if err != nil {
			return err
		}
		rows, err := s.announcementRows(r, m, st)
		if err != nil {
			return err
		}
		for i, a := range apps {
			d := gazetteer.DeadlinesOf(a, today)
			if onlyOverdue && !d.FilingOverdue && !d.PublicationOverdue {
				continue
			}
			out = append(out, filingRow{rows[i], d})
			var late []string
			if d.FilingOverdue {
				late = append(late, "备案逾期")
			}
			if d.PublicationOverdue {
				late = append(late, "公告逾期")
			}
			t.rows = append(t.rows, []string{fmt.Sprint(a.ID), kindNames[a.Kind], a.Name, a.Romanization, strings.Join(rows[i].DivisionPath, ""),
				a.ApprovedBy, a.ApprovedOn, d.FilingDue, a.FiledOn, d.PublicationDue, a.PublishedOn, strings.Join(late, "、")})
		}
	}
	return writeTable(w, q.Get("format"), "地名备案", t, map[string]any{"filings": out})
}
