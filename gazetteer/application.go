package gazetteer

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"diming"
)

// AppStatus is where a naming application stands in the procedure.
type AppStatus string

// The statuses, in the order of the procedure (地名管理条例, 实施办法):
// filed → reviewed → public notice (公示) → approved → published (公告).
const (
	StatusDraft       AppStatus = "draft"
	StatusSubmitted   AppStatus = "submitted"
	StatusUnderReview AppStatus = "under_review"
	StatusOnNotice    AppStatus = "on_notice"
	StatusApproved    AppStatus = "approved"
	StatusRejected    AppStatus = "rejected"
	StatusPublished   AppStatus = "published"
	StatusWithdrawn   AppStatus = "withdrawn"
)

// Application is a naming (命名), renaming (更名) or cancellation (注销)
// application.
type Application struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"` // KindNaming, KindRenaming, KindCancellation
	Status   AppStatus `json:"status"`
	Name     string    `json:"name"` // the proposed name (for a cancellation: the name cancelled)
	Category string    `json:"category"`
	// DivisionCode is where the feature lies (12 digits).
	DivisionCode string       `json:"division_code"`
	Geometry     orb.Geometry `json:"-"`
	// PlaceID is the record renamed or cancelled.
	PlaceID int64  `json:"place_id,omitempty"`
	Reasons string `json:"reasons"` // 方案及理由
	// LocationDescription is the 位置描述 the announcement states.
	LocationDescription string `json:"location_description"`
	Meaning             string `json:"meaning"`
	Origin              string `json:"origin"`
	Romanization        string `json:"romanization"`
	Applicant           string `json:"applicant"` // the applicant's account name
	NoticeStart         string `json:"notice_start,omitempty"`
	NoticeEnd           string `json:"notice_end,omitempty"`
	DecisionNote        string `json:"decision_note,omitempty"`
	// OverrideReason is the approver's written reason for approving despite
	// an overridable block (a protected historic name).
	OverrideReason   string `json:"override_reason,omitempty"`
	ApprovedBy       string `json:"approved_by,omitempty"`
	ApprovedOn       string `json:"approved_on,omitempty"`
	PublishedPlaceID int64  `json:"published_place_id,omitempty"`
	// PublishedOn is the date of the announcement (公告); FiledOn the date
	// the approval was filed (备案) with the higher authority.
	PublishedOn string    `json:"published_on,omitempty"`
	FiledOn     string    `json:"filed_on,omitempty"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AppEvent is one step of an application's history.
type AppEvent struct {
	At     time.Time    `json:"at"`
	Actor  diming.Actor `json:"actor"`
	Action string       `json:"action"`
	From   AppStatus    `json:"from,omitempty"`
	To     AppStatus    `json:"to"`
	Note   string       `json:"note,omitempty"`
}

// Attachment is a report attached to an application: 综合评估 (assessment),
// 专家论证 (expert) or 征求意见 (consultation), a PDF.
type Attachment struct {
	ID            int64     `json:"id"`
	ApplicationID int64     `json:"application_id"`
	Kind          string    `json:"kind"`
	Filename      string    `json:"filename"`
	Size          int       `json:"size"`
	SHA256        string    `json:"sha256"`
	UploadedBy    string    `json:"uploaded_by"`
	UploadedAt    time.Time `json:"uploaded_at"`
}

// AttachmentKinds are the reports the rules ask for.
var AttachmentKinds = map[string]string{"assessment": "综合评估报告", "expert": "专家论证报告", "consultation": "征求意见报告"}

// MaxAttachmentBytes bounds one uploaded report.
const MaxAttachmentBytes = 10 << 20

// Comment is a member of the public's comment on a name on notice.
type Comment struct {
	ID            int64     `json:"id"`
	ApplicationID int64     `json:"application_id"`
	Author        string    `json:"author"`
	Text          string    `json:"text"`
	CreatedAt     time.Time `json:"created_at"`
}

// AppFilter selects applications.
type AppFilter struct {
	Status    AppStatus
	Applicant string
}

// Publication is what publishing an application writes with it, in the same
// transaction: the place record, and the claim on the name in its scope that
// makes two applications for the same name in one scope publish only once.
type Publication struct {
	Place     Place
	Reason    string
	ClaimKey  string // NameScopes.ClaimKey of the published name; "" for a cancellation
	Cancelled bool
}

// ApplicationStore keeps applications. Every write checks a.Version against
// the stored one (ECONFLICT when stale), bumps it and appends the event,
// all in one transaction with an audit entry.
type ApplicationStore interface {
	CreateApplication(ctx context.Context, actor diming.Actor, a Application) (Application, error)
	Application(ctx context.Context, id int64) (Application, error)
	Applications(ctx context.Context, f AppFilter) ([]Application, error)
	ApplicationEvents(ctx context.Context, id int64) ([]AppEvent, error)
	// UpdateApplication writes a's new state and ev. With pub, it also writes
	// the place and takes the name claim (ECONFLICT if the name is taken).
	UpdateApplication(ctx context.Context, actor diming.Actor, a Application, ev AppEvent, pub *Publication) (Application, error)
	AddAttachment(ctx context.Context, actor diming.Actor, att Attachment, data []byte) (Attachment, error)
	Attachments(ctx context.Context, applicationID int64) ([]Attachment, error)
	AttachmentData(ctx context.Context, applicationID, attachmentID int64) (Attachment, []byte, error)
	AddComment(ctx context.Context, c Comment) (Comment, error)
	Comments(ctx context.Context, applicationID int64) ([]Comment, error)
}

// ValidateApplication checks what an applicant may write.
func ValidateApplication(a Application) error {
	switch a.Kind {
	case KindNaming, KindRenaming, KindCancellation:
	default:
		return diming.Errorf(diming.EINVALID, "申请类型 %q 无效：应为 naming（命名）、renaming（更名）或 cancellation（注销）",
			"invalid application kind %q: use naming, renaming or cancellation", a.Kind)
	}
	if a.Kind != KindNaming && a.PlaceID <= 0 {
		return diming.Errorf(diming.EINVALID, "更名或注销申请须指明原地名（place_id）", "a renaming or cancellation names the existing place (place_id)")
	}
	if err := CheckName(a.Name); err != nil {
		e := err.(*diming.Error)
		return &diming.Error{Code: diming.EINVALID, Message: "拟用名称" + e.Message, MessageEN: "proposed name " + e.MessageEN}
	}
	if _, err := CategoryByCode(a.Category); err != nil {
		return err
	}
	if code, err := NormalizeCode(a.DivisionCode); err != nil || code != a.DivisionCode {
		return diming.Errorf(diming.EINVALID, "所在政区代码 %q 必须为 12 位数字", "division code %q must have 12 digits", a.DivisionCode)
	}
	if a.Kind == KindNaming && a.Geometry == nil {
		return diming.Errorf(diming.EINVALID, "命名申请须给出位置", "a naming application needs a location")
	}
	if a.Geometry != nil {
		if err := ValidatePlaceGeometry(a.Geometry); err != nil {
			return diming.Errorf(diming.EINVALID, "位置无效", "invalid location")
		}
	}
	for name, v := range map[string]string{"方案及理由": a.Reasons, "位置描述": a.LocationDescription, "含义": a.Meaning, "来历": a.Origin, "处理意见": a.DecisionNote, "特批理由": a.OverrideReason} {
		if utf8.RuneCountInString(v) > MaxPlaceText || !utf8.ValidString(v) || strings.ContainsFunc(v, badControl) {
			return diming.Errorf(diming.EINVALID, "%s超过 %d 字或含有控制字符", "%[1]s is longer than %[2]d characters or has control characters", name, MaxPlaceText)
		}
	}
	if !validRomanization(a.Romanization) {
		return diming.Errorf(diming.EINVALID, "罗马字母拼写 %q 只能含拉丁字母、空格、隔音符号和连字符", "romanization %q may contain only Latin letters, spaces, apostrophes and hyphens", a.Romanization)
	}
	return nil
}

// ApplicationRecord is the JSON an application is stored and audited as.
func (a Application) Record() json.RawMessage {
	rec := struct {
		Application
		Geometry any `json:"geometry"`
	}{Application: a}
	if a.Geometry != nil {
		rec.Geometry = geojson.NewGeometry(a.Geometry)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return json.RawMessage(`null`)
	}
	return b
}

// ApplicationFromRecord reads what Record wrote.
func ApplicationFromRecord(b []byte) (Application, error) {
	var rec struct {
		Application
		Geometry json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return Application{}, err
	}
	a := rec.Application
	if len(rec.Geometry) > 0 && string(rec.Geometry) != "null" {
		g, err := geojson.UnmarshalGeometry(rec.Geometry)
		if err != nil {
			return a, err
		}
		a.Geometry = g.Geometry()
	}
	return a, nil
}

// DeadlineDays is how long after approval the filing (备案) and the
// announcement (公告) are due (实施办法: within 15 days).
const DeadlineDays = 15

// Deadlines are the filing and announcement dates due for an approved
// application, and which of them are overdue on today.
type Deadlines struct {
	FilingDue          string `json:"filing_due,omitempty"`
	PublicationDue     string `json:"publication_due,omitempty"`
	FilingOverdue      bool   `json:"filing_overdue,omitempty"`
	PublicationOverdue bool   `json:"publication_overdue,omitempty"`
}

// DeadlinesOf computes an application's deadlines (none before approval).
func DeadlinesOf(a Application, today time.Time) Deadlines {
	approved, err := time.Parse(time.DateOnly, a.ApprovedOn)
	if err != nil || (a.Status != StatusApproved && a.Status != StatusPublished) {
		return Deadlines{}
	}
	due := approved.AddDate(0, 0, DeadlineDays).Format(time.DateOnly)
	day := today.Format(time.DateOnly)
	return Deadlines{FilingDue: due, PublicationDue: due,
		FilingOverdue: a.FiledOn == "" && day > due, PublicationOverdue: a.PublishedOn == "" && day > due}
}
