package core

import (
	"encoding/binary"
	"sort"
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
)

// extraInfos keeps extra_info_size bytes per live label, for every index type alike. The bytes
// live in one slab indexed by a label -> row map; freed rows are reused.
type extraInfos struct {
	mu   sync.RWMutex
	size int
	rows map[int64]int
	slab []byte
	free []int
}

func newExtraInfos(size int) *extraInfos {
	return &extraInfos{size: size, rows: map[int64]int{}}
}

func (e *extraInfos) put(label int64, b []byte) {
	r, ok := e.rows[label]
	if !ok {
		if n := len(e.free); n > 0 {
			r = e.free[n-1]
			e.free = e.free[:n-1]
		} else {
			r = len(e.slab) / e.size
			e.slab = append(e.slab, make([]byte, e.size)...)
		}
		e.rows[label] = r
	}
	copy(e.slab[r*e.size:(r+1)*e.size], b)
}

func (e *extraInfos) drop(label int64) {
	if r, ok := e.rows[label]; ok {
		delete(e.rows, label)
		e.free = append(e.free, r)
	}
}

// set records the extra info of label (the insert hook calls it under the engine's lock).
func (e *extraInfos) set(label int64, b []byte) {
	e.mu.Lock()
	e.put(label, b)
	e.mu.Unlock()
}

// replace takes over the rows of o (Deserialize into an empty index).
func (e *extraInfos) replace(o *extraInfos) {
	o.mu.RLock()
	rows, slab, free := o.rows, o.slab, o.free
	o.mu.RUnlock()
	e.mu.Lock()
	e.rows, e.slab, e.free = rows, slab, free
	e.mu.Unlock()
}

func (e *extraInfos) relabel(from, to int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if r, ok := e.rows[from]; ok {
		delete(e.rows, from)
		e.rows[to] = r
	}
}

// get copies the extra info of each label into out; a label that is not live is an error.
func (e *extraInfos) get(ids []int64, out []byte, live func(int64) bool) error {
	for _, id := range ids {
		if !live(id) {
			return api.Errorf(api.InvalidArgument, "extra info: label %d does not exist", id)
		}
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	for i, id := range ids {
		r, ok := e.rows[id]
		if !ok {
			return api.Errorf(api.InvalidArgument, "extra info: label %d does not exist", id)
		}
		copy(out[i*e.size:(i+1)*e.size], e.slab[r*e.size:(r+1)*e.size])
	}
	return nil
}

func (e *extraInfos) memory() int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return int64(cap(e.slab)) + int64(len(e.rows))*48 + int64(cap(e.free))*8
}

const secExtra = "core.extra_info"

// save writes the extra info of the live labels (removed labels keep theirs in memory until
// they are added again).
func (e *extraInfos) save(f *serial.File, live func(int64) bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	labels := make([]int64, 0, len(e.rows))
	for l := range e.rows {
		if live(l) {
			labels = append(labels, l)
		}
	}
	sort.Slice(labels, func(i, j int) bool { return labels[i] < labels[j] })
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(labels)))
	for _, l := range labels {
		r := e.rows[l]
		out = binary.LittleEndian.AppendUint64(out, uint64(l))
		out = append(out, e.slab[r*e.size:(r+1)*e.size]...)
	}
	f.Add(secExtra, out)
}

func (e *extraInfos) load(f *serial.File) error {
	b, err := f.Need(secExtra)
	if err != nil {
		return api.Wrap(api.InvalidBinary, err, "load extra info")
	}
	if len(b) < 8 {
		return api.Errorf(api.InvalidBinary, "load extra info: section too short")
	}
	n := binary.LittleEndian.Uint64(b)
	row := uint64(8 + e.size)
	if n > uint64(len(b)-8)/row || uint64(len(b)-8) != n*row {
		return api.Errorf(api.InvalidBinary, "load extra info: %d bytes do not hold %d rows", len(b)-8, n)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rows, e.slab, e.free = map[int64]int{}, nil, nil
	p := b[8:]
	for i := uint64(0); i < n; i++ {
		l := int64(binary.LittleEndian.Uint64(p))
		if _, dup := e.rows[l]; dup {
			return api.Errorf(api.InvalidBinary, "load extra info: label %d appears twice", l)
		}
		e.put(l, p[8:row])
		p = p[row:]
	}
	return nil
}

// GetExtraInfoByIDs returns extra_info_size bytes per label, concatenated. It fails with
// UNSUPPORTED_INDEX_OPERATION when the index was created without extra_info_size and with
// INVALID_ARGUMENT naming a label that does not exist.
func (x *Index) GetExtraInfoByIDs(labels []int64) ([]byte, error) {
	if x.extra == nil {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "extra info: the index was created with extra_info_size 0")
	}
	out := make([]byte, len(labels)*x.extra.size)
	if err := x.extra.get(labels, out, x.eng().Contains); err != nil {
		return nil, err
	}
	return out, nil
}

// ExtraInfoSize returns the bytes of extra info stored per vector (0 when none).
func (x *Index) ExtraInfoSize() int { return x.create.ExtraInfoSize }

func (x *Index) checkExtra(ds *Dataset, n int, what string) error {
	if x.extra == nil || n == 0 {
		return nil
	}
	if len(ds.ExtraInfos) < n*x.extra.size {
		return api.Errorf(api.InvalidArgument, "%s: extra_infos holds %d bytes, need num_elements*extra_info_size = %d", what, len(ds.ExtraInfos), n*x.extra.size)
	}
	return nil
}

// attachExtra adds the extra infos of the result labels to a result dataset.
func (x *Index) attachExtra(ds *Dataset) {
	if x.extra == nil || ds == nil {
		return
	}
	ds.ExtraInfos = make([]byte, len(ds.IDs)*x.extra.size)
	x.extra.mu.RLock()
	defer x.extra.mu.RUnlock()
	for i, id := range ds.IDs {
		if r, ok := x.extra.rows[id]; ok {
			copy(ds.ExtraInfos[i*x.extra.size:], x.extra.slab[r*x.extra.size:(r+1)*x.extra.size])
		}
	}
}
