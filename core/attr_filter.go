package core

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/attr"
)

// newAttributes returns an attribute table over m with its inverted index built.
func newAttributes(m map[int64]attr.Set) *attributes {
	inv := attr.NewInverted()
	var mem int64
	for l, s := range m {
		inv.Add(l, s)
		mem += setBytes(s)
	}
	return &attributes{m: m, inv: inv, setMem: mem}
}

// emptyInverted stands for the inverted index of an index without attributes.
var emptyInverted = attr.NewInverted()

// matchFilter compiles e against the index's inverted attribute index into a filter that
// also applies ids (nil: none).
func (x *Index) matchFilter(e *attr.Expr, ids Filter) *matchFilter {
	var m *attr.Match
	if t := x.attrTable.Load(); t != nil {
		t.mu.RLock()
		m = e.Match(t.inv, func(l int64) attr.Set { return t.m[l] })
		t.mu.RUnlock()
	} else {
		m = e.Match(emptyInverted, func(int64) attr.Set { return nil })
	}
	f := &matchFilter{m: m, ids: ids}
	total := float64(x.eng().NumElements())
	r := 1.0
	if total > 0 {
		// labels of the table that are no longer live count as passing: an upper bound
		if m.NilPass() {
			r = 1 - float64(m.Fails())/total
		} else {
			r = float64(m.Count()) / total
		}
		r = min(max(r, 1/total), 1) // never claim that nothing passes
	}
	if ids != nil {
		r *= float64(ids.ValidRatio())
	}
	f.ratio = float32(r)
	return f
}

// matchFilter keeps the labels of an attribute expression compiled into a set of labels
// (attr.Match) that an optional id filter keeps as well. It lists the labels it keeps
// (api.KeptLister), so exact scans measure only those.
type matchFilter struct {
	m     *attr.Match
	ids   Filter
	ratio float32
}

// CheckValid implements api.Filter: a bit test, after the id filter.
func (f *matchFilter) CheckValid(label int64) bool {
	if f.ids != nil && !f.ids.CheckValid(label) {
		return false
	}
	return f.m.Test(label)
}

// ValidRatio implements api.Filter.
func (f *matchFilter) ValidRatio() float32 { return f.ratio }

// idsLister returns the id filter as a lister with its count over [lo, hi], when it is one.
func (f *matchFilter) idsLister(lo, hi int64) (api.KeptLister, int, bool) {
	kl, ok := f.ids.(api.KeptLister)
	if !ok {
		return nil, 0, false
	}
	n, ok := kl.CountKept(lo, hi)
	return kl, n, ok
}

// CountKept implements api.KeptLister: the smaller of the expression's count and the id
// filter's.
func (f *matchFilter) CountKept(lo, hi int64) (int, bool) {
	n, ok := f.m.CountKept(lo, hi)
	if f.ids != nil {
		if _, in, iok := f.idsLister(lo, hi); iok && (!ok || in < n) {
			n, ok = in, true
		}
	}
	return n, ok
}

// ForEachKept implements api.KeptLister: it lists the side that keeps fewer labels and tests
// the other.
func (f *matchFilter) ForEachKept(lo, hi int64, fn func(label int64) bool) {
	n, ok := f.m.CountKept(lo, hi)
	if f.ids != nil {
		if kl, in, iok := f.idsLister(lo, hi); iok && (!ok || in < n) {
			kl.ForEachKept(lo, hi, func(l int64) bool {
				if !f.m.Test(l) {
					return true
				}
				return fn(l)
			})
			return
		}
	}
	if !ok {
		return
	}
	f.m.ForEachKept(lo, hi, func(l int64) bool {
		if f.ids != nil && !f.ids.CheckValid(l) {
			return true
		}
		return fn(l)
	})
}
