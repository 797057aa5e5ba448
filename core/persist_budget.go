package core

import (
	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/serial"
)

// restoreWithinBudget is restore for an index whose account is its loader's (see load and
// fromFile): the engine charges what it loads as it goes (the stores that check their growth
// refuse it early), then, once loaded, charges exactly what it holds, and the load is refused
// with NO_ENOUGH_MEMORY when that, the extra info and the attributes do not fit in the index's
// budget or the global one. A refused or failed load hands its charges to an account of its
// own, so the loader's budget is left as it was.
func (x *Index) restoreWithinBudget(f *serial.File) (err error) {
	a := x.account()
	defer func() {
		if err != nil {
			x.releaseCharges()
		}
	}()
	if err := x.restore(f); err != nil {
		return err
	}
	x.reapplyAccount() // the engine charges exactly what it loaded
	side := x.attrMemory()
	if x.extra != nil {
		side += x.extra.memory()
	}
	return a.CheckHeld(side, x.name+": load")
}

// releaseCharges moves what the index's engine charges to an account outside the budgets
// (the index is being dropped: a load into it failed). A half-loaded engine that cannot take
// an account keeps its charges until it is collected.
func (x *Index) releaseCharges() {
	defer func() { _ = recover() }()
	x.useAccount(x.eng(), alloc.NewAccount("a failed load", nil))
}
