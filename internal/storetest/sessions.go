package storetest

import (
	"testing"
	"time"

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
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in))
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
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in))
			_, _, err := s.SessionUser(t.Context(), in.IDHash, time.Hour)
			noErr(t, "SessionUser", err)
			// Idle 20 minutes is only ok if the first use was recorded.
			_, _, err = s.SessionUser(t.Context(), in.IDHash, 20*time.Minute)
			noErr(t, "SessionUser with a shorter idle", err)
		}},
		{"Session/AbsoluteExpiry", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			in := newSession(u, "hash-1", -time.Minute, -time.Second)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in))
			_, _, err := s.SessionUser(t.Context(), in.IDHash, 24*time.Hour)
			wantErr(t, "SessionUser expired", err, tenantry.ErrSessionNotFound)
		}},
		{"Session/IdleExpiry", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			idle := newSession(u, "idle", -2*time.Hour, 24*time.Hour)
			fresh := newSession(u, "fresh", -30*time.Minute, 24*time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), idle))
			noErr(t, "CreateSession", s.CreateSession(t.Context(), fresh))
			_, _, err := s.SessionUser(t.Context(), idle.IDHash, time.Hour)
			wantErr(t, "SessionUser idle", err, tenantry.ErrSessionNotFound)
			_, _, err = s.SessionUser(t.Context(), fresh.IDHash, time.Hour)
			noErr(t, "SessionUser fresh", err)
		}},
		{"Session/Delete", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			a := newSession(u, "a", 0, time.Hour)
			b := newSession(u, "b", 0, time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), a))
			noErr(t, "CreateSession", s.CreateSession(t.Context(), b))
			noErr(t, "DeleteSession", s.DeleteSession(t.Context(), a.IDHash))
			_, _, err := s.SessionUser(t.Context(), a.IDHash, time.Hour)
			wantErr(t, "SessionUser deleted", err, tenantry.ErrSessionNotFound)
			_, _, err = s.SessionUser(t.Context(), b.IDHash, time.Hour)
			noErr(t, "SessionUser other session", err)
			noErr(t, "DeleteSession unknown", s.DeleteSession(t.Context(), []byte("unknown")))
			_, _, err = s.SessionUser(t.Context(), []byte("unknown"), time.Hour)
			wantErr(t, "SessionUser unknown", err, tenantry.ErrSessionNotFound)
		}},
		{"Session/DeletedUser", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			in := newSession(u, "hash-1", 0, time.Hour)
			noErr(t, "CreateSession", s.CreateSession(t.Context(), in))
			noErr(t, "DeleteUser", s.DeleteUser(t.Context(), u.ID))
			_, _, err := s.SessionUser(t.Context(), in.IDHash, time.Hour)
			wantErr(t, "SessionUser of deleted user", err, tenantry.ErrSessionNotFound)
		}},
	}
}
