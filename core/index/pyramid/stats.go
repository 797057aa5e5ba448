package pyramid

import (
	"fmt"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
)

// StructureStats implements api.Introspector: per hierarchy and level, the prefixes, the
// vectors under them and how they are searched (graph, exact scan, no index), as Stats.
func (x *Index) StructureStats() (map[string]any, error) {
	b, err := json.Marshal(x.Stats())
	if err != nil {
		return nil, api.Wrap(api.InternalError, err, "pyramid: stats")
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, api.Wrap(api.InternalError, err, "pyramid: stats")
	}
	return m, nil
}

// AnalysisSearchParams implements api.Introspector: searches at the root with the build beam.
func (x *Index) AnalysisSearchParams() string {
	return fmt.Sprintf(`{"pyramid":{"ef_search":%d}}`, x.p.EfConstruction)
}

// Representations implements api.Introspector.
func (x *Index) Representations() api.Representations {
	r := api.Representations{Base: x.base.Name(), BaseExact: quant.Exact(x.base)}
	switch {
	case x.raw != nil:
		r.Best, r.Separate, r.BestExact = "fp32 raw vectors", true, true
	case x.preciseCodes != nil && x.split == nil:
		r.Best, r.Separate, r.BestExact = x.precise.Name()+" precise codes", true, quant.Exact(x.precise)
	default:
		r.Best, r.BestExact = x.base.Name()+" base codes", r.BaseExact
	}
	return r
}

// best returns the most precise store held and its quantizer. Caller holds mu.
func (x *Index) best() (*store.Codes, quant.Quantizer) {
	switch {
	case x.raw != nil:
		return x.raw, x.raw.Quantizer()
	case x.preciseCodes != nil && x.split == nil: // rest records alone measure nothing
		return x.preciseCodes, x.precise
	}
	return x.baseCodes, x.base
}

// MeasureByIDs implements api.Introspector.
func (x *Index) MeasureByIDs(query []float32, ids []int64, r api.Representation, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	codes, q := x.baseCodes, x.base
	if r == api.BestRepresentation {
		codes, q = x.best()
	}
	comp := q.NewComputer()
	comp.SetQuery(query)
	store.MeasureByIDs(comp, codes.Slab(), x.labels, ids, out)
	return nil
}

// ExactKnn implements api.Introspector.
func (x *Index) ExactKnn(query []float32, k int) ([]api.Neighbor, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	codes, q := x.best()
	comp := q.NewComputer()
	comp.SetQuery(query)
	return store.ExactKnn(comp, codes.Slab(), min(codes.Len(), x.labels.Total()), x.labels, k), nil
}

// DecodeByIDs implements api.Introspector.
func (x *Index) DecodeByIDs(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	codes, q := x.best()
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			return api.Errorf(api.InvalidArgument, "pyramid: label %d does not exist", id)
		}
		q.Decode(out[i*x.dim:(i+1)*x.dim], codes.Code(int(r)))
	}
	return nil
}
