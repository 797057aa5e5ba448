package api

import "math/bits"

// Filter decides which labels a search may return.
//
// Polarity: CheckValid returns true to KEEP the label (as VSAG's Filter::CheckValid).
// ValidRatio estimates the fraction of labels kept (1 when unknown); graph indexes use it to
// switch to an exact scan when few labels pass.
type Filter interface {
	CheckValid(label int64) bool
	ValidRatio() float32
}

// Bitset is a growable set of labels. Used as a filter, a set bit EXCLUDES the label, as in
// VSAG's bitset filter. Labels must be non-negative; negative labels are never set.
type Bitset struct {
	words  []uint64
	sparse map[int64]uint64 // words beyond denseLimit
}

const denseLimitWords = 1 << 20 // labels below 64Mi use a flat array

// NewBitset returns an empty bitset.
func NewBitset() *Bitset { return &Bitset{} }

// Set sets or clears the bit of label.
func (b *Bitset) Set(label int64, v bool) {
	if label < 0 {
		return
	}
	w := label >> 6
	mask := uint64(1) << uint(label&63)
	if w < denseLimitWords {
		if int(w) >= len(b.words) {
			if !v {
				return
			}
			n := int(w) + 1
			if n < 2*len(b.words) {
				n = 2 * len(b.words)
			}
			if n > denseLimitWords {
				n = denseLimitWords
			}
			nw := make([]uint64, n)
			copy(nw, b.words)
			b.words = nw
		}
		if v {
			b.words[w] |= mask
		} else {
			b.words[w] &^= mask
		}
		return
	}
	if b.sparse == nil {
		if !v {
			return
		}
		b.sparse = map[int64]uint64{}
	}
	if v {
		b.sparse[w] |= mask
	} else if x, ok := b.sparse[w]; ok {
		x &^= mask
		if x == 0 {
			delete(b.sparse, w)
		} else {
			b.sparse[w] = x
		}
	}
}

// Test reports whether the bit of label is set.
func (b *Bitset) Test(label int64) bool {
	if b == nil || label < 0 {
		return false
	}
	w := label >> 6
	mask := uint64(1) << uint(label&63)
	if w < int64(len(b.words)) {
		return b.words[w]&mask != 0
	}
	if b.sparse != nil {
		return b.sparse[w]&mask != 0
	}
	return false
}

// Count returns the number of set bits.
func (b *Bitset) Count() int {
	if b == nil {
		return 0
	}
	n := 0
	for _, w := range b.words {
		n += bits.OnesCount64(w)
	}
	for _, w := range b.sparse {
		n += bits.OnesCount64(w)
	}
	return n
}

// Clear removes every bit.
func (b *Bitset) Clear() {
	b.words = b.words[:0]
	b.sparse = nil
}

// bitsetFilter excludes labels whose bit is set.
type bitsetFilter struct {
	b     *Bitset
	ratio float32
}

func (f bitsetFilter) CheckValid(label int64) bool { return !f.b.Test(label) }
func (f bitsetFilter) ValidRatio() float32         { return f.ratio }

// BitsetFilter returns a Filter that excludes every label whose bit is set in b. total, when
// positive, is the number of labels in the index and is used to estimate ValidRatio.
func BitsetFilter(b *Bitset, total int) Filter {
	r := float32(1)
	if total > 0 {
		r = 1 - float32(b.Count())/float32(total)
		if r < 0 {
			r = 0
		}
	}
	return bitsetFilter{b: b, ratio: r}
}

// funcFilter excludes labels for which the function returns true.
type funcFilter struct {
	f     func(int64) bool
	ratio float32
}

func (f funcFilter) CheckValid(label int64) bool { return !f.f(label) }
func (f funcFilter) ValidRatio() float32         { return f.ratio }

// ExcludeFunc returns a Filter from a predicate that returns true to EXCLUDE a label, the
// polarity of VSAG's std::function filter.
func ExcludeFunc(exclude func(label int64) bool) Filter { return funcFilter{f: exclude, ratio: 1} }

// keepFunc keeps labels for which the function returns true.
type keepFunc struct {
	f     func(int64) bool
	ratio float32
}

func (f keepFunc) CheckValid(label int64) bool { return f.f(label) }
func (f keepFunc) ValidRatio() float32         { return f.ratio }

// KeepFunc returns a Filter from a predicate that returns true to KEEP a label (the polarity of
// VSAG's C API callback). validRatio estimates the fraction kept; pass 1 when unknown.
func KeepFunc(keep func(label int64) bool, validRatio float32) Filter {
	if validRatio <= 0 || validRatio > 1 {
		validRatio = 1
	}
	return keepFunc{f: keep, ratio: validRatio}
}
