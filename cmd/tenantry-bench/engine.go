package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"

	storeopen "github.com/tenantry/tenantry/internal/database"
	"github.com/tenantry/tenantry/internal/limit"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/server"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// tokenTTL is the lifetime of the tokens the benchmark mints and of those
// its server issues: long enough for the longest scale run.
const tokenTTL = 6 * time.Hour

// The issuer and audience the child server stamps and requires.
const (
	serverIssuer   = server.DefaultIssuer
	serverAudience = server.DefaultAudience
)

// tenantryHandler is the child side of our server: the real store and token
// cache, opened by internal/database as `tenantry serve` opens them, behind
// server.New, with a JSON log on stderr.
func tenantryHandler(ctx context.Context, spec childSpec, secret string, stderr io.Writer) (http.Handler, func() error, error) {
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	// Opened exactly as `tenantry serve` opens it: the same store and token cache.
	store, err := storeopen.Open(ctx, spec.DSN, storeopen.Options{Logger: logger, NoAuthCache: spec.NoAuthCache})
	if err != nil {
		return nil, nil, err
	}
	var lim *server.Limits // the defaults
	switch spec.Limits {
	case "off":
		lim = &server.Limits{}
	case "hash":
		d := server.DefaultLimits()
		lim = &server.Limits{HashConcurrency: d.HashConcurrency, HashWait: d.HashWait}
	}
	closeAll := store.Close
	if spec.Redis != "" {
		if lim == nil {
			d := server.DefaultLimits()
			lim = &d
		}
		if lim.Redis, err = benchRedis(ctx, spec.Redis, secret); err != nil {
			store.Close()
			return nil, nil, err
		}
		closeAll = func() error { lim.Redis.Close(); return store.Close() }
	}
	h, err := server.New(server.Config{
		Store:    store,
		Logger:   logger,
		Secret:   []byte(secret),
		Issuer:   serverIssuer,
		Audience: serverAudience,
		TokenTTL: tokenTTL,
		Limits:   lim,
	})
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return h, closeAll, nil
}

// benchRedis connects the server's rate limits to the Redis at rawURL, under
// a key prefix of this run's own (the keys expire once their buckets have
// refilled).
func benchRedis(ctx context.Context, rawURL, secret string) (*limit.Redis, error) {
	r, err := limit.NewRedis(rawURL, limit.RedisOptions{KeySecret: []byte(secret), Prefix: "tenantry-bench:" + randomName() + ":"})
	if err != nil {
		return nil, err
	}
	if err := r.Ping(ctx); err != nil {
		r.Close()
		return nil, fmt.Errorf("redis: %v", err)
	}
	return r, nil
}

// database is one database the benchmark made for itself, and removes.
type database struct {
	engine string
	// appDSN is what the server connects with; ownerDSN what the baseline
	// and migrations use. The same file for SQLite.
	appDSN, ownerDSN string
	drop             func() error
}

// createDatabase makes a fresh database: a file in dir for SQLite; for
// PostgreSQL a database and an application role, both named for this run,
// migrated with postgres.Migrate.
func createDatabase(ctx context.Context, engine, dir, adminURL string) (*database, error) {
	switch engine {
	case "sqlite":
		path := filepath.Join(dir, fmt.Sprintf("bench-%s.db", randomName()))
		if err := sqlite.Migrate(ctx, path); err != nil {
			return nil, err
		}
		return &database{engine: engine, appDSN: path, ownerDSN: path, drop: func() error {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				_ = os.Remove(path + suffix)
			}
			return nil
		}}, nil
	case "postgres":
		return createPostgres(ctx, adminURL)
	}
	return nil, fmt.Errorf("unknown engine %q", engine)
}

func createPostgres(ctx context.Context, adminURL string) (*database, error) {
	name := "tenantry_bench_" + randomName()
	role := name + "_app"
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if _, err := admin.Exec(ctx, "create database "+name); err != nil {
		return nil, fmt.Errorf("creating the bench database: %w", err)
	}
	drop := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			return err
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "drop database if exists "+name+" with (force)"); err != nil {
			return err
		}
		_, err = c.Exec(ctx, "drop role if exists "+role)
		return err
	}
	owner, err := withDatabase(adminURL, name, "")
	if err != nil {
		return nil, err
	}
	app, err := withDatabase(adminURL, name, role)
	if err != nil {
		return nil, err
	}
	if err := postgres.Migrate(ctx, owner, role); err != nil {
		_ = drop()
		return nil, err
	}
	return &database{engine: "postgres", appDSN: app, ownerDSN: owner, drop: drop}, nil
}

// withDatabase returns u with its database, and its user if user is set.
func withDatabase(u, db, user string) (string, error) {
	p, err := url.Parse(u)
	if err != nil {
		return "", fmt.Errorf("PostgreSQL URL: %w", err)
	}
	p.Path = "/" + db
	if user != "" {
		p.User = url.User(user)
	}
	return p.String(), nil
}

func randomName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
