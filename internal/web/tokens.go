package web

import (
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// tokensPage lists the caller's API tokens with the form that makes one;
// New is the secret of the token just made, shown on this page only.
type tokensPage struct {
	Tokens  []tokenRow
	Tenants []tenantOption
	Form    *form
	New     string
}

// tokenRow is one token as the page lists it.
type tokenRow struct {
	tenantry.APIToken
	TenantName string
}

// tenantOption is a tenant a token may be made for.
type tenantOption struct {
	ID   uuid.UUID
	Name string
}

func (ui *UI) tokensPage(q *req) {
	ui.showTokens(q, http.StatusOK, newForm(), "", ui.takeFlash(q.w, q.r))
}

// showTokens renders the tokens page; the tenants named are the caller's
// personal space and organizations, as the store lists them.
func (ui *UI) showTokens(q *req, status int, f *form, secret, notice string) {
	ctx := q.r.Context()
	list, err := ui.store.APITokens(ctx, q.caller.UserID)
	if err != nil {
		ui.fail(q, err)
		return
	}
	orgs, err := ui.store.UserOrgs(ctx, q.caller.UserID, tenantry.Page{Limit: tenantry.MaxPageSize})
	if err != nil {
		ui.fail(q, err)
		return
	}
	p := tokensPage{Form: f, New: secret, Tenants: []tenantOption{{ID: q.caller.UserID, Name: "Personal"}}}
	names := map[uuid.UUID]string{q.caller.UserID: "Personal"}
	for _, m := range orgs {
		p.Tenants = append(p.Tenants, tenantOption{ID: m.Org.ID, Name: m.Org.Name})
		names[m.Org.ID] = m.Org.Name
	}
	for _, t := range list {
		p.Tokens = append(p.Tokens, tokenRow{APIToken: t, TenantName: names[t.TenantID]})
	}
	ui.render(q, status, "tokens", "API tokens", p, notice)
}

func (ui *UI) createToken(q *req) {
	f := newForm()
	name, tenant, scope, days := q.r.PostFormValue("name"), q.r.PostFormValue("tenant_id"), q.r.PostFormValue("scope"), q.r.PostFormValue("expires_in_days")
	f.Values["name"] = name
	tenantID, err := uuid.Parse(tenant)
	if name == "" || len(name) > 100 {
		f.fail("name", "Give the token a name of at most 100 characters.")
	}
	if err != nil {
		f.fail("tenant_id", "Choose where the token works.")
	}
	if scope != string(tenantry.ScopeRead) && scope != string(tenantry.ScopeWrite) {
		f.fail("scope", "Choose read or write.")
	}
	var expires *time.Time
	switch days {
	case "", "0":
	case "7", "30", "90", "365":
		d := map[string]int{"7": 7, "30": 30, "90": 90, "365": 365}[days]
		e := time.Now().Add(time.Duration(d) * 24 * time.Hour)
		expires = &e
	default:
		f.fail("expires_in_days", "Choose an expiry from the list.")
	}
	if !f.ok() {
		ui.showTokens(q, http.StatusUnprocessableEntity, f, "", "")
		return
	}
	secret, err := ui.accounts.CreateAPIToken(q.r, q.caller, tenantry.APIToken{
		Name: name, TenantID: tenantID, Scope: tenantry.TokenScope(scope), ExpiresAt: expires,
	})
	if err != nil {
		if !ui.formError(q, f, err, "tenant_id") {
			return
		}
		ui.showTokens(q, http.StatusUnprocessableEntity, f, "", "")
		return
	}
	// The secret is on this answer only: no redirect, no cookie holds it.
	ui.showTokens(q, http.StatusCreated, newForm(), secret, "")
}

func (ui *UI) revokeToken(q *req) {
	id, err := uuid.Parse(q.r.PathValue("token_id"))
	if err != nil {
		ui.notFound(q)
		return
	}
	if err := ui.store.DeleteAPIToken(q.r.Context(), q.caller.UserID, id, ui.accounts.AuditSource(q.r)); err != nil {
		ui.fail(q, err)
		return
	}
	ui.redirect(q, "/account/tokens", "token-revoked")
}
