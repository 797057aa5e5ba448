package core

import (
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/attr"
)

// ExportModel returns a new, empty index with the parameters and the trained state of x
// (centroids, codebooks, quantizer ranges), so that indexes filled elsewhere from the same
// model can be merged. It is UNSUPPORTED_INDEX_OPERATION for index types without a model to
// ship.
func (x *Index) ExportModel() (_ *Index, err error) {
	defer recovered(&err)
	me, ok := x.eng().(api.ModelExporter)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "export model is not supported by %s", x.name)
	}
	defer x.writing()()
	eng, err := me.ExportModel()
	if err != nil {
		return nil, err
	}
	out := &Index{name: x.name, create: x.createParams()}
	out.engine.Store(&engineRef{e: eng})
	if x.create.ExtraInfoSize > 0 {
		out.extra = newExtraInfos(x.create.ExtraInfoSize)
	}
	return out, nil
}

// mergeMu runs merges one at a time. A merge holds the snapshot lock of every source while it
// writes to its target, so two merges taking the same indexes in different orders (A into B
// and B into A, or sources [A, B] and [B, A]) would otherwise wait for each other forever.
var mergeMu sync.Mutex

// MergeUnit is one index to merge into another and the map of its labels.
type MergeUnit struct {
	// Index is the source; it is only read, under its snapshot lock.
	Index *Index
	// IDMap returns the label a source label takes, or false to leave it out; nil keeps the
	// labels as they are.
	IDMap func(label int64) (int64, bool)
}

// MapIDs returns an IDMap that renames the labels m names and leaves the others out.
func MapIDs(m map[int64]int64) func(int64) (int64, bool) {
	return func(l int64) (int64, bool) {
		to, ok := m[l]
		return to, ok
	}
}

// Merge adds the live vectors of every unit's index, with their extra info and attributes, to
// x. The indexes must be of x's type and parameters and share its trained model (made with
// ExportModel, or trained identically); their codes are taken over without re-encoding. The
// labels already present in x are returned (as mapped) and left out.
func (x *Index) Merge(units []MergeUnit) (_ []int64, err error) {
	defer recovered(&err)
	defer x.reapplyAccount() // the engine's stores may have been replaced
	if err := x.checkMutable("merge"); err != nil {
		return nil, err
	}
	mg, ok := x.eng().(api.Merger)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "merge is not supported by %s", x.name)
	}
	sources := make([]api.MergeSource, len(units))
	for i, u := range units {
		switch {
		case u.Index == nil:
			return nil, api.Errorf(api.InvalidArgument, "merge: unit %d has no index", i)
		case u.Index == x:
			return nil, api.Errorf(api.InvalidArgument, "merge: unit %d is the index itself", i)
		case u.Index.name != x.name:
			return nil, api.Errorf(api.InvalidArgument, "merge: unit %d is a %s index, not %s", i, u.Index.name, x.name)
		case u.Index.create.Dim != x.create.Dim || u.Index.create.Metric != x.create.Metric ||
			u.Index.create.DType != x.create.DType || u.Index.create.ExtraInfoSize != x.create.ExtraInfoSize:
			return nil, api.Errorf(api.InvalidArgument, "merge: unit %d differs in dim, metric, dtype or extra_info_size", i)
		}
		for j := 0; j < i; j++ {
			if units[j].Index == u.Index {
				return nil, api.Errorf(api.InvalidArgument, "merge: units %d and %d are the same index", j, i)
			}
		}
		sources[i] = api.MergeSource{Engine: u.Index.eng(), Map: u.IDMap}
	}
	mergeMu.Lock()
	defer mergeMu.Unlock()
	// every source is read under its snapshot lock, so it is consistent and cannot change
	for _, u := range units {
		defer u.Index.snapshotting()()
	}
	defer x.writing()()
	releaseAttrs, err := x.reserveMergedAttrs(units)
	if err != nil {
		return nil, err
	}
	defer releaseAttrs()
	for _, u := range units {
		if u.Index.attrTable.Load() != nil {
			x.attrs() // create the table before the engine runs the hook
		}
	}
	defer x.chargeLoaded() // the extra info and attributes merged in
	return mg.Merge(sources, func(src int, from, to int64) {
		u := units[src].Index
		if x.extra != nil {
			u.extra.mu.RLock()
			if r, ok := u.extra.rows[from]; ok {
				b := u.extra.slab[r*u.extra.size : (r+1)*u.extra.size]
				x.extra.set(to, b)
			}
			u.extra.mu.RUnlock()
		}
		if table := x.attrTable.Load(); table != nil {
			// a label merged without attributes loses the ones it had before, as an add does
			var s attr.Set
			if sa := u.attrTable.Load(); sa != nil {
				sa.mu.RLock()
				s = sa.m[from]
				sa.mu.RUnlock()
			}
			table.set(to, s)
		}
	})
}
