package rowstore

import (
	"diming"
	"diming/gazetteer"
)

// Every message either store gives is here, once.

// Reason is why a statement failed, as a driver's error code tells it.
type Reason struct {
	Code   diming.ErrorCode
	ZH, EN string
}

func (r Reason) fail(err error, op Op) error {
	return &diming.Error{Code: r.Code, Message: op.ZH + "：" + r.ZH, MessageEN: op.EN + ": " + r.EN, Err: err}
}

// The reasons both engines share.
var (
	ReasonTimeout = Reason{diming.EUNAVAILABLE, "数据库响应超时或请求被取消，请稍后重试",
		"the database timed out or the request was cancelled; please try again later"}
	ReasonExists     = Reason{diming.ECONFLICT, "记录已存在", "the record exists already"}
	ReasonConstraint = Reason{diming.EINVALID, "数据不符合约束", "the data breaks a constraint"}
	ReasonAppendOnly = Reason{diming.EFORBIDDEN, "不允许的操作（审计日志只能追加）", "not allowed (the audit log is append-only)"}
	ReasonClash      = Reason{diming.EUNAVAILABLE, "与其他修改冲突，请重试", "clashed with a concurrent change; please try again"}
)

// The reasons of one engine.
var (
	ReasonPoolClosed = Reason{diming.EUNAVAILABLE, "数据库连接池已关闭（服务正在停止），请稍后重试",
		"the database connection pool is closed (the service is stopping); please try again later"}
	ReasonPostGISUnreachable = Reason{diming.EUNAVAILABLE, "无法连接 PostGIS 数据库（连接被拒绝或中断），请稍后重试",
		"cannot reach the PostGIS database (connection refused or broken); please try again later"}
	ReasonSQLiteUnavailable = Reason{diming.EUNAVAILABLE, "嵌入式数据库暂不可用，请稍后重试",
		"the embedded database is unavailable; please try again later"}
)

// ReasonPostGISDown is a server-side failure (SQLSTATE class 08, 53, 57, 58).
func ReasonPostGISDown(sqlstate string) Reason {
	return Reason{diming.EUNAVAILABLE, "PostGIS 数据库暂不可用（SQLSTATE " + sqlstate + "），请稍后重试",
		"the PostGIS database is unavailable (SQLSTATE " + sqlstate + "); please try again later"}
}

// What a store was doing.
var (
	OpConnectPostGIS  = Op{"连接 PostGIS", "connect to PostGIS"}
	OpReachPostGIS    = Op{"连接 PostGIS", "reach PostGIS"}
	OpReachSQLite     = Op{"连接嵌入式数据库", "reach the embedded database"}
	OpMigrationLock   = Op{"获取迁移锁", "take the migration lock"}
	OpMigrationsTable = Op{"创建迁移表", "create the migrations table"}
	OpSchemaVersion   = Op{"读取数据库版本", "read the schema version"}
	OpMigrate         = Op{"数据库迁移", "migrate"}

	OpAppendAudit = Op{"写入审计日志", "append to the audit log"}
	OpQueryAudit  = Op{"查询审计日志", "query the audit log"}
	OpChangeMark  = Op{"读取变更标记", "read the change mark"}

	OpQueryDivisions   = Op{"查询行政区划", "query divisions"}
	OpReadDivision     = Op{"读取行政区划", "read division"}
	OpCountDivisions   = Op{"统计行政区划", "count divisions"}
	OpWriteDivisions   = Op{"写入行政区划", "write divisions"}
	OpRewriteLines     = Op{"重写界线", "rewrite boundary lines"}
	OpQueryPlaces      = Op{"查询地名", "query places"}
	OpReadPlace        = Op{"读取地名", "read place"}
	OpCountPlaces      = Op{"统计地名", "count places"}
	OpPlaceHistory     = Op{"查询地名历史", "query place history"}
	OpWritePlaces      = Op{"写入地名", "write places"}
	OpWritePlaceHist   = Op{"写入地名历史", "write place history"}
	OpQueryMarkers     = Op{"查询界桩", "query markers"}
	OpReadMarker       = Op{"读取界桩", "read the marker"}
	OpStoreMarker      = Op{"保存界桩", "store the marker"}
	OpRecordInspection = Op{"记录巡查", "record the inspection"}
	OpQueryInspections = Op{"查询巡查记录", "query inspections"}

	OpCreateApplication = Op{"创建申请", "create the application"}
	OpReadApplication   = Op{"读取申请", "read the application"}
	OpQueryApplications = Op{"查询申请", "query applications"}
	OpQueryAppEvents    = Op{"查询申请记录", "query application events"}
	OpUpdateApplication = Op{"更新申请", "update the application"}
	OpStoreAttachment   = Op{"保存附件", "store the attachment"}
	OpQueryAttachments  = Op{"查询附件", "query attachments"}
	OpReadAttachment    = Op{"读取附件", "read the attachment"}
	OpStoreComment      = Op{"保存意见", "store the comment"}
	OpQueryComments     = Op{"查询意见", "query comments"}

	OpQueryFacilities  = Op{"查询设施", "query facilities"}
	OpReadFacility     = Op{"读取设施", "read the facility"}
	OpStoreFacility    = Op{"保存设施", "store the facility"}
	OpDeleteFacility   = Op{"删除设施", "delete the facility"}
	OpImportFacilities = Op{"导入设施", "import facilities"}
	OpQueryRoads       = Op{"查询路网", "query the road network"}
	OpImportRoads      = Op{"导入路网", "import the road network"}
	OpQueryHouseholds  = Op{"查询住户点", "query household points"}
	OpImportHouseholds = Op{"导入住户点", "import household points"}
	OpSaveRun          = Op{"保存覆盖率结果", "save the coverage run"}
	OpQueryRuns        = Op{"查询覆盖率结果", "query coverage runs"}
	OpReadRun          = Op{"读取覆盖率结果", "read the coverage run"}

	OpCreateUser    = Op{"创建账号", "create the account"}
	OpReadUser      = Op{"读取账号", "read the account"}
	OpSetPassword   = Op{"修改口令", "change the password"}
	OpCreateToken   = Op{"创建令牌", "create the token"}
	OpReadToken     = Op{"读取令牌", "read the token"}
	OpCleanSessions = Op{"清理会话", "clean up sessions"}
	OpCreateSession = Op{"创建会话", "create the session"}
	OpReadSession   = Op{"读取会话", "read the session"}
	OpDeleteSession = Op{"结束会话", "end the session"}
)

// OpWritePlace and the like name the record a statement of a batch wrote.
func OpWritePlace(name string) Op  { return Op{"写入地名 " + name, "write place " + name} }
func OpUpdatePlace(name string) Op { return Op{"更新地名 " + name, "update place " + name} }
func OpWriteDivision(code string) Op {
	return Op{"写入行政区划 " + code, "write division " + code}
}
func OpStoreFacilityNamed(name string) Op {
	return Op{"保存设施 " + name, "store facility " + name}
}

// Schema versions.

// UnknownSchema refuses a database newer than the binary.
func UnknownSchema(current, latest int) error {
	return diming.Errorf(diming.EUNAVAILABLE,
		"数据库结构版本 %d 比本程序认识的版本 %d 新：请使用更新的 diming",
		"the database schema is at version %d, newer than this binary's %d: use a newer diming", current, latest)
}

// CheckSchemaVersion is nil when v is the binary's latest version; an older
// schema needs `diming migrate`, a newer one a newer binary.
func CheckSchemaVersion(v, latest int) error {
	switch {
	case v > latest:
		return UnknownSchema(v, latest)
	case v < latest:
		return diming.Errorf(diming.EUNAVAILABLE,
			"数据库结构版本为 %d，本程序需要 %d：请先运行 diming migrate",
			"the database schema is at version %d, this binary needs %d: run diming migrate first", v, latest)
	}
	return nil
}

// Not found.

func NoDivision(code string) error {
	return diming.Errorf(diming.ENOTFOUND, "没有代码为 %s 的行政区划", "no division with code %s", code)
}

func NoPlace(id int64) error {
	return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的地名", "no place with id %d", id)
}

func NoApplication(id int64) error {
	return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的申请", "no application with id %d", id)
}

func NoAttachment() error {
	return diming.Errorf(diming.ENOTFOUND, "没有这个附件", "no such attachment")
}

func NoMarker() error { return diming.Errorf(diming.ENOTFOUND, "没有这个界桩", "no such marker") }

func NoFacility(id int64) error {
	return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的设施", "no facility with id %d", id)
}

func NoRun(id int64) error {
	return diming.Errorf(diming.ENOTFOUND, "没有编号为 %d 的覆盖率结果", "no coverage run with id %d", id)
}

func NoUser() error { return diming.Errorf(diming.ENOTFOUND, "没有这个账号", "no such account") }

func NoToken() error { return diming.Errorf(diming.ENOTFOUND, "没有这个令牌", "unknown token") }

func NoSession() error {
	return diming.Errorf(diming.ENOTFOUND, "会话不存在或已结束", "no such session")
}

// Conflicts.

// StaleApplication: a write based on version a.Version while old is stored.
func StaleApplication(a, old gazetteer.Application) error {
	return diming.Errorf(diming.ECONFLICT, "申请 #%d 已被他人处理（当前第 %d 版，操作基于第 %d 版），请刷新后重试",
		"application #%d was changed by someone else (now version %d, this is based on %d): reload and retry", a.ID, old.Version, a.Version)
}

// NameTaken: the publication's claim key is held already.
func NameTaken(a gazetteer.Application) error {
	return diming.Errorf(diming.ECONFLICT, "同一范围内已公告同名或同音的地名，申请 #%d（%s）不能公告",
		"a name that is the same or sounds the same is already published in this scope: application #%d (%s) cannot be published", a.ID, a.Name)
}

func StaleMarker(number string) error {
	return diming.Errorf(diming.ECONFLICT, "界桩 %s 已被他人修改，请刷新后重试", "marker %s was changed by someone else: reload and retry", number)
}

func MarkerNumberTaken(number string) error {
	return diming.Errorf(diming.ECONFLICT, "界桩编号 %s 已存在", "marker number %s exists already", number)
}

func StaleFacility(name string, version, now int) error {
	return diming.Errorf(diming.ECONFLICT, "设施“%s”已被他人修改（版本 %d，现为 %d），请刷新后重试",
		"facility %s: stale version %d (now %d): reload and retry", name, version, now)
}

func FacilityCodeTaken(code string, cause error) error {
	return diming.Wrap(cause, diming.ECONFLICT, "设施编号 %s 已被其他设施使用", "facility code %s is taken by another facility", code)
}

func UserNameTaken(name string) error {
	return diming.Errorf(diming.ECONFLICT, "用户名 %s 已被使用", "user name %s is taken", name)
}
