package alloc

import "github.com/govsag/vsag/core/api"

// CheckHeld returns NO_ENOUGH_MEMORY, naming what, when the bytes the account (or a parent)
// holds already, plus n more, exceed its budget: a check after the fact, for memory charged
// without a check first (a load charges what it read, then asks whether it fits). Unlike Check
// it refuses n = 0 when an account is over its budget. It charges nothing.
func (a *Account) CheckHeld(n int64, what string) error {
	for c := orGlobal(a); c != nil; c = c.parent {
		lim := c.limit.Load()
		if lim <= 0 {
			continue
		}
		if used := c.used.Load(); n > lim-used {
			return api.Errorf(api.NoEnoughMemory, "%s: %d bytes held and %d more exceed %s of %d bytes", what, used, n, c.name, lim)
		}
	}
	return nil
}
