// Package store holds the flat structures shared by every index: the label table (int64 label
// <-> uint32 inner id, with mark-remove) and the code store (one contiguous, 64-byte aligned slab
// of fixed-stride codes). Neither is safe for concurrent writes; indexes lock around them.
package store

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/topk"
)

const emptySlot = ^uint32(0)

// Labels maps int64 labels to dense uint32 inner ids and back. Removing a label marks its inner
// id removed and unmaps the label, so the label can be added again.
type Labels struct {
	labels  []int64  // inner id -> label
	removed []uint64 // bit per inner id
	nRemove int
	// open-addressing hash table, linear probing, pointer-free
	keys  []int64
	vals  []uint32 // emptySlot marks a free slot
	count int
	// lo and hi bound every label ever mapped (bounded once one was): every live label lies in
	// [lo, hi]; removing labels does not narrow them.
	lo, hi  int64
	bounded bool
}

// NewLabels returns an empty table.
func NewLabels() *Labels { return &Labels{} }

// labelSeed keys the label hash for this process. Labels come from callers and from index
// files, and the mixing below is invertible: unkeyed, labels chosen to share a slot would make
// every insertion and lookup walk one probe run (a file of 80 000 of them took seconds to load).
var labelSeed = rand.Uint64()

func hash64(x int64) uint64 {
	z := (uint64(x) ^ labelSeed) + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (l *Labels) grow() {
	n := 16
	if len(l.keys) > 0 {
		n = 2 * len(l.keys)
	}
	oldK, oldV := l.keys, l.vals
	l.keys = make([]int64, n)
	l.vals = make([]uint32, n)
	for i := range l.vals {
		l.vals[i] = emptySlot
	}
	l.count = 0
	for i, v := range oldV {
		if v != emptySlot {
			l.put(oldK[i], v)
		}
	}
}

func (l *Labels) put(label int64, inner uint32) {
	if !l.bounded || label < l.lo {
		l.lo = label
	}
	if !l.bounded || label > l.hi {
		l.hi = label
	}
	l.bounded = true
	if (l.count+1)*4 > len(l.keys)*3 {
		l.grow()
	}
	mask := uint64(len(l.keys) - 1)
	for i := hash64(label) & mask; ; i = (i + 1) & mask {
		if l.vals[i] == emptySlot {
			l.keys[i] = label
			l.vals[i] = inner
			l.count++
			return
		}
		if l.keys[i] == label {
			l.vals[i] = inner
			return
		}
	}
}

func (l *Labels) find(label int64) (uint64, bool) {
	if len(l.keys) == 0 {
		return 0, false
	}
	mask := uint64(len(l.keys) - 1)
	for i := hash64(label) & mask; ; i = (i + 1) & mask {
		if l.vals[i] == emptySlot {
			return 0, false
		}
		if l.keys[i] == label {
			return i, true
		}
	}
}

// del removes the slot at i with backward-shift deletion.
func (l *Labels) del(i uint64) {
	mask := uint64(len(l.keys) - 1)
	j := i
	for {
		j = (j + 1) & mask
		if l.vals[j] == emptySlot {
			break
		}
		home := hash64(l.keys[j]) & mask
		// move j into i if home is not cyclically in (i, j]
		if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
			l.keys[i], l.vals[i] = l.keys[j], l.vals[j]
			i = j
		}
	}
	l.vals[i] = emptySlot
	l.count--
}

// Lookup returns the inner id of a live label.
func (l *Labels) Lookup(label int64) (uint32, bool) {
	i, ok := l.find(label)
	if !ok {
		return 0, false
	}
	return l.vals[i], true
}

// Contains reports whether label is live (present and not removed).
func (l *Labels) Contains(label int64) bool {
	_, ok := l.find(label)
	return ok
}

// Append assigns the next inner id to label. It fails if label is live.
func (l *Labels) Append(label int64) (uint32, error) {
	if l.Contains(label) {
		return 0, fmt.Errorf("label %d already exists", label)
	}
	if len(l.labels) >= int(emptySlot) {
		return 0, fmt.Errorf("the index holds the maximum of %d vectors", emptySlot)
	}
	inner := uint32(len(l.labels))
	l.labels = append(l.labels, label)
	if int(inner>>6) >= len(l.removed) {
		l.removed = append(l.removed, 0)
	}
	l.put(label, inner)
	return inner, nil
}

// Revive maps label to the removed inner id again (the slot is reused for a re-added label).
func (l *Labels) Revive(inner uint32, label int64) {
	if l.IsRemoved(inner) {
		l.removed[inner>>6] &^= 1 << (inner & 63)
		l.nRemove--
	}
	l.labels[inner] = label
	l.put(label, inner)
}

// Remove marks label removed and returns its inner id.
func (l *Labels) Remove(label int64) (uint32, bool) {
	i, ok := l.find(label)
	if !ok {
		return 0, false
	}
	inner := l.vals[i]
	l.del(i)
	l.removed[inner>>6] |= 1 << (inner & 63)
	l.nRemove++
	return inner, true
}

// RemoveAll marks every live label of ids removed (Remove for each) and returns how many were.
func (l *Labels) RemoveAll(ids []int64) int {
	n := 0
	for _, id := range ids {
		if _, ok := l.Remove(id); ok {
			n++
		}
	}
	return n
}

// Relabel changes the label of a live label; it fails when to is live or from is absent.
func (l *Labels) Relabel(from, to int64) error {
	i, ok := l.find(from)
	if !ok {
		return fmt.Errorf("label %d does not exist", from)
	}
	if from == to {
		return nil
	}
	if l.Contains(to) {
		return fmt.Errorf("label %d already exists", to)
	}
	inner := l.vals[i]
	l.del(i)
	l.labels[inner] = to
	l.put(to, inner)
	return nil
}

// Label returns the label of inner id.
func (l *Labels) Label(inner uint32) int64 { return l.labels[inner] }

// IsRemoved reports whether inner id is marked removed.
func (l *Labels) IsRemoved(inner uint32) bool { return l.removed[inner>>6]&(1<<(inner&63)) != 0 }

// RemovedWords exposes the removed bitmap (bit per inner id) for fast scans.
func (l *Labels) RemovedWords() []uint64 { return l.removed }

// Total returns the number of inner ids ever assigned (live and removed).
func (l *Labels) Total() int { return len(l.labels) }

// Live returns the number of live labels.
func (l *Labels) Live() int { return len(l.labels) - l.nRemove }

// NumRemoved returns the number of inner ids marked removed.
func (l *Labels) NumRemoved() int { return l.nRemove }

// LiveLabels returns the live labels in inner-id order.
func (l *Labels) LiveLabels() []int64 {
	out := make([]int64, 0, l.Live())
	for i, lb := range l.labels {
		if !l.IsRemoved(uint32(i)) {
			out = append(out, lb)
		}
	}
	return out
}

// MinMax returns the smallest and largest live label.
func (l *Labels) MinMax() (lo, hi int64, ok bool) {
	for i, lb := range l.labels {
		if l.IsRemoved(uint32(i)) {
			continue
		}
		if !ok || lb < lo {
			lo = lb
		}
		if !ok || lb > hi {
			hi = lb
		}
		ok = true
	}
	return lo, hi, ok
}

// Bounds returns a range holding every live label, in O(1): the smallest and largest label
// ever mapped, so it may be wider than MinMax. ok is false when no label was ever mapped.
func (l *Labels) Bounds() (lo, hi int64, ok bool) { return l.lo, l.hi, l.bounded }

// MemoryUsage returns the bytes held by the table.
func (l *Labels) MemoryUsage() int64 {
	return int64(cap(l.labels))*8 + int64(cap(l.removed))*8 + int64(cap(l.keys))*8 + int64(cap(l.vals))*4
}

// EstimateLabelsMemory estimates MemoryUsage for n labels.
func EstimateLabelsMemory(n int) int64 {
	slots := 16
	for slots*3 < (n+1)*4 {
		slots *= 2
	}
	return int64(n)*8*9/8 + int64((n+63)/64)*8 + int64(slots)*12
}

// Clone returns a deep copy.
func (l *Labels) Clone() *Labels {
	c := &Labels{nRemove: l.nRemove, count: l.count, lo: l.lo, hi: l.hi, bounded: l.bounded}
	c.labels = append([]int64(nil), l.labels...)
	c.removed = append([]uint64(nil), l.removed...)
	c.keys = append([]int64(nil), l.keys...)
	c.vals = append([]uint32(nil), l.vals...)
	return c
}

// MarshalBinary encodes labels and removed marks.
func (l *Labels) MarshalBinary() ([]byte, error) {
	n := len(l.labels)
	out := make([]byte, 8, 8+8*n+8*len(l.removed))
	binary.LittleEndian.PutUint64(out, uint64(n))
	for _, lb := range l.labels {
		out = binary.LittleEndian.AppendUint64(out, uint64(lb))
	}
	for i := 0; i < (n+63)/64; i++ {
		out = binary.LittleEndian.AppendUint64(out, l.removed[i])
	}
	return out, nil
}

// UnmarshalBinary restores a table written by MarshalBinary, checking every length.
func (l *Labels) UnmarshalBinary(b []byte) error {
	return l.ReadSection(serial.NewSectionReader("labels", serial.FormatVersion, b))
}

// WriteRow writes the labels and distances of search results over inner ids into ids and
// dists, in order, as far as both reach; it returns how many it wrote.
func (l *Labels) WriteRow(items []topk.Item, ids []int64, dists []float32) int {
	n := min(len(items), len(ids), len(dists))
	for i, it := range items[:n] {
		ids[i], dists[i] = l.labels[it.ID], it.Dist
	}
	return n
}

// Neighbors turns search results over inner ids into labelled neighbours, in order.
func (l *Labels) Neighbors(items []topk.Item) []api.Neighbor {
	out := make([]api.Neighbor, len(items))
	for i, it := range items {
		out[i] = api.Neighbor{ID: l.labels[it.ID], Distance: it.Dist}
	}
	return out
}
