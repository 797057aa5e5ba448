package core

import (
	"strconv"
	"sync"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/attr"
)

// attrCharge charges the index's attribute table (the sets of the labels and the inverted
// index over them) to its memory account, as reserveExtra charges the extra info: a write
// reserves a bound of what it adds before anything is stored, and what the table holds is
// charged when it ends.
type attrCharge struct {
	mu   sync.Mutex     // orders the reservations and recharges
	t    *alloc.Tracker // nil until the first charge
	held int64          // the bytes reserved by the writes in flight
}

// setBytes is what the attribute set s takes in the table (attrMemory counts the same): its
// map entry, and per field the name, the value's header and its elements.
func setBytes(s attr.Set) int64 {
	if len(s) == 0 {
		return 0
	}
	m := int64(64)
	for k, v := range s {
		m += int64(len(k)) + 64 + int64(len(v.Ints)+len(v.Floats))*8
		for _, str := range v.Strs {
			m += int64(len(str)) + 16
		}
	}
	return m
}

// attrTracker returns the tracker charging the attribute table to the index's account, made
// on first use with what the table holds then.
func (x *Index) attrTracker() *alloc.Tracker {
	a := x.account()
	c := &x.res.attr
	if c.t == nil {
		c.t = alloc.NewTracker(a)
		c.t.Set(x.attrMemory())
	}
	return c.t
}

// reserveAttrs checks the attributes of a write (sets[i] for labels[i]; nil sets: none)
// against the index's budget before anything is stored, holding a bound of what they add to
// the table (setBytes and attr.Inverted.GrowthBound) for the length of the write; the
// returned function, called when the write ends, charges what the table holds then plus the
// reservations of the writes still running. It returns NO_ENOUGH_MEMORY when they do not fit.
func (x *Index) reserveAttrs(what string, labels []int64, sets []attr.Set) (func(), error) {
	if sets == nil && x.attrTable.Load() == nil {
		return func() {}, nil
	}
	var need int64
	if sets != nil {
		table := x.attrs()
		table.mu.RLock()
		need = table.inv.GrowthBound(labels, sets)
		table.mu.RUnlock()
		for _, s := range sets {
			need += setBytes(s)
		}
	}
	return x.holdAttrs(need, x.name+": "+what+": the attributes of "+strconv.Itoa(len(labels))+" vectors")
}

// holdAttrs reserves need bytes for the attributes a write adds (NO_ENOUGH_MEMORY naming what
// when they do not fit) and returns the function that ends the write (see reserveAttrs).
func (x *Index) holdAttrs(need int64, what string) (func(), error) {
	c := &x.res.attr
	c.mu.Lock()
	defer c.mu.Unlock()
	t := x.attrTracker()
	if err := t.TryAdd(need, what); err != nil {
		return nil, err
	}
	c.held += need
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.held -= need
		t.Set(x.attrMemory() + c.held)
	}, nil
}

// chargeAttrs charges what the attribute table holds now (after a remove, merge, reset or
// load changed it), plus the reservations of the writes in flight.
func (x *Index) chargeAttrs() {
	c := &x.res.attr
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t == nil && x.attrTable.Load() == nil {
		return
	}
	x.attrTracker().Set(x.attrMemory() + c.held)
}

// chargeExtra charges what the extra info holds now (after a load or reset replaced it), plus
// the reservations of the writes in flight.
func (x *Index) chargeExtra() {
	if x.extra == nil {
		return
	}
	t := x.extraCharge(x.account())
	x.res.extraMu.Lock()
	defer x.res.extraMu.Unlock()
	t.Set(x.extra.memory() + x.res.extraHeld)
}

// chargeLoaded charges the extra info and attributes of an index just loaded, merged into or
// reset.
func (x *Index) chargeLoaded() {
	x.chargeExtra()
	x.chargeAttrs()
}

// reserveMergedAttrs reserves, before a merge, what the attributes of the sources take in
// theirs (a merged label takes as much in the index's table, give or take the inverted index's
// chunks), and returns the function that ends the merge (see reserveAttrs).
func (x *Index) reserveMergedAttrs(units []MergeUnit) (func(), error) {
	var need int64
	for _, u := range units {
		need += u.Index.attrMemory()
	}
	if need == 0 && x.attrTable.Load() == nil {
		return func() {}, nil
	}
	return x.holdAttrs(need, x.name+": merge: the attributes of the sources")
}
