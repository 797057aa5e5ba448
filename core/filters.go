package core

import "github.com/govsag/vsag/core/api"

// FilterSpec describes a filter of optional parts (an id bitset, a label mask, labels to
// exclude, a keep callback), all applied: VSAG's vsag_filter_t. See api.FilterSpec.
type FilterSpec = api.FilterSpec

// MaskFilter returns a filter over a mask of n labels, a byte per label or, when packed, a bit
// per label; with keep a set entry keeps its label (all others are excluded), without keep a
// set entry excludes it. total (> 0) is the index's label count for the ValidRatio estimate.
// See api.MaskFilter.
func MaskFilter(mask []byte, n int64, packed, keep bool, total int64) (Filter, error) {
	return api.MaskFilter(mask, n, packed, keep, total)
}

// ExcludeIDsFilter returns a filter that excludes every label of ids; total (> 0) is the
// index's label count for the ValidRatio estimate. See api.ExcludeIDsFilter.
func ExcludeIDsFilter(ids []int64, total int64) Filter { return api.ExcludeIDsFilter(ids, total) }

// AllOf returns a filter that keeps a label only when every one of filters keeps it (nil ones
// are skipped; none left: nil). Its ValidRatio is the product of theirs.
func AllOf(filters ...Filter) Filter { return api.AllOf(filters...) }

// NewFilter builds the filter spec describes for searches of x: the ValidRatio estimate counts
// against x's live labels at the time of the call (see api.FilterSpec.Filter). It returns nil
// (keep everything) for a nil spec or one without any part. what prefixes error messages.
func (x *Index) NewFilter(spec *FilterSpec, what string) (Filter, error) {
	if spec == nil {
		return nil, nil
	}
	return spec.Filter(what, x.GetNumElements())
}
