package alloc

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/govsag/vsag/core/hugepage"
)

// Allocator supplies the memory of pointer-free slabs, as VSAG's Allocator does. Allocate
// returns at least size bytes (nil when it cannot); Deallocate frees a block Allocate or
// Reallocate returned; Reallocate resizes a block keeping its contents (nil when it cannot, the
// block then unchanged). The memory must not be Go memory: it is read and written by the
// library until Deallocate. Implementations must be safe for concurrent use: Deallocate may be
// called from the garbage collector's cleanup goroutine.
type Allocator interface {
	Name() string
	Allocate(size uint64) unsafe.Pointer
	Deallocate(p unsafe.Pointer)
	Reallocate(p unsafe.Pointer, size uint64) unsafe.Pointer
}

// Align is the alignment of every slab's first byte.
const Align = 64

// Slab is one block of pointer-free memory of an account: Go memory, or an Allocator's. Bytes
// stays valid until Free (or, for a slab never freed, until the Slab is collected); callers
// that let readers see Bytes free it only when no reader can still use it.
type Slab struct {
	b     []byte
	goBuf []uint64       // Go memory, when no allocator
	base  unsafe.Pointer // the allocator's block
	al    Allocator
	acct  *Account
	size  int64        // bytes charged
	freed *atomic.Bool // set once the charge is released; apart from the Slab for its cleanup
}

// NewSlab returns a slab of n bytes aligned to Align, charged to acct (nil: the global account)
// and allocated by acct's allocator. It does not check the budget: callers call Check first.
// The bytes are not cleared when they come from an allocator. It returns nil when the
// allocator returns nil.
func NewSlab(acct *Account, n int) *Slab {
	acct = orGlobal(acct)
	s := &Slab{acct: acct, freed: new(atomic.Bool)}
	if al := acct.Allocator(); al != nil {
		s.size = int64(n + Align)
		p := al.Allocate(uint64(s.size))
		if p == nil {
			return nil
		}
		s.al, s.base = al, p
		s.b = alignedView(p, n)
	} else {
		words := (n+Align-1)/8 + Align/8
		s.goBuf = make([]uint64, words)
		hugepage.Slice(s.goBuf)
		s.size = int64(words) * 8
		s.b = alignedView(unsafe.Pointer(&s.goBuf[0]), n)
	}
	acct.Charge(s.size)
	s.track()
	return s
}

// track releases the slab's charge and block when it is collected without Free.
func (s *Slab) track() {
	runtime.AddCleanup(s, freeBlock, blockRef{al: s.al, p: s.base, acct: s.acct, size: s.size, freed: s.freed})
}

// alignedView returns n bytes from the first Align boundary at or after p.
func alignedView(p unsafe.Pointer, n int) []byte {
	off := (Align - int(uintptr(p)&(Align-1))) & (Align - 1)
	return unsafe.Slice((*byte)(unsafe.Add(p, off)), n)
}

// blockRef is what the cleanup of a slab needs to release its charge and block.
type blockRef struct {
	al    Allocator
	p     unsafe.Pointer
	acct  *Account
	size  int64
	freed *atomic.Bool
}

func freeBlock(r blockRef) {
	if r.freed.CompareAndSwap(false, true) {
		r.acct.Charge(-r.size)
		if r.al != nil {
			r.al.Deallocate(r.p)
		}
	}
}

// Bytes returns the slab's n bytes.
func (s *Slab) Bytes() []byte {
	if s == nil {
		return nil
	}
	return s.b
}

// Size returns the bytes the slab charged to its account.
func (s *Slab) Size() int64 {
	if s == nil {
		return 0
	}
	return s.size
}

// FromAllocator reports whether the slab's memory came from an Allocator.
func (s *Slab) FromAllocator() bool { return s != nil && s.al != nil }

// Free releases the slab's charge and, for an allocator's slab, its block. Later calls do
// nothing; nil is accepted. Bytes must not be used afterwards.
func (s *Slab) Free() {
	if s == nil || s.freed.Swap(true) {
		return
	}
	s.acct.Charge(-s.size)
	if s.al != nil {
		s.al.Deallocate(s.base)
	}
	s.b, s.goBuf, s.base = nil, nil, nil
}

// Grow returns a slab of n bytes holding the first keep bytes of s, and frees s. An
// allocator's slab is resized with Reallocate (the block may move); a Go slab is copied. It
// returns nil, with s unchanged, when the allocator cannot provide the memory.
func (s *Slab) Grow(n, keep int) *Slab {
	if s == nil || s.freed.Load() || s.al == nil || s.acct.Allocator() != s.al {
		g := NewSlab(s.accountOrNil(), n)
		if g == nil {
			return nil
		}
		copy(g.b, s.Bytes()[:keep])
		s.Free()
		return g
	}
	oldOff := uintptr(unsafe.Pointer(unsafe.SliceData(s.b))) - uintptr(s.base)
	size := int64(n + Align)
	p := s.al.Reallocate(s.base, uint64(size))
	if p == nil {
		return nil
	}
	// the block is the new one now: the old slab must neither free it nor be used
	s.freed.Store(true)
	g := &Slab{al: s.al, acct: s.acct, size: size, base: p, freed: new(atomic.Bool)}
	g.b = alignedView(p, n)
	newOff := uintptr(unsafe.Pointer(unsafe.SliceData(g.b))) - uintptr(p)
	if newOff != oldOff && keep > 0 {
		all := unsafe.Slice((*byte)(p), int(size))
		copy(all[newOff:newOff+uintptr(keep)], all[oldOff:oldOff+uintptr(keep)])
	}
	s.acct.Charge(size - s.size)
	s.b, s.base = nil, nil
	g.track()
	return g
}

func (s *Slab) accountOrNil() *Account {
	if s == nil {
		return nil
	}
	return s.acct
}

// Move returns s charged to a (nil: the global account) instead of its account; the memory
// stays where it is and keeps its allocator.
func (s *Slab) Move(a *Account) *Slab {
	a = orGlobal(a)
	if s == nil || s.acct == a || s.freed.Load() {
		return s
	}
	// the old slab's cleanup must not release the charge a takes over
	s.freed.Store(true)
	g := &Slab{b: s.b, goBuf: s.goBuf, base: s.base, al: s.al, acct: a, size: s.size, freed: new(atomic.Bool)}
	s.acct.Charge(-s.size)
	a.Charge(g.size)
	g.track()
	return g
}
