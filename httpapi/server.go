package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"diming"
	"diming/auth"
	"diming/coverage"
	"diming/gazetteer"
	"diming/readmodel"
)

// Config is the HTTP side of the service's configuration.
type Config struct {
	Addr              string
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration
	// MaxBodyBytes bounds every request body.
	MaxBodyBytes int64
	// StoreKind is shown by /readyz: "sqlite" or "postgis".
	StoreKind string
	// SessionTTL is how long a console login lasts.
	SessionTTL time.Duration
	// SecureCookies marks the session cookie Secure even on plain HTTP
	// (behind a TLS-terminating proxy).
	SecureCookies bool
	// LoginMaxFailures failed logins per account or address within
	// LoginWindow lock further attempts until the window passes.
	LoginMaxFailures int
	LoginWindow      time.Duration
	// ApprovalAuthority is the 批准机关 written into approved names.
	ApprovalAuthority string
	// NoticeDays is the default public-notice (公示) period.
	NoticeDays int
	// Location is the bureau's time zone: it decides what "today" is for
	// notice periods and approval dates (China Standard Time, UTC+8).
	Location *time.Location
	// RateLimit is how many requests a second one client address may make
	// on average (RateBurst at once); 0 turns the limit off (the default
	// here; `diming serve` sets 100/s with bursts of 200).
	RateLimit float64
	RateBurst int
	// CORSOrigins may call the API from their pages ("*" for any); empty
	// means same-origin only.
	CORSOrigins []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For,
	// -Proto and -Host are believed (see proxy.go); empty: none, the
	// headers are ignored and the peer is the client.
	TrustedProxies []netip.Prefix
}

// Store is what the server needs of a store.
type Store interface {
	gazetteer.Store
	gazetteer.ApplicationStore
	auth.Store
	coverage.Store
	coverage.ChangeMarker
}

// DefaultConfig returns the settings used when none are given.
func DefaultConfig() Config {
	return Config{
		Addr:              "127.0.0.1:8080",
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ShutdownTimeout:   20 * time.Second,
		MaxBodyBytes:      10 << 20,
		SessionTTL:        8 * time.Hour,
		LoginMaxFailures:  5,
		LoginWindow:       15 * time.Minute,
		ApprovalAuthority: "重庆市沙坪坝区人民政府",
		Location:          time.FixedZone("CST", 8*3600),
		NoticeDays:        7,
	}
}

// Server serves the API from a read model and a store.
type Server struct {
	cfg      Config
	store    Store
	model    *readmodel.Holder
	throttle *loginThrottle
	// auths lets checked tokens and sessions through a store outage.
	auths authCache
	// commentLimit bounds public comments per address (10 per 10 minutes).
	commentLimit *loginThrottle
	log          *slog.Logger
	registry     *prometheus.Registry
	metrics      *metrics
	handler      http.Handler
	router       chi.Router
	health       storeHealth
}

// New builds the server and its routes. Static pages are mounted from web.
func New(cfg Config, store Store, model *readmodel.Holder, log *slog.Logger, pages http.Handler) *Server {
	def := DefaultConfig()
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = def.MaxBodyBytes
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = def.ShutdownTimeout
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = def.SessionTTL
	}
	if cfg.LoginMaxFailures <= 0 || cfg.LoginWindow <= 0 {
		cfg.LoginMaxFailures, cfg.LoginWindow = def.LoginMaxFailures, def.LoginWindow
	}
	if log == nil {
		log = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s := &Server{cfg: cfg, store: store, model: model, log: log, registry: reg, metrics: newMetrics(reg),
		throttle: newLoginThrottle(cfg.LoginMaxFailures, cfg.LoginWindow), commentLimit: newLoginThrottle(10, 10*time.Minute)}
	if cfg.ApprovalAuthority == "" {
		s.cfg.ApprovalAuthority = def.ApprovalAuthority
	}
	if cfg.Location == nil {
		s.cfg.Location = def.Location
	}
	if cfg.NoticeDays <= 0 {
		s.cfg.NoticeDays = def.NoticeDays
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "diming_read_model_divisions", Help: "Divisions in the current read model.",
	}, func() float64 {
		if m := model.Load(); m != nil {
			return float64(m.Divisions.Len())
		}
		return 0
	}))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "diming_read_model_build_seconds", Help: "How long the current read model took to build.",
	}, func() float64 {
		if m := model.Load(); m != nil {
			return m.BuildTime.Seconds()
		}
		return 0
	}))

	r := chi.NewRouter()
	r.NotFound(notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Method(http.MethodGet, "/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s.mountTiles(r)
	s.mountOGC(r)
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(s.authenticate)
		r.Post("/login", h(s.login))
		r.Post("/logout", h(requireRole(s.logout, auth.Roles...)))
		r.Get("/me", h(s.me))
		r.Get("/divisions", h(s.listDivisions))
		r.Get("/divisions/{code}", h(s.getDivision))
		r.Get("/divisions/{code}/history", h(s.divisionHistory))
		r.Get("/places", h(s.searchPlaces))
		r.Get("/places/autocomplete", h(s.autocomplete))
		r.Get("/places/{id}", h(s.getPlace))
		r.Get("/reverse", h(s.reverse))
		r.Get("/categories", h(s.categories))
		r.Get("/romanize", h(s.romanize))
		r.Post("/checks/name", h(requireRole(s.checkName, auth.RoleApplicant, auth.RoleReviewer, auth.RoleApprover)))
		officials := []auth.Role{auth.RoleApplicant, auth.RoleReviewer, auth.RoleApprover}
		r.Post("/applications", h(requireRole(s.createApplication, officials...)))
		r.Get("/applications", h(requireRole(s.listApplications, officials...)))
		r.Get("/applications/{id}", h(requireRole(s.getApplication, officials...)))
		r.Patch("/applications/{id}", h(requireRole(s.patchApplication, officials...)))
		r.Post("/applications/{id}/attachments", h(requireRole(s.uploadAttachment, officials...)))
		r.Get("/applications/{id}/attachments/{aid}", h(requireRole(s.getAttachment, officials...)))
		r.Get("/applications/{id}/comments", h(requireRole(s.listComments, officials...)))
		r.Post("/applications/{id}/{action}", h(requireRole(s.stepApplication, officials...)))
		r.Get("/notices", h(s.notices))
		r.Get("/announcements", h(s.announcements))
		r.Get("/boundaries/lines", h(s.boundaryLines))
		r.Get("/boundaries/topology", h(requireRole(s.boundaryTopology, auth.RoleReviewer, auth.RoleApprover)))
		r.Post("/boundaries/adjustments", h(requireRole(s.adjustBoundary, auth.RoleReviewer, auth.RoleApprover)))
		r.Get("/boundaries/markers", h(s.listMarkers))
		r.Get("/boundaries/markers/check", h(requireRole(s.checkMarkers, auth.RoleReviewer, auth.RoleApprover)))
		r.Get("/boundaries/markers/{id}", h(s.getMarker))
		r.Post("/boundaries/markers", h(requireRole(s.createMarker, auth.RoleReviewer)))
		r.Patch("/boundaries/markers/{id}", h(requireRole(s.patchMarker, auth.RoleReviewer)))
		r.Post("/boundaries/markers/{id}/inspections", h(requireRole(s.inspectMarker, auth.RoleReviewer)))
		r.Get("/filings", h(requireRole(s.filings, auth.RoleReviewer, auth.RoleApprover)))
		r.Post("/notices/{id}/comments", h(s.comment))
		r.Get("/facilities", h(s.listFacilities))
		r.Get("/facilities/categories", h(s.facilityCategories))
		r.Get("/facilities/{id}", h(s.getFacility))
		r.Post("/facilities", h(requireRole(s.createFacility, auth.RolePlanner)))
		r.Post("/facilities/import", h(requireRole(s.importFacilities, auth.RolePlanner)))
		r.Patch("/facilities/{id}", h(requireRole(s.patchFacility, auth.RolePlanner)))
		r.Delete("/facilities/{id}", h(requireRole(s.deleteFacility, auth.RolePlanner)))
		r.Get("/network", h(s.network))
		r.Get("/network/gaps", h(s.networkGaps))
		r.Get("/nearest", h(s.nearest))
		r.Get("/isochrone", h(s.isochrone))
		// Reports, indicators and saved runs are the planners' (they list
		// household points with their residents and elderly); the public
		// map draws the per-village values from the coverage tiles.
		r.Get("/indicators", h(requireRole(s.indicators, auth.RolePlanner)))
		r.Post("/coverage/lottery/siting", h(requireRole(s.lotterySiting, auth.RolePlanner)))
		r.Get("/coverage/runs", h(requireRole(s.listRuns, auth.RolePlanner)))
		r.Get("/coverage/runs/{id}", h(requireRole(s.getRun, auth.RolePlanner)))
		r.Post("/coverage/runs", h(requireRole(s.createRun, auth.RolePlanner)))
		r.Get("/coverage/{report}", h(requireRole(s.coverageReport, auth.RolePlanner)))
	})
	// Under /api, a wrong path is a JSON 404 too (not the pages' one).
	r.HandleFunc("/api/*", notFound)
	if pages != nil {
		r.Mount("/", pages)
	}
	s.router = r
	s.handler = s.observe(securityHeaders(s.cors(s.limitRate(s.headAsGet(r)))))
	return s
}

// Handler is the whole HTTP handler, middleware included.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve listens on cfg.Addr until ctx ends, then shuts down gracefully:
// it stops accepting, lets in-flight requests finish (up to
// ShutdownTimeout) and returns. ready, when not nil, receives the address.
func (s *Server) Serve(ctx context.Context, ready func(addr string)) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return diming.Wrap(err, diming.EUNAVAILABLE, "无法监听 %s", "cannot listen on %s", s.cfg.Addr)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    256 << 10, // room for a 10,000-character query, which then gets a JSON 400
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String())
	if ready != nil {
		ready(ln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down: draining in-flight requests", "timeout", s.cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	s.log.Info("stopped")
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	_ = writeJSON(w, http.StatusOK, "", map[string]string{"status": "ok"})
}

// readiness is the body of /readyz.
type readiness struct {
	// Status is "ready" or "not ready"; Reason and ReasonEN say why not
	// and what still works.
	Status    string         `json:"status"`
	Reason    string         `json:"reason,omitempty"`
	ReasonEN  string         `json:"reason_en,omitempty"`
	Store     storeReadiness `json:"store"`
	ReadModel modelReadiness `json:"read_model"`
	Divisions int            `json:"divisions"`
	BuiltAt   string         `json:"built_at,omitempty"`
}

// storeReadiness is the store's part of /readyz.
type storeReadiness struct {
	OK       bool   `json:"ok"`
	Kind     string `json:"kind"`
	Detail   string `json:"detail,omitempty"`
	DetailEN string `json:"detail_en,omitempty"`
	// DownSince is when readiness first found the store unreachable in the
	// current outage.
	DownSince string `json:"down_since,omitempty"`
}

// modelReadiness is the read model's part of /readyz: whether queries are
// being served and from which data.
type modelReadiness struct {
	OK     bool   `json:"ok"`
	Detail string `json:"detail,omitempty"`
	// DataVersion is the store's change mark the model was built at.
	DataVersion int64  `json:"data_version,omitempty"`
	BuiltAt     string `json:"built_at,omitempty"`
	// AgeSeconds is how long ago the model was built: the data it serves
	// is at least as new as that (it is rebuilt only when the data changes).
	AgeSeconds float64 `json:"age_seconds,omitempty"`
}

// storeHealth remembers the outcome of the last readiness check, so the
// log says once when the store goes away and once when it is back.
type storeHealth struct {
	mu        sync.Mutex
	downSince time.Time // zero while reachable
}

// readyz: GET /readyz. 200 when the store answers and the read model is
// built; otherwise 503 with the reason. While the store is unreachable the
// service keeps answering queries from the read model (whose version and
// age are shown) and refuses writes with 503.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	body := readiness{Status: "ready", Store: storeReadiness{OK: true, Kind: s.cfg.StoreKind}}
	now := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	storeErr := s.store.Ping(ctx)
	downSince := s.noteStoreHealth(now, storeErr)
	if storeErr != nil {
		zh, en := diming.Messages(storeErr)
		body.Store = storeReadiness{Kind: s.cfg.StoreKind, Detail: zh, DetailEN: en, DownSince: downSince.UTC().Format(time.RFC3339)}
		logger(r.Context()).Debug("readiness: store unreachable", "err", storeErr)
	}
	m := s.model.Load()
	if m != nil {
		age := now.Sub(m.BuiltAt)
		body.ReadModel = modelReadiness{OK: true, DataVersion: m.ChangeMark, BuiltAt: m.BuiltAt.UTC().Format(time.RFC3339),
			AgeSeconds: math.Round(age.Seconds()*10) / 10}
		body.Divisions = m.Divisions.Len()
		body.BuiltAt = body.ReadModel.BuiltAt
	} else {
		body.ReadModel.Detail = "内存读模型尚未建立 / read model not built yet"
	}
	switch {
	case m == nil:
		body.Reason = "服务正在启动：内存读模型尚未建立，暂不能提供查询"
		body.ReasonEN = "starting: the in-memory read model is not built yet, queries cannot be answered"
	case storeErr != nil:
		age := now.Sub(m.BuiltAt).Round(time.Second)
		body.Reason = fmt.Sprintf("数据库（%s）无法访问：写入暂停（返回 503），查询仍由内存读模型提供（数据版本 %d，建于 %s 前）",
			s.cfg.StoreKind, m.ChangeMark, age)
		body.ReasonEN = fmt.Sprintf("the store (%s) is unreachable: writes are refused with 503, queries are still served from the in-memory read model (data version %d, built %s ago)",
			s.cfg.StoreKind, m.ChangeMark, age)
	}
	status := http.StatusOK
	if storeErr != nil || m == nil {
		body.Status = "not ready"
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	_ = writeJSON(w, status, "", body)
}

// noteStoreHealth records the outcome of a store check and logs the
// transitions: the first failure (with what still works) and the recovery.
// It returns when the current outage began (zero when the store is up).
func (s *Server) noteStoreHealth(now time.Time, err error) time.Time {
	s.health.mu.Lock()
	defer s.health.mu.Unlock()
	switch {
	case err != nil && s.health.downSince.IsZero():
		s.health.downSince = now
		var version int64
		if m := s.model.Load(); m != nil {
			version = m.ChangeMark
		}
		s.log.Warn("store unreachable: writes get 503, queries are served from the read model",
			"store", s.cfg.StoreKind, "data_version", version, "err", err)
	case err == nil && !s.health.downSince.IsZero():
		s.log.Info("store reachable again", "store", s.cfg.StoreKind, "down_for", now.Sub(s.health.downSince).Round(time.Millisecond))
		s.health.downSince = time.Time{}
	}
	return s.health.downSince
}

// currentModel returns the read model or an unavailable error before the
// first build.
func (s *Server) currentModel() (*readmodel.Model, error) {
	m := s.model.Load()
	if m == nil {
		return nil, diming.Errorf(diming.EUNAVAILABLE, "服务正在启动，数据尚未加载", "the service is starting; data not loaded yet")
	}
	return m, nil
}
