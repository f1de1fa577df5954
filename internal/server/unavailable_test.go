package server

import (
	"net/http"
	"testing"

	"github.com/tenantry/tenantry"
)

// TestUnavailableIs503: a database that cannot be reached is a passing
// condition the client may retry, not an internal error.
func TestUnavailableIs503(t *testing.T) {
	t.Parallel()
	if got, want := status(tenantry.EUNAVAILABLE), http.StatusServiceUnavailable; got != want {
		t.Errorf("status(EUNAVAILABLE) = %d, want %d", got, want)
	}
}
