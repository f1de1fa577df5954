package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// contextSQL enters a tenant's context. It is always a statement of its own:
// never glued to other SQL (DESIGN.md), so the same code runs on Citus.
const contextSQL = `SELECT role, kind FROM tenant_context($1, $2)`

// errScopeChanged is a context call finding a role or kind other than the
// hint fn was given.
var errScopeChanged = errors.New("postgres: the member's scope changed")

// inScope runs View's and Update's work, run, on one acquired connection
// with a scopedConn, whose scope is the one the scope cache remembers for
// the member, as a hint, or, without one, the context call's answer, asked
// first (fn never runs for a non-member). If the hint turns out stale (the
// role or kind changed), run runs again, asking first.
func (db *DB) inScope(ctx context.Context, userID, tenantID uuid.UUID, write bool, run func(*scopedConn) error) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("postgres: acquire: %w", err)
	}
	// A connection released in a transaction (an error between BEGIN and
	// COMMIT that the ROLLBACK in once could not fix) is closed by the pool.
	defer conn.Release()

	key := scopeKey{tenant: tenantID, user: userID}
	hint, hinted := db.scopes.get(key)
	err = db.once(ctx, conn, key, write, hint, hinted, run)
	if errors.Is(err, errScopeChanged) {
		err = db.once(ctx, conn, key, write, scopeEntry{}, false, run) // asks first: cannot recur
	}
	return err
}

// once runs run on conn with hint as its scope if hinted, and makes sure
// the scope run acted on is the database's before run's result counts: a
// hint that no statement confirmed is confirmed by a context call alone. A
// transaction left open (an Update's, not committed) is rolled back.
func (db *DB) once(ctx context.Context, conn *pgxpool.Conn, key scopeKey, write bool, hint scopeEntry, hinted bool, run func(*scopedConn) error) error {
	c := &scopedConn{ctx: ctx, conn: conn, write: write, citus: db.citus, scope: tenantry.Scope{UserID: key.user, TenantID: key.tenant}}
	defer c.rollback()
	if hinted {
		c.scope.Role, c.scope.Kind, c.hinted = hint.role, hint.kind, true
	} else if c.check(); c.err != nil {
		return c.err // fn never runs for a non-member (store.go)
	} else {
		db.scopes.put(key, scopeEntry{role: c.scope.Role, kind: c.scope.Kind})
	}
	err := run(c)
	if !c.known && c.err == nil {
		c.check() // no statement ran: confirm the hint before run's result counts
	}
	if c.err != nil {
		if hinted {
			db.scopes.drop(key)
		}
		return c.err // ErrNotMember (or errScopeChanged) whatever fn made of it
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
	citus  bool           // a View's reads each go in a transaction of their own
	scope  tenantry.Scope // Role and Kind once known, or hinted
	hinted bool           // Role and Kind came from the scope cache
	known  bool           // a context call succeeded (and matched the hint)
	begun  bool           // an Update's BEGIN was sent
	err    error          // a context call failed: every later call fails so
	answer [2]string      // enter's scan of role and kind

	// tx and q are the View's or Update's TenantAccess and its queries
	// (access), allocated with the connection.
	tx tenantTx
	q  pgdb.Queries
}

// access returns the tenantTx that a View's or Update's fn works through,
// on v, in v's own memory.
func (v *scopedConn) access(db *DB) *tenantTx {
	v.q = *db.queries(v)
	v.tx = tenantTx{db: db, q: &v.q, scope: v.scope}
	if !v.write {
		v.tx.view = v // a View learns Role and Kind lazily
	}
	return &v.tx
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
	if !v.write && !v.citus {
		_ = v.enter(v.conn.QueryRow(v.ctx, contextSQL, v.scope.UserID, v.scope.TenantID))
		return
	}
	br, err := v.open(v.ctx, "", nil)
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
	// Scanned next to the scope it should confirm, the hint's strings
	// are kept when the answer is the same: no copy of either.
	v.answer = [2]string{string(v.scope.Role), string(v.scope.Kind)}
	if err := row.Scan(contextWord{&v.answer[0]}, contextWord{&v.answer[1]}); err != nil {
		v.err = contextError(err)
		return v.err
	}
	if !v.known {
		r, k := tenantry.Role(v.answer[0]), tenantry.TenantKind(v.answer[1])
		if v.hinted && (r != v.scope.Role || k != v.scope.Kind) {
			v.err = errScopeChanged
			return v.err
		}
		v.scope.Role, v.scope.Kind, v.known = r, k, true
	}
	return nil
}

// open sends the context call, behind BEGIN in an Update, in one batch with
// the statement sql, if any, and reads the results up to the context call's;
// the caller reads the rest and closes the batch. Should the context call
// fail, the server skips what follows it (the transaction, implicit or not,
// is aborted).
func (v *scopedConn) open(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := newRoundTrip()
	switch {
	case v.write:
		b.queue("BEGIN READ WRITE", nil)
		v.begun = true
	case v.citus:
		// Citus sends SET LOCAL to the workers only inside a transaction
		// block: a View's read is [BEGIN; context call; statement;
		// COMMIT], still one round trip. Should the context call or the
		// statement fail, the COMMIT is skipped and rollback ends the
		// transaction. Plain PostgreSQL's implicit transaction needs none.
		b.queue("BEGIN READ ONLY", nil)
	}
	// Pointers to the ids, which the batch encodes before SendBatch
	// returns: boxing a pointer costs no allocation, boxing a uuid does.
	b.contextArgs = [2]any{&v.scope.UserID, &v.scope.TenantID}
	b.queue(contextSQL, b.contextArgs[:])
	if sql != "" {
		b.queue(sql, args)
	}
	if !v.write && v.citus {
		b.queue("COMMIT", nil)
	}
	br := v.conn.SendBatch(ctx, &b.Batch)
	if v.write || v.citus {
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

// roundTrip is the batch open sends, at most [BEGIN; context call;
// statement; COMMIT], with its queued queries and the context call's
// arguments in the same allocation: a get's batch is one allocation
// instead of seven.
type roundTrip struct {
	pgx.Batch
	ptrs        [4]*pgx.QueuedQuery
	queries     [4]pgx.QueuedQuery
	contextArgs [2]any
}

func newRoundTrip() *roundTrip {
	b := new(roundTrip)
	b.QueuedQueries = b.ptrs[:0]
	return b
}

// queue adds a statement, as pgx.Batch.Queue does.
func (b *roundTrip) queue(sql string, args []any) {
	q := &b.queries[len(b.QueuedQueries)]
	q.SQL, q.Arguments = sql, args
	b.QueuedQueries = append(b.QueuedQueries, q)
}

// contextWord scans one text column of tenant_context's answer into the
// string it points to, which holds the expected answer beforehand: when
// the column says the same, the string is left as it is, so confirming a
// hint copies nothing (pgx hands ScanBytes the bytes as read).
type contextWord struct{ s *string }

func (w contextWord) ScanBytes(b []byte) error {
	if b == nil {
		return errors.New("postgres: tenant_context answered NULL")
	}
	if string(b) != *w.s {
		*w.s = string(b)
	}
	return nil
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
	return v.open(ctx, sql, args)
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
	return batchQuery(br)
}

func (v *scopedConn) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if v.direct() {
		return v.conn.QueryRow(ctx, sql, args...)
	}
	return batchRow(func() (pgx.BatchResults, error) { return v.send(ctx, sql, args) })
}

// commit commits an Update's transaction. The settings are SET LOCAL, gone
// with the COMMIT; resetContext, in the same round trip, also clears
// session-level ones, which the store never makes.
func (v *scopedConn) commit() error {
	b := &pgx.Batch{}
	b.Queue("COMMIT")
	b.Queue(resetContext)
	br := v.conn.SendBatch(v.ctx, b)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return interpretError("commit", err, nil)
	}
	if tag.String() == "ROLLBACK" {
		// fn swallowed an error that aborted the transaction.
		return fmt.Errorf("postgres: commit: %w", pgx.ErrTxCommitRollback)
	}
	return nil
}

// rollback ends a transaction left open on the connection: an Update's
// that did not commit.
func (v *scopedConn) rollback() {
	if v.conn.Conn().PgConn().TxStatus() != 'I' {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(v.ctx), 5*time.Second)
		defer cancel()
		_, _ = v.conn.Exec(ctx, "ROLLBACK")
	}
}

// batchRow is a pgx.Row whose batch is sent when it is scanned, as pgx's
// own rows are. send sends the batch and reads its results up to the
// row's; the row is the next result, and the batch is closed after it.
type batchRow func() (pgx.BatchResults, error)

// Scan sends the batch and scans the row.
func (send batchRow) Scan(dest ...any) error {
	br, err := send()
	if err != nil {
		return err
	}
	err = br.QueryRow().Scan(dest...)
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return err
}

// batchRows are the rows of a batch's next result, and close the batch
// with them; an error closing it is Err's.
type batchRows struct {
	pgx.Rows
	br     pgx.BatchResults
	closed bool
	err    error
}

// batchQuery returns the next result of br as rows that close br with
// them. If the result is an error, br is closed at once.
func batchQuery(br pgx.BatchResults) (pgx.Rows, error) {
	rows, err := br.Query()
	if err != nil {
		_ = br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *batchRows) Close() {
	if r.closed {
		return
	}
	r.closed = true
	r.Rows.Close()
	r.err = r.br.Close()
}

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}
