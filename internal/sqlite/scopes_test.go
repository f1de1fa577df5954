package sqlite_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// orgFixture is an organization with an owner and a plain member.
type orgFixture struct {
	db            *sqlite.DB
	owner, member tenantry.User
	org           uuid.UUID
}

func newOrgFixture(t *testing.T) orgFixture {
	t.Helper()
	ctx := t.Context()
	db := sqlitetest.MustOpen(t)
	owner, err := db.CreateUser(ctx, "owner@example.com", "h")
	if err != nil {
		t.Fatal(err)
	}
	member, err := db.CreateUser(ctx, "member@example.com", "h")
	if err != nil {
		t.Fatal(err)
	}
	om, err := db.CreateOrg(ctx, owner.ID, "acme")
	if err != nil {
		t.Fatal(err)
	}
	f := orgFixture{db: db, owner: owner, member: member, org: om.Org.ID}
	f.update(t, func(tx tenantry.TenantAccess) error {
		_, err := tx.AddMember(ctx, member.ID, tenantry.RoleMember)
		return err
	})
	return f
}

// update runs fn as the owner in the organization.
func (f orgFixture) update(t *testing.T, fn func(tenantry.TenantAccess) error) {
	t.Helper()
	if err := f.db.Update(t.Context(), f.owner.ID, f.org, fn); err != nil {
		t.Fatal(err)
	}
}

// memberRole returns the member's role as View sees it, or View's error.
func (f orgFixture) memberRole(t *testing.T) (tenantry.Role, error) {
	t.Helper()
	var role tenantry.Role
	err := f.db.View(t.Context(), f.member.ID, f.org, func(tx tenantry.TenantAccess) error {
		role = tx.Scope().Role
		_, err := tx.Tasks(t.Context(), tenantry.TaskFilter{})
		return err
	})
	return role, err
}

func TestView_RemovedMemberRefusedAtOnce(t *testing.T) {
	t.Parallel()
	f := newOrgFixture(t)
	if _, err := f.memberRole(t); err != nil { // cached now
		t.Fatalf("View as member: %v", err)
	}
	f.update(t, func(tx tenantry.TenantAccess) error { return tx.RemoveMember(t.Context(), f.member.ID) })
	if _, err := f.memberRole(t); !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View after removal: err = %v, want ErrNotMember", err)
	}
}

func TestView_RoleChangeSeenAtOnce(t *testing.T) {
	t.Parallel()
	f := newOrgFixture(t)
	for _, role := range []tenantry.Role{tenantry.RoleAdmin, tenantry.RoleOwner, tenantry.RoleMember} {
		f.update(t, func(tx tenantry.TenantAccess) error {
			_, err := tx.SetRole(t.Context(), f.member.ID, role)
			return err
		})
		got, err := f.memberRole(t)
		if err != nil {
			t.Fatal(err)
		}
		if got != role {
			t.Errorf("role after SetRole(%s) = %s", role, got)
		}
	}
}

func TestView_RolledBackChangeKeepsAccess(t *testing.T) {
	t.Parallel()
	f := newOrgFixture(t)
	errAbort := errors.New("abort")
	err := f.db.Update(t.Context(), f.owner.ID, f.org, func(tx tenantry.TenantAccess) error {
		if err := tx.RemoveMember(t.Context(), f.member.ID); err != nil {
			return err
		}
		return errAbort
	})
	if !errors.Is(err, errAbort) {
		t.Fatalf("Update: %v", err)
	}
	if role, err := f.memberRole(t); err != nil || role != tenantry.RoleMember {
		t.Errorf("after a rolled-back removal: role %q, err %v; want member, nil", role, err)
	}
}

func TestView_DeletedUserRefusedAtOnce(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := sqlitetest.MustOpen(t)
	u, err := db.CreateUser(ctx, "bob@example.com", "h")
	if err != nil {
		t.Fatal(err)
	}
	om, err := db.CreateOrg(ctx, u.ID, "alone")
	if err != nil {
		t.Fatal(err)
	}
	for _, tid := range []uuid.UUID{u.ID, om.Org.ID} {
		if err := db.View(ctx, u.ID, tid, func(tenantry.TenantAccess) error { return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, tid := range []uuid.UUID{u.ID, om.Org.ID} {
		err := db.View(ctx, u.ID, tid, func(tenantry.TenantAccess) error {
			t.Error("fn ran for a deleted user")
			return nil
		})
		if !errors.Is(err, tenantry.ErrNotMember) {
			t.Errorf("View of %v after DeleteUser: err = %v, want ErrNotMember", tid, err)
		}
	}
}

// A membership removed while fn reads must not let fn's answer out.
func TestView_RemovalDuringFnRefused(t *testing.T) {
	t.Parallel()
	f := newOrgFixture(t)
	ctx := t.Context()
	err := f.db.View(ctx, f.member.ID, f.org, func(tx tenantry.TenantAccess) error {
		if err := f.db.Update(ctx, f.owner.ID, f.org, func(tx tenantry.TenantAccess) error {
			return tx.RemoveMember(ctx, f.member.ID)
		}); err != nil {
			t.Fatal(err)
		}
		_, err := tx.Tasks(ctx, tenantry.TaskFilter{})
		return err
	})
	if !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View whose member was removed during fn: err = %v, want ErrNotMember", err)
	}
}

// While one goroutine removes and re-adds a member with changing roles,
// readers View the organization; after every change the writer's own next
// View must see it.
func TestView_ConcurrentMembershipChanges(t *testing.T) {
	t.Parallel()
	f := newOrgFixture(t)
	ctx := t.Context()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := f.memberRole(t); err != nil && !errors.Is(err, tenantry.ErrNotMember) {
					t.Errorf("reader: %v", err)
					return
				}
			}
		})
	}
	roles := []tenantry.Role{tenantry.RoleAdmin, tenantry.RoleMember, tenantry.RoleOwner}
	for i := range 30 {
		f.update(t, func(tx tenantry.TenantAccess) error { return tx.RemoveMember(ctx, f.member.ID) })
		if _, err := f.memberRole(t); !errors.Is(err, tenantry.ErrNotMember) {
			t.Fatalf("round %d: View after removal: err = %v, want ErrNotMember", i, err)
		}
		role := roles[i%len(roles)]
		f.update(t, func(tx tenantry.TenantAccess) error {
			_, err := tx.AddMember(ctx, f.member.ID, tenantry.RoleMember)
			if err == nil && role != tenantry.RoleMember {
				_, err = tx.SetRole(ctx, f.member.ID, role)
			}
			return err
		})
		if got, err := f.memberRole(t); err != nil || got != role {
			t.Fatalf("round %d: View after re-adding as %s: role %q, err %v", i, role, got, err)
		}
	}
	close(stop)
	wg.Wait()
}

func TestOpen_LockedWhileOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tenantry.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(ctx, path); !errors.Is(err, sqlite.ErrLocked) {
		t.Errorf("second Open: err = %v, want ErrLocked", err)
	}
	if err := sqlite.Migrate(ctx, path); !errors.Is(err, sqlite.ErrLocked) {
		t.Errorf("Migrate while open: err = %v, want ErrLocked", err)
	}
	if code := openInChild(t, path); code != lockedExit {
		t.Errorf("Open in another process: exit code %d, want %d (ErrLocked)", code, lockedExit)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if code := openInChild(t, path); code != 0 {
		t.Errorf("Open in another process after Close: exit code %d, want 0", code)
	}
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after the child closed: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// lockedExit is the child's exit code when Open says ErrLocked.
const lockedExit = 3

// lockChildEnv names the database the child process opens.
const lockChildEnv = "TENANTRY_SQLITE_LOCK_CHILD"

// openInChild runs TestLockChild in a new process of this test binary and
// returns its exit code.
func openInChild(t *testing.T, path string) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), lockChildEnv+"="+path)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if exit.ExitCode() != lockedExit {
			t.Logf("child output:\n%s", out)
		}
		return exit.ExitCode()
	} else if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	return 0
}

// TestLockChild is the child process of TestOpen_LockedWhileOpen; it does
// nothing unless started by it.
func TestLockChild(t *testing.T) {
	path := os.Getenv(lockChildEnv)
	if path == "" {
		t.Skip("runs only as TestOpen_LockedWhileOpen's child process")
	}
	db, err := sqlite.Open(t.Context(), path)
	if errors.Is(err, sqlite.ErrLocked) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(lockedExit)
	} else if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
