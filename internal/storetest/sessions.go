package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// newSession is a session of u whose times are offsets from now.
func newSession(u tenantry.User, hash string, lastSeen, expires time.Duration) tenantry.Session {
	now := time.Now().UTC().Truncate(time.Microsecond)
	return tenantry.Session{
		IDHash:     []byte(hash),
		UserID:     u.ID,
		CreatedAt:  now.Add(lastSeen),
		LastSeenAt: now.Add(lastSeen),
		ExpiresAt:  now.Add(expires),
	}
}

func sessionCases() []testCase {
	return []testCase{
		{"Session/CreateAndUse", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			in := newSession(u, "hash-1", -10*time.Minute, 24*time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in, nil))
			sess, su, err := s.SessionUser(t.Context(), in.IDHash, time.Hour)
			noErr(t, "SessionUser", err)
			if su.ID != u.ID || su.Email != u.Email || su.AuthVersion != u.AuthVersion {
				t.Errorf("user = %+v, want %+v", su, u)
			}
			if string(sess.IDHash) != string(in.IDHash) || sess.UserID != u.ID {
				t.Errorf("session = %+v, want hash %q of %v", sess, in.IDHash, u.ID)
			}
			if !sess.CreatedAt.Equal(in.CreatedAt) || !sess.ExpiresAt.Equal(in.ExpiresAt) {
				t.Errorf("session times = %v, %v; want %v, %v", sess.CreatedAt, sess.ExpiresAt, in.CreatedAt, in.ExpiresAt)
			}
			checkTime(t, "CreatedAt", sess.CreatedAt)
			checkTime(t, "LastSeenAt", sess.LastSeenAt)
			checkTime(t, "ExpiresAt", sess.ExpiresAt)
			if !sess.LastSeenAt.After(in.LastSeenAt) {
				t.Errorf("LastSeenAt = %v, want it moved past %v", sess.LastSeenAt, in.LastSeenAt)
			}
			// The use was recorded: a second look sees it.
			again, _, err := s.SessionUser(t.Context(), in.IDHash, time.Hour)
			noErr(t, "SessionUser again", err)
			if again.LastSeenAt.Before(sess.LastSeenAt) {
				t.Errorf("LastSeenAt went back from %v to %v", sess.LastSeenAt, again.LastSeenAt)
			}
		}},
		{"Session/RecordedUseKeepsItAlive", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			in := newSession(u, "hash-1", -50*time.Minute, 24*time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in, nil))
			_, _, err := s.SessionUser(t.Context(), in.IDHash, time.Hour)
			noErr(t, "SessionUser", err)
			// Idle 20 minutes is only ok if the first use was recorded.
			_, _, err = s.SessionUser(t.Context(), in.IDHash, 20*time.Minute)
			noErr(t, "SessionUser with a shorter idle", err)
		}},
		{"Session/AbsoluteExpiry", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			in := newSession(u, "hash-1", -time.Minute, -time.Second)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in, nil))
			_, _, err := s.SessionUser(t.Context(), in.IDHash, 24*time.Hour)
			wantErr(t, "SessionUser expired", err, tenantry.ErrSessionNotFound)
		}},
		{"Session/IdleExpiry", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			idle := newSession(u, "idle", -2*time.Hour, 24*time.Hour)
			fresh := newSession(u, "fresh", -30*time.Minute, 24*time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), idle, nil))
			noErr(t, "CreateSession", s.CreateSession(t.Context(), fresh, nil))
			_, _, err := s.SessionUser(t.Context(), idle.IDHash, time.Hour)
			wantErr(t, "SessionUser idle", err, tenantry.ErrSessionNotFound)
			_, _, err = s.SessionUser(t.Context(), fresh.IDHash, time.Hour)
			noErr(t, "SessionUser fresh", err)
		}},
		{"Session/Delete", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			a := newSession(u, "a", 0, time.Hour)
			b := newSession(u, "b", 0, time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), a, nil))
			noErr(t, "CreateSession", s.CreateSession(t.Context(), b, nil))
			noErr(t, "DeleteSession", s.DeleteSession(t.Context(), a.IDHash, nil))
			_, _, err := s.SessionUser(t.Context(), a.IDHash, time.Hour)
			wantErr(t, "SessionUser deleted", err, tenantry.ErrSessionNotFound)
			_, _, err = s.SessionUser(t.Context(), b.IDHash, time.Hour)
			noErr(t, "SessionUser other session", err)
			noErr(t, "DeleteSession unknown", s.DeleteSession(t.Context(), []byte("unknown"), nil))
			_, _, err = s.SessionUser(t.Context(), []byte("unknown"), time.Hour)
			wantErr(t, "SessionUser unknown", err, tenantry.ErrSessionNotFound)
		}},
		{"Session/DeletedUser", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			in := newSession(u, "hash-1", 0, time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in, nil))
			noErr(t, "DeleteUser", s.DeleteUser(t.Context(), u.ID))
			_, _, err := s.SessionUser(t.Context(), in.IDHash, time.Hour)
			wantErr(t, "SessionUser of deleted user", err, tenantry.ErrSessionNotFound)
		}},
		{"Session/CapPerUser", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			other := mustUser(t, s, "carol@example.com")
			keep := newSession(other, "other", 0, time.Hour)
			noErr(t, "CreateSession other", s.CreateSession(t.Context(), keep, nil))
			// One more than the cap, each created a second after the last.
			var all []tenantry.Session
			for i := range tenantry.MaxSessionsPerUser + 1 {
				in := newSession(u, fmt.Sprintf("s-%03d", i), 0, time.Hour)
				in.CreatedAt = in.CreatedAt.Add(time.Duration(i-tenantry.MaxSessionsPerUser) * time.Second)
				noErr(t, "CreateSession", s.CreateSession(t.Context(), in, nil))
				all = append(all, in)
			}
			_, _, err := s.SessionUser(t.Context(), all[0].IDHash, time.Hour)
			wantErr(t, "SessionUser of the oldest session beyond the cap", err, tenantry.ErrSessionNotFound)
			for _, in := range []tenantry.Session{all[1], all[len(all)-1]} {
				_, _, err := s.SessionUser(t.Context(), in.IDHash, time.Hour)
				noErr(t, "SessionUser "+string(in.IDHash), err)
			}
			_, _, err = s.SessionUser(t.Context(), keep.IDHash, time.Hour)
			noErr(t, "SessionUser of another user", err)
			wantErr(t, "CreateSession of an unknown user",
				s.CreateSession(t.Context(), newSession(tenantry.User{ID: uuid.New()}, "nobody", 0, time.Hour), nil),
				tenantry.ErrUserNotFound)
		}},
		{"Session/Purge", func(t *testing.T, s tenantry.Store) {
			p, ok := s.(interface {
				PurgeSessions(ctx context.Context, idle time.Duration) (int64, error)
			})
			if !ok {
				t.Fatalf("%T has no PurgeSessions", s)
			}
			u := mustUser(t, s, "bob@example.com")
			expired := newSession(u, "expired", -2*time.Hour, -time.Minute)
			idle := newSession(u, "idle", -2*time.Hour, time.Hour)
			live := newSession(u, "live", -time.Minute, time.Hour)
			for _, in := range []tenantry.Session{expired, idle, live} {
				noErr(t, "CreateSession", s.CreateSession(t.Context(), in, nil))
			}
			purge := func(idle time.Duration, want int64) {
				t.Helper()
				n, err := p.PurgeSessions(t.Context(), idle)
				noErr(t, "PurgeSessions", err)
				if n != want {
					t.Errorf("PurgeSessions(%v) deleted %d, want %d", idle, n, want)
				}
			}
			purge(0, 1)         // the expired one only: no idle limit given
			purge(time.Hour, 1) // then the idle one
			purge(time.Hour, 0) // nothing left to purge
			_, _, err := s.SessionUser(t.Context(), live.IDHash, time.Hour)
			noErr(t, "SessionUser live", err)
		}},
	}
}
