package sqlite

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// SetTOTPSecret stores a pending two-factor secret; the upsert leaves an
// enabled one alone.
func (db *DB) SetTOTPSecret(ctx context.Context, userID uuid.UUID, secret string) error {
	n, err := db.write.queries().SetTOTPSecret(ctx, sqlitedb.SetTOTPSecretParams{UserID: idBytes(userID), Secret: secret, CreatedAt: micros(db.now())})
	if isConstraint(err, errForeignKey) {
		return tenantry.ErrUserNotFound
	} else if err != nil {
		return interpretError("set totp secret", err, nil)
	} else if n == 0 {
		return tenantry.ErrTOTPEnabled
	}
	return nil
}

// UserTOTP returns the user's two-factor secret.
func (db *DB) UserTOTP(ctx context.Context, userID uuid.UUID) (tenantry.TOTP, error) {
	r, err := db.read.queries().UserTOTP(ctx, idBytes(userID))
	if err != nil {
		return tenantry.TOTP{}, interpretError("user totp", err, tenantry.ErrTOTPNotFound)
	}
	return tenantry.TOTP{Secret: r.Secret, Enabled: r.Enabled != 0, LastStep: r.LastStep, CreatedAt: fromMicros(r.CreatedAt)}, nil
}

// EnableTOTP turns the pending secret on and replaces the recovery codes,
// in one transaction.
func (db *DB) EnableTOTP(ctx context.Context, userID uuid.UUID, step int64, codeHashes [][]byte) error {
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		n, err := q.EnableTOTP(ctx, sqlitedb.EnableTOTPParams{UserID: idBytes(userID), Step: step})
		if err != nil {
			return interpretError("enable totp", err, nil)
		} else if n == 0 {
			return tenantry.ErrTOTPNotFound
		}
		if err := q.DeleteRecoveryCodes(ctx, idBytes(userID)); err != nil {
			return interpretError("enable totp: clear codes", err, nil)
		}
		for _, h := range codeHashes {
			if err := q.AddRecoveryCode(ctx, sqlitedb.AddRecoveryCodeParams{UserID: idBytes(userID), CodeHash: h}); err != nil {
				return interpretError("enable totp: add code", err, nil)
			}
		}
		return nil
	})
}

// UseTOTPStep records an accepted time step, in one conditional update, so
// that two requests with the same code cannot both pass.
func (db *DB) UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) (bool, error) {
	n, err := db.write.queries().UseTOTPStep(ctx, sqlitedb.UseTOTPStepParams{UserID: idBytes(userID), Step: step})
	if err != nil {
		return false, interpretError("use totp step", err, nil)
	}
	return n == 1, nil
}

// UseRecoveryCode spends one recovery code by deleting it.
func (db *DB) UseRecoveryCode(ctx context.Context, userID uuid.UUID, codeHash []byte) (bool, error) {
	n, err := db.write.queries().UseRecoveryCode(ctx, sqlitedb.UseRecoveryCodeParams{UserID: idBytes(userID), CodeHash: codeHash})
	if err != nil {
		return false, interpretError("use recovery code", err, nil)
	}
	return n == 1, nil
}

// DisableTOTP deletes the secret and the recovery codes.
func (db *DB) DisableTOTP(ctx context.Context, userID uuid.UUID) error {
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		if err := q.DeleteRecoveryCodes(ctx, idBytes(userID)); err != nil {
			return interpretError("disable totp", err, nil)
		}
		return interpretError("disable totp", q.DeleteTOTP(ctx, idBytes(userID)), nil)
	})
}
