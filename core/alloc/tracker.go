package alloc

import (
	"runtime"
	"sync/atomic"
)

// Tracker charges an account for memory its owner holds in Go slices (graph adjacency, bucket
// lists): the owner reports the bytes it holds with Set after each growth, and the charge is
// released when the Tracker is collected. A nil *Tracker ignores every call.
type Tracker struct {
	cell *trackCell
}

type trackCell struct {
	acct atomic.Pointer[Account]
	n    atomic.Int64
}

// NewTracker returns a tracker charging a (nil: the global account) that holds nothing yet.
func NewTracker(a *Account) *Tracker {
	t := &Tracker{cell: &trackCell{}}
	t.cell.acct.Store(orGlobal(a))
	runtime.AddCleanup(t, func(c *trackCell) { c.acct.Load().Charge(-c.n.Swap(0)) }, t.cell)
	return t
}

// Set records that the owner holds n bytes now, charging or releasing the difference.
func (t *Tracker) Set(n int64) {
	if t == nil {
		return
	}
	t.cell.acct.Load().Charge(n - t.cell.n.Swap(n))
}

// Account returns the account charged.
func (t *Tracker) Account() *Account {
	if t == nil {
		return nil
	}
	return t.cell.acct.Load()
}

// Move makes the tracker charge a (nil: the global account) instead, carrying the bytes held
// over. Not safe concurrently with Set.
func (t *Tracker) Move(a *Account) {
	if t == nil {
		return
	}
	a = orGlobal(a)
	old := t.cell.acct.Swap(a)
	if old != a {
		n := t.cell.n.Load()
		old.Charge(-n)
		a.Charge(n)
	}
}

// Add records that the owner holds delta more bytes (fewer when negative).
func (t *Tracker) Add(delta int64) {
	if t == nil || delta == 0 {
		return
	}
	t.cell.n.Add(delta)
	t.cell.acct.Load().Charge(delta)
}

// TryAdd is Add for a growth that must fit: it charges delta more bytes only when they fit in
// the account's budgets (Account.TryCharge, one atomic step), else charges nothing and returns
// NO_ENOUGH_MEMORY naming what.
func (t *Tracker) TryAdd(delta int64, what string) error {
	if t == nil || delta == 0 {
		return nil
	}
	if err := t.cell.acct.Load().TryCharge(delta, what); err != nil {
		return err
	}
	t.cell.n.Add(delta)
	return nil
}

// Held returns the bytes the tracker charges.
func (t *Tracker) Held() int64 {
	if t == nil {
		return 0
	}
	return t.cell.n.Load()
}
