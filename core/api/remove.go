package api

import "fmt"

// RemoveMode selects how a removal takes labels out of an index (VSAG's RemoveMode, with its
// numbering).
type RemoveMode int

const (
	// RemoveMark marks labels removed (MARK_REMOVE): searches skip them, their nodes keep
	// routing searches and their storage stays until the index is rebuilt. It is fast.
	RemoveMark RemoveMode = 0
	// RemoveForce takes labels out of the index (FORCE_REMOVE): the graph is repaired around
	// them and their slots, codes and per-label data are reclaimed for later inserts. It costs
	// about as much as re-linking the nodes that pointed at them.
	RemoveForce RemoveMode = 1
)

// String returns VSAG's name of the mode ("MARK_REMOVE", "FORCE_REMOVE").
func (m RemoveMode) String() string {
	switch m {
	case RemoveMark:
		return "MARK_REMOVE"
	case RemoveForce:
		return "FORCE_REMOVE"
	}
	return fmt.Sprintf("RemoveMode(%d)", int(m))
}

// ParseRemoveMode maps a mode name, as the bindings spell it ("mark", "force", or VSAG's
// "MARK_REMOVE", "FORCE_REMOVE"), to a RemoveMode; anything else is INVALID_ARGUMENT.
func ParseRemoveMode(s string) (RemoveMode, error) {
	switch s {
	case "mark", "MARK_REMOVE", "mark_remove":
		return RemoveMark, nil
	case "force", "FORCE_REMOVE", "force_remove":
		return RemoveForce, nil
	}
	return 0, Errorf(InvalidArgument, "remove mode %q is not one of \"mark\" or \"force\"", s)
}

// ForceRemover is implemented by engines that can take labels out physically
// (RemoveForce). Engines without it answer RemoveForce with UNSUPPORTED_INDEX_OPERATION. An
// engine may still refuse it for the parameters it was created with (hgraph without
// support_force_remove: INVALID_ARGUMENT, as VSAG).
type ForceRemover interface {
	// ForceRemove removes labels and reclaims their storage; it returns how many labels were
	// removed. A label that is only marked removed is taken out as well (and counted); absent
	// labels are skipped. onRemove (may be nil) is called once for every label removed, under
	// the engine's exclusive lock, once no search can find the label any more: core drops the
	// label's extra info and attributes there. A hook must not call the engine.
	ForceRemove(ids []int64, onRemove func(label int64)) (int, error)
}
