package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The baseline is the limit the benchmark chases: a bare net/http handler
// that runs the stores' SQL with plain database/sql and pgx calls (its own
// copy of the text, never the stores' code), against the same data, with nothing around them — no authentication, no tenant check
// or transaction, no validation, no logging, no problem+json. Its routes take
// the tenant from the path:
//
//	GET  /b/{tenant}/tasks/{id}   Task
//	GET  /b/{tenant}/tasks        Tasks, limit 50
//	POST /b/{tenant}/tasks        CreateTask
//	PUT  /b/{tenant}/tasks/{id}   ReplaceTask

// baseTask is the baseline's JSON answer: the task's columns.
type baseTask struct {
	ID          uuid.UUID `json:"id"`
	TenantID    uuid.UUID `json:"tenant_id"`
	Title       string    `json:"title"`
	Description *string   `json:"description"`
	Completed   bool      `json:"completed"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// baseInput is the body of a create or replace.
type baseInput struct {
	Title       string  `json:"title"`
	Description *string `json:"description"`
	Completed   bool    `json:"completed"`
}

// baseQueries is what the baseline asks of one engine.
type baseQueries interface {
	task(ctx context.Context, tenant, id uuid.UUID) (baseTask, error)
	tasks(ctx context.Context, tenant uuid.UUID, limit int) ([]baseTask, error)
	create(ctx context.Context, tenant uuid.UUID, in baseInput) (baseTask, error)
	replace(ctx context.Context, tenant, id uuid.UUID, in baseInput) (baseTask, error)
}

func baselineHandler(ctx context.Context, spec childSpec) (http.Handler, func() error, error) {
	var (
		q       baseQueries
		cleanup func() error
		err     error
	)
	switch spec.Engine {
	case "sqlite":
		q, cleanup, err = openSQLiteBase(ctx, spec.DSN)
	case "postgres":
		q, cleanup, err = openPostgresBase(ctx, spec.DSN, spec.Context)
	default:
		err = fmt.Errorf("unknown engine %q", spec.Engine)
	}
	if err != nil {
		return nil, nil, err
	}
	return baseRoutes(q), cleanup, nil
}

func baseRoutes(q baseQueries) http.Handler {
	mux := http.NewServeMux()
	ids := func(r *http.Request) (uuid.UUID, uuid.UUID) {
		t, _ := uuid.Parse(r.PathValue("tenant"))
		id, _ := uuid.Parse(r.PathValue("id"))
		return t, id
	}
	answer := func(w http.ResponseWriter, status int, v any, err error) {
		if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /b/{tenant}/tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		t, id := ids(r)
		task, err := q.task(r.Context(), t, id)
		answer(w, http.StatusOK, task, err)
	})
	mux.HandleFunc("GET /b/{tenant}/tasks", func(w http.ResponseWriter, r *http.Request) {
		t, _ := ids(r)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit <= 0 {
			limit = 50
		}
		tasks, err := q.tasks(r.Context(), t, limit)
		answer(w, http.StatusOK, tasks, err)
	})
	mux.HandleFunc("POST /b/{tenant}/tasks", func(w http.ResponseWriter, r *http.Request) {
		t, _ := ids(r)
		var in baseInput
		_ = json.NewDecoder(r.Body).Decode(&in)
		task, err := q.create(r.Context(), t, in)
		answer(w, http.StatusCreated, task, err)
	})
	mux.HandleFunc("PUT /b/{tenant}/tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		t, id := ids(r)
		var in baseInput
		_ = json.NewDecoder(r.Body).Decode(&in)
		task, err := q.replace(r.Context(), t, id, in)
		answer(w, http.StatusOK, task, err)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	return mux
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
