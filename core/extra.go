package core

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/serial"
)

// extraInfos keeps extra_info_size bytes per live label, for every index type alike. The bytes
// live in one slab indexed by a label -> row map. A removed label keeps its row until it is
// added again (its row is then overwritten), so a search that found it just before the removal
// still reads it; only live labels are saved.
type extraInfos struct {
	mu   sync.RWMutex
	size int
	rows map[int64]int
	slab []byte
	free []int // rows of force-removed labels, reused first
}

func newExtraInfos(size int) *extraInfos {
	return &extraInfos{size: size, rows: map[int64]int{}}
}

func (e *extraInfos) put(label int64, b []byte) {
	r, ok := e.rows[label]
	if !ok && len(e.free) > 0 {
		r, ok = e.free[len(e.free)-1], true
		e.free = e.free[:len(e.free)-1]
		e.rows[label] = r
	}
	if !ok {
		r = len(e.slab) / e.size
		e.slab = append(e.slab, make([]byte, e.size)...)
		e.rows[label] = r
	}
	copy(e.slab[r*e.size:(r+1)*e.size], b)
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
	return int64(cap(e.slab)) + int64(len(e.rows))*48
}

const secExtra = "core.extra_info"

// save adds the extra info of the live labels (removed labels keep theirs in memory until
// they are added again): the row count u64, then per label in ascending order the label i64
// and its bytes. The labels are listed now; the rows are streamed from the slab when f is
// written.
func (e *extraInfos) save(f *serial.File, live func(int64) bool) {
	e.mu.RLock()
	labels := make([]int64, 0, len(e.rows))
	for l := range e.rows {
		if live(l) {
			labels = append(labels, l)
		}
	}
	e.mu.RUnlock()
	sort.Slice(labels, func(i, j int) bool { return labels[i] < labels[j] })
	size := 8 + int64(len(labels))*int64(8+e.size)
	f.AddStream(secExtra, serial.Critical, size, func(w io.Writer) error {
		e.mu.RLock()
		defer e.mu.RUnlock()
		buf := binary.LittleEndian.AppendUint64(make([]byte, 0, 64<<10), uint64(len(labels)))
		for _, l := range labels {
			r, ok := e.rows[l]
			if !ok {
				return fmt.Errorf("extra info of label %d changed during the save", l)
			}
			if len(buf)+8+e.size > cap(buf) && len(buf) > 0 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			buf = binary.LittleEndian.AppendUint64(buf, uint64(l))
			buf = append(buf, e.slab[r*e.size:(r+1)*e.size]...)
		}
		_, err := w.Write(buf)
		return err
	})
}

func (e *extraInfos) load(f *serial.File) error {
	bad := func(err error) error {
		if serial.IsReadError(err) {
			return api.Wrap(api.ReadError, err, "load extra info")
		}
		return api.Wrap(api.InvalidBinary, err, "load extra info")
	}
	sr, err := f.Open(secExtra)
	if err != nil {
		return bad(err)
	}
	if sr.Size() < 8 {
		return api.Errorf(api.InvalidBinary, "load extra info: section too short")
	}
	var h [8]byte
	if _, err := io.ReadFull(sr, h[:]); err != nil {
		return bad(err)
	}
	n := binary.LittleEndian.Uint64(h[:])
	row := uint64(8 + e.size)
	rest := uint64(sr.Size() - 8)
	if n > rest/row || rest != n*row {
		return api.Errorf(api.InvalidBinary, "load extra info: %d bytes do not hold %d rows", rest, n)
	}
	if err := memguard.Check(int64(n)*int64(e.size+64), "loading extra info"); err != nil {
		return err
	}
	rows, slab := make(map[int64]int, n), make([]byte, 0, int(n)*e.size)
	buf := make([]byte, row*max(1, min(n, (64<<10)/row)))
	for left := n; left > 0; {
		k := min(left, uint64(len(buf))/row)
		if _, err := io.ReadFull(sr, buf[:k*row]); err != nil {
			return bad(err)
		}
		for p := buf[:k*row]; len(p) > 0; p = p[row:] {
			l := int64(binary.LittleEndian.Uint64(p))
			if _, dup := rows[l]; dup {
				return api.Errorf(api.InvalidBinary, "load extra info: label %d appears twice", l)
			}
			rows[l] = len(slab) / max(e.size, 1)
			slab = append(slab, p[8:row]...)
		}
		left -= k
	}
	if err := sr.Done(); err != nil {
		return bad(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rows, e.slab, e.free = rows, slab, nil
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

// ExtraInfoFilter returns a Filter that keeps the labels whose extra info keep accepts (true
// keeps, as VSAG's Filter::CheckValid on extra-info bytes). keep sees the stored bytes, which it
// must not retain or modify; it runs on the searching goroutines. validRatio estimates the
// fraction kept (1 when unknown). It is UNSUPPORTED_INDEX_OPERATION on an index without
// extra info.
func (x *Index) ExtraInfoFilter(keep func(info []byte) bool, validRatio float32) (Filter, error) {
	if x.extra == nil {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "extra info filter: the index was created with extra_info_size 0")
	}
	if keep == nil {
		return nil, api.Errorf(api.InvalidArgument, "extra info filter: keep is nil")
	}
	return &extraInfoFilter{e: x.extra, keep: keep, ratio: validRatio}, nil
}

type extraInfoFilter struct {
	e     *extraInfos
	keep  func([]byte) bool
	ratio float32
}

func (f *extraInfoFilter) CheckValid(label int64) bool {
	f.e.mu.RLock()
	defer f.e.mu.RUnlock()
	r, ok := f.e.rows[label]
	return ok && f.keep(f.e.slab[r*f.e.size:(r+1)*f.e.size])
}

func (f *extraInfoFilter) ValidRatio() float32 {
	if f.ratio <= 0 || f.ratio > 1 {
		return 1
	}
	return f.ratio
}
