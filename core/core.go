// Package core is the vsag-go engine: create an index by name and JSON parameters, build and
// search it, save and load it. It mirrors VSAG's vsag::Index with Go idioms.
//
//	idx, err := core.CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":128}`)
//	failed, err := idx.Build(&core.Dataset{NumElements: n, Dim: 128, IDs: ids, Float32: vecs})
//	res, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: 128, Float32: q}, 10, `{}`, nil)
//
// Distances are always smaller-is-better: squared L2 for "l2", 1 - <q,x> for "ip" and 1 - cos
// for "cosine" (vectors are normalised on insert and on query).
package core

import (
	"sort"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// Re-exported types so users need only this package.
type (
	// Dataset carries vectors in and results out.
	Dataset = api.Dataset
	// Neighbor is one search result.
	Neighbor = api.Neighbor
	// Filter decides which labels a search may return; CheckValid true keeps.
	Filter = api.Filter
	// Bitset is a set of labels; as a filter a set bit excludes the label.
	Bitset = api.Bitset
	// Feature is a capability flag with VSAG's numbering.
	Feature = api.Feature
	// ErrorCode is a VSAG error code.
	ErrorCode = api.ErrorCode
	// Error is the engine's error type: a code and a message.
	Error = api.Error
	// SearchStats counts the work of a search.
	SearchStats = api.SearchStats
)

// NewBitset returns an empty bitset.
func NewBitset() *Bitset { return api.NewBitset() }

// BitsetFilter returns a filter that excludes every label whose bit is set.
func BitsetFilter(b *Bitset) Filter { return api.BitsetFilter(b, 0) }

// ExcludeFunc returns a filter from a predicate that returns true to EXCLUDE a label.
func ExcludeFunc(f func(label int64) bool) Filter { return api.ExcludeFunc(f) }

// KeepFunc returns a filter from a predicate that returns true to KEEP a label; validRatio
// estimates the fraction kept (1 when unknown).
func KeepFunc(f func(label int64) bool, validRatio float32) Filter {
	return api.KeepFunc(f, validRatio)
}

// CodeOf returns the VSAG error code carried by err (0 for nil).
func CodeOf(err error) ErrorCode { return api.CodeOf(err) }

// EngineFactory creates an engine from parsed create parameters.
type EngineFactory func(c *params.Create) (api.Engine, error)

var factories = map[string]EngineFactory{}

// RegisterIndex makes an index type available to CreateIndex. It is meant for init functions of
// the engine's own index packages.
func RegisterIndex(name string, f EngineFactory) { factories[name] = f }

// IndexNames lists the index types CreateIndex knows.
func IndexNames() []string {
	out := make([]string, 0, len(factories))
	for k := range factories {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// CreateIndex returns a new empty index of type name configured by the create JSON.
// Unknown names are UNSUPPORTED_INDEX; bad JSON, unknown keys and out-of-range values are
// INVALID_ARGUMENT naming the key.
func CreateIndex(name, createJSON string) (*Index, error) {
	f, ok := factories[name]
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndex, "index type %q is not one of %v", name, IndexNames())
	}
	c, err := params.ParseCreate(name, createJSON)
	if err != nil {
		return nil, err
	}
	eng, err := f(c)
	if err != nil {
		return nil, err
	}
	idx := &Index{name: name, create: c}
	idx.engine.Store(&engineRef{e: eng})
	idx.account() // the engine charges its slabs to the index's account from the start
	if c.ExtraInfoSize > 0 {
		idx.extra = newExtraInfos(c.ExtraInfoSize)
	}
	return idx, nil
}
