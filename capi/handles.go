//go:build cgo

package main

import (
	"sync"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
)

// A handle is a 64-bit value, never a pointer:
//
//	bits 56..63  kind (index, dataset, bitset)
//	bits 32..55  generation of the slot (1..2^24-1)
//	bits  0..31  slot number
//
// Releasing a handle empties its slot and bumps the slot's generation, so every later use of the
// old value fails cleanly even after the slot is reused; released slots are reused oldest first
// and only once reuseAfter others wait. Lookups are lock-free (one atomic load
// of the chunk list and one of the slot); creation and release take a mutex.

type handleKind uint8

const (
	kindIndex   handleKind = 1
	kindDataset handleKind = 2
	kindBitset  handleKind = 3
)

func (k handleKind) String() string {
	switch k {
	case kindIndex:
		return "index"
	case kindDataset:
		return "dataset"
	case kindBitset:
		return "bitset"
	case kindIterator:
		return "iterator"
	}
	return "unknown"
}

const (
	chunkBits = 10
	chunkSize = 1 << chunkBits
	genMask   = 1<<24 - 1
	maxSlots  = 1 << 31
	// reuseAfter is how many released slots wait before one is reused.
	reuseAfter = 256
)

type entry struct {
	gen  uint32
	kind handleKind
	obj  any
}

type chunk [chunkSize]atomic.Pointer[entry]

type handleTable struct {
	chunks atomic.Pointer[[]*chunk]

	mu   sync.Mutex
	gens []uint32 // next generation of each slot
	free []uint32 // released slots
}

var handles handleTable

// add stores obj and returns its new handle.
func (t *handleTable) add(kind handleKind, obj any) (uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var idx uint32
	if len(t.free) > reuseAfter {
		// oldest released slot first, so a stale handle would have to outlive 2^24 reuses of
		// its slot, each after reuseAfter other releases, before its value could come back
		idx = t.free[0]
		t.free = t.free[1:]
	} else {
		if len(t.gens) >= maxSlots {
			return 0, api.Errorf(api.NoEnoughMemory, "too many live handles (%d)", len(t.gens))
		}
		idx = uint32(len(t.gens))
		t.gens = append(t.gens, 1)
		var cs []*chunk
		if p := t.chunks.Load(); p != nil {
			cs = *p
		}
		if int(idx>>chunkBits) >= len(cs) {
			grown := make([]*chunk, len(cs)+1)
			copy(grown, cs)
			grown[len(cs)] = new(chunk)
			t.chunks.Store(&grown)
		}
	}
	gen := t.gens[idx]
	cs := *t.chunks.Load()
	cs[idx>>chunkBits][idx&(chunkSize-1)].Store(&entry{gen: gen, kind: kind, obj: obj})
	return uint64(kind)<<56 | uint64(gen)<<32 | uint64(idx), nil
}

// slot returns the slot of h, or nil when h cannot be a handle of this table.
func (t *handleTable) slot(h uint64) *atomic.Pointer[entry] {
	idx := uint32(h)
	p := t.chunks.Load()
	if p == nil {
		return nil
	}
	cs := *p
	ci := int(idx >> chunkBits)
	if ci >= len(cs) {
		return nil
	}
	return &cs[ci][idx&(chunkSize-1)]
}

// lookupErr explains why h is not a live handle of kind want.
func lookupErr(h uint64, want handleKind) error {
	if h == 0 {
		return api.Errorf(api.InvalidArgument, "the %s handle is NULL", want)
	}
	if got := handleKind(h >> 56); got != want && (got >= kindIndex && got <= kindBitset || got == kindIterator) {
		return api.Errorf(api.InvalidArgument, "a %s handle was passed where a %s handle is expected", got, want)
	}
	return api.Errorf(api.InvalidArgument, "the %s handle is invalid or was already destroyed", want)
}

// get returns the object of a live handle of kind want.
func (t *handleTable) get(h uint64, want handleKind) (any, error) {
	if handleKind(h>>56) == want {
		if s := t.slot(h); s != nil {
			if e := s.Load(); e != nil && e.gen == uint32(h>>32)&genMask && e.kind == want {
				return e.obj, nil
			}
		}
	}
	return nil, lookupErr(h, want)
}

// release empties the slot of a live handle of kind want and returns its object.
func (t *handleTable) release(h uint64, want handleKind) (any, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if handleKind(h>>56) == want {
		if s := t.slot(h); s != nil {
			if e := s.Load(); e != nil && e.gen == uint32(h>>32)&genMask && e.kind == want {
				s.Store(nil)
				idx := uint32(h)
				g := (t.gens[idx] + 1) & genMask
				if g == 0 {
					g = 1
				}
				t.gens[idx] = g
				t.free = append(t.free, idx)
				return e.obj, nil
			}
		}
	}
	return nil, lookupErr(h, want)
}
