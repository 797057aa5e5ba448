package api

import (
	"math/bits"
)

// This file holds the filters built from label masks and label lists, the composition of
// several filters, and FilterSpec: VSAG's vsag_filter_t as a Go value, with the estimate of
// the fraction of labels it keeps (ValidRatio) that graph indexes use to choose between a
// graph walk and an exact scan.

// maskFilter judges a label by its entry in a mask of n labels (0 .. n-1).
type maskFilter struct {
	mask   []byte
	n      int64
	packed bool // a bit per label, least significant bit first; else a byte per label
	keep   bool // a set entry keeps the label; else a set entry excludes it
	ratio  float32
}

// set reports whether label's entry is set; labels outside [0, n) are not set.
func (f *maskFilter) set(label int64) bool {
	if label < 0 || label >= f.n {
		return false
	}
	if f.packed {
		return f.mask[label>>3]&(1<<uint(label&7)) != 0
	}
	return f.mask[label] != 0
}

func (f *maskFilter) CheckValid(label int64) bool { return f.set(label) == f.keep }
func (f *maskFilter) ValidRatio() float32         { return f.ratio }

// count returns the number of set entries.
func (f *maskFilter) count() int64 {
	if f.packed {
		return countBits(f.mask, f.n)
	}
	return countNonzeroBytes(f.mask[:f.n])
}

// newMask validates a mask of n labels (n 0: the whole of mask) and counts its set entries.
func newMask(what string, mask []byte, n int64, packed, keep bool) (*maskFilter, int64, error) {
	capacity := int64(len(mask))
	if packed {
		capacity *= 8
	}
	if n == 0 {
		n = capacity
	}
	if n < 0 || n > capacity {
		unit := "bytes"
		if packed {
			unit = "bits"
		}
		return nil, 0, Errorf(InvalidArgument, "%s: filter mask of %d labels, the mask holds %d %s", what, n, capacity, unit)
	}
	f := &maskFilter{mask: mask, n: n, packed: packed, keep: keep, ratio: 1}
	return f, f.count(), nil
}

// keptFraction is the fraction of total labels a mask with set entries keeps, by its polarity
// (1 when total is unknown).
func keptFraction(set, total int64, keep bool) float32 {
	if total <= 0 {
		return 1
	}
	if keep {
		return float32(set) / float32(total)
	}
	return 1 - float32(set)/float32(total)
}

// MaskFilter returns a Filter over a mask of n labels (0 .. n-1; n 0 means every label the mask
// holds): one byte per label, nonzero meaning set, or, when packed, one bit per label, least
// significant bit first. With keep, a set entry KEEPS its label and every other label
// (including labels beyond n) is excluded; without keep, a set entry EXCLUDES its label. total,
// when positive, is the number of labels in the index, from which ValidRatio is estimated
// (the count of set entries over total); otherwise ValidRatio is 1. The mask is not copied:
// it must not change while the filter is in use.
// Errors: INVALID_ARGUMENT when n is negative or beyond what the mask holds.
func MaskFilter(mask []byte, n int64, packed, keep bool, total int64) (Filter, error) {
	f, set, err := newMask("mask filter", mask, n, packed, keep)
	if err != nil {
		return nil, err
	}
	f.ratio = min(max(keptFraction(set, total, keep), 0), 1)
	return f, nil
}

// idSetFilter excludes the labels of a set.
type idSetFilter struct {
	ids   map[int64]struct{}
	ratio float32
}

func (f *idSetFilter) CheckValid(label int64) bool {
	_, ok := f.ids[label]
	return !ok
}
func (f *idSetFilter) ValidRatio() float32 { return f.ratio }

func newIDSet(ids []int64) *idSetFilter {
	m := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		m[id] = struct{}{}
	}
	return &idSetFilter{ids: m, ratio: 1}
}

// ExcludeIDsFilter returns a Filter that excludes every label of ids (duplicates count once).
// total, when positive, is the number of labels in the index, from which ValidRatio is
// estimated; otherwise ValidRatio is 1. ids is copied into a set.
func ExcludeIDsFilter(ids []int64, total int64) Filter {
	f := newIDSet(ids)
	if total > 0 {
		f.ratio = max(1-float32(len(f.ids))/float32(total), 0)
	}
	return f
}

// allOf keeps a label only when every filter keeps it.
type allOf []Filter

func (f allOf) CheckValid(label int64) bool {
	for _, g := range f {
		if !g.CheckValid(label) {
			return false
		}
	}
	return true
}

// ValidRatio is the product of the parts' ratios (the parts are taken as independent).
func (f allOf) ValidRatio() float32 {
	r := float32(1)
	for _, g := range f {
		r *= g.ValidRatio()
	}
	return r
}

// AllOf returns a Filter that keeps a label only when every one of filters keeps it; its
// ValidRatio is the product of theirs. nil filters are skipped: with none left AllOf returns
// nil (keep everything), with one it returns that filter itself.
func AllOf(filters ...Filter) Filter {
	var parts allOf
	for _, f := range filters {
		if f != nil {
			parts = append(parts, f)
		}
	}
	switch len(parts) {
	case 0:
		return nil
	case 1:
		return parts[0]
	}
	return parts
}

// FilterSpec describes a filter made of optional parts, all applied (a label is kept only when
// every part that is set keeps it): VSAG's vsag_filter_t. The zero value keeps everything.
// Slices are not copied except ExcludeIDs; the caller keeps them (and Bitset) unchanged while
// the filter is in use.
type FilterSpec struct {
	// Bitset excludes every label whose bit is set (nil: none).
	Bitset *Bitset
	// Mask, when non-nil (even empty), is a mask over labels 0 .. MaskLen-1: one byte per
	// label (nonzero: set) or, with MaskPacked, one bit per label, least significant bit
	// first. MaskLen 0 means every label the mask holds.
	Mask       []byte
	MaskLen    int64
	MaskPacked bool
	// MaskKeep: a set entry KEEPS its label and every other label is excluded. Otherwise a set
	// entry EXCLUDES its label.
	MaskKeep bool
	// ExcludeIDs lists labels to exclude (nil or empty: none).
	ExcludeIDs []int64
	// Keep, when non-nil, is called for each candidate label and returns true to KEEP it.
	Keep func(label int64) bool
	// ValidRatio, when non-zero, is the caller's estimate of the fraction of labels kept, in
	// (0, 1]; it replaces the estimate Filter makes.
	ValidRatio float32
}

// specFilter is the Filter of a FilterSpec: the parts are checked in a fixed order, cheapest
// first, without an interface call per part.
type specFilter struct {
	bits    *Bitset
	mask    *maskFilter
	exclude *idSetFilter
	keep    func(int64) bool
	ratio   float32
}

func (f *specFilter) CheckValid(label int64) bool {
	if f.bits != nil && f.bits.Test(label) {
		return false
	}
	if f.mask != nil && !f.mask.CheckValid(label) {
		return false
	}
	if f.exclude != nil && !f.exclude.CheckValid(label) {
		return false
	}
	if f.keep != nil && !f.keep(label) {
		return false
	}
	return true
}

func (f *specFilter) ValidRatio() float32 { return f.ratio }

// Filter builds the filter s describes for an index of total live labels; it returns nil when
// no part is set (keep everything). what prefixes error messages.
//
// ValidRatio, unless s.ValidRatio gives it, is the smallest of the parts' estimates (each
// part alone keeps at most that fraction): the mask's count of set entries over total (kept
// ones with MaskKeep, else the rest), 1 - (distinct ExcludeIDs)/total and 1 - (bits set in
// Bitset)/total; the Keep callback counts as 1. It never drops below 1/total, so an index
// never takes a filter for one that keeps nothing; with total <= 0 it is 1.
// Errors: INVALID_ARGUMENT for a ValidRatio outside (0, 1] or a MaskLen beyond the mask.
func (s *FilterSpec) Filter(what string, total int64) (Filter, error) {
	f := &specFilter{}
	ratio := float32(1)
	used := false
	if s.Mask != nil {
		m, set, err := newMask(what, s.Mask, s.MaskLen, s.MaskPacked, s.MaskKeep)
		if err != nil {
			return nil, err
		}
		m.ratio = keptFraction(set, total, s.MaskKeep)
		ratio = min(ratio, m.ratio)
		f.mask = m
		used = true
	}
	if len(s.ExcludeIDs) > 0 {
		f.exclude = newIDSet(s.ExcludeIDs)
		if total > 0 {
			f.exclude.ratio = 1 - float32(len(f.exclude.ids))/float32(total)
			ratio = min(ratio, f.exclude.ratio)
		}
		used = true
	}
	if s.Keep != nil {
		f.keep = s.Keep
		used = true
	}
	explicit := s.ValidRatio != 0
	if explicit {
		r := s.ValidRatio
		if !(r > 0 && r <= 1) {
			return nil, Errorf(InvalidArgument, "%s: filter valid_ratio %g is not in (0, 1]", what, r)
		}
		ratio = r
	} else if ratio <= 0 {
		ratio = 1 / float32(max(total, 1))
	}
	if s.Bitset != nil {
		f.bits = s.Bitset
		if total > 0 && !explicit {
			ratio = max(min(ratio, 1-float32(s.Bitset.Count())/float32(total)), 1/float32(total))
		}
		used = true
	}
	if !used {
		return nil, nil
	}
	f.ratio = ratio
	return f, nil
}

// countNonzeroBytes counts the nonzero bytes of b, eight at a time.
func countNonzeroBytes(b []byte) int64 {
	n := int64(0)
	for len(b) >= 8 {
		w := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		w |= w >> 4
		w |= w >> 2
		w |= w >> 1
		n += int64(bits.OnesCount64(w & 0x0101010101010101))
		b = b[8:]
	}
	for _, c := range b {
		if c != 0 {
			n++
		}
	}
	return n
}

// countBits counts the set bits among the first nbits bits of b, least significant bit first.
func countBits(b []byte, nbits int64) int64 {
	n := int64(0)
	full := nbits >> 3
	for _, c := range b[:full] {
		n += int64(bits.OnesCount8(c))
	}
	if r := nbits & 7; r != 0 {
		n += int64(bits.OnesCount8(b[full] & (1<<uint(r) - 1)))
	}
	return n
}
