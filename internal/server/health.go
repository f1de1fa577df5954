package server

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantry/tenantry"
)

// HealthOutput answers a health check.
type HealthOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         HealthOut
}

func (s *server) healthz(context.Context, *EmptyInput) (*HealthOutput, error) {
	return &HealthOutput{CacheControl: "no-store", Body: HealthOut{Status: "ok"}}, nil
}

// errNotReady answers a readiness check the database failed.
var errNotReady = &tenantry.Error{Code: tenantry.EUNAVAILABLE, Message: "Database unavailable"}

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 2 * time.Second

func (s *server) readyz(ctx context.Context, _ *EmptyInput) (*HealthOutput, error) {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		return nil, fmt.Errorf("%w: %w", errNotReady, err)
	}
	return &HealthOutput{CacheControl: "no-store", Body: HealthOut{Status: "ok"}}, nil
}
