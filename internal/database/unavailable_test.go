package database

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// failingStore answers every View with err.
type failingStore struct {
	tenantry.Store
	err error
}

func (f failingStore) View(context.Context, uuid.UUID, uuid.UUID, func(tenantry.TenantAccess) error) error {
	return f.err
}

func TestUnavailableMarksLostDatabase(t *testing.T) {
	t.Parallel()
	lost := errors.New("connection refused")
	for _, c := range []struct {
		name     string
		err      error
		wantCode string
	}{
		{"lost", lost, tenantry.EUNAVAILABLE},
		{"other failure", errors.New("syntax error"), tenantry.EINTERNAL},
		{"domain error", tenantry.ErrNotMember, tenantry.ENOTFOUND},
		{"none", nil, ""},
	} {
		u := &unavailable{Store: failingStore{err: c.err}, lost: func(err error) bool { return errors.Is(err, lost) }}
		err := u.View(context.Background(), uuid.New(), uuid.New(), nil)
		if got := tenantry.ErrorCode(err); got != c.wantCode {
			t.Errorf("%s: code %q, want %q", c.name, got, c.wantCode)
		}
		if c.err != nil && !errors.Is(err, c.err) {
			t.Errorf("%s: %v no longer wraps %v (the log needs it)", c.name, err, c.err)
		}
		if c.wantCode == tenantry.EUNAVAILABLE && tenantry.ErrorMessage(err) != tenantry.ErrUnavailable.Message {
			t.Errorf("%s: message %q shows more than ErrUnavailable's", c.name, tenantry.ErrorMessage(err))
		}
	}
}
