package store

import (
	"slices"
	"sync"

	"github.com/govsag/vsag/core/api"
)

// LabelView answers the label-table questions of api.Engine (Contains, NumElements,
// NumRemoved, MinMaxID, ExportIDs) under an index's read lock. Engines embed it so those
// methods are written once.
type LabelView struct {
	// Mu is the index's lock; the view takes it shared.
	Mu *sync.RWMutex
	// Table returns the index's current label table (indexes replace it on load).
	Table func() *Labels
	// Index names the index type in error messages.
	Index string
}

// Contains implements api.Engine.
func (v LabelView) Contains(label int64) bool {
	v.Mu.RLock()
	defer v.Mu.RUnlock()
	return v.Table().Contains(label)
}

// NumElements implements api.Engine.
func (v LabelView) NumElements() int64 {
	v.Mu.RLock()
	defer v.Mu.RUnlock()
	return int64(v.Table().Live())
}

// NumRemoved implements api.Engine.
func (v LabelView) NumRemoved() int64 {
	v.Mu.RLock()
	defer v.Mu.RUnlock()
	return int64(v.Table().NumRemoved())
}

// MinMaxID implements api.Engine.
func (v LabelView) MinMaxID() (int64, int64, error) {
	v.Mu.RLock()
	defer v.Mu.RUnlock()
	lo, hi, ok := v.Table().MinMax()
	if !ok {
		return 0, 0, api.Errorf(api.IndexEmpty, "%s: the index holds no vectors", v.Index)
	}
	return lo, hi, nil
}

// ExportIDs implements api.Engine: the live labels in ascending order.
func (v LabelView) ExportIDs() []int64 {
	v.Mu.RLock()
	defer v.Mu.RUnlock()
	ids := v.Table().LiveLabels()
	slices.Sort(ids)
	return ids
}

// UpdateID implements api.Engine: it relabels under the index's exclusive lock.
func (v LabelView) UpdateID(from, to int64, onRelabel func()) error {
	v.Mu.Lock()
	defer v.Mu.Unlock()
	if err := v.Table().Relabel(from, to); err != nil {
		return api.Errorf(api.InvalidArgument, "%s: update id: %v", v.Index, err)
	}
	if onRelabel != nil {
		onRelabel()
	}
	return nil
}
