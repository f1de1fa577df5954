package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// ExportOut documents the export's shape; export writes it piece by piece.
type ExportOut struct {
	Account       UserOut        `json:"account"`
	PersonalTasks []TaskOut      `json:"personal_tasks" nullable:"false"`
	Organizations []ExportOrgOut `json:"organizations" nullable:"false"`
}

// ExportOrgOut is one organization of the export with the tasks the caller sees.
type ExportOrgOut struct {
	Organization OrgOut       `json:"organization"`
	Tasks        []OrgTaskOut `json:"tasks" nullable:"false"`
}

// ExportInput is the request of GET /api/{user_id}/export.
type ExportInput struct {
	UserPath
}

// export streams everything the caller owns or sees as a member as one
// JSON document: {"account", "personal_tasks", "organizations": [{
// "organization", "tasks"}]}. It is written page by page (MaxPageSize
// tasks or organizations at a time, each page read in a View of its own),
// so its memory does not grow with the account; it is not one snapshot. An
// error once the answer has started ends the connection, so a cut document
// is never mistaken for a whole one.
func (s *server) export(ctx context.Context, _ *ExportInput) (*huma.StreamResponse, error) {
	c := tenantry.CallerFromContext(ctx)
	u, err := s.store.UserByID(ctx, c.UserID)
	if errors.Is(err, tenantry.ErrUserNotFound) {
		return nil, errBadCredentials
	} else if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hctx huma.Context) {
		hctx.SetHeader("Content-Type", "application/json")
		hctx.SetHeader("Cache-Control", "no-store")
		hctx.SetHeader("Content-Disposition", `attachment; filename="tenantry-export.json"`)
		hctx.SetStatus(http.StatusOK)
		w := bufio.NewWriterSize(hctx.BodyWriter(), 32<<10)
		if err := s.writeExport(ctx, w, u); err != nil {
			s.log.LogAttrs(ctx, slog.LevelError, "export failed", append(requestAttrs(ctx), slog.String("error", err.Error()))...)
			panic(http.ErrAbortHandler)
		}
		if err := w.Flush(); err != nil {
			panic(http.ErrAbortHandler)
		}
	}}, nil
}

// writeExport writes the document to w.
func (s *server) writeExport(ctx context.Context, w *bufio.Writer, u tenantry.User) error {
	enc := json.NewEncoder(w)
	w.WriteString(`{"account":`)
	if err := enc.Encode(userOut(u)); err != nil {
		return err
	}
	w.WriteString(`,"personal_tasks":`)
	if err := s.exportTasks(ctx, w, enc, u.ID, u.ID, false); err != nil {
		return err
	}
	w.WriteString(`,"organizations":[`)
	first := true
	page := tenantry.Page{Limit: tenantry.MaxPageSize}
	for {
		orgs, err := s.store.UserOrgs(ctx, u.ID, page)
		if err != nil {
			return err
		}
		for _, m := range orgs {
			if !first {
				w.WriteByte(',')
			}
			first = false
			w.WriteString(`{"organization":`)
			if err := enc.Encode(orgOut(m.Org, m.Role)); err != nil {
				return err
			}
			w.WriteString(`,"tasks":`)
			if err := s.exportTasks(ctx, w, enc, u.ID, m.Org.ID, true); err != nil {
				return err
			}
			w.WriteByte('}')
		}
		if len(orgs) < page.PageLimit() {
			break
		}
		page.After = &orgs[len(orgs)-1].Org.ID
	}
	w.WriteString("]}\n")
	return nil
}

// exportTasks writes a tenant's tasks as a JSON array, one page per View,
// flushing each page. A membership lost meanwhile ends the array there.
func (s *server) exportTasks(ctx context.Context, w *bufio.Writer, enc *json.Encoder, userID, tenantID uuid.UUID, org bool) error {
	w.WriteByte('[')
	f := tenantry.TaskFilter{Limit: tenantry.MaxPageSize}
	first := true
	for {
		var page []tenantry.Task
		err := s.store.View(ctx, userID, tenantID, func(tx tenantry.TenantAccess) (err error) {
			page, err = tx.Tasks(ctx, f)
			return err
		})
		if errors.Is(err, tenantry.ErrNotMember) {
			break
		} else if err != nil {
			return err
		}
		for _, t := range page {
			if !first {
				w.WriteByte(',')
			}
			first = false
			var err error
			if org {
				err = enc.Encode(orgTaskOut(t))
			} else {
				err = enc.Encode(taskOut(t))
			}
			if err != nil {
				return err
			}
		}
		if err := w.Flush(); err != nil {
			return err
		}
		if len(page) < f.Limit {
			break
		}
		f.After = &page[len(page)-1].ID
	}
	w.WriteByte(']')
	return nil
}
