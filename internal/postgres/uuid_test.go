package postgres_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestRegisterUUID: with RegisterUUID, uuids go to the server and back
// unchanged, in both protocol formats, as values and pointers, and NULL is
// NULL: the same answers as pgx gives through uuid.UUID's own Value and
// Scan, which the test also asks for.
func TestRegisterUUID(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := postgrestest.URL(t)
	plain := connect(t, url)
	fast := connect(t, url)
	postgres.RegisterUUID(fast)

	id := uuid.MustParse("0192f3a4-5b6c-7d8e-9fa0-b1c2d3e4f5a6")
	// The point: no detour through text.
	m := fast.TypeMap()
	if p := fmt.Sprintf("%T", m.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, id)); p != "postgres.encodeUUID" {
		t.Errorf("encode plan for a uuid.UUID: %s, want postgres.encodeUUID", p)
	}
	if p := fmt.Sprintf("%T", m.PlanScan(pgtype.UUIDOID, pgtype.BinaryFormatCode, &id)); p != "postgres.scanUUID" {
		t.Errorf("scan plan for a *uuid.UUID: %s, want postgres.scanUUID", p)
	}
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		for name, conn := range map[string]*pgx.Conn{"registered": fast, "pgx's own": plain} {
			var text string
			var back uuid.UUID
			var ptr, null *uuid.UUID
			err := conn.QueryRow(ctx, `SELECT $1::uuid::text, $1::uuid, $2::uuid, $3::uuid`, mode, id, &id, (*uuid.UUID)(nil)).
				Scan(&text, &back, &ptr, &null)
			if err != nil {
				t.Fatalf("%s, mode %v: %v", name, mode, err)
			}
			if text != id.String() || back != id || ptr == nil || *ptr != id || null != nil {
				t.Errorf("%s, mode %v: text %q, value %v, pointer %v, null %v; want %v three times and nil",
					name, mode, text, back, ptr, null, id)
			}
			// NULL into a uuid.UUID leaves it as it was (uuid.UUID's Scan).
			if err := conn.QueryRow(ctx, `SELECT NULL::uuid`, mode).Scan(&back); err != nil || back != id {
				t.Errorf("%s, mode %v: NULL into a uuid.UUID: %v, %v; want no error and %v kept", name, mode, err, back, id)
			}
		}
	}
}
