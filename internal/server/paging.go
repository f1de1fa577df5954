package server

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Paged lists: a page is a limit and an after cursor; a full page links to
// the next.

// emptyQuery refuses a query parameter given empty or more than once.
func emptyQuery(ctx huma.Context, names ...string) []error {
	u := ctx.URL()
	v := u.Query()
	var errs []error
	for _, n := range names {
		if vs, ok := v[n]; ok && (len(vs) != 1 || vs[0] == "") {
			errs = append(errs, ruleError("query."+n, n+" must have exactly one non-empty value"))
		}
	}
	return errs
}

// nextLink is the Link header of a full page of n items, pointing at the
// next one: the collection at path with the query v (the list's filters),
// the same limit, and after the last item's id. Every paged list uses it.
func nextLink(path string, v url.Values, limit int, last uuid.UUID, n int) string {
	if n < limit {
		return ""
	}
	if v == nil {
		v = url.Values{}
	}
	v.Set("limit", strconv.Itoa(limit))
	v.Set("after", last.String())
	return fmt.Sprintf("<%s?%s>; rel=\"next\"", path, v.Encode())
}

// PageQuery selects one page of organizations or members.
type PageQuery struct {
	Limit int    `query:"limit" minimum:"1" maximum:"100" default:"50" doc:"Page size, 1 to 100."`
	After string `query:"after" format:"uuid" doc:"Cursor: the id of the last item of the previous page (see the Link header)."`
}

// Resolve refuses an empty after or limit, as ListQuery does.
func (q *PageQuery) Resolve(ctx huma.Context) []error {
	return emptyQuery(ctx, "after", "limit")
}

// page turns a PageQuery into a Page; huma has checked its syntax.
func (q PageQuery) page() tenantry.Page {
	p := tenantry.Page{Limit: q.Limit}
	p.Limit = p.PageLimit()
	if q.After != "" {
		if id, err := uuid.Parse(q.After); err == nil {
			p.After = &id
		}
	}
	return p
}
