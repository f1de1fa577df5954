package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/pgdb"
)

// contextSQL enters a tenant's context. It is always a statement of its own:
// never glued to other SQL (DESIGN.md), so the same code runs on Citus.
const contextSQL = `SELECT role, kind FROM tenant_context($1, $2)`

// View runs fn in the tenant's context, reading only. There is no explicit
// transaction: every statement fn runs goes to the server in one batch
// behind a tenant_context call of its own (one round trip, one Sync), so the
// two share PostgreSQL's implicit transaction: the context's SET LOCALs apply
// to the statement and end with it at the Sync. Each statement reads its own
// snapshot and checks the membership anew; one that finds it gone makes the
// View return ErrNotMember, whatever fn made of the error.
//
// fn's Scope comes from the scope cache when the member is known there, and
// then the View costs no round trip of its own: a get is one round trip, as
// the bare statement is. The cache is a hint, confirmed by fn's first
// statement (or, if fn ran none, by a tenant_context call after it): a
// member removed meanwhile gets ErrNotMember, and a role or kind that
// changed meanwhile makes the View run fn again, asking first. Otherwise,
// and always for a non-member, a tenant_context call alone (one round trip)
// checks the membership first, and fn never runs for a non-member.
func (db *DB) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantTx) error) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire: %w", err)
	}
	defer conn.Release()

	key := scopeKey{tenant: tenantID, user: userID}
	hint, ok := db.scopes.get(key)
	err = db.view(ctx, conn, key, hint, ok, fn)
	if errors.Is(err, errScopeChanged) {
		err = db.view(ctx, conn, key, scopeEntry{}, false, fn) // asks first: cannot recur
	}
	return err
}

// errScopeChanged is a View's statement finding a role or kind other than
// the hint fn was given.
var errScopeChanged = errors.New("postgres: the member's scope changed")

// view runs fn once on conn, with hint as its scope if hinted.
func (db *DB) view(ctx context.Context, conn *pgxpool.Conn, key scopeKey, hint scopeEntry, hinted bool, fn func(tenantry.TenantTx) error) error {
	v := &scopedConn{ctx: ctx, conn: conn, scope: tenantry.Scope{UserID: key.user, TenantID: key.tenant}}
	if hinted {
		v.scope.Role, v.scope.Kind, v.hinted = hint.role, hint.kind, true
	} else if v.check(); v.err != nil {
		return v.err // fn never runs for a non-member (store.go)
	} else {
		db.scopes.put(key, scopeEntry{role: v.scope.Role, kind: v.scope.Kind})
	}
	err := fn(viewTx{&tenantTx{db: db, q: db.queries(v), scope: v.scope, view: v}})
	if !v.known && v.err == nil {
		v.check() // fn ran no statement: confirm the hint before its result counts
	}
	if v.err != nil {
		if hinted {
			db.scopes.drop(key)
		}
		return v.err // ErrNotMember (or errScopeChanged) whatever fn made of it
	}
	return err
}

// scopedConn is the pgdb.DBTX of a View or an Update, bound to one acquired
// connection, that puts the tenant_context call in front of statements.
//
// In a View (write false) every statement goes in one batch behind a
// context call of its own. In an Update (write true) the transaction's
// first statement goes in one batch behind [BEGIN READ WRITE; context
// call], and the ones after it alone, inside that transaction.
type scopedConn struct {
	ctx    context.Context // the View's or Update's: check's context call runs in it
	conn   *pgxpool.Conn
	write  bool           // an Update's
	scope  tenantry.Scope // Role and Kind once known, or hinted
	hinted bool           // Role and Kind came from the scope cache
	known  bool           // a context call succeeded (and matched the hint)
	begun  bool           // an Update's BEGIN was sent
	err    error          // a context call failed: every later call fails so
}

var _ pgdb.DBTX = (*scopedConn)(nil)

// Scope returns a View's scope. Without a hint, and if no statement has
// run yet, it makes the context call alone (one round trip); if that call
// fails, Role and Kind stay empty and the View returns the error.
func (v *scopedConn) Scope() tenantry.Scope {
	if !v.hinted {
		v.check()
	}
	return v.scope
}

// check makes the context call without a statement (behind BEGIN in an
// Update), unless one succeeded or failed already.
func (v *scopedConn) check() {
	if v.known || v.err != nil {
		return
	}
	if !v.write {
		_ = v.enter(v.conn.QueryRow(v.ctx, contextSQL, v.scope.UserID, v.scope.TenantID))
		return
	}
	br, err := v.open(v.ctx, &pgx.Batch{})
	if err == nil {
		err = br.Close()
	}
	if err != nil && v.err == nil {
		v.err = fmt.Errorf("postgres: tenant context: %w", err)
	}
}

// enter reads a tenant_context result. insufficient_privilege (not a member,
// or no such tenant) is ErrNotMember; a first answer other than the hint is
// errScopeChanged.
func (v *scopedConn) enter(row pgx.Row) error {
	var role, kind string
	if err := row.Scan(&role, &kind); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == codeInsufficientPrivilege {
			v.err = tenantry.ErrNotMember
		} else {
			v.err = fmt.Errorf("postgres: tenant context: %w", err)
		}
		return v.err
	}
	if !v.known {
		r, k := tenantry.Role(role), tenantry.TenantKind(kind)
		if v.hinted && (r != v.scope.Role || k != v.scope.Kind) {
			v.err = errScopeChanged
			return v.err
		}
		v.scope.Role, v.scope.Kind, v.known = r, k, true
	}
	return nil
}

// open sends the context call, behind BEGIN in an Update, in one batch with
// what b holds, and reads the results up to the context call's; the caller
// reads the rest and closes the batch. Should the context call fail, the
// server skips what follows it (the transaction, implicit or not, is
// aborted).
func (v *scopedConn) open(ctx context.Context, b *pgx.Batch) (pgx.BatchResults, error) {
	head := &pgx.Batch{}
	if v.write {
		head.Queue("BEGIN READ WRITE")
		v.begun = true
	}
	head.Queue(contextSQL, v.scope.UserID, v.scope.TenantID)
	head.QueuedQueries = append(head.QueuedQueries, b.QueuedQueries...)
	br := v.conn.SendBatch(ctx, head)
	if v.write {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			v.err = fmt.Errorf("postgres: begin: %w", err)
			return nil, v.err
		}
	}
	if err := v.enter(br.QueryRow()); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

// direct says whether sql goes to the connection as it is: an Update's
// statements once its transaction is open.
func (v *scopedConn) direct() bool { return v.write && v.begun && v.err == nil }

// send sends sql in one batch behind the context call; the caller reads
// its result and closes the batch.
func (v *scopedConn) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	if v.err != nil {
		return nil, v.err
	}
	b := &pgx.Batch{}
	b.Queue(sql, args...)
	return v.open(ctx, b)
}

func (v *scopedConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if v.direct() {
		return v.conn.Exec(ctx, sql, args...)
	}
	br, err := v.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

func (v *scopedConn) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if v.direct() {
		return v.conn.Query(ctx, sql, args...)
	}
	br, err := v.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &viewRows{Rows: rows, br: br}, nil
}

func (v *scopedConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if v.direct() {
		return v.conn.QueryRow(ctx, sql, args...)
	}
	return viewRow{v: v, ctx: ctx, sql: sql, args: args}
}

// viewRow sends its batch when it is scanned, as pgx's rows do.
type viewRow struct {
	v    *scopedConn
	ctx  context.Context
	sql  string
	args []any
}

func (r viewRow) Scan(dest ...any) error {
	br, err := r.v.send(r.ctx, r.sql, r.args)
	if err != nil {
		return err
	}
	err = br.QueryRow().Scan(dest...)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// viewRows closes its batch with the rows; an error closing it is Err's.
type viewRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

func (r *viewRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *viewRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *viewRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// viewTx is a View's TenantTx: its write methods refuse to run. The View has
// no transaction that could be made read-only, so the refusal is the store's.
type viewTx struct{ *tenantTx }

// readOnlyError is the error of a write method called in a View.
func readOnlyError(method string) error {
	return fmt.Errorf("postgres: %s in a read-only View", method)
}

func (viewTx) CreateTask(context.Context, tenantry.NewTask) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("CreateTask")
}

func (viewTx) ReplaceTask(context.Context, uuid.UUID, tenantry.NewTask) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("ReplaceTask")
}

func (viewTx) PatchTask(context.Context, uuid.UUID, tenantry.TaskPatch) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("PatchTask")
}

func (viewTx) DeleteTask(context.Context, uuid.UUID) error { return readOnlyError("DeleteTask") }

func (viewTx) DeleteTasks(context.Context, *bool) (int64, error) {
	return 0, readOnlyError("DeleteTasks")
}

func (viewTx) AddMember(context.Context, uuid.UUID, tenantry.Role) (tenantry.Member, error) {
	return tenantry.Member{}, readOnlyError("AddMember")
}

func (viewTx) SetRole(context.Context, uuid.UUID, tenantry.Role) (tenantry.Member, error) {
	return tenantry.Member{}, readOnlyError("SetRole")
}

func (viewTx) RemoveMember(context.Context, uuid.UUID) error { return readOnlyError("RemoveMember") }
