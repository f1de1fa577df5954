package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// taskDiff is what every "re-read unchanged" check rests on: it must see a
// change in any field.
func TestTaskDiff(t *testing.T) {
	t.Parallel()
	now := time.Now().UTC().Truncate(time.Microsecond)
	base := tenantry.Task{
		TenantID: uuid.New(), ID: uuid.New(), Title: "t", Description: ptr("d"),
		AssignedUserID: ptr(uuid.New()), CreatedAt: now, UpdatedAt: now,
	}
	if d := taskDiff(base, base); d != "" {
		t.Errorf("taskDiff(same) = %q, want none", d)
	}
	sameValues := base
	sameValues.Description, sameValues.AssignedUserID = ptr("d"), ptr(*base.AssignedUserID)
	sameValues.CreatedAt = now.In(time.FixedZone("x", 3600))
	if d := taskDiff(sameValues, base); d != "" {
		t.Errorf("taskDiff(equal values through other pointers and zones) = %q, want none", d)
	}
	for name, change := range map[string]func(*tenantry.Task){
		"TenantID":           func(x *tenantry.Task) { x.TenantID = uuid.New() },
		"ID":                 func(x *tenantry.Task) { x.ID = uuid.New() },
		"Title":              func(x *tenantry.Task) { x.Title = "other" },
		"Description":        func(x *tenantry.Task) { x.Description = ptr("other") },
		"Description nil":    func(x *tenantry.Task) { x.Description = nil },
		"Completed":          func(x *tenantry.Task) { x.Completed = true },
		"AssignedUserID":     func(x *tenantry.Task) { x.AssignedUserID = ptr(uuid.New()) },
		"AssignedUserID nil": func(x *tenantry.Task) { x.AssignedUserID = nil },
		"CreatedAt":          func(x *tenantry.Task) { x.CreatedAt = x.CreatedAt.Add(time.Microsecond) },
		"UpdatedAt":          func(x *tenantry.Task) { x.UpdatedAt = x.UpdatedAt.Add(time.Microsecond) },
	} {
		changed := base
		change(&changed)
		if d := taskDiff(changed, base); d == "" {
			t.Errorf("taskDiff missed a change of %s", name)
		}
	}
}
