package bruteforce

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
)

// StructureStats implements api.Introspector: a flat store has no structure beyond its rows;
// the code size tells what a row costs.
func (x *Index) StructureStats() (map[string]any, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return map[string]any{"code_size": x.codes.Stride()}, nil
}

// AnalysisSearchParams implements api.Introspector.
func (x *Index) AnalysisSearchParams() string { return `{"brute_force":{}}` }

// Representations implements api.Introspector: the scanned codes are the only form held.
func (x *Index) Representations() api.Representations {
	exact := quant.Exact(x.q)
	return api.Representations{Base: x.q.Name(), Best: x.q.Name() + " base codes", BaseExact: exact, BestExact: exact}
}

// MeasureByIDs implements api.Introspector; both representations are the one store.
func (x *Index) MeasureByIDs(query []float32, ids []int64, _ api.Representation, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.computer(query)
	defer x.pool.Put(c)
	store.MeasureByIDs(c, x.codes.Slab(), x.labels, ids, out)
	return nil
}

// ExactKnn implements api.Introspector.
func (x *Index) ExactKnn(query []float32, k int) ([]api.Neighbor, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.computer(query)
	defer x.pool.Put(c)
	return store.ExactKnn(c, x.codes.Slab(), min(x.codes.Len(), x.labels.Total()), x.labels, k), nil
}

// DecodeByIDs implements api.Introspector.
func (x *Index) DecodeByIDs(ids []int64, out []float32) error { return x.GetVectors(ids, out) }
