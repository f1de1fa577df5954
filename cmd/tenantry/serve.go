package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/database"
	"github.com/tenantry/tenantry/internal/limit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/server"
)

const serveUsage = `Usage: tenantry serve [flags]

Starts the HTTP API. With a SQLite database the file is created and migrated
on start. With PostgreSQL, run "tenantry migrate" as the owner role first and
serve as the application role; serve refuses to start if its role could
bypass row-level security.

Environment:
  TENANTRY_SECRET   token signing secret, at least 32 characters. Required
                    with PostgreSQL, and with -redis. With SQLite, when unset,
                    a random secret is generated once and kept in <db>.secret
                    (mode 0600).

Flags (each also read from the environment variable shown):
`

// Server timeouts: a slow or idle client cannot hold a connection forever.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	maxHeaderBytes    = 64 << 10
	shutdownTimeout   = 15 * time.Second
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", getenv)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), serveUsage); fs.PrintDefaults() }
	addr := fs.string("addr", "TENANTRY_ADDR", "127.0.0.1:8080", "`address` to listen on (host:port)")
	db := fs.string("db", "TENANTRY_DB", "tenantry.db", "`database`: a SQLite file path, a postgres:// URL, or a PostgreSQL keyword string (host=… dbname=…)")
	tlsCert := fs.string("tls-cert", "TENANTRY_TLS_CERT", "", "TLS certificate `file`; with -tls-key serves HTTPS")
	tlsKey := fs.string("tls-key", "TENANTRY_TLS_KEY", "", "TLS private key `file`")
	secureCookies := fs.bool("secure-cookies", "TENANTRY_SECURE_COOKIES", false, "mark cookies Secure with the __Host- prefix; on by itself with TLS, set it behind a TLS-terminating proxy")
	metricsAddr := fs.string("metrics-addr", "TENANTRY_METRICS_ADDR", "", "serve Prometheus metrics at /metrics on this separate operator `address`, e.g. 127.0.0.1:9090; off when empty")
	level := fs.level("log-level", "TENANTRY_LOG_LEVEL", slog.LevelInfo, "log `level`: debug, info, warn or error")
	accessLog := fs.bool("access-log", "TENANTRY_ACCESS_LOG", true, "log one line per request at info (method, route, status, bytes, duration, user id, request id)")
	auditRetention := fs.duration("audit-retention", "TENANTRY_AUDIT_RETENTION", tenantry.DefaultAuditRetention,
		"how long audit entries are kept before the background purge deletes them (at least 24h)")
	inviteTTL := fs.duration("invitation-ttl", "TENANTRY_INVITATION_TTL", tenantry.DefaultInvitationTTL, "how long an invitation's token can be accepted")
	maxConns := fs.int("db-max-conns", "TENANTRY_DB_MAX_CONNS", postgres.DefaultMaxConns, "PostgreSQL connections the server may open (or pool_max_conns in the URL, not both)")
	redisURL := fs.string("redis", "TENANTRY_REDIS", "", "`URL` of a Redis (redis://[:password@]host:port/db, or rediss:// for TLS) in which every replica counts the sign-in and user rate limits; empty: each process counts alone")
	corsList := fs.string("cors-origins", "TENANTRY_CORS_ORIGINS", "", "comma-separated exact origins, e.g. https://app.example, whose pages may call the API with credentials; CORS is off when empty")
	limits := limitFlags(fs)
	if err := fs.parse(args); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	lim, err := limits()
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	corsOrigins, err := server.ParseCORSOrigins(*corsList)
	if err != nil {
		return fmt.Errorf("serve: invalid value %q for %s: %v", *corsList, fs.source("cors-origins"), err)
	}
	// Every check first, then the listeners, then what touches the disk:
	// a bad value or an address in use leaves no secret file and no
	// database behind.
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("serve: -tls-cert and -tls-key go together")
	}
	var cert *tls.Certificate
	if *tlsCert != "" {
		c, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("serve: -tls-cert, -tls-key: %w", err)
		}
		cert = &c
	}
	if err := checkDB(fs.source("db"), *db); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if *maxConns < 1 || *maxConns > math.MaxInt32 {
		return fmt.Errorf("serve: %s must be a number of connections from 1 to %d, not %d", fs.source("db-max-conns"), math.MaxInt32, *maxConns)
	}
	if *auditRetention < tenantry.MinAuditRetention {
		return fmt.Errorf("serve: %s must be at least %v, not %v", fs.source("audit-retention"), tenantry.MinAuditRetention, *auditRetention)
	}
	// Only a size the operator gave competes with the URL's pool_max_conns.
	var poolSize int32
	if fs.given("db-max-conns") {
		poolSize = int32(*maxConns)
	}
	secret, err := envSecret(getenv, *db)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	logHandler := slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: *level})
	logger := slog.New(logHandler)
	if *redisURL != "" {
		rdb, err := openRedis(ctx, fs.source("redis"), *redisURL, secret, logger)
		if err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		defer rdb.Close()
		lim.Redis = rdb
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer ln.Close()
	var mln net.Listener
	if *metricsAddr != "" {
		if mln, err = net.Listen("tcp", *metricsAddr); err != nil {
			return fmt.Errorf("serve: metrics: %w", err)
		}
		defer mln.Close()
	}

	if secret == nil {
		var created bool
		if secret, created, err = fileSecret(*db); err != nil {
			return fmt.Errorf("serve: %w", err)
		}
		if created {
			logger.Info("generated a token signing secret", "file", *db+".secret")
		}
	}
	store, err := database.Open(ctx, *db, database.Options{Logger: logger, MaxConns: poolSize, AuditRetention: *auditRetention})
	if err != nil {
		return fmt.Errorf("serve: open database %s: %w", database.Redact(*db), err)
	}
	defer store.Close()

	version := readBuild().API()
	var registry *prometheus.Registry
	if mln != nil {
		registry = prometheus.NewRegistry()
		registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		if c := database.Collector(store); c != nil {
			registry.MustRegister(c) // the database pool's statistics
		}
	}
	handler, err := server.New(server.Config{
		Store:         store,
		Logger:        logger,
		Secret:        secret,
		SecureCookies: *secureCookies || *tlsCert != "",
		Metrics:       registry,
		AccessLog:     *accessLog,
		CORSOrigins:   corsOrigins,
		Limits:        &lim,
		Version:       version,
		InvitationTTL: *inviteTTL,
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}

	srv := newHTTPServer(ctx, handler, logHandler)
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}}
	}
	// The metrics server is up before "listening" is logged, so that line
	// means everything is.
	var msrv *http.Server
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", server.MetricsHandler(registry))
		msrv = newHTTPServer(ctx, mux, logHandler)
		logger.Info("metrics listening", "addr", mln.Addr().String(), "url", "http://"+mln.Addr().String()+"/metrics")
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	rateLimits := "local"
	if *redisURL != "" {
		rateLimits = limit.RedactRedisURL(*redisURL)
	}
	logger.Info("listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String(), "db", database.Redact(*db),
		"rate_limits", rateLimits, "version", version)

	// The API server, and the operator's metrics server when asked for: both
	// stop together.
	servers := []*http.Server{srv}
	if msrv != nil {
		servers = append(servers, msrv)
	}
	errc := make(chan error, 2)
	go func() {
		if *tlsCert != "" {
			errc <- srv.ServeTLS(ln, "", "") // the key pair loaded above
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	if msrv != nil {
		go func() { errc <- msrv.Serve(mln) }()
	}
	select {
	case err := <-errc:
		for _, s := range servers {
			s.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(shutdownCtx); err != nil {
			return fmt.Errorf("serve: shutdown: %w", err)
		}
	}
	for range servers {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	}
	logger.Info("stopped")
	return nil
}

// newHTTPServer is an http.Server with the timeouts every listener gets: a
// slow or idle client cannot hold a connection forever.
func newHTTPServer(ctx context.Context, h http.Handler, logHandler slog.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logHandler, slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// redisPingTimeout bounds serve's start-up check that Redis answers.
const redisPingTimeout = 2 * time.Second

// openRedis connects the rate limits to the Redis at rawURL, given by
// source, and checks that it answers: serve refuses to start otherwise. The
// keys' names are hashed with a key derived from the token secret, which
// every replica shares. No error holds the URL's password.
func openRedis(ctx context.Context, source, rawURL string, secret []byte, logger *slog.Logger) (*limit.Redis, error) {
	if secret == nil {
		return nil, fmt.Errorf("%s needs TENANTRY_SECRET, so that every replica names the limits' keys alike", source)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("tenantry rate-limit key names"))
	rdb, err := limit.NewRedis(rawURL, limit.RedisOptions{KeySecret: mac.Sum(nil), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("invalid value for %s: %v", source, err)
	}
	// go-redis's own lines go to the JSON log at debug; the limits log a
	// failing Redis themselves, once a minute.
	redis.SetLogger(redisLog{logger})
	pctx, cancel := context.WithTimeout(ctx, redisPingTimeout)
	defer cancel()
	if err := rdb.Ping(pctx); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("Redis at %s (%s) does not answer: %v; start it, or leave %s empty to count the rate limits in each process",
			limit.RedactRedisURL(rawURL), source, err, source)
	}
	return rdb, nil
}

// redisLog writes go-redis's log lines to the JSON log at debug.
type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
