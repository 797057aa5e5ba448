package core

import (
	"github.com/govsag/vsag/core/api"
)

// Reset empties the index and returns it to the state it had right after CreateIndex: every
// vector, label, extra info and attribute is dropped and trained quantizers forget their
// training; the create parameters stay. It waits for the writes in flight (as a snapshot does);
// searches running meanwhile finish on the old contents. An immutable index refuses it
// (WRONG_STATUS).
func (x *Index) Reset() (err error) {
	defer recovered(&err)
	if err := x.checkMutable("reset"); err != nil {
		return err
	}
	f, ok := factories[x.name]
	if !ok {
		return api.Errorf(api.InternalError, "reset: index type %q is no longer registered", x.name)
	}
	eng, err := f(x.create)
	if err != nil {
		return api.Wrap(api.InternalError, err, "reset")
	}
	defer x.snapshotting()()
	if x.extra != nil {
		x.extra.replace(newExtraInfos(x.extra.size))
	}
	x.attrTable.Store(nil)
	x.engine.Store(&engineRef{e: eng})
	x.reapplyAccount()
	x.chargeLoaded()   // the extra info and attributes dropped
	x.tuned.Store(nil) // the engine was made from the parameters the index was created with
	return nil
}

// UpdateExtraInfo replaces the extra info of live labels: infos holds extra_info_size bytes per
// label, in the order of ids. Every label is checked first; a label that is not live is
// INVALID_ARGUMENT and nothing is changed. It runs alongside searches and other writes
// (SUPPORT_UPDATE_EXTRA_INFO_CONCURRENT); an index created without extra_info_size refuses it.
func (x *Index) UpdateExtraInfo(ids []int64, infos []byte) (err error) {
	defer recovered(&err)
	if err := x.checkMutable("update extra info"); err != nil {
		return err
	}
	if x.extra == nil {
		return api.Errorf(api.UnsupportedIndexOperation, "update extra info: the index was created with extra_info_size 0")
	}
	size := x.extra.size
	if len(ids) > len(infos)/size || len(infos) != len(ids)*size {
		return api.Errorf(api.InvalidArgument, "update extra info: %d bytes for %d labels of extra_info_size %d", len(infos), len(ids), size)
	}
	defer x.writing()()
	live := x.eng().Contains
	for _, id := range ids {
		if !live(id) {
			return api.Errorf(api.InvalidArgument, "update extra info: label %d does not exist", id)
		}
	}
	for i, id := range ids {
		x.extra.set(id, infos[i*size:(i+1)*size])
	}
	return nil
}
