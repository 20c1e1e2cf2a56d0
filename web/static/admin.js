'use strict';
// The officials' console (地名网上审批): login, the queue of naming
// applications by state, filing and editing an application with the
// automatic naming checks, and an application's page with its checks, map,
// attachments, record of events and the actions the user's role allows.
// Everything comes from this service's own API (same origin). Every write
// sends the session's CSRF token in X-CSRF-Token. Hash routes:
//   #/ , #/?status=S      the queue (S: todo, all, overdue or a status;
//                         overdue: approved names whose filing (备案) or
//                         announcement (公告) is late, for reviewers and approvers)
//   #/new                 file a new application
//   #/app/ID              one application
//   #/app/ID/edit         edit a draft (applicant) or one under review (reviewer)
(() => {
  const { $, h, fill } = window.DimingDOM;
  const DISTRICT = '500106000000';
  const CSRF_KEY = 'diming.console.csrf';
  const MAX_PDF = 10 << 20;
  const STATUSES = ['draft', 'submitted', 'under_review', 'on_notice', 'approved', 'rejected', 'published', 'withdrawn'];
  const FINAL = ['rejected', 'published', 'withdrawn'];

  // ---------------------------------------------------------------- i18n
  const I18N = {
    zh: {
      skip: '跳到主要内容',
      title: '地名网上审批',
      subtitle: '沙坪坝区民政局区划地名科 · 命名、更名、注销申请的审核、公示、批准与公告',
      logout: '退出登录',
      langButton: 'English', langButtonLabel: 'Switch to English',
      loginTitle: '工作人员登录', userName: '用户名', password: '密码', login: '登录', loggingIn: '正在登录…',
      publicLink: '返回公众查询页面',
      loginNeeded: '请填写用户名和密码。',
      sessionLost: '登录已过期或已在别处退出，请重新登录。',
      loggedOut: '已退出登录。',
      listTitle: '申请列表', newApplication: '新建申请', filterLabel: '按状态筛选',
      colId: '编号', colName: '拟用名称', colKind: '类型', colCategory: '类别', colDivision: '所属政区',
      colStatus: '状态', colChecks: '自动检查', colApplicant: '申请人', colUpdated: '更新时间',
      colDeadlines: '备案 / 公告期限', colStdName: '标准名称', colApprovedBy: '批准机关', colApprovedOn: '批准日期',
      colFiling: '备案', colPublication: '公告',
      filter_todo: '待我办理', filter_all: '全部', filter_overdue: '逾期未备案/公告',
      loadingList: '正在加载申请…',
      listCount: (f, n) => `${f}：${n} 件申请`,
      listEmpty: f => `${f}：没有申请。`,
      overdueCount: n => `逾期未备案或未公告的地名：${n} 个（批准后 15 日内应备案并公告）`,
      overdueEmpty: '没有逾期未备案或未公告的地名。',
      overdue: '逾期', filingOverdue: '备案逾期', publicationOverdue: '公告逾期',
      filingDueLine: '备案期限', filedLine: '已备案', publicationDueLine: '公告期限', publishedLine: '已公告',
      notFiled: '未备案', notPublished: '未公告',
      exportsTitle: '导出', exportAnnouncements: '地名公告', exportFilings: '备案报表',
      exportAnnouncementsXLSX: '地名公告（Excel）', exportAnnouncementsCSV: '地名公告（CSV）',
      exportFilingsXLSX: '备案报表（Excel）', exportFilingsCSV: '备案报表（CSV）',
      exportsHint: '地名公告为已公告的标准地名；备案报表列出已批准地名的备案、公告日期与期限。CSV 为 UTF-8 编码，可直接用 Excel 打开。',
      checksOK: '通过', checksBlock: n => `阻止 ${n}`, checksWarn: n => `警告 ${n}`,
      backToList: '← 返回申请列表',
      newTitle: '新建地名申请', editTitle: id => `修改申请 #${id}`,
      basics: '拟用名称', kind: '申请类型',
      kind_naming: '命名', kind_renaming: '更名', kind_cancellation: '注销',
      placeSearch: '原地名（更名或注销的标准地名）', find: '查找', placeHint: '输入名称后点“查找”，再从下拉框中选择。',
      placePick: '选择原地名', placeNone: '（未选择）', placeFound: n => `找到 ${n} 个地名，请在下拉框中选择。`, placeNotFound: '没有找到这个地名。',
      name: '拟用名称', nameHint: '专名＋通名，如 青杠林路、华岩镇。',
      category: '地名类别', choose: '请选择',
      romanization: '罗马字母拼写', romHint: '留空则在“检查名称”后填入系统建议的拼写，请核对多音字。',
      where: '所属政区与位置', township: '街道 / 镇', village: '社区 / 村',
      wholeDistrict: '沙坪坝区（全区）', wholeTownship: '（整个街道或镇）', divisionCode: '政区代码：',
      lon: '经度', lat: '纬度', crs: '坐标系',
      crs_wgs84: 'WGS84 / GPS', crs_cgcs2000: 'CGCS2000 / 天地图', crs_gcj02: 'GCJ-02 / 高德、腾讯', crs_bd09: 'BD-09 / 百度',
      locHint: '位置为一个点（十进制度）。从高德、腾讯或百度地图复制的坐标请选对应坐标系，系统会换算；也可在下方示意图上点击选点。',
      pickInside: '取所选政区内一点',
      locationDescription: '位置描述',
      locationDescriptionHint: '选填。写明地理实体的起止或四至，如“东起青木湖村委会，西至青杠林”；批准后载入地名公告。',
      formMapCaption: '示意图：点击图上位置即填入 WGS84 经纬度（等距圆柱投影，非导航用）',
      mapCaption: '位置示意图（等距圆柱投影，非导航用）',
      mapLabel: name => `${name}的位置示意图`,
      mapNotShown: '坐标不是 WGS84 或 CGCS2000，示意图不显示换算前的位置。',
      noLocation: '未填写位置。',
      texts: '方案及理由、含义、来历', reasons: '方案及理由', meaning: '含义', origin: '来历',
      checkName: '检查名称', checking: '正在检查…', saveDraft: '保存为草稿', saveChanges: '保存修改', saving: '正在保存…',
      checksTitle: '自动检查结果',
      checksNone: '自动检查未发现问题。',
      checksBlocked: '存在“阻止”项：按现状不能批准。',
      checksBlockedOverridable: '存在“阻止”项，均可由审批人书面说明理由后豁免。',
      checksWarnOnly: '没有阻止项；“警告”项需人工判断。',
      checksNotRun: '尚未检查。',
      proposedRomanization: r => `系统建议的罗马字母拼写：${r}`,
      sev_block: '阻止', sev_warn: '警告', sev_info: '提示',
      check_record: '申请记录', check_structure: '名称结构', check_characters: '用字', check_duplicate: '重名',
      check_homophone: '同音', check_near_duplicate: '近似', check_word_list: '词表', check_protected: '历史地名保护',
      check_geometry: '位置',
      overridable: '可由审批人书面说明理由后豁免',
      rule: '依据', evidence: '相关地名',
      src_division: '行政区划', 'src_reference:chongqing-townships': '重庆市乡镇（街道）名录',
      errName: '请填写拟用名称。', errCategory: '请选择地名类别。', errPlace: '更名或注销须选择原地名。',
      errLonLat: '经度和纬度须同时填写，为十进制度数（经度 −180 至 180，纬度 −90 至 90）。',
      errNoDivisionShape: '所选政区没有边界数据，无法取点。',
      errLocation: '命名申请须给出位置：填写经纬度，或在示意图上点选。',
      saved: '已保存为草稿。', savedChanges: '修改已保存。',
      actionsTitle: '办理', noActions: '当前状态下您没有可办理的操作。',
      act_edit: '修改申请', act_submit: '提交申请', act_review: '受理审核', act_notice: '发布公示',
      act_approve: '批准', act_reject: '不予批准（驳回）', act_publish: '公告（写入标准地名）', act_withdraw: '撤回申请',
      act_file: '备案',
      noticeStart: '公示开始日期', noticeEnd: '公示结束日期',
      noticeHint: d => `留空则自今日起公示 ${d} 天（只填开始日期则自该日起 ${d} 天）。公示期满后由审批人批准；公示期为 0 天时开始与结束为同一天。`,
      fileNote: '备案说明（选填，如报送机关、文号）', fileHint: '记录本地名的批准已向上级主管部门备案，备案日期为今日。',
      approveNote: '审批意见', overrideReason: '豁免理由（必填：存在可豁免的阻止项）',
      approveNotYet: end => `公示期至 ${end} 结束，期满后方可批准。`,
      approveBlocked: '存在不可豁免的阻止项，不能批准；可驳回或退回修改。',
      rejectNote: '驳回理由（必填）',
      errRejectNote: '请填写驳回理由。', errOverride: '存在可豁免的阻止项，请填写豁免理由。',
      errDates: '公示日期应为完整的年-月-日，结束日期不早于开始日期（开始日期留空即为今日）。',
      done_submit: '申请已提交。', done_review: '已受理，进入审核。', done_notice: '已发布公示。', done_approve: '已批准。',
      done_reject: '已驳回。', done_publish: '已公告，标准地名已写入地名库。', done_withdraw: '申请已撤回。', done_file: '已备案。',
      viewPublished: '在公众查询页查看',
      f_id: '申请编号', f_kind: '类型', f_status: '状态', f_category: '地名类别', f_division: '所属政区', f_place: '原地名',
      f_location: '位置（WGS84）', f_applicant: '申请人', f_notice: '公示期', f_approvedBy: '批准机关', f_approvedOn: '批准日期',
      f_decision: '审批意见', f_override: '豁免理由', f_published: '公告地名', f_version: '版本', f_created: '创建时间', f_updated: '更新时间',
      f_filingDue: '备案期限', f_filedOn: '备案日期', f_publicationDue: '公告期限', f_publishedOn: '公告日期',
      notRecorded: '未填写',
      blockedBadge: '检查未通过',
      attachmentsTitle: '附件（综合评估、专家论证、征求意见报告）', attKind: '附件类型', attFile: 'PDF 文件（不超过 10 MB）', upload: '上传', uploading: '正在上传…',
      att_assessment: '综合评估报告', att_expert: '专家论证报告', att_consultation: '征求意见报告',
      noAttachments: '暂无附件。', uploaded: name => `已上传：${name}`,
      errNoFile: '请选择一个 PDF 文件。', errNotPDF: '只能上传 PDF 文件。', errTooBig: '文件超过 10 MB。',
      commentsTitle: '公示期间的公众意见', noComments: '暂无公众意见。', nComments: n => `共 ${n} 条意见。`, anonymous: '匿名',
      eventsTitle: '办理记录', at: '时间', actor: '操作人', action: '操作', transition: '状态变化', note: '说明', noEvents: '暂无记录。',
      ev_create: '创建', ev_created: '创建', ev_edit: '修改', ev_update: '修改', ev_updated: '修改', ev_submit: '提交', ev_review: '受理审核',
      ev_notice: '发布公示', ev_approve: '批准', ev_reject: '驳回', ev_publish: '公告', ev_withdraw: '撤回', ev_file: '备案',
      ev_attach: '上传附件', ev_attachment: '上传附件', ev_comment: '公众意见', ev_override: '豁免',
      status_draft: '草稿', status_submitted: '已提交', status_under_review: '审核中', status_on_notice: '公示中',
      status_approved: '已批准', status_rejected: '未予批准', status_published: '已公告', status_withdrawn: '已撤回',
      role_applicant: '申请人', role_reviewer: '审核人', role_approver: '审批人', role_admin: '管理员',
      footer: '本页面仅供工作人员使用；所有修改均记入办理记录。',
      loading: '正在加载…',
      networkError: '无法连接服务，请检查网络后重试。',
      httpError: s => `服务返回错误（HTTP ${s}）。`,
      badResponse: '服务返回的内容无法解析。',
      conflictHint: '申请已被他人修改：请刷新页面后再操作。',
      reload: '刷新',
      notFound: id => `没有编号为 ${id} 的申请。`,
    },
    en: {
      skip: 'Skip to main content',
      title: 'Place-name approval',
      subtitle: 'Shapingba civil-affairs bureau · naming, renaming and cancellation: review, public notice, approval and publication',
      logout: 'Log out',
      langButton: '中文', langButtonLabel: '切换到中文',
      loginTitle: 'Staff login', userName: 'User name', password: 'Password', login: 'Log in', loggingIn: 'Logging in…',
      publicLink: 'Back to the public lookup',
      loginNeeded: 'Enter your user name and password.',
      sessionLost: 'Your session has ended; please log in again.',
      loggedOut: 'Logged out.',
      listTitle: 'Applications', newApplication: 'New application', filterLabel: 'Filter by status',
      colId: 'No.', colName: 'Proposed name', colKind: 'Kind', colCategory: 'Category', colDivision: 'Division',
      colStatus: 'Status', colChecks: 'Checks', colApplicant: 'Applicant', colUpdated: 'Updated',
      colDeadlines: 'Filing / announcement due', colStdName: 'Standard name', colApprovedBy: 'Approving authority', colApprovedOn: 'Approved on',
      colFiling: 'Filing', colPublication: 'Announcement',
      filter_todo: 'For me', filter_all: 'All', filter_overdue: 'Filing or announcement overdue',
      loadingList: 'Loading applications…',
      listCount: (f, n) => `${f}: ${n} application${n === 1 ? '' : 's'}`,
      listEmpty: f => `${f}: no applications.`,
      overdueCount: n => `Names whose filing or announcement is overdue: ${n} (both are due within 15 days of approval)`,
      overdueEmpty: 'Nothing is overdue: every approved name was filed and announced in time.',
      overdue: 'Overdue', filingOverdue: 'Filing overdue', publicationOverdue: 'Announcement overdue',
      filingDueLine: 'filing due', filedLine: 'filed', publicationDueLine: 'announcement due', publishedLine: 'announced',
      notFiled: 'not filed', notPublished: 'not announced',
      exportsTitle: 'Exports', exportAnnouncements: 'Announcements', exportFilings: 'Filing report',
      exportAnnouncementsXLSX: 'Announcements (Excel)', exportAnnouncementsCSV: 'Announcements (CSV)',
      exportFilingsXLSX: 'Filing report (Excel)', exportFilingsCSV: 'Filing report (CSV)',
      exportsHint: 'Announcements: the published standard names. Filing report: approved names with their filing and announcement dates and deadlines. The CSV files are UTF-8 and open in Excel.',
      checksOK: 'passed', checksBlock: n => `${n} blocking`, checksWarn: n => `${n} warning${n === 1 ? '' : 's'}`,
      backToList: '← Back to the list',
      newTitle: 'New place-name application', editTitle: id => `Edit application #${id}`,
      basics: 'Proposed name', kind: 'Kind',
      kind_naming: 'Naming', kind_renaming: 'Renaming', kind_cancellation: 'Cancellation',
      placeSearch: 'Existing name (to rename or cancel)', find: 'Find', placeHint: 'Type a name, press Find, then choose from the list.',
      placePick: 'Choose the existing name', placeNone: '(none)', placeFound: n => `${n} found; choose one from the list.`, placeNotFound: 'No such place name.',
      name: 'Proposed name', nameHint: 'Specific + generic part, e.g. 青杠林路, 华岩镇.',
      category: 'Category', choose: 'Choose',
      romanization: 'Romanization', romHint: 'Left empty, it is filled with the proposed spelling after “Check name”; check polyphonic characters.',
      where: 'Division and location', township: 'Subdistrict / town', village: 'Community / village',
      wholeDistrict: 'Shapingba District (whole)', wholeTownship: '(the whole subdistrict or town)', divisionCode: 'Division code: ',
      lon: 'Longitude', lat: 'Latitude', crs: 'Coordinate system',
      crs_wgs84: 'WGS84 / GPS', crs_cgcs2000: 'CGCS2000 / Tianditu', crs_gcj02: 'GCJ-02 / Amap, Tencent', crs_bd09: 'BD-09 / Baidu',
      locHint: 'A point in decimal degrees. Coordinates copied from Amap, Tencent or Baidu maps need their coordinate system and are converted; or click the sketch map below.',
      pickInside: 'Use a point inside the chosen division',
      locationDescription: 'Location description',
      locationDescriptionHint: 'Optional. Where the feature runs or lies, e.g. “from the 青木湖村 committee east to 青杠林 west”; the announcement states it.',
      formMapCaption: 'Sketch: click to set a WGS84 point (equirectangular projection, not for navigation)',
      mapCaption: 'Location sketch (equirectangular projection, not for navigation)',
      mapLabel: name => `Where ${name} lies`,
      mapNotShown: 'The coordinates are not WGS84 or CGCS2000; the sketch does not show them unconverted.',
      noLocation: 'No location given.',
      texts: 'Reasons, meaning, origin', reasons: 'Proposal and reasons', meaning: 'Meaning', origin: 'Origin',
      checkName: 'Check name', checking: 'Checking…', saveDraft: 'Save as draft', saveChanges: 'Save changes', saving: 'Saving…',
      checksTitle: 'Automatic checks',
      checksNone: 'The automatic checks found nothing.',
      checksBlocked: 'Blocking results: this cannot be approved as it is.',
      checksBlockedOverridable: 'Blocking results, all of which the approver may override with a written reason.',
      checksWarnOnly: 'Nothing blocks; warnings need a human decision.',
      checksNotRun: 'Not checked yet.',
      proposedRomanization: r => `Proposed romanization: ${r}`,
      sev_block: 'Block', sev_warn: 'Warning', sev_info: 'Info',
      check_record: 'Record', check_structure: 'Structure', check_characters: 'Characters', check_duplicate: 'Duplicate',
      check_homophone: 'Homophone', check_near_duplicate: 'Near duplicate', check_word_list: 'Word list', check_protected: 'Protected name',
      check_geometry: 'Location',
      overridable: 'The approver may override this with a written reason',
      rule: 'Rule', evidence: 'Conflicting names',
      src_division: 'administrative division', 'src_reference:chongqing-townships': 'Chongqing township list',
      errName: 'Enter the proposed name.', errCategory: 'Choose a category.', errPlace: 'Renaming and cancellation need the existing name.',
      errLonLat: 'Give both longitude and latitude in decimal degrees (longitude −180 to 180, latitude −90 to 90).',
      errNoDivisionShape: 'The chosen division has no boundary to take a point from.',
      errLocation: 'A naming application needs a location: give longitude and latitude, or click the sketch map.',
      saved: 'Saved as a draft.', savedChanges: 'Changes saved.',
      actionsTitle: 'Actions', noActions: 'You have no actions on an application in this state.',
      act_edit: 'Edit', act_submit: 'Submit', act_review: 'Start review', act_notice: 'Put on public notice',
      act_approve: 'Approve', act_reject: 'Reject', act_publish: 'Publish (write the standard name)', act_withdraw: 'Withdraw',
      act_file: 'File (备案)',
      noticeStart: 'Notice starts', noticeEnd: 'Notice ends',
      noticeHint: d => `Left empty, the notice runs ${d} days from today (with only a start, ${d} days from then). The approver approves once the notice period is over; a 0-day notice starts and ends on the same day.`,
      fileNote: 'Filing note (optional: authority, reference number)', fileHint: 'Records that the approval was filed with the higher authority, today.',
      approveNote: 'Decision note', overrideReason: 'Override reason (required: overridable blocking results)',
      approveNotYet: end => `The notice runs until ${end}; approval is possible after that.`,
      approveBlocked: 'Blocking results that cannot be overridden: this cannot be approved.',
      rejectNote: 'Reason for rejection (required)',
      errRejectNote: 'Give the reason for rejection.', errOverride: 'Give the override reason.',
      errDates: 'Notice dates are full year-month-day dates, and the end cannot be before the start (an empty start is today).',
      done_submit: 'Submitted.', done_review: 'Under review.', done_notice: 'On public notice.', done_approve: 'Approved.',
      done_reject: 'Rejected.', done_publish: 'Published: the standard name is in the gazetteer.', done_withdraw: 'Withdrawn.', done_file: 'Filed.',
      viewPublished: 'See it on the public page',
      f_id: 'Application', f_kind: 'Kind', f_status: 'Status', f_category: 'Category', f_division: 'Division', f_place: 'Existing name',
      f_location: 'Location (WGS84)', f_applicant: 'Applicant', f_notice: 'Public notice', f_approvedBy: 'Approving authority', f_approvedOn: 'Approved on',
      f_decision: 'Decision note', f_override: 'Override reason', f_published: 'Published name', f_version: 'Version', f_created: 'Created', f_updated: 'Updated',
      f_filingDue: 'Filing due', f_filedOn: 'Filed on', f_publicationDue: 'Announcement due', f_publishedOn: 'Announced on',
      notRecorded: 'Not given',
      blockedBadge: 'Checks blocking',
      attachmentsTitle: 'Attachments (assessment, expert and consultation reports)', attKind: 'Kind', attFile: 'PDF file (at most 10 MB)', upload: 'Upload', uploading: 'Uploading…',
      att_assessment: 'Assessment report', att_expert: 'Expert report', att_consultation: 'Consultation report',
      noAttachments: 'No attachments.', uploaded: name => `Uploaded: ${name}`,
      errNoFile: 'Choose a PDF file.', errNotPDF: 'Only PDF files can be uploaded.', errTooBig: 'The file is larger than 10 MB.',
      commentsTitle: 'Public comments during the notice', noComments: 'No comments.', nComments: n => `${n} comment${n === 1 ? '' : 's'}.`, anonymous: 'anonymous',
      eventsTitle: 'Record', at: 'When', actor: 'By', action: 'Action', transition: 'Status', note: 'Note', noEvents: 'Nothing recorded.',
      ev_create: 'created', ev_created: 'created', ev_edit: 'edited', ev_update: 'edited', ev_updated: 'edited', ev_submit: 'submitted', ev_review: 'review started',
      ev_notice: 'put on notice', ev_approve: 'approved', ev_reject: 'rejected', ev_publish: 'published', ev_withdraw: 'withdrawn', ev_file: 'filed',
      ev_attach: 'attachment', ev_attachment: 'attachment', ev_comment: 'public comment', ev_override: 'override',
      status_draft: 'Draft', status_submitted: 'Submitted', status_under_review: 'Under review', status_on_notice: 'On notice',
      status_approved: 'Approved', status_rejected: 'Rejected', status_published: 'Published', status_withdrawn: 'Withdrawn',
      role_applicant: 'applicant', role_reviewer: 'reviewer', role_approver: 'approver', role_admin: 'administrator',
      footer: 'For staff only; every change is recorded.',
      loading: 'Loading…',
      networkError: 'Cannot reach the service; check the connection and try again.',
      httpError: s => `The service answered with an error (HTTP ${s}).`,
      badResponse: 'The service sent an answer that cannot be read.',
      conflictHint: 'Someone else changed this application: reload and try again.',
      reload: 'Reload',
      notFound: id => `No application numbered ${id}.`,
    },
  };
  let lang = 'zh';
  try { if (localStorage.getItem('diming.lang') === 'en') lang = 'en'; } catch { /* storage blocked */ }

  function t(key, ...args) {
    const v = key in I18N[lang] ? I18N[lang][key] : I18N.zh[key];
    return typeof v === 'function' ? v(...args) : (v === undefined ? key : v);
  }
  // tk is t for a key built from data (a status, an action), falling back to the raw value.
  function tk(prefix, value) {
    const key = prefix + value;
    return key in I18N.zh ? t(key) : String(value || '');
  }

  function applyLang() {
    document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
    const b = $('lang');
    b.textContent = t('langButton');
    b.lang = lang === 'en' ? 'zh-CN' : 'en';
    b.setAttribute('aria-label', t('langButtonLabel'));
    renderWho();
  }

  // ---------------------------------------------------------------- DOM helpers


  function showError(msg, extra) {
    const box = $('error');
    fill(box, msg, extra ? [' ', extra] : null);
    box.hidden = false;
  }
  function clearError() {
    $('error').hidden = true;
    $('error').replaceChildren();
  }
  let flashTimer = 0;
  let flashKeep = false;
  function flash(msg, extra, keep) {
    flashKeep = !!keep;
    const box = $('flash');
    fill(box, msg, extra ? [' ', extra] : null);
    box.hidden = false;
    clearTimeout(flashTimer);
    flashTimer = setTimeout(() => { box.hidden = true; }, 15000);
  }
  function clearFlash() {
    clearTimeout(flashTimer);
    $('flash').hidden = true;
  }
  function fieldError(el, on) {
    if (on) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }
  function busy(btn, on, label) {
    if (on) {
      btn.dataset.label = btn.textContent;
      btn.textContent = label;
      btn.disabled = true;
      btn.setAttribute('aria-busy', 'true');
    } else {
      if (btn.dataset.label) btn.textContent = btn.dataset.label;
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    }
  }

  const todayISO = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  function formatTime(s) {
    if (!s) return '';
    const d = new Date(s);
    if (isNaN(d)) return String(s);
    return d.toLocaleString(lang === 'en' ? 'en-GB' : 'zh-CN', { timeZone: 'Asia/Shanghai', dateStyle: 'medium', timeStyle: 'short' });
  }
  function formatSize(n) {
    if (!(n >= 0)) return '';
    if (n < 1024) return n + ' B';
    if (n < 1 << 20) return (n / 1024).toFixed(1) + ' KB';
    return (n / (1 << 20)).toFixed(1) + ' MB';
  }
  const divisionText = path => (Array.isArray(path) ? path : []).join(' › ');
  // personName shows an account or an audit actor ("user:shenhe" → shenhe).
  const personName = p => (p && typeof p === 'object') ? (p.display_name || p.name || '') : String(p || '').replace(/^user:/, '');

  // ---------------------------------------------------------------- session
  let me = null; // {name, display_name, role}
  let noticeDays = 7; // the server's default notice period (login and /me say it)
  let csrf = '';
  try { csrf = localStorage.getItem(CSRF_KEY) || ''; } catch { /* storage blocked */ }

  function setSession(user, token) {
    me = user;
    csrf = token || '';
    try {
      if (csrf) localStorage.setItem(CSRF_KEY, csrf);
      else localStorage.removeItem(CSRF_KEY);
    } catch { /* storage blocked */ }
    renderWho();
  }
  function has(...roles) {
    return !!me && (me.role === 'admin' || roles.includes(me.role));
  }
  function isOwner(app) {
    if (!me || !app) return false;
    const a = app.applicant;
    const names = [me.name, me.display_name].filter(Boolean);
    if (a && typeof a === 'object') return names.includes(a.name) || names.includes(a.display_name);
    return names.includes(a);
  }
  function renderWho() {
    const box = $('who');
    if (!box) return;
    if (!me) {
      box.hidden = true;
      return;
    }
    $('who-name').textContent = me.display_name && me.display_name !== me.name ? `${me.display_name}（${me.name}）` : me.name;
    $('who-role').textContent = tk('role_', me.role);
    box.hidden = false;
  }

  // ---------------------------------------------------------------- API
  class APIError extends Error {
    constructor(status, code, message, body) {
      super(message);
      this.status = status;
      this.code = code;
      this.body = body;
    }
  }

  // api fetches a same-origin JSON path. opts: method, json (a body to send
  // as JSON), form (a FormData), signal. Writes carry X-CSRF-Token. Errors
  // are APIErrors with the service's own message (Chinese unless English is on).
  async function api(path, opts = {}) {
    const headers = { 'Accept': 'application/json', 'Accept-Language': lang === 'en' ? 'en' : 'zh-CN,zh;q=0.9' };
    let body;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      body = opts.form;
    }
    const method = opts.method || (body !== undefined ? 'POST' : 'GET');
    if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
    let res;
    try {
      res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
    } catch (e) {
      if (e.name === 'AbortError') throw e;
      throw new APIError(0, 'network', t('networkError'));
    }
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      const e = data && data.error;
      const msg = e && (lang === 'en' ? (e.message_en || e.message) : e.message);
      throw new APIError(res.status, e ? e.code : 'http', msg || t('httpError', res.status), data);
    }
    if (data === null || typeof data !== 'object') throw new APIError(res.status, 'invalid', t('badResponse'));
    return data;
  }
  const isAbort = e => e && e.name === 'AbortError';

  // fail shows an error; a 401 means the session is gone: back to the login.
  function fail(e, where) {
    if (isAbort(e)) return;
    if (e && e.status === 401 && me) {
      setSession(null, '');
      showLogin(t('sessionLost'));
      return;
    }
    const msg = (e && e.message) || String(e);
    const box = where || null;
    if (box) {
      box.textContent = msg;
      box.hidden = false;
      return;
    }
    if (e && e.status === 409) {
      showError(msg, h('button', { type: 'button', class: 'link-button', onclick: () => route(), text: t('reload') }));
      return;
    }
    showError(msg);
  }

  // ---------------------------------------------------------------- reference data
  let categoriesP = null;
  function categories() {
    if (!categoriesP) {
      categoriesP = api('/api/v1/categories').then(b => Array.isArray(b.categories) ? b.categories : []);
      categoriesP.catch(() => { categoriesP = null; });
    }
    return categoriesP;
  }
  const divisionLists = new Map(); // query → Promise<Feature[]>
  function divisionList(query) {
    if (!divisionLists.has(query)) {
      const p = api('/api/v1/divisions?' + query).then(b => Array.isArray(b.features) ? b.features : []);
      divisionLists.set(query, p);
      p.catch(() => divisionLists.delete(query));
    }
    return divisionLists.get(query);
  }
  const divisionFeatures = new Map(); // code → Promise<Feature>
  function division(code) {
    if (!divisionFeatures.has(code)) {
      const p = api('/api/v1/divisions/' + encodeURIComponent(code));
      divisionFeatures.set(code, p);
      p.catch(() => divisionFeatures.delete(code));
    }
    return divisionFeatures.get(code);
  }
  function categoryName(code, cats) {
    const c = (cats || []).find(x => x.code === code);
    return c ? c.name : '';
  }

  // ---------------------------------------------------------------- views
  const VIEWS = ['login', 'list', 'form', 'detail'];
  function showView(name) {
    for (const v of VIEWS) {
      const el = $(v + '-view');
      el.hidden = v !== name;
      delete el.dataset.ready; // set again when the view has loaded
    }
  }

  let viewSeq = 0;
  function parseHash() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const [p, qs] = raw.split('?');
    return { path: p, params: new URLSearchParams(qs || '') };
  }

  function route() {
    const seq = ++viewSeq;
    clearError();
    if (!me) {
      showLogin();
      return;
    }
    const { path, params } = parseHash();
    let m;
    if (path === '/new') showForm(null, seq);
    else if ((m = /^\/app\/(\d+)\/edit$/.exec(path))) showForm(m[1], seq);
    else if ((m = /^\/app\/(\d+)$/.exec(path))) showDetail(m[1], seq);
    else showList(params.get('status') || 'todo', seq);
  }
  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  // ---------------------------------------------------------------- login
  function showLogin(note) {
    showView('login');
    document.title = t('loginTitle') + ' · ' + t('title');
    const n = $('login-note');
    n.textContent = note || '';
    n.hidden = !note;
    $('login-error').hidden = true;
    $('login-name').focus();
  }

  $('login-form').addEventListener('submit', async e => {
    e.preventDefault();
    const name = $('login-name').value.trim();
    const password = $('login-password').value;
    const errBox = $('login-error');
    errBox.hidden = true;
    fieldError($('login-name'), !name);
    fieldError($('login-password'), !password);
    if (!name || !password) {
      errBox.textContent = t('loginNeeded');
      errBox.hidden = false;
      (name ? $('login-password') : $('login-name')).focus();
      return;
    }
    const btn = $('login-submit');
    busy(btn, true, t('loggingIn'));
    try {
      const body = await api('/api/v1/login', { json: { name, password } });
      if (body.notice_days) noticeDays = body.notice_days;
      setSession(body.user, body.csrf_token);
      $('login-password').value = '';
      $('login-note').hidden = true;
      clearFlash();
      route();
    } catch (err) {
      errBox.textContent = err.message;
      errBox.hidden = false;
      fieldError($('login-password'), true);
      $('login-password').focus();
    } finally {
      busy(btn, false);
    }
  });

  $('logout').addEventListener('click', async () => {
    try {
      await api('/api/v1/logout', { method: 'POST' });
    } catch (e) {
      if (e.status !== 401 && e.status !== 403) { fail(e); return; }
    }
    setSession(null, '');
    location.hash = '#/';
    showLogin(t('loggedOut'));
  });

  // ---------------------------------------------------------------- list
  // needsFiling: an approved or published name not yet filed (备案).
  const needsFiling = app => (app.status === 'approved' || app.status === 'published') && !app.filed_on;

  function todoFilter(app) {
    if (!me) return false;
    if (me.role === 'admin') return !FINAL.includes(app.status) || needsFiling(app);
    const mine = [];
    if (me.role === 'applicant') return isOwner(app) && app.status === 'draft';
    if (needsFiling(app)) return true; // reviewers and approvers file
    if (me.role === 'reviewer') mine.push('submitted', 'under_review');
    if (me.role === 'approver') mine.push('on_notice', 'approved');
    return mine.includes(app.status);
  }

  const filterLabel = f => STATUSES.includes(f) ? tk('status_', f) : t('filter_' + f);

  async function showList(filter, seq) {
    showView('list');
    // The filing report and the overdue list are for reviewers and approvers (and admins).
    const files = has('reviewer', 'approver');
    const filters = ['todo', 'all', ...(files ? ['overdue'] : []), ...STATUSES];
    if (!filters.includes(filter)) filter = 'todo';
    const label = filterLabel(filter);
    document.title = label + ' · ' + t('title');
    fill($('filters'), filters.map(f => h('li', {},
      h('a', { href: '#/?status=' + f, 'aria-current': f === filter ? 'page' : null, 'data-status': f, text: filterLabel(f) }))));
    $('export-filings').hidden = !files;
    const status = $('list-status');
    const table = $('app-table');
    status.textContent = t('loadingList');
    $('list-view').setAttribute('aria-busy', 'true');
    $('filing-table').hidden = true;
    if (filter === 'overdue') {
      table.hidden = true;
      await showOverdue(label, seq);
      return;
    }
    try {
      const q = STATUSES.includes(filter) ? '?' + new URLSearchParams({ status: filter }) : '';
      const body = await api('/api/v1/applications' + q);
      if (seq !== viewSeq) return;
      let apps = Array.isArray(body.applications) ? body.applications : [];
      if (filter === 'todo') apps = apps.filter(todoFilter);
      else if (STATUSES.includes(filter)) apps = apps.filter(a => a.status === filter);
      apps.sort((a, b) => String(b.updated_at || '').localeCompare(String(a.updated_at || '')) || (b.id - a.id));
      fill($('app-rows'), apps.map(appRow));
      $('app-caption').textContent = label;
      table.hidden = apps.length === 0;
      status.textContent = apps.length ? t('listCount', label, apps.length) : t('listEmpty', label);
    } catch (e) {
      if (seq !== viewSeq) return;
      status.textContent = '';
      table.hidden = true;
      fail(e);
    } finally {
      if (seq === viewSeq) $('list-view').removeAttribute('aria-busy');
    }
  }

  function checkSummary(app) {
    const rs = Array.isArray(app.checks) ? app.checks : [];
    const nb = rs.filter(r => r.severity === 'block').length;
    const nw = rs.filter(r => r.severity === 'warn').length;
    if (!nb && !nw) return h('span', { class: 'sev sev-ok', text: t('checksOK') });
    return h('span', {},
      nb ? h('span', { class: 'sev sev-block', text: t('checksBlock', nb) }) : null,
      nb && nw ? ' ' : null,
      nw ? h('span', { class: 'sev sev-warn', text: t('checksWarn', nw) }) : null);
  }

  // showOverdue lists the approved names whose filing or announcement is late.
  async function showOverdue(label, seq) {
    const status = $('list-status');
    const table = $('filing-table');
    try {
      const body = await api('/api/v1/filings?overdue=true');
      if (seq !== viewSeq) return;
      const rows = Array.isArray(body.filings) ? body.filings : [];
      rows.sort((a, b) => String(a.filing_due || '').localeCompare(String(b.filing_due || '')) || (a.application_id - b.application_id));
      fill($('filing-rows'), rows.map(filingRow));
      $('filing-caption').textContent = label;
      table.hidden = rows.length === 0;
      status.textContent = rows.length ? t('overdueCount', rows.length) : t('overdueEmpty');
    } catch (e) {
      if (seq !== viewSeq) return;
      status.textContent = '';
      table.hidden = true;
      fail(e);
    } finally {
      if (seq === viewSeq) $('list-view').removeAttribute('aria-busy');
    }
  }

  function filingRow(f) {
    return h('tr', { 'data-id': f.application_id },
      h('td', { class: 'num', text: '#' + f.application_id }),
      h('td', {}, h('a', { href: '#/app/' + encodeURIComponent(f.application_id), class: 'app-link', text: f.name || '—' }),
        f.romanization ? h('span', { class: 'r-pinyin', lang: 'zh-Latn-pinyin', text: f.romanization }) : null),
      h('td', { text: tk('kind_', f.kind) }),
      h('td', { text: divisionText(f.division_path) }),
      h('td', { text: personName(f.approved_by) }),
      h('td', {}, f.approved_on ? dateEl(f.approved_on) : null),
      h('td', {}, deadlineLine('filing', f)),
      h('td', {}, deadlineLine('publication', f)));
  }

  // dateEl shows a YYYY-MM-DD date, never broken across lines.
  const dateEl = d => h('time', { class: 'date', datetime: d, text: d });

  function overdueBadge(text) {
    return h('span', { class: 'badge badge-overdue', text: text || t('overdue') });
  }

  // deadlineLine: the filing (备案) or announcement (公告) of x, an
  // application or a filing row: done on a date, or due by one (and maybe late).
  function deadlineLine(kind, x) {
    const filing = kind === 'filing';
    const due = filing ? x.filing_due : x.publication_due;
    const done = filing ? x.filed_on : x.published_on;
    const late = !done && !!(filing ? x.filing_overdue : x.publication_overdue);
    if (!due && !done) return null;
    return h('span', { class: 'deadline', 'data-deadline': kind, 'data-overdue': late ? 'true' : null },
      t(done ? (filing ? 'filedLine' : 'publishedLine') : (filing ? 'filingDueLine' : 'publicationDueLine')), ' ',
      dateEl(done || due), late ? [' ', overdueBadge()] : null);
  }

  function statusBadge(s) {
    return h('span', { class: 'status-badge st-' + s, text: tk('status_', s) });
  }

  function appRow(a) {
    return h('tr', { 'data-id': a.id, 'data-status': a.status },
      h('td', { class: 'num', text: '#' + a.id }),
      h('td', {}, h('a', { href: '#/app/' + encodeURIComponent(a.id), class: 'app-link', text: a.name || '—' }),
        a.romanization ? h('span', { class: 'r-pinyin', lang: 'zh-Latn-pinyin', text: a.romanization }) : null),
      h('td', { text: tk('kind_', a.kind) }),
      h('td', { text: a.category_name || a.category || '' }),
      h('td', { text: divisionText(a.division_path) }),
      h('td', {}, statusBadge(a.status)),
      h('td', { class: 'deadlines' }, a.filing_due ? deadlineLine('filing', a) : null, a.publication_due ? deadlineLine('publication', a) : null),
      h('td', {}, checkSummary(a)),
      h('td', { text: personName(a.applicant) }),
      h('td', {}, h('time', { datetime: a.updated_at || '', text: formatTime(a.updated_at) })));
  }

  // ---------------------------------------------------------------- form
  let editing = null; // the application being edited, or null for a new one
  let romAuto = true; // the romanization field holds the proposal (or nothing), not the user's own

  async function showForm(id, seq) {
    showView('form');
    const form = $('app-form');
    form.reset();
    $('form-error').hidden = true;
    $('f-checks').hidden = true;
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    editing = null;
    romAuto = true;
    $('f-save').textContent = t(id ? 'saveChanges' : 'saveDraft');
    $('f-save').dataset.i18n = id ? 'saveChanges' : 'saveDraft';
    $('form-title').textContent = id ? t('editTitle', id) : t('newTitle');
    document.title = $('form-title').textContent + ' · ' + t('title');
    fill($('f-place'), h('option', { value: '', text: t('placeNone') }));
    try {
      const [cats, towns] = await Promise.all([categories(), divisionList('level=township')]);
      if (seq !== viewSeq) return;
      fillCategories(cats);
      fill($('f-township'), h('option', { value: DISTRICT, text: t('wholeDistrict') }),
        towns.map(f => h('option', { value: f.id || f.properties.code, text: f.properties.name })));
      $('f-township').value = DISTRICT;
      await loadVillages(seq);
      if (id) {
        const app = await api('/api/v1/applications/' + encodeURIComponent(id));
        if (seq !== viewSeq) return;
        editing = app;
        await fillForm(app, seq);
      }
    } catch (e) {
      if (seq !== viewSeq) return;
      fail(e);
    }
    if (seq !== viewSeq) return;
    kindChanged();
    updateCode();
    drawFormMap();
    $('form-view').dataset.ready = id || 'new';
    $('form-title').focus({ preventScroll: true });
  }

  function fillCategories(cats) {
    const sel = $('f-category');
    const groups = [];
    let group = null;
    for (const c of cats) {
      if (c.code.length <= 2) {
        group = h('optgroup', { label: `${c.code} ${c.name}` });
        groups.push(group);
        continue;
      }
      const gen = Array.isArray(c.generics) && c.generics.length ? `（${c.generics.slice(0, 4).join('、')}${c.generics.length > 4 ? '…' : ''}）` : '';
      const opt = h('option', { value: c.code, text: `${c.code} ${c.name}${gen}` });
      if (group) group.append(opt);
      else groups.push(opt);
    }
    fill(sel, h('option', { value: '', text: t('choose') }), groups.filter(g => g.tagName !== 'OPTGROUP' || g.children.length));
  }

  async function loadVillages(seq) {
    const town = $('f-township').value;
    const sel = $('f-village');
    fill(sel, h('option', { value: '', text: t('wholeTownship') }));
    sel.disabled = true;
    if (!town || town === DISTRICT) return;
    try {
      const vs = await divisionList('parent=' + encodeURIComponent(town));
      if (seq !== undefined && seq !== viewSeq) return;
      if ($('f-township').value !== town) return;
      fill(sel, h('option', { value: '', text: t('wholeTownship') }),
        vs.map(f => h('option', { value: f.id || f.properties.code, text: f.properties.name })));
      sel.disabled = false;
    } catch (e) {
      fail(e);
    }
  }

  async function fillForm(app, seq) {
    $('f-kind').value = app.kind || 'naming';
    $('f-name').value = app.name || '';
    $('f-category').value = app.category || '';
    $('f-romanization').value = app.romanization || '';
    romAuto = !app.romanization;
    $('f-reasons').value = app.reasons || '';
    $('f-location-description').value = app.location_description || '';
    $('f-meaning').value = app.meaning || '';
    $('f-origin').value = app.origin || '';
    const code = String(app.division_code || DISTRICT);
    const town = /^\d{12}$/.test(code) && code.slice(6, 9) !== '000' ? code.slice(0, 9) + '000' : DISTRICT;
    $('f-township').value = town;
    await loadVillages(seq);
    if (code !== town) $('f-village').value = code;
    const g = app.geometry;
    if (g && g.type === 'Point') {
      $('f-lon').value = String(g.coordinates[0]);
      $('f-lat').value = String(g.coordinates[1]);
      $('f-crs').value = 'wgs84';
    }
    if (app.place_id) {
      let label = '#' + app.place_id;
      try {
        const p = await api('/api/v1/places/' + encodeURIComponent(app.place_id));
        label = `${p.name} · ${divisionText(p.division_path)} · #${p.id}`;
      } catch { /* keep the number */ }
      fill($('f-place'), h('option', { value: '', text: t('placeNone') }), h('option', { value: String(app.place_id), text: label }));
      $('f-place').value = String(app.place_id);
    }
    if (Array.isArray(app.checks)) renderChecksInto($('f-checks-body'), app.checks, app.romanization);
    $('f-checks').hidden = !Array.isArray(app.checks);
  }

  function divisionCode() {
    return $('f-village').value || $('f-township').value || DISTRICT;
  }
  function updateCode() {
    $('f-division-code').textContent = divisionCode();
  }

  function kindChanged() {
    $('place-box').hidden = $('f-kind').value === 'naming';
  }

  // readPoint returns [lon, lat], null when both are empty, or undefined when invalid.
  function readPoint() {
    const ls = $('f-lon').value.trim(), as = $('f-lat').value.trim();
    if (!ls && !as) return null;
    const lon = Number(ls), lat = Number(as);
    if (!ls || !as || !isFinite(lon) || !isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90) return undefined;
    return [lon, lat];
  }

  // formBody reads the form; with validate it marks the invalid fields and
  // returns null when one is.
  function formBody(validate, forFiling) {
    const errs = [];
    const kind = $('f-kind').value;
    const name = $('f-name').value.trim();
    const category = $('f-category').value;
    const placeID = $('f-place').value ? Number($('f-place').value) : null;
    const pt = readPoint();
    const bad = (el, msg, cond) => {
      fieldError(el, validate && cond);
      if (cond) errs.push([el, msg]);
    };
    bad($('f-name'), t('errName'), !name && kind !== 'cancellation');
    bad($('f-category'), t('errCategory'), !category && kind === 'naming');
    bad($('f-place'), t('errPlace'), kind !== 'naming' && !placeID);
    bad($('f-lon'), t('errLonLat'), pt === undefined);
    bad($('f-lon'), t('errLocation'), !!forFiling && kind === 'naming' && pt === null);
    fieldError($('f-lat'), validate && (pt === undefined || (!!forFiling && kind === 'naming' && pt === null)));
    if (validate && errs.length) {
      const box = $('form-error');
      fill(box, errs.map(([, m]) => h('span', { class: 'err-line', text: m })));
      box.hidden = false;
      errs[0][0].focus();
      return null;
    }
    $('form-error').hidden = true;
    const body = {
      kind, name, category, division_code: divisionCode(),
      geometry: pt ? { type: 'Point', coordinates: pt } : null,
      place_id: placeID,
      reasons: $('f-reasons').value.trim(),
      location_description: $('f-location-description').value.trim(),
      meaning: $('f-meaning').value.trim(),
      origin: $('f-origin').value.trim(),
      romanization: $('f-romanization').value.trim(),
    };
    if (pt) body.crs = $('f-crs').value;
    return body;
  }

  $('f-kind').addEventListener('change', kindChanged);
  $('f-township').addEventListener('change', async () => {
    updateCode();
    await loadVillages();
    updateCode();
    drawFormMap();
  });
  $('f-village').addEventListener('change', () => { updateCode(); drawFormMap(); });
  for (const id of ['f-lon', 'f-lat', 'f-crs']) $(id).addEventListener('change', () => drawFormMap());
  $('f-romanization').addEventListener('input', () => { romAuto = !$('f-romanization').value.trim(); });

  $('f-place-find').addEventListener('click', async () => {
    const q = $('f-place-q').value.trim();
    if (!q) { $('f-place-q').focus(); return; }
    try {
      const body = await api('/api/v1/places?' + new URLSearchParams({ q, limit: '20' }));
      const rs = Array.isArray(body.results) ? body.results : [];
      fill($('f-place'), h('option', { value: '', text: rs.length ? t('placeFound', rs.length) : t('placeNotFound') }),
        rs.map(r => h('option', { value: String(r.id), text: `${r.name} · ${divisionText(r.division_path)} · #${r.id}` })));
      $('f-place').focus();
    } catch (e) {
      fail(e);
    }
  });

  $('f-pick-inside').addEventListener('click', async () => {
    try {
      const f = await division(divisionCode());
      const p = interiorPoint(f.geometry);
      if (!p) { showError(t('errNoDivisionShape')); return; }
      $('f-lon').value = p[0].toFixed(6);
      $('f-lat').value = p[1].toFixed(6);
      $('f-crs').value = 'wgs84';
      fieldError($('f-lon'), false);
      fieldError($('f-lat'), false);
      drawFormMap();
    } catch (e) {
      fail(e);
    }
  });

  $('f-check').addEventListener('click', async () => {
    const body = formBody(true);
    if (!body) return;
    const btn = $('f-check');
    busy(btn, true, t('checking'));
    try {
      const res = await api('/api/v1/checks/name', { json: {
        name: body.name, category: body.category, division_code: body.division_code, geometry: body.geometry,
        crs: body.crs, kind: body.kind, place_id: body.place_id || 0,
      } });
      if (res.romanization && romAuto) $('f-romanization').value = res.romanization;
      renderChecksInto($('f-checks-body'), Array.isArray(res.results) ? res.results : [], res.romanization);
      $('f-checks').hidden = false;
    } catch (e) {
      fail(e, $('form-error'));
    } finally {
      busy(btn, false);
    }
  });

  $('app-form').addEventListener('submit', async e => {
    e.preventDefault();
    const body = formBody(true, true);
    if (!body) return;
    const btn = $('f-save');
    busy(btn, true, t('saving'));
    try {
      let app;
      if (editing) {
        app = await api('/api/v1/applications/' + encodeURIComponent(editing.id), { method: 'PATCH', json: { ...body, version: editing.version } });
      } else {
        app = await api('/api/v1/applications', { json: body });
      }
      flash(t(editing ? 'savedChanges' : 'saved'), null, true);
      go('#/app/' + encodeURIComponent(app.id));
    } catch (err) {
      fail(err, $('form-error'));
    } finally {
      busy(btn, false);
    }
  });

  async function drawFormMap() {
    const box = $('f-map');
    const code = divisionCode();
    const pt = readPoint();
    const crs = $('f-crs').value;
    const seq = viewSeq;
    try {
      const [district, focus] = await Promise.all([division(DISTRICT), code !== DISTRICT ? division(code) : null]);
      if (seq !== viewSeq || divisionCode() !== code) return;
      const showPt = pt && (crs === 'wgs84' || crs === 'cgcs2000');
      const name = $('f-name').value.trim() || (focus ? focus.properties.name : '');
      box.replaceChildren(mapSVG({
        district: district.geometry, focus: focus && focus.geometry, place: showPt ? { type: 'Point', coordinates: pt } : null,
        name, frameTo: focus ? focus.geometry : district.geometry,
        onPick: ([lon, lat]) => {
          $('f-lon').value = lon.toFixed(6);
          $('f-lat').value = lat.toFixed(6);
          $('f-crs').value = 'wgs84';
          drawFormMap();
        },
      }));
      if (pt && !showPt) box.append(h('p', { class: 'muted small', text: t('mapNotShown') }));
    } catch (e) {
      if (seq !== viewSeq) return;
      box.replaceChildren(h('p', { class: 'error', text: e.message }));
    }
  }

  // ---------------------------------------------------------------- checks
  function renderChecksInto(el, results, romanization) {
    const blocks = results.filter(r => r.severity === 'block');
    const warns = results.filter(r => r.severity === 'warn');
    let summary, cls;
    if (!results.length || (!blocks.length && !warns.length)) { summary = t('checksNone'); cls = 'sum-ok'; }
    if (blocks.length) {
      summary = blocks.every(r => r.overridable) ? t('checksBlockedOverridable') : t('checksBlocked');
      cls = 'sum-block';
    } else if (warns.length) { summary = t('checksWarnOnly'); cls = 'sum-warn'; }
    const order = { block: 0, warn: 1, info: 2 };
    const sorted = [...results].sort((a, b) => (order[a.severity] ?? 3) - (order[b.severity] ?? 3));
    fill(el,
      h('p', { class: 'check-summary ' + cls, 'data-blocked': blocks.length ? 'true' : 'false', text: summary }),
      romanization ? h('p', { class: 'muted', text: t('proposedRomanization', romanization) }) : null,
      sorted.length ? h('ul', { class: 'checks' }, sorted.map(checkItem)) : null);
  }

  function checkItem(r) {
    const sev = ['block', 'warn', 'info'].includes(r.severity) ? r.severity : 'info';
    const msg = lang === 'en' ? (r.message_en || r.message) : (r.message || r.message_en);
    const ev = Array.isArray(r.evidence) ? r.evidence : [];
    return h('li', { class: 'check sev-' + sev, 'data-check': r.check, 'data-severity': sev },
      h('p', { class: 'check-head' },
        h('span', { class: 'sev sev-' + sev, text: t('sev_' + sev) }), ' ',
        h('strong', { class: 'check-name', text: tk('check_', r.check) }), ' ',
        h('span', { class: 'check-msg', text: msg || '' })),
      r.overridable ? h('p', { class: 'check-override', text: t('overridable') }) : null,
      r.rule ? h('p', { class: 'check-rule' }, h('span', { class: 'muted', text: t('rule') + '：' }), r.rule) : null,
      ev.length ? h('div', { class: 'evidence' },
        h('p', { class: 'muted small', text: t('evidence') }),
        h('ul', {}, ev.map(evidenceItem))) : null);
  }

  function evidenceItem(e) {
    const src = e.source && ('src_' + e.source) in I18N.zh ? t('src_' + e.source) : '';
    return h('li', { class: 'evidence-item' },
      e.place_id ? h('a', { href: '/#/place/' + encodeURIComponent(e.place_id), class: 'ev-name', text: e.name })
        : h('span', { class: 'ev-name', text: e.name }),
      e.pinyin ? h('span', { class: 'r-pinyin', lang: 'zh-Latn-pinyin', text: e.pinyin }) : null,
      h('span', { class: 'ev-meta', text: [e.division_name || divisionText(e.division_path), e.division_code, e.category, src].filter(Boolean).join(' · ') }));
  }

  // ---------------------------------------------------------------- detail
  let current = null; // the application shown

  async function showDetail(id, seq) {
    showView('detail');
    $('app-name').textContent = t('loading');
    for (const el of ['app-pinyin', 'app-badges', 'app-facts', 'app-texts', 'app-actions', 'app-checks', 'app-attachments', 'app-events', 'app-map', 'app-comments']) $(el).replaceChildren();
    $('upload-form').hidden = true;
    $('comments-panel').hidden = true;
    let app;
    try {
      app = await api('/api/v1/applications/' + encodeURIComponent(id));
    } catch (e) {
      if (seq !== viewSeq) return;
      $('app-name').textContent = '';
      if (e.status === 404 && !e.message) e.message = t('notFound', id);
      fail(e);
      return;
    }
    if (seq !== viewSeq) return;
    renderApp(app);
    $('app-name').focus({ preventScroll: true });
  }

  function renderApp(app) {
    current = app;
    document.title = `#${app.id} ${app.name || ''} · ${t('title')}`;
    $('app-name').textContent = app.name || `#${app.id}`;
    $('app-pinyin').textContent = app.romanization || '';
    fill($('app-badges'), statusBadge(app.status),
      h('span', { class: 'badge badge-kind', text: tk('kind_', app.kind) }),
      app.blocked ? h('span', { class: 'badge badge-blocked', text: t('blockedBadge') }) : null,
      app.filing_overdue && !app.filed_on ? overdueBadge(t('filingOverdue')) : null,
      app.publication_overdue && !app.published_on ? overdueBadge(t('publicationOverdue')) : null);

    const facts = [];
    const fact = (key, value, attrs) => {
      if (value === null || value === undefined || value === '' || (Array.isArray(value) && !value.length)) return;
      facts.push(h('dt', { text: t(key) }), h('dd', { 'data-fact': key, ...(attrs || {}) }, value));
    };
    // A deadline: its date, then 逾期 when late, or what is still to do.
    const due = (date, done, late, todo) => h('span', {}, dateEl(date),
      late && !done ? [' ', overdueBadge()] : done ? null : h('span', { class: 'muted', text: lang === 'en' ? ` (${t(todo)})` : `（${t(todo)}）` }));
    fact('f_id', '#' + app.id);
    fact('f_kind', tk('kind_', app.kind));
    fact('f_status', tk('status_', app.status), { 'data-status': app.status, class: 'fact-status' });
    fact('f_category', app.category_name ? `${app.category_name}（${app.category}）` : app.category);
    fact('f_division', divisionText(app.division_path) + (app.division_code ? `（${app.division_code}）` : ''));
    if (app.place_id) {
      const link = h('a', { href: '/#/place/' + encodeURIComponent(app.place_id), id: 'old-place-link', text: '#' + app.place_id });
      fact('f_place', link);
      api('/api/v1/places/' + encodeURIComponent(app.place_id))
        .then(p => { if (p && p.name) link.textContent = `${p.name}（#${p.id}）`; })
        .catch(() => { /* the number stays */ });
    }
    const g = app.geometry;
    if (g && g.type === 'Point') fact('f_location', `${Number(g.coordinates[0]).toFixed(6)}, ${Number(g.coordinates[1]).toFixed(6)}`);
    fact('f_applicant', personName(app.applicant));
    if (app.notice_start || app.notice_end) fact('f_notice', `${app.notice_start || ''} – ${app.notice_end || ''}`);
    fact('f_approvedBy', personName(app.approved_by));
    fact('f_approvedOn', app.approved_on);
    if (app.filing_due) fact('f_filingDue', due(app.filing_due, app.filed_on, app.filing_overdue, 'notFiled'));
    fact('f_filedOn', app.filed_on);
    if (app.publication_due) fact('f_publicationDue', due(app.publication_due, app.published_on, app.publication_overdue, 'notPublished'));
    fact('f_publishedOn', app.published_on);
    fact('f_decision', app.decision_note);
    fact('f_override', app.override_reason);
    if (app.published_place_id) fact('f_published', h('a', { href: '/#/place/' + encodeURIComponent(app.published_place_id), id: 'published-link', text: t('viewPublished') + ' #' + app.published_place_id }));
    fact('f_version', app.version !== undefined ? String(app.version) : '');
    fact('f_created', formatTime(app.created_at));
    fact('f_updated', formatTime(app.updated_at));
    fill($('app-facts'), facts);

    fill($('app-texts'), [['locationDescription', app.location_description], ['reasons', app.reasons], ['meaning', app.meaning],
      ['origin', app.origin]].map(([key, text]) =>
      h('section', { class: 'text-block', 'data-text': key }, h('h3', { text: t(key) }),
        text ? h('p', { text }) : h('p', { class: 'muted', text: t('notRecorded') }))));

    renderChecksInto($('app-checks'), Array.isArray(app.checks) ? app.checks : [], '');
    renderActions(app);
    renderAttachments(app);
    renderEvents(app);
    loadComments(app);
    drawAppMap(app);
  }

  // loadComments shows reviewers and approvers what the public said during the notice.
  async function loadComments(app) {
    const panel = $('comments-panel');
    panel.hidden = !(has('reviewer', 'approver') && app.notice_start);
    $('app-comments').replaceChildren();
    $('comments-status').textContent = '';
    if (panel.hidden) return;
    const seq = viewSeq;
    try {
      const body = await api(`/api/v1/applications/${encodeURIComponent(app.id)}/comments`);
      if (seq !== viewSeq || !current || current.id !== app.id) return;
      const cs = Array.isArray(body.comments) ? body.comments : [];
      $('comments-status').textContent = cs.length ? t('nComments', cs.length) : t('noComments');
      fill($('app-comments'), cs.map(c => h('li', { class: 'comment' },
        h('p', { class: 'comment-head' }, h('strong', { text: c.author || t('anonymous') }), ' ',
          h('time', { class: 'muted small', datetime: c.created_at || '', text: formatTime(c.created_at) })),
        h('p', { class: 'comment-text', text: c.text || '' }))));
    } catch (e) {
      if (seq !== viewSeq) return;
      fail(e);
    }
  }

  function renderEvents(app) {
    const evs = Array.isArray(app.events) ? app.events : [];
    if (!evs.length) {
      fill($('app-events'), h('tr', {}, h('td', { colspan: '5', class: 'muted', text: t('noEvents') })));
      return;
    }
    fill($('app-events'), evs.map(ev => h('tr', { 'data-action': ev.action },
      h('td', {}, h('time', { datetime: ev.at || '', text: formatTime(ev.at) })),
      h('td', { text: personName(ev.actor) }),
      h('td', { text: tk('ev_', ev.action) }),
      h('td', { text: ev.from || ev.to ? `${ev.from ? tk('status_', ev.from) : '—'} → ${ev.to ? tk('status_', ev.to) : '—'}` : '' }),
      h('td', { text: ev.note || '' }))));
  }

  function renderAttachments(app) {
    const atts = Array.isArray(app.attachments) ? app.attachments : [];
    fill($('app-attachments'), atts.length ? atts.map(a => h('li', { 'data-kind': a.kind },
      h('span', { class: 'chip', text: tk('att_', a.kind) }), ' ',
      h('a', { href: `/api/v1/applications/${encodeURIComponent(app.id)}/attachments/${encodeURIComponent(a.id)}`, type: 'application/pdf', target: '_blank', rel: 'noopener', text: a.filename || ('#' + a.id) }), ' ',
      h('span', { class: 'muted small', text: [formatSize(a.size), formatTime(a.uploaded_at)].filter(Boolean).join(' · ') })))
      : h('li', { class: 'muted', text: t('noAttachments') }));
    $('upload-form').hidden = FINAL.includes(app.status) || !(isOwner(app) || has('reviewer', 'approver'));
  }

  $('u-file').addEventListener('change', () => fieldError($('u-file'), false));
  $('upload-form').addEventListener('submit', async e => {
    e.preventDefault();
    if (!current) return;
    const input = $('u-file');
    const file = input.files && input.files[0];
    let err = null;
    if (!file) err = t('errNoFile');
    else if (!(file.type === 'application/pdf' || /\.pdf$/i.test(file.name))) err = t('errNotPDF');
    else if (file.size > MAX_PDF) err = t('errTooBig');
    fieldError(input, !!err);
    if (err) { showError(err); input.focus(); return; }
    clearError();
    const fd = new FormData();
    fd.append('kind', $('u-kind').value);
    fd.append('file', file, file.name);
    const btn = $('u-submit');
    busy(btn, true, t('uploading'));
    try {
      const att = await api(`/api/v1/applications/${encodeURIComponent(current.id)}/attachments`, { form: fd });
      input.value = '';
      const app = await api('/api/v1/applications/' + encodeURIComponent(current.id));
      renderApp(app);
      flash(t('uploaded', att.filename || file.name));
    } catch (e2) {
      fail(e2);
    } finally {
      busy(btn, false);
    }
  });

  // allowedActions: what this user may do to app in its status (the API
  // checks again; this only decides which controls to show).
  function allowedActions(app) {
    const own = isOwner(app);
    const acts = [];
    switch (app.status) {
      case 'draft':
        if (own) acts.push('edit', 'submit', 'withdraw');
        break;
      case 'submitted':
        if (has('reviewer')) acts.push('review');
        if (has('reviewer', 'approver')) acts.push('reject');
        if (own) acts.push('withdraw');
        break;
      case 'under_review':
        if (has('reviewer')) acts.push('edit', 'notice');
        if (has('reviewer', 'approver')) acts.push('reject');
        if (own) acts.push('withdraw');
        break;
      case 'on_notice':
        if (has('approver')) acts.push('approve');
        if (has('reviewer', 'approver')) acts.push('reject');
        if (own) acts.push('withdraw');
        break;
      case 'approved':
        if (has('approver')) acts.push('publish');
        if (has('reviewer', 'approver') && !app.filed_on) acts.push('file');
        if (has('reviewer', 'approver')) acts.push('reject');
        break;
      case 'published':
        if (has('reviewer', 'approver') && !app.filed_on) acts.push('file');
        break;
    }
    return [...new Set(acts)];
  }

  function renderActions(app) {
    const box = $('app-actions');
    const acts = allowedActions(app);
    if (!acts.length) {
      fill(box, h('p', { class: 'muted', text: t('noActions') }));
      return;
    }
    fill(box, acts.map(a => actionControl(app, a)));
  }

  function actionControl(app, action) {
    const id = app.id;
    if (action === 'edit') {
      return h('div', { class: 'action' }, h('a', { href: `#/app/${encodeURIComponent(id)}/edit`, class: 'button', id: 'act-edit', text: t('act_edit') }));
    }
    const form = h('form', { class: 'action action-' + action, 'data-action': action, novalidate: true });
    const btnCls = action === 'reject' || action === 'withdraw' ? 'danger' : 'primary';
    const btn = h('button', { type: 'submit', id: 'act-' + action, class: btnCls, text: t('act_' + action) });
    const fields = [];
    const errP = h('p', { class: 'error', role: 'alert', hidden: true });
    let collect = () => undefined;
    const field = (key, ctl, hint) => {
      const fid = 'a-' + action + '-' + key;
      ctl.id = fid;
      if (hint) ctl.setAttribute('aria-describedby', fid + '-hint');
      return h('div', { class: 'field' }, h('label', { for: fid, text: t(key) }), ctl,
        hint ? h('p', { id: fid + '-hint', class: 'hint', text: hint }) : null);
    };
    switch (action) {
      case 'notice': {
        // Either date may be left empty: the service starts the notice
        // today and ends it after its default period (7 days).
        const start = h('input', { type: 'date', 'aria-describedby': 'a-notice-hint' });
        const end = h('input', { type: 'date', 'aria-describedby': 'a-notice-hint' });
        fields.push(h('div', { class: 'grid2' }, field('noticeStart', start), field('noticeEnd', end)),
          h('p', { class: 'hint', id: 'a-notice-hint', text: t('noticeHint', noticeDays) }));
        collect = () => {
          const s = start.value, e = end.value;
          const badStart = !!(start.validity && start.validity.badInput);
          const badEnd = !!(end.validity && end.validity.badInput) || (!!e && e < (s || todayISO()));
          fieldError(start, badStart); fieldError(end, badEnd);
          if (badStart || badEnd) { (badStart ? start : end).focus(); throw new Error(t('errDates')); }
          const body = {};
          if (s) body.start = s;
          if (e) body.end = e;
          return body;
        };
        break;
      }
      case 'file': {
        const note = h('textarea', { rows: '2', maxlength: '2000' });
        fields.push(field('fileNote', note, t('fileHint')));
        collect = () => ({ note: note.value.trim() });
        break;
      }
      case 'approve': {
        const checks = Array.isArray(app.checks) ? app.checks : [];
        const blocks = checks.filter(r => r.severity === 'block');
        const overridable = blocks.length > 0 && blocks.every(r => r.overridable);
        const note = h('textarea', { rows: '2', maxlength: '2000' });
        fields.push(field('approveNote', note));
        let override = null;
        if (overridable) {
          override = h('textarea', { rows: '2', maxlength: '2000', required: true });
          fields.push(field('overrideReason', override));
        }
        if (blocks.length && !overridable) {
          fields.push(h('p', { class: 'warn-note', text: t('approveBlocked') }));
          btn.disabled = true;
        }
        if (app.status === 'on_notice' && app.notice_end && app.notice_end > todayISO()) {
          fields.push(h('p', { class: 'warn-note', text: t('approveNotYet', app.notice_end) }));
          btn.disabled = true;
        }
        collect = () => {
          const body = { note: note.value.trim() };
          if (override) {
            const reason = override.value.trim();
            fieldError(override, !reason);
            if (!reason) { override.focus(); throw new Error(t('errOverride')); }
            body.override_reason = reason;
          }
          return body;
        };
        break;
      }
      case 'reject': {
        const note = h('textarea', { rows: '2', maxlength: '2000', required: true });
        fields.push(field('rejectNote', note));
        collect = () => {
          const v = note.value.trim();
          fieldError(note, !v);
          if (!v) { note.focus(); throw new Error(t('errRejectNote')); }
          return { note: v };
        };
        break;
      }
    }
    form.append(...fields, errP, h('div', { class: 'actions' }, btn));
    form.addEventListener('submit', async e => {
      e.preventDefault();
      errP.hidden = true;
      let body;
      try {
        body = collect();
      } catch (err) {
        errP.textContent = err.message;
        errP.hidden = false;
        return;
      }
      busy(btn, true, t('act_' + action) + '…');
      try {
        // The version makes a stale page get a conflict instead of acting on a changed application.
        const updated = await api(`/api/v1/applications/${encodeURIComponent(id)}/${action}`, { json: { ...(body || {}), version: app.version } });
        clearError();
        const fresh = updated && updated.id ? updated : await api('/api/v1/applications/' + encodeURIComponent(id));
        renderApp(fresh);
        const pub = action === 'publish' && (fresh.published_place_id || (updated && updated.published_place_id));
        flash(t('done_' + action), pub ? h('a', { href: '/#/place/' + encodeURIComponent(pub), text: t('viewPublished') }) : null);
        $('app-name').focus({ preventScroll: true });
      } catch (err) {
        busy(btn, false);
        if (err.status === 401) { fail(err); return; }
        errP.textContent = err.message + (err.status === 409 && action !== 'approve' ? ' ' + t('conflictHint') : '');
        errP.hidden = false;
        // A refused approval names the blocking results.
        const results = err.body && (err.body.results || (err.body.error && (err.body.error.results || err.body.error.checks)));
        if (Array.isArray(results) && results.length) {
          const div = h('div', { class: 'action-checks' });
          renderChecksInto(div, results, '');
          errP.after(div);
        }
      }
    });
    return form;
  }

  async function drawAppMap(app) {
    const box = $('app-map');
    const seq = viewSeq;
    const code = String(app.division_code || '');
    try {
      const [district, focus] = await Promise.all([division(DISTRICT),
        /^\d{12}$/.test(code) && code !== DISTRICT ? division(code).catch(() => null) : null]);
      if (seq !== viewSeq || !current || current.id !== app.id) return;
      if (!app.geometry && !focus) {
        box.replaceChildren(h('p', { class: 'muted', text: t('noLocation') }));
        return;
      }
      box.replaceChildren(mapSVG({
        district: district.geometry, focus: focus && focus.geometry, place: app.geometry || null,
        name: app.name || '', frameTo: focus ? focus.geometry : district.geometry,
      }));
      if (!app.geometry) box.append(h('p', { class: 'muted small', text: t('noLocation') }));
    } catch (e) {
      if (seq !== viewSeq) return;
      box.replaceChildren(h('p', { class: 'error', text: e.message }));
    }
  }

  // ---------------------------------------------------------------- map
  const { s, coordsOf, boundsOf, union, f1, pathOf, interiorPoint } = window.DimingSketch;


  // mapSVG draws the district outline, the focus division and the place,
  // framed on frameTo (and the place). With onPick, a click on the map
  // reports its [lon, lat].
  function mapSVG({ district, focus, place, name, frameTo, onPick }) {
    const W = 480, PAD = 14, MAXH = 400;
    let b = union(boundsOf(coordsOf(frameTo || district)), boundsOf(coordsOf(place)));
    if (!b) return h('p', { class: 'muted', text: t('noLocation') });
    const kx = Math.cos(((b.minY + b.maxY) / 2) * Math.PI / 180);
    // At least about 1 km across.
    const minSpan = 0.01;
    if ((b.maxX - b.minX) * kx < minSpan) { const c = (b.minX + b.maxX) / 2; b = { ...b, minX: c - minSpan / kx / 2, maxX: c + minSpan / kx / 2 }; }
    if (b.maxY - b.minY < minSpan) { const c = (b.minY + b.maxY) / 2; b = { ...b, minY: c - minSpan / 2, maxY: c + minSpan / 2 }; }
    const spanX = (b.maxX - b.minX) * kx, spanY = b.maxY - b.minY;
    let scale = (W - 2 * PAD) / spanX;
    let H = Math.round(spanY * scale + 2 * PAD);
    if (H > MAXH) { H = MAXH; scale = (H - 2 * PAD) / spanY; }
    const cx = (b.minX + b.maxX) / 2, cy = (b.minY + b.maxY) / 2;
    const px = ([x, y]) => [W / 2 + (x - cx) * kx * scale, H / 2 - (y - cy) * scale];
    const unpx = ([x, y]) => [cx + (x - W / 2) / (kx * scale), cy - (y - H / 2) / scale];

    const titleId = 'map-title-' + Math.random().toString(36).slice(2);
    const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-labelledby': titleId,
      class: 'map-svg' + (onPick ? ' pickable' : '') }, s('title', { id: titleId }, t('mapLabel', name || '')));
    svg.append(s('rect', { x: 0, y: 0, width: W, height: H, class: 'map-bg' }));
    const d = pathOf(px, district);
    if (d) svg.append(s('path', { d, class: 'district', 'fill-rule': 'evenodd' }));
    const fd = pathOf(px, focus);
    if (fd) svg.append(s('path', { d: fd, class: 'township', 'fill-rule': 'evenodd' }));
    const g = s('g', { class: 'place-geom' });
    let anchor = null;
    const drawGeom = geom => {
      if (!geom) return;
      switch (geom.type) {
        case 'Point': {
          const [x, y] = px(geom.coordinates);
          g.append(s('circle', { cx: f1(x), cy: f1(y), r: 9, class: 'place-halo' }), s('circle', { cx: f1(x), cy: f1(y), r: 5, class: 'place-point' }));
          anchor = anchor || [x, y];
          break;
        }
        case 'MultiPoint': geom.coordinates.forEach(c => drawGeom({ type: 'Point', coordinates: c })); break;
        case 'LineString': case 'MultiLineString': g.append(s('path', { d: pathOf(px, geom), class: 'place-line' })); break;
        case 'Polygon': case 'MultiPolygon': g.append(s('path', { d: pathOf(px, geom), class: 'place-area', 'fill-rule': 'evenodd' })); break;
        case 'GeometryCollection': (geom.geometries || []).forEach(drawGeom); break;
      }
      if (!anchor) {
        const pb = boundsOf(coordsOf(geom));
        if (pb) anchor = px([(pb.minX + pb.maxX) / 2, (pb.minY + pb.maxY) / 2]);
      }
    };
    drawGeom(place);
    svg.append(g);
    if (anchor && name) {
      const right = anchor[0] < W * 0.6;
      svg.append(s('text', { x: f1(anchor[0] + (right ? 14 : -14)), y: f1(anchor[1] + 5), class: 'place-label', 'text-anchor': right ? 'start' : 'end' }, name));
    }
    // Scale bar.
    const kmPerPx = 111.32 / scale;
    const target = kmPerPx * W / 4;
    const nice = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50].reduce((a, c) => Math.abs(c - target) < Math.abs(a - target) ? c : a);
    const len = nice / kmPerPx;
    const sx = PAD, sy = H - PAD + 4;
    svg.append(s('g', { class: 'scale' },
      s('rect', { x: f1(sx - 4), y: f1(sy - 15), width: f1(len + 58), height: 19, class: 'scale-bg' }),
      s('path', { d: `M${f1(sx)} ${f1(sy - 5)}V${f1(sy)}H${f1(sx + len)}V${f1(sy - 5)}` }),
      s('text', { x: f1(sx + len + 5), y: f1(sy), class: 'scale-label' }, `${nice} km`)));
    if (onPick) {
      svg.addEventListener('click', e => {
        const m = svg.getScreenCTM();
        if (!m) return;
        const p = svg.createSVGPoint();
        p.x = e.clientX; p.y = e.clientY;
        const q = p.matrixTransform(m.inverse());
        onPick(unpx([q.x, q.y]));
      });
    }
    return svg;
  }

  // ---------------------------------------------------------------- start
  $('lang').addEventListener('click', () => {
    lang = lang === 'en' ? 'zh' : 'en';
    try { localStorage.setItem('diming.lang', lang); } catch { /* storage blocked */ }
    applyLang();
    if (current && !$('detail-view').hidden) renderApp(current);
    else if ($('form-view').hidden) route();
    else {
      // Keep what was typed in the form; only the generated labels change.
      $('form-title').textContent = editing ? t('editTitle', editing.id) : t('newTitle');
      $('f-save').textContent = t(editing ? 'saveChanges' : 'saveDraft');
    }
  });
  // A flash message survives the one navigation that follows the action
  // that made it (saving goes to the application's page), then goes.
  window.addEventListener('hashchange', () => {
    if (flashKeep) flashKeep = false;
    else clearFlash();
    route();
  });

  async function start() {
    applyLang();
    if (!csrf) {
      // No session token in this browser: log in (no request needed to know that).
      route();
      return;
    }
    try {
      const body = await api('/api/v1/me');
      me = body.user;
      if (body.notice_days) noticeDays = body.notice_days;
      renderWho();
    } catch (e) {
      setSession(null, '');
      if (e.status !== 401) showError(e.message);
    }
    route();
  }
  start();
})();
