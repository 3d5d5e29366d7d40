package store

import (
	"context"
	"database/sql"
	"fmt"
)

// maxBatch is how many write transactions one SQLite commit carries at most.
const maxBatch = 16

// batcher runs SQLite's write transactions on its one connection, several
// to a commit: each waiting transaction runs in a savepoint of the same
// SQLite transaction (rolled back to it when it fails), and the commit is
// made when none is waiting. Transactions still run one at a time, in
// order, and each caller returns once its work is committed; what k
// transactions share — the commit, and the pages they all touch (the
// newest rows of every table) — is written once instead of k times
// (docs/PERFORMANCE.md).
type batcher struct {
	write *sql.DB
	queue chan *writeTx
	done  chan struct{}
}

// writeTx is one caller's transaction: fn, run with ctx, and its outcome.
type writeTx struct {
	ctx    context.Context
	fn     func(ctx context.Context) error
	err    error
	panic  any
	result chan struct{}
}

func newBatcher(write *sql.DB) *batcher {
	b := &batcher{write: write, queue: make(chan *writeTx), done: make(chan struct{})}
	go b.loop()
	return b
}

// run runs fn in a transaction, batched with those waiting beside it.
func (b *batcher) run(ctx context.Context, fn func(ctx context.Context) error) error {
	w := &writeTx{ctx: ctx, fn: fn, result: make(chan struct{})}
	select {
	case b.queue <- w:
	case <-ctx.Done():
		return ctx.Err()
	}
	<-w.result
	if w.panic != nil {
		panic(w.panic)
	}
	return w.err
}

// close stops the loop after the batch in progress.
func (b *batcher) close() {
	close(b.queue)
	<-b.done
}

func (b *batcher) loop() {
	defer close(b.done)
	for first := range b.queue {
		batch := []*writeTx{first}
		tx, err := b.write.BeginTx(context.Background(), nil)
		if err != nil {
			first.err = fmt.Errorf("begin: %w", err)
			close(first.result)
			continue
		}
		b.step(tx, first)
	more:
		for len(batch) < maxBatch {
			select {
			case w, ok := <-b.queue:
				if !ok {
					break more
				}
				batch = append(batch, w)
				b.step(tx, w)
			default:
				break more
			}
		}
		err = tx.Commit()
		for _, w := range batch {
			if w.err == nil && w.panic == nil && err != nil {
				w.err = fmt.Errorf("commit: %w", err)
			}
			close(w.result)
		}
	}
}

// step runs w in a savepoint of tx; a failed w leaves nothing behind.
func (b *batcher) step(tx *sql.Tx, w *writeTx) {
	if w.err = w.ctx.Err(); w.err != nil {
		return
	}
	if _, w.err = tx.ExecContext(context.Background(), `SAVEPOINT w`); w.err != nil {
		return
	}
	func() {
		defer func() { w.panic = recover() }()
		w.err = w.fn(context.WithValue(w.ctx, txKey{}, tx))
	}()
	if w.err != nil || w.panic != nil {
		if _, err := tx.ExecContext(context.Background(), `ROLLBACK TO w`); err != nil && w.err == nil {
			w.err = err
		}
	}
	if _, err := tx.ExecContext(context.Background(), `RELEASE w`); err != nil && w.err == nil {
		w.err = err
	}
}
