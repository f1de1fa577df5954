package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"
)

// HealthOutput answers a health check.
type HealthOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         HealthOut
}

func (s *server) healthz(context.Context, *EmptyInput) (*HealthOutput, error) {
	return &HealthOutput{CacheControl: "no-store", Body: HealthOut{Status: "ok"}}, nil
}

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 2 * time.Second

func (s *server) readyz(ctx context.Context, _ *EmptyInput) (*HealthOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		if !clientGone(ctx) {
			s.log.LogAttrs(ctx, slog.LevelError, "database not ready", append(requestAttrs(ctx), slog.String("error", err.Error()))...)
		}
		return nil, problem(http.StatusServiceUnavailable, "Database unavailable")
	}
	return &HealthOutput{CacheControl: "no-store", Body: HealthOut{Status: "ok"}}, nil
}
