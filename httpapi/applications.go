package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
	"diming/auth"
	"diming/gazetteer"
	"diming/geo"
	"diming/readmodel"
)

// appInput is what an applicant writes (POST and PATCH).
type appInput struct {
	Kind         *string          `json:"kind"`
	Name         *string          `json:"name"`
	Category     *string          `json:"category"`
	DivisionCode *string          `json:"division_code"`
	Geometry     *json.RawMessage `json:"geometry"`
	CRS          string           `json:"crs"`
	PlaceID      *int64           `json:"place_id"`
	Reasons      *string          `json:"reasons"`
	LocationDesc *string          `json:"location_description"`
	Meaning      *string          `json:"meaning"`
	Origin       *string          `json:"origin"`
	Romanization *string          `json:"romanization"`
	Version      int              `json:"version"`
}

// parseGeometryInput reads a GeoJSON geometry in crs and returns it in WGS84.
func parseGeometryInput(raw json.RawMessage, crsName string) (orb.Geometry, error) {
	if len(raw) == 0 || string(raw) == "null" {
		if crsName != "" {
			return nil, diming.Errorf(diming.EINVALID, "crs 只与 geometry 一起使用", "crs applies only with geometry")
		}
		return nil, nil
	}
	g, err := geojson.UnmarshalGeometry(raw)
	if err != nil {
		return nil, diming.Errorf(diming.EINVALID, "geometry 应为 GeoJSON 几何：%s", "geometry must be a GeoJSON geometry: %s", truncate(err.Error(), 120))
	}
	crs := geo.WGS84
	if crsName != "" {
		if crs, err = geo.ParseCRS(crsName); err != nil {
			zh, en := geo.Reasons(err)
			return nil, &diming.Error{Code: diming.EINVALID, Message: zh, MessageEN: en}
		}
	}
	// A GeoJSON 2008 "crs" member would be ignored by the decoder, and the
	// coordinates read in another system than the one they are in.
	var member struct {
		CRS json.RawMessage `json:"crs"`
	}
	if json.Unmarshal(raw, &member) == nil && len(member.CRS) > 0 && string(member.CRS) != "null" {
		lonLat := bytes.Contains(member.CRS, []byte("4326")) || bytes.Contains(member.CRS, []byte("CRS84")) || bytes.Contains(member.CRS, []byte("4490"))
		if !lonLat || (crs != geo.WGS84 && crs != geo.CGCS2000) {
			return nil, diming.Errorf(diming.EINVALID, "geometry 的 crs 成员 %s 不受支持或与 crs 参数不符：请去掉 crs 成员，用请求的 crs 字段（wgs84、cgcs2000、gcj02、bd09）说明坐标系",
				"the geometry's crs member %s is not supported or contradicts the crs field: drop it and name the system in the request's crs field (wgs84, cgcs2000, gcj02, bd09)", truncate(string(member.CRS), 80))
		}
	}
	if err := gazetteer.ValidatePlaceGeometry(g.Geometry()); err != nil {
		zh, en := geo.Reasons(err)
		return nil, diming.Errorf(diming.EINVALID, "位置无效：%[1]s", "invalid location: %[2]s", zh, en)
	}
	out, err := geo.ConvertGeometry(g.Geometry(), crs, geo.WGS84)
	if err != nil {
		zh, en := geo.Reasons(err)
		return nil, diming.Errorf(diming.EINVALID, "位置无效：%[1]s", "invalid location: %[2]s", zh, en)
	}
	return out, nil
}

func (in appInput) apply(a *gazetteer.Application) error {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&a.Kind, in.Kind)
	set(&a.Name, in.Name)
	set(&a.Category, in.Category)
	set(&a.Reasons, in.Reasons)
	set(&a.LocationDescription, in.LocationDesc)
	set(&a.Meaning, in.Meaning)
	set(&a.Origin, in.Origin)
	set(&a.Romanization, in.Romanization)
	if in.PlaceID != nil {
		a.PlaceID = *in.PlaceID
	}
	if in.DivisionCode != nil {
		code, err := gazetteer.NormalizeCode(*in.DivisionCode)
		if err != nil {
			return err
		}
		a.DivisionCode = code
	}
	if in.Geometry != nil {
		g, err := parseGeometryInput(*in.Geometry, in.CRS)
		if err != nil {
			return err
		}
		a.Geometry = g
	} else if in.CRS != "" {
		return diming.Errorf(diming.EINVALID, "crs 只与 geometry 一起使用", "crs applies only with geometry")
	}
	return nil
}

// appView is an application as the API shows it.
type appView struct {
	gazetteer.Application
	CategoryName string            `json:"category_name"`
	DivisionPath []string          `json:"division_path"`
	Geometry     *geojson.Geometry `json:"geometry"`
	gazetteer.Deadlines
	Checks      []gazetteer.CheckResult `json:"checks"`
	Blocked     bool                    `json:"blocked"`
	Events      []gazetteer.AppEvent    `json:"events,omitempty"`
	Attachments []gazetteer.Attachment  `json:"attachments,omitempty"`
}

func proposalOf(a gazetteer.Application) gazetteer.Proposal {
	return gazetteer.Proposal{Name: a.Name, Category: a.Category, DivisionCode: a.DivisionCode, Geometry: a.Geometry,
		Kind: a.Kind, PlaceID: a.PlaceID}
}

func (s *Server) view(r *http.Request, m *readmodel.Model, a gazetteer.Application, full bool) (appView, error) {
	c, _ := gazetteer.CategoryByCode(a.Category)
	v := appView{Application: a, CategoryName: c.Name, DivisionPath: nonNilStrings(m.Divisions.Path(a.DivisionCode)),
		Deadlines: gazetteer.DeadlinesOf(a, time.Now().In(s.cfg.Location))}
	if a.Geometry != nil {
		v.Geometry = geojson.NewGeometry(a.Geometry)
	}
	if a.Status != gazetteer.StatusPublished && a.Status != gazetteer.StatusWithdrawn && a.Status != gazetteer.StatusRejected {
		v.Checks = m.Checker.Check(proposalOf(a))
		v.Blocked = gazetteer.Blocked(v.Checks)
	}
	if v.Checks == nil {
		v.Checks = []gazetteer.CheckResult{}
	}
	if full {
		var err error
		if v.Events, err = s.store.ApplicationEvents(r.Context(), a.ID); err != nil {
			return v, err
		}
		if v.Attachments, err = s.store.Attachments(r.Context(), a.ID); err != nil {
			return v, err
		}
	}
	return v, nil
}

// respondApp answers with the full view of an application.
func (s *Server) respondApp(w http.ResponseWriter, r *http.Request, status int, a gazetteer.Application) error {
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	v, err := s.view(r, m, a, true)
	if err != nil {
		return err
	}
	return writeJSON(w, status, "", v)
}

// isOfficial: reviewers, approvers and admins see every application;
// applicants only their own.
func isOfficial(u auth.User) bool { return u.Has(auth.RoleReviewer, auth.RoleApprover) }

// loadApplication returns the application in the URL if the caller may see it.
func (s *Server) loadApplication(r *http.Request) (gazetteer.Application, auth.User, error) {
	u, _ := userOf(r.Context())
	raw := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 {
		return gazetteer.Application{}, u, diming.Errorf(diming.EINVALID, "申请编号 %q 无效", "invalid application id %q", truncate(raw, 40))
	}
	a, err := s.store.Application(r.Context(), id)
	if err != nil {
		return a, u, err
	}
	if !isOfficial(u) && a.Applicant != u.Name {
		return gazetteer.Application{}, u, diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的申请", "no application with id %d", id)
	}
	return a, u, nil
}

// createApplication: POST /api/v1/applications
func (s *Server) createApplication(w http.ResponseWriter, r *http.Request) error {
	u, _ := userOf(r.Context())
	var in appInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a := gazetteer.Application{Kind: gazetteer.KindNaming, Status: gazetteer.StatusDraft, Applicant: u.Name}
	if err := in.apply(&a); err != nil {
		return err
	}
	if err := s.fillFromPlace(&a); err != nil {
		return err
	}
	// Check the name before proposing its romanization: a 10 MB name would
	// otherwise be romanized (seconds of work) only to be refused.
	if err := gazetteer.CheckName(a.Name); err != nil {
		e := err.(*diming.Error)
		return &diming.Error{Code: diming.EINVALID, Message: "拟用名称" + e.Message, MessageEN: "proposed name " + e.MessageEN}
	}
	if a.Romanization == "" {
		sp, g := gazetteer.SplitName(a.Name, a.Category)
		a.Romanization = gazetteer.ProposeRomanization(a.Name, sp, g, a.Category).Standard
	}
	a, err := s.store.CreateApplication(r.Context(), u.Actor(), a)
	if err != nil {
		return err
	}
	return s.respondApp(w, r, http.StatusCreated, a)
}

// fillFromPlace fills a renaming or cancellation from the record it changes.
func (s *Server) fillFromPlace(a *gazetteer.Application) error {
	if a.Kind == gazetteer.KindNaming || a.PlaceID == 0 {
		return nil
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	p, ok := m.Places.Place(a.PlaceID)
	if !ok {
		return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的地名", "no place with id %d", a.PlaceID)
	}
	if a.Category == "" {
		a.Category = p.Category
	}
	if a.DivisionCode == "" {
		a.DivisionCode = p.DivisionCode
	}
	if a.Kind == gazetteer.KindCancellation && a.Name == "" {
		a.Name = p.Name
	}
	return nil
}

// listApplications: GET /api/v1/applications?status=
func (s *Server) listApplications(w http.ResponseWriter, r *http.Request) error {
	q, err := queryParams(r, "status")
	if err != nil {
		return err
	}
	u, _ := userOf(r.Context())
	f := gazetteer.AppFilter{Status: gazetteer.AppStatus(q.Get("status"))}
	if f.Status != "" && !validStatus(f.Status) {
		return diming.Errorf(diming.EINVALID, "状态 %q 无效", "invalid status %q", truncate(q.Get("status"), 40))
	}
	if !isOfficial(u) {
		f.Applicant = u.Name
	}
	apps, err := s.store.Applications(r.Context(), f)
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	out := make([]appView, 0, len(apps))
	for _, a := range apps {
		v, err := s.view(r, m, a, false)
		if err != nil {
			return err
		}
		out = append(out, v)
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"applications": out})
}

func validStatus(st gazetteer.AppStatus) bool {
	switch st {
	case gazetteer.StatusDraft, gazetteer.StatusSubmitted, gazetteer.StatusUnderReview, gazetteer.StatusOnNotice,
		gazetteer.StatusApproved, gazetteer.StatusRejected, gazetteer.StatusPublished, gazetteer.StatusWithdrawn:
		return true
	}
	return false
}

// getApplication: GET /api/v1/applications/{id}
func (s *Server) getApplication(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	a, _, err := s.loadApplication(r)
	if err != nil {
		return err
	}
	return s.respondApp(w, r, http.StatusOK, a)
}

// patchApplication: PATCH /api/v1/applications/{id}: the owner edits a
// draft; a reviewer edits an application under review.
func (s *Server) patchApplication(w http.ResponseWriter, r *http.Request) error {
	a, u, err := s.loadApplication(r)
	if err != nil {
		return err
	}
	switch {
	case a.Status == gazetteer.StatusDraft && a.Applicant == u.Name:
	case a.Status == gazetteer.StatusUnderReview && u.Has(auth.RoleReviewer):
	default:
		return diming.Errorf(diming.EFORBIDDEN, "申请状态为 %s，您不能修改", "the application is %s: you may not edit it", a.Status)
	}
	var in appInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Version == 0 {
		return diming.Errorf(diming.EINVALID, "须给出所修改的版本号（version）", "give the version you are changing (version)")
	}
	if in.Kind != nil && *in.Kind != a.Kind {
		return diming.Errorf(diming.EINVALID, "不能修改申请类型", "the kind of an application cannot change")
	}
	if err := in.apply(&a); err != nil {
		return err
	}
	a.Version = in.Version
	a, err = s.store.UpdateApplication(r.Context(), u.Actor(), a, gazetteer.AppEvent{Actor: u.Actor(), Action: "edit", From: a.Status, To: a.Status}, nil)
	if err != nil {
		return err
	}
	return s.respondApp(w, r, http.StatusOK, a)
}

// actionRoles says who may take each action; "owner" actions belong to the
// applicant who filed the application.
var actionRoles = map[gazetteer.Action][]auth.Role{
	gazetteer.ActReview:  {auth.RoleReviewer},
	gazetteer.ActNotice:  {auth.RoleReviewer},
	gazetteer.ActApprove: {auth.RoleApprover},
	gazetteer.ActReject:  {auth.RoleReviewer, auth.RoleApprover},
	gazetteer.ActPublish: {auth.RoleApprover},
	gazetteer.ActFile:    {auth.RoleReviewer, auth.RoleApprover},
}

// stepApplication: POST /api/v1/applications/{id}/{action}
func (s *Server) stepApplication(w http.ResponseWriter, r *http.Request) error {
	action := gazetteer.Action(chi.URLParam(r, "action"))
	a, u, err := s.loadApplication(r)
	if err != nil {
		return err
	}
	var in struct {
		Note           string `json:"note"`
		Start          string `json:"start"`
		End            string `json:"end"`
		OverrideReason string `json:"override_reason"`
		Days           int    `json:"days"`
		Version        int    `json:"version"`
	}
	if r.ContentLength != 0 {
		if err := decodeJSON(r, &in); err != nil {
			return err
		}
	}
	for _, f := range []struct{ zh, en, v string }{{"处理意见", "note", in.Note}, {"特批理由", "override_reason", in.OverrideReason}} {
		if badText(f.v, gazetteer.MaxPlaceText) {
			return diming.Errorf(diming.EINVALID, "%[1]s超过 %[2]d 字或含有控制字符", "%[3]s is longer than %[2]d characters or has control characters", f.zh, gazetteer.MaxPlaceText, f.en)
		}
	}
	if in.Days < 0 {
		return diming.Errorf(diming.EINVALID, "公示天数 days=%d 无效：应为正整数（不填则为 %d 天）", "days=%d is invalid: give a positive number of days (default %d)", in.Days, s.cfg.NoticeDays)
	}
	switch action {
	case gazetteer.ActSubmit, gazetteer.ActWithdraw:
		if a.Applicant != u.Name {
			return diming.Errorf(diming.EFORBIDDEN, "只有申请人本人可以%[1]s", "only the applicant may %[2]s", map[gazetteer.Action]string{gazetteer.ActSubmit: "提交", gazetteer.ActWithdraw: "撤回"}[action], action)
		}
	default:
		roles, ok := actionRoles[action]
		if !ok {
			return diming.Errorf(diming.ENOTFOUND, "没有操作 %q", "no action %q", truncate(string(action), 30))
		}
		if !u.Has(roles...) {
			return diming.Errorf(diming.EFORBIDDEN, "账号 %s（%s）无权执行 %s", "account %s (%s) may not %s", u.Name, u.Role, action)
		}
	}
	if in.Version != 0 {
		if in.Version != a.Version {
			return diming.Errorf(diming.ECONFLICT, "申请 #%d 已被他人处理，请刷新后重试", "application #%d was changed by someone else: reload and retry", a.ID)
		}
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	checks := m.Checker.Check(proposalOf(a))
	next, ev, err := gazetteer.Step(a, action, gazetteer.StepInput{Note: in.Note, NoticeStart: in.Start, NoticeEnd: in.End,
		OverrideReason: in.OverrideReason, Authority: s.cfg.ApprovalAuthority, NoticeDays: s.noticeDays(in.Days)}, checks, u.Actor(), time.Now().In(s.cfg.Location))
	if err != nil {
		return err
	}
	var pub *gazetteer.Publication
	if action == gazetteer.ActPublish {
		var existing *gazetteer.Place
		if a.PlaceID != 0 {
			p, err := s.store.Place(r.Context(), a.PlaceID)
			if err != nil {
				return err
			}
			existing = &p
		}
		pb, err := gazetteer.PublicationOf(a, existing, m.Checker.Scopes())
		if err != nil {
			return err
		}
		pub = &pb
	}
	next, err = s.store.UpdateApplication(r.Context(), u.Actor(), next, ev, pub)
	if err != nil {
		return err
	}
	if pub != nil {
		// The published name is searchable at once, not at the next poll.
		if _, err := s.model.Refresh(r.Context()); err != nil {
			logger(r.Context()).Warn("read model refresh after publishing failed", "err", err)
		}
	}
	return s.respondApp(w, r, http.StatusOK, next)
}

// uploadAttachment: POST /api/v1/applications/{id}/attachments (multipart:
// kind, file). Only PDFs, checked by their content.
func (s *Server) uploadAttachment(w http.ResponseWriter, r *http.Request) error {
	a, u, err := s.loadApplication(r)
	if err != nil {
		return err
	}
	if a.Applicant != u.Name && !isOfficial(u) {
		return diming.Errorf(diming.EFORBIDDEN, "无权上传附件", "you may not upload attachments here")
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		if strings.Contains(err.Error(), "request body too large") {
			return diming.Errorf(diming.ETOOLARGE, "附件超过 %d MB", "the attachment exceeds %d MB", gazetteer.MaxAttachmentBytes>>20)
		}
		return diming.Errorf(diming.EINVALID, "请用 multipart/form-data 上传（字段 kind 和 file）", "upload as multipart/form-data (fields kind and file)")
	}
	defer r.MultipartForm.RemoveAll() //nolint:errcheck
	kind := r.FormValue("kind")
	if _, ok := gazetteer.AttachmentKinds[kind]; !ok {
		return diming.Errorf(diming.EINVALID, "附件类型 %q 无效：assessment（综合评估）、expert（专家论证）或 consultation（征求意见）",
			"invalid attachment kind %q: assessment, expert or consultation", truncate(kind, 30))
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return diming.Errorf(diming.EINVALID, "缺少文件（字段 file）", "no file (field file)")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, gazetteer.MaxAttachmentBytes+1))
	if err != nil {
		return diming.Errorf(diming.EINVALID, "无法读取文件", "cannot read the file")
	}
	if len(data) > gazetteer.MaxAttachmentBytes {
		return diming.Errorf(diming.ETOOLARGE, "附件超过 %d MB", "the attachment exceeds %d MB", gazetteer.MaxAttachmentBytes>>20)
	}
	if len(data) == 0 || !bytes.HasPrefix(data, []byte("%PDF-")) {
		return diming.Errorf(diming.EINVALID, "只接受 PDF 文件", "only PDF files are accepted")
	}
	name := path.Base(strings.ReplaceAll(hdr.Filename, "\\", "/"))
	if !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r < 0x20 || r == 0x7f }) || name == "." || name == "/" || name == ".." {
		name = "report.pdf"
	}
	if utf8.RuneCountInString(name) > 100 {
		name = string([]rune(name)[:96]) + ".pdf"
	}
	att, err := s.store.AddAttachment(r.Context(), u.Actor(), gazetteer.Attachment{ApplicationID: a.ID, Kind: kind, Filename: name}, data)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, "", att)
}

// getAttachment: GET /api/v1/applications/{id}/attachments/{aid}
func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.loadApplication(r)
	if err != nil {
		return err
	}
	aid, err := strconv.ParseInt(chi.URLParam(r, "aid"), 10, 64)
	if err != nil || aid <= 0 {
		return diming.Errorf(diming.EINVALID, "附件编号无效", "invalid attachment id")
	}
	att, data, err := s.store.AttachmentData(r.Context(), a.ID, aid)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename*=UTF-8''%s", urlPathEscape(att.Filename)))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, err = w.Write(data)
	if err != nil {
		logger(r.Context()).Debug("write attachment", "err", err)
	}
	return nil
}

func urlPathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// noticeView is a name on public notice.
type noticeView struct {
	ID           int64             `json:"id"`
	Kind         string            `json:"kind"`
	Name         string            `json:"name"`
	Romanization string            `json:"romanization"`
	CategoryName string            `json:"category_name"`
	DivisionPath []string          `json:"division_path"`
	NoticeStart  string            `json:"notice_start"`
	NoticeEnd    string            `json:"notice_end"`
	Reasons      string            `json:"reasons"`
	Meaning      string            `json:"meaning"`
	Origin       string            `json:"origin"`
	Geometry     *geojson.Geometry `json:"geometry"`
}

// notices: GET /api/v1/notices (public): names whose notice (公示) runs
// today (start ≤ today ≤ end, the bureau's day); a notice yet to start and
// one that has ended are not listed.
func (s *Server) notices(w http.ResponseWriter, r *http.Request) error {
	if _, err := queryParams(r); err != nil {
		return err
	}
	apps, err := s.store.Applications(r.Context(), gazetteer.AppFilter{Status: gazetteer.StatusOnNotice})
	if err != nil {
		return err
	}
	m, err := s.currentModel()
	if err != nil {
		return err
	}
	today := time.Now().In(s.cfg.Location)
	out := []noticeView{}
	for _, a := range apps {
		if !gazetteer.NoticeRunning(a, today) {
			continue
		}
		c, _ := gazetteer.CategoryByCode(a.Category)
		nv := noticeView{ID: a.ID, Kind: a.Kind, Name: a.Name, Romanization: a.Romanization, CategoryName: c.Name,
			DivisionPath: nonNilStrings(m.Divisions.Path(a.DivisionCode)), NoticeStart: a.NoticeStart, NoticeEnd: a.NoticeEnd,
			Reasons: a.Reasons, Meaning: a.Meaning, Origin: a.Origin}
		if a.Geometry != nil {
			nv.Geometry = geojson.NewGeometry(a.Geometry)
		}
		out = append(out, nv)
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"notices": out})
}

// comment: POST /api/v1/notices/{id}/comments (public) {"author","text"}.
func (s *Server) comment(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return diming.Errorf(diming.EINVALID, "公示编号无效", "invalid notice id")
	}
	var in struct {
		Author string `json:"author"`
		Text   string `json:"text"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	in.Text, in.Author = strings.TrimSpace(in.Text), strings.TrimSpace(in.Author)
	if in.Text == "" || utf8.RuneCountInString(in.Text) > 2000 || utf8.RuneCountInString(in.Author) > 50 ||
		strings.ContainsFunc(in.Text+in.Author, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }) || !utf8.ValidString(in.Text+in.Author) {
		return diming.Errorf(diming.EINVALID, "意见须为 1 至 2000 字（署名不超过 50 字），不含控制字符", "a comment is 1 to 2000 characters (author at most 50), without control characters")
	}
	now := time.Now()
	key := "comment:" + clientIP(r)
	if wait := s.commentLimit.blocked(now, key); wait > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return diming.Errorf(diming.ETOOMANY, "提交过于频繁，请稍后再试", "too many comments: try again later")
	}
	a, err := s.store.Application(r.Context(), id)
	if err != nil && diming.Code(err) != diming.ENOTFOUND {
		return err // the store is away: 503, not "no such notice"
	}
	if err != nil {
		return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的公示", "no notice with id %d", id)
	}
	// Comments are taken while the notice runs: not before it starts, not
	// after it ends.
	if err := gazetteer.CheckNoticeOpen(a, now.In(s.cfg.Location)); err != nil {
		return err
	}
	c, err := s.store.AddComment(r.Context(), gazetteer.Comment{ApplicationID: id, Author: in.Author, Text: in.Text})
	if err != nil {
		return err
	}
	s.commentLimit.fail(now, key)
	return writeJSON(w, http.StatusCreated, "", c)
}

// listComments: GET /api/v1/applications/{id}/comments (officials).
func (s *Server) listComments(w http.ResponseWriter, r *http.Request) error {
	a, _, err := s.loadApplication(r)
	if err != nil {
		return err
	}
	cs, err := s.store.Comments(r.Context(), a.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, "", map[string]any{"comments": cs})
}
