package server

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// eraseUser deletes the account with everything of it (the store's
// DeleteUser; API tokens and the two-factor secret go with the account and
// its memberships). When the user is the last owner of an organization with
// other members, the 409 names those organizations, so the user knows which
// to hand over or delete first.
func (s *server) eraseUser(ctx context.Context, userID uuid.UUID) error {
	err := s.store.DeleteUser(ctx, userID)
	if !errors.Is(err, tenantry.ErrLastOwner) {
		return err
	}
	names, lerr := s.lastOwnerOf(ctx, userID)
	if lerr != nil || len(names) == 0 {
		return err
	}
	return &tenantry.Error{Code: tenantry.ECONFLICT, Message: "You are the last owner of " + strings.Join(names, ", ") +
		": make another member an owner, or delete it, first"}
}

// lastOwnerOf names the organizations whose only owner the user is while
// others are members.
func (s *server) lastOwnerOf(ctx context.Context, userID uuid.UUID) ([]string, error) {
	var names []string
	page := tenantry.Page{Limit: tenantry.MaxPageSize}
	for {
		orgs, err := s.store.UserOrgs(ctx, userID, page)
		if err != nil {
			return nil, err
		}
		for _, m := range orgs {
			if m.Role != tenantry.RoleOwner {
				continue
			}
			owners, members := 0, 0
			err := s.store.View(ctx, userID, m.Org.ID, func(tx tenantry.TenantAccess) error {
				p := tenantry.Page{Limit: tenantry.MaxPageSize}
				for {
					ms, err := tx.Members(ctx, p)
					if err != nil {
						return err
					}
					for _, mm := range ms {
						members++
						if mm.Role == tenantry.RoleOwner {
							owners++
						}
					}
					if len(ms) < p.PageLimit() {
						return nil
					}
					p.After = &ms[len(ms)-1].UserID
				}
			})
			if err != nil {
				return nil, err
			}
			if owners == 1 && members > 1 {
				names = append(names, "“"+m.Org.Name+"”")
			}
		}
		if len(orgs) < page.PageLimit() {
			return names, nil
		}
		page.After = &orgs[len(orgs)-1].Org.ID
	}
}
