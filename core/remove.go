package core

import "github.com/govsag/vsag/core/api"

// RemoveMode selects how RemoveWithMode takes labels out of an index (VSAG's RemoveMode).
type RemoveMode = api.RemoveMode

// The remove modes.
const (
	// RemoveMark marks labels removed, as Remove does (VSAG's MARK_REMOVE).
	RemoveMark = api.RemoveMark
	// RemoveForce takes labels out and reclaims their storage for later adds (VSAG's
	// FORCE_REMOVE; hgraph created with support_force_remove true).
	RemoveForce = api.RemoveForce
)

// ParseRemoveMode maps "mark" or "force" (or VSAG's "MARK_REMOVE", "FORCE_REMOVE") to a mode.
func ParseRemoveMode(s string) (RemoveMode, error) { return api.ParseRemoveMode(s) }

// RemoveWithMode removes labels and returns how many were removed; absent labels are skipped.
// RemoveMark is Remove. RemoveForce also repairs the index around the labels and reclaims their
// slots, codes, extra info and attributes, which later adds reuse; a label that was only marked
// removed is reclaimed too. Index types without it answer RemoveForce with
// UNSUPPORTED_INDEX_OPERATION; hgraph needs support_force_remove true in its index_param
// (INVALID_ARGUMENT otherwise, as VSAG). Searches may run meanwhile and never return a
// reclaimed label; adds to the same index wait for a force remove to finish.
func (x *Index) RemoveWithMode(ids []int64, mode RemoveMode) (_ int, err error) {
	defer recovered(&err)
	switch mode {
	case RemoveMark:
		return x.Remove(ids...)
	case RemoveForce:
	default:
		return 0, api.Errorf(api.InvalidArgument, "remove: mode %d is not MARK_REMOVE (0) or FORCE_REMOVE (1)", int(mode))
	}
	if err := x.checkMutable("remove"); err != nil {
		return 0, err
	}
	fr, ok := x.eng().(api.ForceRemover)
	if !ok {
		return 0, api.Errorf(api.UnsupportedIndexOperation, "remove: FORCE_REMOVE is not supported by %s", x.name)
	}
	defer x.writing()()
	defer x.chargeAttrs()
	return fr.ForceRemove(ids, x.forget)
}

// forget drops the extra info and attributes of a label the engine has force-removed (the
// engine calls it under its exclusive lock, before any insert can take the label again).
func (x *Index) forget(label int64) {
	if x.extra != nil {
		x.extra.drop(label)
	}
	if a := x.attrTable.Load(); a != nil {
		a.set(label, nil)
	}
}

// drop forgets the row of label; the row is reused by the next label stored.
func (e *extraInfos) drop(label int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.rows[label]; ok {
		delete(e.rows, label)
		e.free = append(e.free, r)
	}
}
