package storetest

import (
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func totpCases() []testCase {
	return []testCase{
		{"TOTP/EnrolUseDisable", func(t *testing.T, s tenantry.Store) {
			bob := mustUser(t, s, "bob@example.com")
			_, err := s.UserTOTP(t.Context(), bob.ID)
			wantErr(t, "UserTOTP before enrolment", err, tenantry.ErrTOTPNotFound)
			wantErr(t, "EnableTOTP with none pending", s.EnableTOTP(t.Context(), bob.ID, 5, nil), tenantry.ErrTOTPNotFound)
			noErr(t, "SetTOTPSecret", s.SetTOTPSecret(t.Context(), bob.ID, "FIRST"))
			noErr(t, "SetTOTPSecret again (still pending)", s.SetTOTPSecret(t.Context(), bob.ID, "SECOND"))
			got, err := s.UserTOTP(t.Context(), bob.ID)
			noErr(t, "UserTOTP", err)
			if got.Secret != "SECOND" || got.Enabled {
				t.Fatalf("pending TOTP = %+v", got)
			}
			if ok, err := s.UseTOTPStep(t.Context(), bob.ID, 99); err != nil || ok {
				t.Errorf("UseTOTPStep while pending = %v, %v; want false", ok, err)
			}
			noErr(t, "EnableTOTP", s.EnableTOTP(t.Context(), bob.ID, 100, [][]byte{[]byte("code-1"), []byte("code-2")}))
			wantErr(t, "SetTOTPSecret when on", s.SetTOTPSecret(t.Context(), bob.ID, "THIRD"), tenantry.ErrTOTPEnabled)
			got, _ = s.UserTOTP(t.Context(), bob.ID)
			if got.Secret != "SECOND" || !got.Enabled || got.LastStep != 100 {
				t.Fatalf("enabled TOTP = %+v", got)
			}
			for _, c := range []struct {
				step int64
				want bool
			}{{100, false}, {99, false}, {101, true}, {101, false}, {103, true}} {
				if ok, err := s.UseTOTPStep(t.Context(), bob.ID, c.step); err != nil || ok != c.want {
					t.Errorf("UseTOTPStep(%d) = %v, %v; want %v", c.step, ok, err, c.want)
				}
			}
			for _, c := range []struct {
				code string
				want bool
			}{{"code-1", true}, {"code-1", false}, {"nope", false}, {"code-2", true}} {
				if ok, err := s.UseRecoveryCode(t.Context(), bob.ID, []byte(c.code)); err != nil || ok != c.want {
					t.Errorf("UseRecoveryCode(%s) = %v, %v; want %v", c.code, ok, err, c.want)
				}
			}
			noErr(t, "DisableTOTP", s.DisableTOTP(t.Context(), bob.ID))
			_, err = s.UserTOTP(t.Context(), bob.ID)
			wantErr(t, "UserTOTP after disabling", err, tenantry.ErrTOTPNotFound)
		}},
		{"TOTP/PerUser", func(t *testing.T, s tenantry.Store) {
			alice := mustUser(t, s, "alice@example.com")
			bob := mustUser(t, s, "bob@example.com")
			noErr(t, "SetTOTPSecret", s.SetTOTPSecret(t.Context(), alice.ID, "ALICE"))
			noErr(t, "EnableTOTP", s.EnableTOTP(t.Context(), alice.ID, 1, [][]byte{[]byte("alice-code")}))
			if ok, _ := s.UseRecoveryCode(t.Context(), bob.ID, []byte("alice-code")); ok {
				t.Error("bob spent alice's recovery code")
			}
			noErr(t, "bob's DisableTOTP", s.DisableTOTP(t.Context(), bob.ID))
			if got, err := s.UserTOTP(t.Context(), alice.ID); err != nil || !got.Enabled {
				t.Errorf("alice's TOTP after bob's disable = %+v, %v", got, err)
			}
			wantErr(t, "SetTOTPSecret of no user", s.SetTOTPSecret(t.Context(), uuid.New(), "X"), tenantry.ErrUserNotFound)
			noErr(t, "DeleteUser", s.DeleteUser(t.Context(), alice.ID))
			_, err := s.UserTOTP(t.Context(), alice.ID)
			wantErr(t, "UserTOTP of a deleted user", err, tenantry.ErrTOTPNotFound)
		}},
	}
}
