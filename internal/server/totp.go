package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/tenantry/tenantry"
)

// totpPeriod is the length of a TOTP time step; a code of the step before
// or after the server's is accepted too (clock drift, typing time).
const totpPeriod = 30

// Refusals of two-factor sign-in.
var (
	// errMFARequired answers the right password without a code: a 401
	// whose problem body says "mfa_required": true (mfaProblem).
	errMFARequired = &tenantry.Error{Code: tenantry.EUNAUTHORIZED, Message: "A two-factor code is required: send it in the field totp"}
	// errWrongCode refuses a change that needs a valid code.
	errWrongCode     = &tenantry.Error{Code: tenantry.EFORBIDDEN, Message: "The two-factor code is not valid"}
	errDisableNeeds  = &tenantry.Error{Code: tenantry.EINVALID, Message: "Give either code or password"}
	errTOTPNotActive = &tenantry.Error{Code: tenantry.ECONFLICT, Message: "Two-factor sign-in is not on"}
)

// mfaProblem is the problem body of errMFARequired.
type mfaProblem struct {
	huma.ErrorModel
	MFARequired bool `json:"mfa_required"`
}

// totpAt is the code of time step step.
func totpAt(secret string, step int64) (string, error) {
	return totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totp.ValidateOpts{
		Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// matchStep returns the time step, around now, whose code is code; ok is
// false when none is.
func matchStep(secret, code string, now time.Time) (step int64, ok bool) {
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for _, s := range []int64{cur + 1, cur, cur - 1} {
		want, err := totpAt(secret, s)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// normalizeRecovery is a recovery code as stored: upper case, no dashes or
// spaces, so that "abcd-efgh…" as typed is the same code.
func normalizeRecovery(code string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(code))
}

func hashRecovery(code string) []byte {
	h := sha256.Sum256([]byte(normalizeRecovery(code)))
	return h[:]
}

// newRecoveryCodes returns tenantry.RecoveryCodes codes of 80 random bits
// each, as the user sees them, and their hashes.
func newRecoveryCodes() (codes []string, hashes [][]byte, err error) {
	for range tenantry.RecoveryCodes {
		raw := make([]byte, 10)
		if _, err := rand.Read(raw); err != nil {
			return nil, nil, err
		}
		s := base32.StdEncoding.EncodeToString(raw) // 16 characters
		code := s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16]
		codes = append(codes, code)
		hashes = append(hashes, hashRecovery(code))
	}
	return codes, hashes, nil
}

// checkCode accepts a TOTP code, once, or a recovery code, once.
func (s *server) checkCode(ctx context.Context, userID uuid.UUID, t tenantry.TOTP, code string) (bool, error) {
	if len(code) > 32 {
		return false, nil
	}
	if step, ok := matchStep(t.Secret, code, s.now()); ok {
		return s.store.UseTOTPStep(ctx, userID, step) // false: replayed
	}
	if len(normalizeRecovery(code)) == 16 {
		return s.store.UseRecoveryCode(ctx, userID, hashRecovery(code))
	}
	return false, nil
}

// secondFactor is the step after a right password: nothing without
// two-factor sign-in; otherwise a code, whose absence is errMFARequired and
// whose failure is the same 401 as a wrong password, charged against the
// same sign-in limits and noted in the account's log. used says whether a
// code was checked.
func (s *server) secondFactor(ctx context.Context, u tenantry.User, email, code string) (used bool, err error) {
	t, err := s.store.UserTOTP(ctx, u.ID)
	if errors.Is(err, tenantry.ErrTOTPNotFound) || err == nil && !t.Enabled {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if code == "" {
		s.security(ctx, "mfa_required", slog.String("target_user_id", u.ID.String()))
		return false, errMFARequired
	}
	ok, err := s.checkCode(ctx, u.ID, t, code)
	if err != nil {
		return false, err
	}
	if !ok {
		s.signInFailed(ctx, email)
		s.metrics.loginFailed()
		s.security(ctx, "login_failed", slog.String("reason", "wrong or replayed two-factor code"), slog.String("target_user_id", u.ID.String()))
		s.signInFailedFor(ctx, u.ID, "two_factor")
		return false, errBadLogin
	}
	return true, nil
}

// TOTPEnrollOut is a new, pending two-factor secret.
type TOTPEnrollOut struct {
	Secret     string `json:"secret" doc:"The base32 secret, for typing into an authenticator app."`
	OTPAuthURI string `json:"otpauth_uri" doc:"The same as an otpauth:// URI (a QR code's content)."`
}

// TOTPEnrollOutput answers POST /auth/2fa/enroll.
type TOTPEnrollOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         TOTPEnrollOut
}

func (s *server) enrollTOTP(ctx context.Context, _ *EmptyInput) (*TOTPEnrollOutput, error) {
	out, err := s.startTOTP(ctx, tenantry.CallerFromContext(ctx))
	if err != nil {
		return nil, err
	}
	return &TOTPEnrollOutput{CacheControl: "no-store", Body: out}, nil
}

// startTOTP makes a new pending secret for c's user.
func (s *server) startTOTP(ctx context.Context, c *tenantry.Caller) (TOTPEnrollOut, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Tenantry", AccountName: c.Email, Period: totpPeriod, SecretSize: 20})
	if err != nil {
		return TOTPEnrollOut{}, err
	}
	if err := s.store.SetTOTPSecret(ctx, c.UserID, key.Secret()); err != nil {
		return TOTPEnrollOut{}, err
	}
	return TOTPEnrollOut{Secret: key.Secret(), OTPAuthURI: key.URL()}, nil
}

// TOTPCodeIn confirms a pending secret with its first code.
type TOTPCodeIn struct {
	Code string `json:"code" minLength:"6" maxLength:"6" pattern:"^[0-9]{6}$" patternDescription:"six digits" doc:"The code the app shows now."`
}

// TOTPConfirmInput is the request of POST /auth/2fa/confirm.
type TOTPConfirmInput struct {
	Body TOTPCodeIn
}

// RecoveryCodesOut are the recovery codes, shown once.
type RecoveryCodesOut struct {
	RecoveryCodes []string `json:"recovery_codes" nullable:"false" doc:"Ten single-use codes, each accepted once in place of a code. Shown only now."`
}

// RecoveryCodesOutput answers POST /auth/2fa/confirm.
type RecoveryCodesOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         RecoveryCodesOut
}

func (s *server) confirmTOTP(ctx context.Context, in *TOTPConfirmInput) (*RecoveryCodesOutput, error) {
	codes, err := s.finishTOTP(ctx, tenantry.CallerFromContext(ctx), in.Body.Code)
	if err != nil {
		return nil, err
	}
	return &RecoveryCodesOutput{CacheControl: "no-store", Body: RecoveryCodesOut{RecoveryCodes: codes}}, nil
}

// finishTOTP turns c's pending secret on with its first code, and returns
// the new recovery codes.
func (s *server) finishTOTP(ctx context.Context, c *tenantry.Caller, code string) ([]string, error) {
	t, err := s.store.UserTOTP(ctx, c.UserID)
	if err != nil {
		return nil, err
	}
	if t.Enabled {
		return nil, tenantry.ErrTOTPEnabled
	}
	step, ok := matchStep(t.Secret, code, s.now())
	if !ok {
		s.security(ctx, "totp_confirm_refused", slog.String("reason", "wrong code"))
		return nil, errWrongCode
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	if err := s.store.EnableTOTP(ctx, c.UserID, step, hashes); err != nil {
		return nil, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "two-factor sign-in on", requestAttrs(ctx)...)
	return codes, nil
}

// TOTPDisableIn proves the caller may turn two-factor sign-in off.
type TOTPDisableIn struct {
	Code     string `json:"code,omitempty" maxLength:"32" doc:"A code, or a recovery code."`
	Password string `json:"password,omitempty" maxLength:"1024" doc:"Or the current password."`
}

// TOTPDisableInput is the request of POST /auth/2fa/disable.
type TOTPDisableInput struct {
	Body TOTPDisableIn
}

func (s *server) disableTOTP(ctx context.Context, in *TOTPDisableInput) (*NoContentOutput, error) {
	if err := s.stopTOTP(ctx, tenantry.CallerFromContext(ctx), in.Body.Code, in.Body.Password); err != nil {
		return nil, err
	}
	return &NoContentOutput{}, nil
}

// stopTOTP turns two-factor sign-in off for c's user, with a code or the
// password as proof.
func (s *server) stopTOTP(ctx context.Context, c *tenantry.Caller, code, password string) error {
	if (code == "") == (password == "") {
		return errDisableNeeds
	}
	t, err := s.store.UserTOTP(ctx, c.UserID)
	if errors.Is(err, tenantry.ErrTOTPNotFound) || err == nil && !t.Enabled {
		return errTOTPNotActive
	} else if err != nil {
		return err
	}
	if password != "" {
		if err := s.checkCurrentPassword(ctx, c, password, "totp_disable_refused"); err != nil {
			return err
		}
	} else if ok, err := s.checkCode(ctx, c.UserID, t, code); err != nil {
		return err
	} else if !ok {
		s.security(ctx, "totp_disable_refused", slog.String("reason", "wrong code"))
		return errWrongCode
	}
	if err := s.store.DisableTOTP(ctx, c.UserID); err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "two-factor sign-in off", requestAttrs(ctx)...)
	return nil
}
