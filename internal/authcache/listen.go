package authcache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Channel is the PostgreSQL notification channel the replicas share.
const Channel = "tenantry_auth"

// Notification payloads: a prefix and an id.
const (
	userPrefix  = "user:"
	tokenPrefix = "token:"
)

// Retry delays of the listener after it loses its connection, and how it
// checks an idle connection. A connection that dies silently is noticed
// within idleCheck+pingTimeout, which is DefaultTTL, so that a listener lost
// without a word leaves no change unseen for longer than a listener lost
// with one.
const (
	minBackoff  = 100 * time.Millisecond
	maxBackoff  = 5 * time.Second
	idleCheck   = 3 * time.Second
	pingTimeout = 2 * time.Second
)

// Listen joins the replicas that share the PostgreSQL database at
// connString: every announcement on Channel is applied here.
//
// The database sends the announcements itself, from triggers inside the
// transaction that makes the change (migration 00003_auth_notify.sql), so
// they arrive when it commits whatever became of the changing replica's
// connection (docs/design.md, "Identity and sessions").
//
// It returns once the first LISTEN succeeded. A background goroutine then
// keeps listening, reconnecting after a loss. While it is connected, answers
// are served for up to ListenTTL (announcements do the invalidating); the
// moment it is lost, for up to TTL again; and on each reconnect the whole
// cache is dropped, since announcements may have been missed. The goroutines
// stop when ctx is done or the Store is closed. Call Listen at most once.
func (s *Store) Listen(ctx context.Context, connString string) error {
	if s.stop != nil {
		return errors.New("authcache: Listen called twice")
	}
	// The store's URL may carry pgxpool settings (pool_max_conns, ...);
	// pgxpool's parser takes them out of the connection's.
	poolCfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return fmt.Errorf("authcache: %w", err)
	}
	cfg := poolCfg.ConnConfig
	ctx, cancel := context.WithCancel(ctx)
	conn, err := listenConn(ctx, cfg)
	if err != nil {
		cancel()
		return err
	}

	s.listening.Store(true)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.listen(ctx, cfg, conn)
	}()
	s.stop = func() {
		cancel()
		wg.Wait()
	}
	return nil
}

func listenConn(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("authcache: connecting listener: %w", err)
	}
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("authcache: listen: %w", err)
	}
	return conn, nil
}

// listen applies announcements until ctx is done, reconnecting with backoff.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig, conn *pgx.Conn) {
	backoff := minBackoff
	for {
		if conn != nil {
			err := s.receive(ctx, conn)
			s.listening.Store(false)
			conn.Close(context.Background())
			conn = nil
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("authcache: listener lost; cached answers now expire after the TTL", "err", err, "ttl", s.ttl)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		c, err := listenConn(ctx, cfg)
		if err != nil {
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = minBackoff
		conn = c
		// Announcements sent while we were away are lost.
		s.InvalidateAll()
		s.listening.Store(true)
	}
}

// receive applies announcements until the connection fails. A connection
// can also die silently (a peer gone without a reset): after idleCheck with
// no announcement it is pinged, so a dead listener is noticed within
// idleCheck+pingTimeout and the short TTL applies again.
func (s *Store) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, idleCheck)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			s.apply(n.Payload)
		case ctx.Err() != nil:
			return ctx.Err()
		case wctx.Err() != nil && !conn.IsClosed():
			pctx, cancel := context.WithTimeout(ctx, pingTimeout)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("listener ping: %w", err)
			}
		default:
			return err
		}
	}
}

// apply acts on one announcement. Anything unreadable drops the whole
// cache, which is always safe.
func (s *Store) apply(payload string) {
	switch {
	case strings.HasPrefix(payload, userPrefix):
		id, err := uuid.Parse(strings.TrimPrefix(payload, userPrefix))
		if err != nil {
			s.InvalidateAll()
			return
		}
		s.InvalidateUser(id)
	case strings.HasPrefix(payload, tokenPrefix):
		s.InvalidateToken(strings.TrimPrefix(payload, tokenPrefix))
	default:
		s.InvalidateAll()
	}
}
