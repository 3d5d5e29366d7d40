package app

import (
	"context"

	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store"
)

// twoFactorSealer seals members' TOTP secrets with a key the database holds
// apart from them, made on the first start: no set-up, and every instance
// on the database shares it (docs/NOTES.md says what it protects).
func twoFactorSealer(ctx context.Context, db *store.DB, clk clock.Clock) (*session.Sealer, error) {
	key, err := db.EnsureServerKey(ctx, "two_factor", clk.Now())
	if err != nil {
		return nil, err
	}
	return session.NewSealer(key)
}
