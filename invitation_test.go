package tenantry_test

import (
	"bytes"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func TestInvitationTokenRoundTrip(t *testing.T) {
	tenant := uuid.Must(uuid.NewV7())
	tok, hash, err := tenantry.NewInvitationToken(tenant, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	gotTenant, gotHash, ok := tenantry.ParseInvitationToken(tok)
	if !ok || gotTenant != tenant || !bytes.Equal(gotHash, hash) {
		t.Fatalf("ParseInvitationToken(%q) = %v, %x, %v; want %v, %x, true", tok, gotTenant, gotHash, ok, tenant, hash)
	}
	other, _, _ := tenantry.NewInvitationToken(tenant, rand.Reader)
	if other == tok {
		t.Error("two tokens are equal")
	}
	for _, bad := range []string{"", "inv_", tok[4:], "inv_" + strings.Repeat("A", 10), tok + "A", "x" + tok, strings.Replace(tok, "inv_", "inv_%", 1)} {
		if _, _, ok := tenantry.ParseInvitationToken(bad); ok {
			t.Errorf("ParseInvitationToken(%q) accepted", bad)
		}
	}
}
