package postgres

import (
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterUUID makes conn encode and decode uuid.UUID (and *uuid.UUID) as
// PostgreSQL's binary uuid, directly. Without it pgx goes through the
// type's driver.Valuer and sql.Scanner: to text and parsed back for every
// parameter, and from text for every column — about a tenth of the server's
// CPU on a get. Use it as a pool's AfterConnect; the store does, and so
// does the benchmark's baseline.
func RegisterUUID(conn *pgx.Conn) {
	conn.TypeMap().RegisterType(&pgtype.Type{Name: "uuid", OID: pgtype.UUIDOID, Codec: uuidCodec{}})
}

// uuidCodec is pgx's UUIDCodec taught uuid.UUID.
type uuidCodec struct{ pgtype.UUIDCodec }

func (c uuidCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	switch value.(type) {
	case uuid.UUID, *uuid.UUID:
		if next := c.UUIDCodec.PlanEncode(m, oid, format, pgtype.UUID{}); next != nil {
			return encodeUUID{next: next}
		}
	}
	return c.UUIDCodec.PlanEncode(m, oid, format, value)
}

// encodeUUID encodes a uuid.UUID as the pgtype.UUID it is.
type encodeUUID struct{ next pgtype.EncodePlan }

func (p encodeUUID) Encode(value any, buf []byte) ([]byte, error) {
	switch v := value.(type) {
	case uuid.UUID:
		return p.next.Encode(pgtype.UUID{Bytes: v, Valid: true}, buf)
	case *uuid.UUID:
		if v == nil {
			return nil, nil // NULL
		}
		return p.next.Encode(pgtype.UUID{Bytes: *v, Valid: true}, buf)
	}
	return nil, errors.New("postgres: encodeUUID: not a uuid.UUID")
}

func (c uuidCodec) PlanScan(m *pgtype.Map, oid uint32, format int16, target any) pgtype.ScanPlan {
	if _, ok := target.(*uuid.UUID); ok {
		if next := c.UUIDCodec.PlanScan(m, oid, format, &pgtype.UUID{}); next != nil {
			return scanUUID{next: next}
		}
	}
	return c.UUIDCodec.PlanScan(m, oid, format, target)
}

// scanUUID scans into a uuid.UUID through a pgtype.UUID. NULL leaves the
// uuid.UUID as it was, as uuid.UUID's own Scan does. (A nullable column
// scans into a **uuid.UUID, which pgx sets to nil before it gets here.)
type scanUUID struct{ next pgtype.ScanPlan }

func (p scanUUID) Scan(src []byte, dst any) error {
	var u pgtype.UUID
	if err := p.next.Scan(src, &u); err != nil {
		return err
	}
	if u.Valid {
		*dst.(*uuid.UUID) = u.Bytes
	}
	return nil
}
