package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// A task's ETag is its version, quoted: a strong validator, since two
// states of a task never share a version. Reads honour If-None-Match (304),
// writes If-Match (412, nothing written), as RFC 9110 section 13 says.
//
// Not huma's conditional package: its 412 is a huma error that would
// bypass answer, its messages echo the header back, and it compares
// If-Match weakly (W/"1" would match), where RFC 9110 asks for a strong
// comparison.

// IfMatchHeader is the precondition of a task write.
type IfMatchHeader struct {
	IfMatch string `header:"If-Match" maxLength:"1024" doc:"Write only if the task's current ETag is one of these (or * for any): 412 otherwise, and nothing is written."`
}

// IfNoneMatchHeader is the condition of a task read.
type IfNoneMatchHeader struct {
	IfNoneMatch string `header:"If-None-Match" maxLength:"1024" doc:"Answer 304 with no body if the task's current ETag is one of these (or * for any)."`
}

// readStatus is the status of a read's answer: 304 when the client's copy
// is current.
func readStatus(notModified bool) int {
	if notModified {
		return http.StatusNotModified
	}
	return http.StatusOK
}

// taskETag is the ETag of t.
func taskETag(t tenantry.Task) string {
	return `"` + strconv.FormatInt(t.Version, 10) + `"`
}

// etagMatches reports whether the header value list (an If-Match or
// If-None-Match) names etag. weak allows W/ tags to match (If-None-Match);
// If-Match compares strongly, so a weak tag never matches. A value that is
// not a list of entity tags matches nothing.
func etagMatches(list, etag string, weak bool) bool {
	if strings.TrimSpace(list) == "*" {
		return true
	}
	for _, tag := range strings.Split(list, ",") {
		tag = strings.TrimSpace(tag)
		if strings.HasPrefix(tag, "W/") {
			if !weak {
				continue
			}
			tag = tag[2:]
		}
		if tag == etag {
			return true
		}
	}
	return false
}

// checkIfMatch holds a write to the task's version the client named: with
// an If-Match, the task is read for update (so no other change can pass
// between the check and the write) and a mismatch is ErrVersionMismatch.
// Without one, the write goes ahead as before.
func checkIfMatch(ctx context.Context, tx tenantry.TenantAccess, id uuid.UUID, ifMatch string) error {
	if ifMatch == "" {
		return nil
	}
	cur, err := tx.TaskForUpdate(ctx, id)
	if err != nil {
		return err
	}
	if !etagMatches(ifMatch, taskETag(cur), false) {
		return tenantry.ErrVersionMismatch
	}
	return nil
}
