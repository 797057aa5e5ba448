// Package alloc accounts for and allocates the large slabs of an index (code stores, graph
// adjacency, bucket lists): a memory budget per index and for the process, and a pluggable
// allocator for pointer-free slabs, in the manner of VSAG's Allocator and Resource.
//
// Every index has an Account whose parent is the process-wide Global account. A store checks a
// growth with Account.Check before it changes anything, so a write that does not fit is refused
// with NO_ENOUGH_MEMORY and nothing is stored; the bytes it then allocates are charged with
// Charge (or through NewSlab) and released when the slab is replaced or collected.
package alloc

import (
	"math"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/memguard"
)

// Account tracks the bytes of large slabs held under it and refuses growth beyond its limit
// and its parent's. The zero value is unusable; use NewAccount. Methods are safe for concurrent
// use and never take locks, so stores may call them while holding their index's locks.
type Account struct {
	name   string
	limit  atomic.Int64 // 0: no limit
	used   atomic.Int64
	parent *Account
	alloc  atomic.Pointer[allocRef]
}

type allocRef struct{ a Allocator }

var global = &Account{name: "the global memory budget"}

// Global returns the process-wide account, the parent of every index's account.
func Global() *Account { return global }

// NewAccount returns an account without a limit whose charges count toward parent too (nil for
// none).
func NewAccount(name string, parent *Account) *Account {
	return &Account{name: name, parent: parent}
}

// orGlobal returns a, or the global account for nil.
func orGlobal(a *Account) *Account {
	if a == nil {
		return global
	}
	return a
}

// SetLimit sets the account's budget in bytes; 0 removes it. It returns INVALID_ARGUMENT for a
// negative limit. A limit below the bytes held already refuses every further growth; nothing
// held is freed.
func (a *Account) SetLimit(n int64) error {
	if n < 0 {
		return api.Errorf(api.InvalidArgument, "memory budget %d must not be negative (0 removes it)", n)
	}
	a.limit.Store(n)
	return nil
}

// Limit returns the account's budget in bytes (0: none).
func (a *Account) Limit() int64 { return a.limit.Load() }

// Used returns the bytes charged to the account and its children.
func (a *Account) Used() int64 { return a.used.Load() }

// Room returns the bytes the account (and every parent) can still take, math.MaxInt64 when none
// of them has a limit.
func (a *Account) Room() int64 {
	room := int64(math.MaxInt64)
	for c := a; c != nil; c = c.parent {
		if lim := c.limit.Load(); lim > 0 {
			room = min(room, max(lim-c.used.Load(), 0))
		}
	}
	return room
}

// Check returns NO_ENOUGH_MEMORY, naming what, when n more bytes exceed the budget of the account
// or of a parent, or do not fit in the machine's memory (memguard.Check). It charges nothing.
func (a *Account) Check(n int64, what string) error { return a.CheckGrowth(n, n, what) }

// CheckGrowth is Check for a slab that grows to total bytes, delta more than it holds: the budget
// is checked against delta (the old slab is released), the machine against total (both slabs
// exist while the rows are copied).
func (a *Account) CheckGrowth(total, delta int64, what string) error {
	a = orGlobal(a)
	if total < 0 || delta < 0 && total > 0 {
		return api.Errorf(api.NoEnoughMemory, "%s: the size overflows", what)
	}
	n := delta
	for c := a; c != nil && n > 0; c = c.parent {
		if lim := c.limit.Load(); lim > 0 {
			if used := c.used.Load(); n > lim-used {
				return api.Errorf(api.NoEnoughMemory, "%s needs %d bytes, %s has %d of %d bytes left", what, n, c.name, max(lim-used, 0), lim)
			}
		}
	}
	return memguard.Check(total, what)
}

// Charge counts n bytes allocated (negative n releases them) on the account and every parent.
// It does not check the limits: stores call Check first, before they change anything.
func (a *Account) Charge(n int64) {
	for c := orGlobal(a); c != nil; c = c.parent {
		c.used.Add(n)
	}
}

// SetAllocator makes the account's slabs allocated later come from al (nil restores Go's
// allocator). Slabs allocated before keep the allocator they came from.
func (a *Account) SetAllocator(al Allocator) {
	if al == nil {
		a.alloc.Store(nil)
		return
	}
	a.alloc.Store(&allocRef{al})
}

// Allocator returns the allocator set on the account or, when none, on a parent; nil means
// Go's allocator.
func (a *Account) Allocator() Allocator {
	for c := orGlobal(a); c != nil; c = c.parent {
		if r := c.alloc.Load(); r != nil {
			return r.a
		}
	}
	return nil
}

// Parent returns the account's parent (nil for the global account).
func (a *Account) Parent() *Account { return a.parent }

// TryCharge charges n bytes to the account and every parent when they fit in all their
// budgets and in the machine's memory, in one step: two callers can never both pass a check
// when only one fits. When they do not fit it charges nothing and returns NO_ENOUGH_MEMORY,
// naming what. Zero or negative n is charged as Charge does.
func (a *Account) TryCharge(n int64, what string) error {
	a = orGlobal(a)
	if n <= 0 {
		a.Charge(n)
		return nil
	}
	if err := memguard.Check(n, what); err != nil {
		return err
	}
	for c := a; c != nil; c = c.parent {
		for {
			used := c.used.Load()
			if lim := c.limit.Load(); lim > 0 && n > lim-used {
				for u := a; u != c; u = u.parent { // undo the levels charged already
					u.used.Add(-n)
				}
				return api.Errorf(api.NoEnoughMemory, "%s needs %d bytes, %s has %d of %d bytes left", what, n, c.name, max(lim-used, 0), lim)
			}
			if c.used.CompareAndSwap(used, used+n) {
				break
			}
		}
	}
	return nil
}
