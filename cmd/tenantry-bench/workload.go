package main

import (
	"fmt"
	"math/rand/v2"
)

// The operations measured, in table order.
const (
	OpGet    = "get-by-id"
	OpList   = "list-50"
	OpCreate = "create"
	OpUpdate = "update"
	OpMixed  = "mixed"
)

// StandardOps are the operations of the standard run, in table order.
func StandardOps() []string { return []string{OpGet, OpList, OpCreate, OpUpdate, OpMixed} }

// api says how to spell each operation for one server.
type api struct {
	prefix string // path before /{tenant}/tasks
	auth   bool   // send the tenant's bearer token
}

// tenantryAPI is ours: /api/{user}/tasks with the user's bearer token.
func tenantryAPI() api { return api{prefix: "/api", auth: true} }

// baselineAPI is the baseline's: /b/{tenant}/tasks, no credentials.
func baselineAPI() api { return api{prefix: "/b", auth: false} }

// The bodies of create and update (completed false, then true).
const (
	createBody  = `{"title":"Created by the load benchmark","description":"a new task"}`
	updateBody0 = `{"title":"Updated by the load benchmark","description":"changed","completed":false}`
	updateBody1 = `{"title":"Updated by the load benchmark","description":"changed","completed":true}`
)

// workload returns the requests of op against tenants, each request for a
// random tenant and, where one is needed, a random one of its seeded tasks.
// The mixed load is 80% reads (get and list alike) and 20% writes (create
// and update alike).
func (a api) workload(op string, tenants []tenantData) workload {
	tok := func(t *tenantData) string {
		if a.auth {
			return t.Token
		}
		return ""
	}
	get := func(r *rand.Rand, t *tenantData) request {
		id := t.Tasks[r.IntN(len(t.Tasks))]
		return request{method: "GET", path: fmt.Sprintf("%s/%s/tasks/%s", a.prefix, t.UserID, id), token: tok(t)}
	}
	list := func(_ *rand.Rand, t *tenantData) request {
		return request{method: "GET", path: fmt.Sprintf("%s/%s/tasks?limit=50", a.prefix, t.UserID), token: tok(t)}
	}
	create := func(_ *rand.Rand, t *tenantData) request {
		return request{method: "POST", path: fmt.Sprintf("%s/%s/tasks", a.prefix, t.UserID), body: createBody, token: tok(t)}
	}
	update := func(r *rand.Rand, t *tenantData) request {
		id := t.Tasks[r.IntN(len(t.Tasks))]
		body := updateBody0
		if r.IntN(2) == 1 {
			body = updateBody1
		}
		return request{method: "PUT", path: fmt.Sprintf("%s/%s/tasks/%s", a.prefix, t.UserID, id),
			body: body, token: tok(t)}
	}
	var pick func(r *rand.Rand, t *tenantData) request
	switch op {
	case OpGet:
		pick = get
	case OpList:
		pick = list
	case OpCreate:
		pick = create
	case OpUpdate:
		pick = update
	case OpMixed:
		pick = func(r *rand.Rand, t *tenantData) request {
			switch n := r.IntN(10); {
			case n < 4:
				return get(r, t)
			case n < 8:
				return list(r, t)
			case n < 9:
				return create(r, t)
			default:
				return update(r, t)
			}
		}
	default:
		panic("unknown operation " + op)
	}
	return func(r *rand.Rand) request {
		return pick(r, &tenants[r.IntN(len(tenants))])
	}
}
