package session

import (
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// maxBatch bounds how many writes share one transaction.
const maxBatch = 512

// errClosed is returned by writes after Close.
var errClosed = errors.New("session: store is closed")

// writer serialises all writes through the single writer connection and
// batches concurrent callers into one transaction (group commit). Each write
// runs inside its own savepoint, so one failing write does not undo the
// others; every caller returns only after the transaction holding its write
// committed (synchronous=FULL: on disk).
type writer struct {
	db     *sql.DB
	reqs   chan *writeReq
	mu     sync.RWMutex
	closed bool
	done   chan struct{}
}

type writeReq struct {
	fn   func(*sql.Tx) error
	done chan error
}

func newWriter(db *sql.DB) *writer {
	w := &writer{db: db, reqs: make(chan *writeReq, maxBatch), done: make(chan struct{})}
	go w.loop()
	return w
}

// do runs fn in a write transaction and returns once it committed.
func (w *writer) do(fn func(*sql.Tx) error) error {
	r := &writeReq{fn: fn, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return errClosed
	}
	w.reqs <- r
	w.mu.RUnlock()
	return <-r.done
}

func (w *writer) close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.reqs)
	}
	w.mu.Unlock()
	<-w.done
}

func (w *writer) loop() {
	defer close(w.done)
	batch := make([]*writeReq, 0, maxBatch)
	for r := range w.reqs {
		batch = append(batch[:0], r)
	drain:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-w.reqs:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		w.run(batch)
	}
}

func (w *writer) run(batch []*writeReq) {
	errs := make([]error, len(batch))
	tx, err := w.db.Begin()
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("session: begin: %w", err)
		}
		return
	}
	for i, r := range batch {
		if _, err := tx.Exec(`SAVEPOINT w`); err != nil {
			errs[i] = err
			continue
		}
		if err := r.fn(tx); err != nil {
			errs[i] = err
			if _, rerr := tx.Exec(`ROLLBACK TO w`); rerr != nil {
				errs[i] = errors.Join(err, rerr)
			}
		}
		if _, err := tx.Exec(`RELEASE w`); err != nil && errs[i] == nil {
			errs[i] = err
		}
	}
	if err := tx.Commit(); err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("session: commit: %w", err)
		}
		return
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}
