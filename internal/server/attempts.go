package server

import (
	"context"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Refused attempts (access.denied in the tenant a caller named but is not a
// member of, auth.login_failed in the personal tenant of the account whose
// password or code was wrong) are written off the request path. A request
// only notes its attempt in memory, the same work whether the tenant or the
// account exists or not, and is answered at once: a write made, or skipped,
// while the caller waits would tell by its time what the answer's bytes do
// not. A single goroutine writes, one statement at a time, so a flood of
// refusals costs the database one writer at most.
//
// A flood must not become a flood of entries either: attempts are counted in
// windows per (tenant, actor, action, kind). The first attempt of a window is
// written at once with count 1; the others of the window become one more
// entry at its end, with their count and the last one's address and request
// id, and since, the time of the window's first. A key costs at most two
// entries a window, and at most maxAttempts
// windows are open at once: an attempt past that is dropped, and counted in
// tenantry_audit_dropped_total.

// Bounds of the attempts recorder.
const (
	attemptWindow = time.Minute
	maxAttempts   = 4096
	// attemptWriteTimeout bounds one write, so that a stalled database
	// holds the writer, and so the windows, for this long at most.
	attemptWriteTimeout = 5 * time.Second
)

// attemptKey is what attempts are counted by.
type attemptKey struct {
	tenant, actor uuid.UUID
	action, kind  string
}

// attemptCount is one open window of a key.
type attemptCount struct {
	first   tenantry.AuditEntry // the window's first attempt
	last    tenantry.AuditEntry // its latest after the first
	written bool                // first is written (or being written)
	more    int                 // attempts after the first
	start   time.Time           // of the first
	end     time.Time
}

// attempts is the recorder. write writes one entry in the tenant; it is
// called from the recorder's goroutine only.
type attempts struct {
	write   func(ctx context.Context, tenant uuid.UUID, e tenantry.AuditEntry) error
	log     *slog.Logger
	metrics *metrics
	window  time.Duration
	max     int
	now     func() time.Time
	timer   func(time.Duration) (<-chan time.Time, func() bool)

	mu      sync.Mutex
	open    map[attemptKey]*attemptCount
	running bool          // the writer goroutine runs
	wake    chan struct{} // tells the writer there is a first entry to write
	idle    chan struct{} // closed when the writer stops (tests)
}

func newAttempts(write func(context.Context, uuid.UUID, tenantry.AuditEntry) error, log *slog.Logger, m *metrics) *attempts {
	return &attempts{
		write: write, log: log, metrics: m, window: attemptWindow, max: maxAttempts, now: time.Now,
		timer: func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		},
		open: map[attemptKey]*attemptCount{}, wake: make(chan struct{}, 1),
	}
}

// note records one attempt against tenant: e carries the action, actor,
// address, request id and details (with "kind"). It never blocks on the
// database.
func (a *attempts) note(tenant uuid.UUID, kind string, e tenantry.AuditEntry) {
	k := attemptKey{tenant: tenant, actor: e.ActorUserID, action: e.Action, kind: kind}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.open[k]; c != nil {
		c.more++
		c.last = e
		return
	}
	if len(a.open) >= a.max {
		a.metrics.auditDropped(e.Action)
		return
	}
	now := a.now()
	a.open[k] = &attemptCount{first: e, start: now, end: now.Add(a.window)}
	select {
	case a.wake <- struct{}{}:
	default:
	}
	if !a.running {
		a.running = true
		a.idle = make(chan struct{})
		go a.run()
	}
}

// pending is one entry the writer is to write.
type pending struct {
	tenant uuid.UUID
	entry  tenantry.AuditEntry
}

// run writes what the windows hold until none is open, then stops.
func (a *attempts) run() {
	for {
		a.mu.Lock()
		now := a.now()
		var (
			out  []pending
			next time.Time
		)
		for k, c := range a.open {
			if !c.written {
				c.written = true
				out = append(out, pending{k.tenant, counted(c.first, 1)})
			}
			if !now.Before(c.end) {
				if c.more > 0 {
					e := counted(c.last, c.more)
					e.Details["since"] = c.start.UTC().Format(time.RFC3339Nano)
					out = append(out, pending{k.tenant, e})
				}
				delete(a.open, k)
				continue
			}
			if next.IsZero() || c.end.Before(next) {
				next = c.end
			}
		}
		if len(out) == 0 && len(a.open) == 0 {
			a.running = false
			close(a.idle)
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()

		for _, p := range out {
			ctx, cancel := context.WithTimeout(context.Background(), attemptWriteTimeout)
			if err := a.write(ctx, p.tenant, p.entry); err != nil {
				a.log.LogAttrs(ctx, slog.LevelWarn, "audit entry not written",
					slog.String("action", p.entry.Action), slog.String("request_id", p.entry.RequestID), slog.Any("error", err))
			}
			cancel()
		}
		if next.IsZero() {
			continue // only writes were due: look again
		}
		fire, stop := a.timer(next.Sub(a.now()))
		select {
		case <-fire:
		case <-a.wake:
			stop()
		}
	}
}

// counted is e standing for n attempts.
func counted(e tenantry.AuditEntry, n int) tenantry.AuditEntry {
	d := maps.Clone(e.Details)
	if d == nil {
		d = map[string]any{}
	}
	d["count"] = n
	e.Details = d
	return e
}

// denied notes a refused cross-tenant attempt of the caller against tenant
// (an organization it is not in, another user's personal path, a token
// used elsewhere), for that tenant's log: kind is the security event's name.
func (s *server) denied(ctx context.Context, tenant uuid.UUID, kind string, details map[string]any) {
	if c := tenantry.CallerFromContext(ctx); c != nil {
		s.deniedBy(ctx, c.UserID, tenant, kind, details)
	}
}

// deniedBy is denied of actor, for a caller not in ctx (the web pages').
func (s *server) deniedBy(ctx context.Context, actor, tenant uuid.UUID, kind string, details map[string]any) {
	e := auditSource(ctx)
	e.Action, e.ActorUserID, e.TargetType, e.TargetID = tenantry.AuditAccessDenied, actor, "tenant", tenant.String()
	e.Details = map[string]any{"kind": kind}
	if ri, ok := requestInfo(ctx); ok && ri.route != "" {
		// A page's pattern names its method already.
		e.Details["route"] = ri.route
		if !strings.HasPrefix(ri.route, ri.method+" ") {
			e.Details["route"] = ri.method + " " + ri.route
		}
	}
	for k, v := range details {
		e.Details[k] = v
	}
	s.attempts.note(tenant, kind, e)
}

// signInFailedFor notes a wrong password or code for an existing account,
// for its own log; an unknown email is never noted (that would be an
// oracle, and a write for nobody).
func (s *server) signInFailedFor(ctx context.Context, userID uuid.UUID, reason string) {
	e := auditSource(ctx)
	e.Action, e.ActorUserID, e.TargetType, e.TargetID = tenantry.AuditLoginFailed, userID, "user", userID.String()
	e.Details = map[string]any{"reason": reason}
	s.attempts.note(userID, reason, e)
}

// writeAttempt writes one entry of the recorder: access.denied through the
// store's AuditDenied (the actor is no member), auth.login_failed in the
// account's own tenant, as the account.
func (s *server) writeAttempt(ctx context.Context, tenant uuid.UUID, e tenantry.AuditEntry) error {
	if e.Action == tenantry.AuditAccessDenied {
		return s.store.AuditDenied(ctx, tenant, e)
	}
	return s.store.Update(ctx, tenant, tenant, func(tx tenantry.TenantAccess) error {
		return tx.Audit(ctx, e)
	})
}
