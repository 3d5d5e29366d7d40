package store

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/session"
)

const operatorColumns = `id, email, name, password_hash, created_at, disabled_at`

func scanOperator(row scanner) (*session.Operator, error) {
	var o session.Operator
	err := row.Scan(&o.ID, &o.Email, &o.Name, &o.PasswordHash, scanTime(&o.CreatedAt), scanTime(&o.DisabledAt))
	return &o, err
}

// ListOperators returns every operator in id (creation) order.
func (db *DB) ListOperators(ctx context.Context) ([]*session.Operator, error) {
	rows, err := db.query(ctx, `SELECT `+operatorColumns+` FROM operators ORDER BY id`)
	if err != nil {
		return nil, db.fail(err, "store.thing.operator")
	}
	return collect(rows, scanOperator)
}

// LockOperators is ListOperators with every row locked until the
// transaction ends (PostgreSQL; SQLite's write transaction holds the
// whole database already).
func (db *DB) LockOperators(ctx context.Context) ([]*session.Operator, error) {
	rows, err := db.q(ctx, db.write).QueryContext(ctx, db.rebind(`SELECT `+operatorColumns+` FROM operators ORDER BY id`+db.forUpdate(ctx)))
	if err != nil {
		return nil, db.fail(err, "store.thing.operator")
	}
	return collect(rows, scanOperator)
}

// DisableOperator marks operator id disabled at now. Errors: NotFound.
func (db *DB) DisableOperator(ctx context.Context, id string, now time.Time) error {
	res, err := db.exec(ctx, `UPDATE operators SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL`, ts(now), id)
	return db.affected(res, err, "store.thing.operator")
}

// RevokeOperatorSessions revokes every live session and API token of
// operator id and returns how many.
func (db *DB) RevokeOperatorSessions(ctx context.Context, id string, now time.Time) (int, error) {
	return db.revoke(ctx, "operator_id", id, now)
}
