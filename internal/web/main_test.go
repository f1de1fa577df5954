package web_test

import (
	"os"
	"testing"

	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestMain drops the test databases when the last test process ends.
func TestMain(m *testing.M) { os.Exit(postgrestest.Main(m)) }
