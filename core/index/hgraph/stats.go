package hgraph

import (
	"fmt"
	"slices"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/summary"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
)

// maxListedComponents bounds the component sizes StructureStats lists.
const maxListedComponents = 10

// StructureStats implements api.Introspector: the shape of the graph, with VSAG's HGraph
// analyzer's key names where it has them.
//
// Degrees are counted on the bottom layer for live nodes: the out-degree is the length of a
// node's list, the in-degree the number of lists (of any node, removed ones included, since
// they keep routing searches) that hold it; the histograms have max_degree+1 slots, in-degrees
// above max_degree counted in the last. Connected components are those of the bottom layer
// with its edges taken as undirected, over live nodes and the edges between them.
// unreachable_from_entry counts the live nodes no graph search can reach: those not reachable
// from the entry point along the directed edges of any layer.
func (x *Index) StructureStats() (map[string]any, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := min(x.g.Len(), x.labels.Total())
	maxDeg := x.g.MaxDegree()
	in := make([]uint32, n)
	out := make([]uint32, n)
	parent := make([]uint32, n)
	for i := range parent {
		parent[i] = uint32(i)
	}
	live := func(id uint32) bool { return !x.labels.IsRemoved(id) }
	buf := make([]uint32, 0, maxDeg)
	for i := 0; i < n; i++ {
		buf = x.g.Neighbors(0, uint32(i), buf[:0])
		out[i] = uint32(len(buf))
		for _, nb := range buf {
			if int(nb) >= n {
				continue
			}
			in[nb]++
			if live(uint32(i)) && live(nb) {
				union(parent, uint32(i), nb)
			}
		}
	}
	inHist := make([]int64, maxDeg+1)
	outHist := make([]int64, maxDeg+1)
	inVals := make([]float64, 0, x.labels.Live())
	outVals := make([]float64, 0, x.labels.Live())
	sizes := map[uint32]int64{}
	zeroIn := 0
	for i := 0; i < n; i++ {
		if !live(uint32(i)) {
			continue
		}
		inHist[min(int(in[i]), maxDeg)]++
		outHist[min(int(out[i]), maxDeg)]++
		inVals = append(inVals, float64(in[i]))
		outVals = append(outVals, float64(out[i]))
		if in[i] == 0 {
			zeroIn++
		}
		sizes[find(parent, uint32(i))]++
	}
	comps := make([]int64, 0, len(sizes))
	for _, s := range sizes {
		comps = append(comps, s)
	}
	slices.SortFunc(comps, func(a, b int64) int { return int(b - a) })
	var largest int64
	if len(comps) > 0 {
		largest = comps[0]
	}
	levels := make([]int64, x.g.Levels())
	for i := 0; i < n; i++ {
		for l := x.g.NodeLevel(uint32(i)); l > 0; l-- {
			levels[l-1]++
		}
	}
	return map[string]any{
		"connect_components":      len(comps),
		"maximal_component_size":  largest,
		"component_sizes":         comps[:min(len(comps), maxListedComponents)],
		"in_degree_distribution":  inHist,
		"out_degree_distribution": outHist,
		"average_degree":          summary.Mean(outVals),
		"in_degree":               summary.MinMaxMean(inVals),
		"out_degree":              summary.MinMaxMean(outVals),
		"zero_in_degree_count":    zeroIn,
		"unreachable_from_entry":  x.unreachable(n),
		"route_layer_sizes":       levels,
		"entry_point_level":       entryLevel(x),
	}, nil
}

// entryLevel returns the number of route layers the entry point belongs to (-1 for an empty
// graph).
func entryLevel(x *Index) int {
	if _, level, ok := x.g.Entry(); ok {
		return level
	}
	return -1
}

// unreachable counts the live nodes among the first n that a search cannot reach from the
// entry point along the directed edges of every layer. Caller holds mu shared.
func (x *Index) unreachable(n int) int {
	entry, _, ok := x.g.Entry()
	if !ok || int(entry) >= n {
		return x.labels.Live()
	}
	seen := make([]uint64, (n+63)/64)
	seen[entry>>6] |= 1 << (entry & 63)
	queue := []uint32{entry}
	buf := make([]uint32, 0, x.g.MaxDegree())
	for len(queue) > 0 {
		id := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for l := x.g.NodeLevel(id); l >= 0; l-- {
			buf = x.g.Neighbors(l, id, buf[:0])
			for _, nb := range buf {
				if int(nb) < n && seen[nb>>6]&(1<<(nb&63)) == 0 {
					seen[nb>>6] |= 1 << (nb & 63)
					queue = append(queue, nb)
				}
			}
		}
	}
	count := 0
	for i := 0; i < n; i++ {
		if seen[i>>6]&(1<<(i&63)) == 0 && !x.labels.IsRemoved(uint32(i)) {
			count++
		}
	}
	return count
}

// find returns the root of id's set, halving the path on the way.
func find(parent []uint32, id uint32) uint32 {
	for parent[id] != id {
		parent[id] = parent[parent[id]]
		id = parent[id]
	}
	return id
}

// union joins the sets of a and b.
func union(parent []uint32, a, b uint32) {
	ra, rb := find(parent, a), find(parent, b)
	if ra != rb {
		parent[max(ra, rb)] = min(ra, rb)
	}
}

// AnalysisSearchParams implements api.Introspector: ef_search = ef_construction, as VSAG's
// GetStats searches.
func (x *Index) AnalysisSearchParams() string {
	return fmt.Sprintf(`{"hgraph":{"ef_search":%d}}`, x.p.EfConstruction)
}

// Representations implements api.Introspector.
func (x *Index) Representations() api.Representations {
	r := api.Representations{Base: x.base.Name(), BaseExact: quant.Exact(x.base)}
	switch {
	case x.raw != nil:
		r.Best, r.Separate, r.BestExact = "fp32 raw vectors", true, true
	case x.preciseCodes != nil:
		r.Best, r.Separate, r.BestExact = x.precise.Name()+" precise codes", true, x.split == nil && quant.Exact(x.precise)
	default:
		r.Best, r.BestExact = x.base.Name()+" base codes", r.BaseExact
	}
	return r
}

// best returns the most precise store and the quantizer that measures and decodes its rows.
// Caller holds mu.
func (x *Index) best() (*store.Codes, quant.Quantizer) {
	switch {
	case x.raw != nil:
		return x.raw, x.raw.Quantizer()
	case x.preciseCodes != nil:
		return x.preciseCodes, x.buildQuant(x.preciseCodes)
	}
	return x.baseCodes, x.buildQuant(x.baseCodes)
}

// MeasureByIDs implements api.Introspector.
func (x *Index) MeasureByIDs(query []float32, ids []int64, r api.Representation, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	codes, q := x.baseCodes, quant.Quantizer(x.base)
	if r == api.BestRepresentation {
		codes, q = x.best()
	}
	comp := q.NewComputer()
	comp.SetQuery(query)
	store.MeasureByIDs(comp, codes.Slab(), x.labels, ids, out)
	return nil
}

// DecodeByIDs implements api.Introspector.
func (x *Index) DecodeByIDs(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	codes, q := x.best()
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			return api.Errorf(api.InvalidArgument, "hgraph: label %d does not exist", id)
		}
		q.Decode(out[i*x.dim:(i+1)*x.dim], codes.Code(int(r)))
	}
	return nil
}

// NeighborLabels implements api.GraphIntrospector.
func (x *Index) NeighborLabels(label int64) ([]int64, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	r, ok := x.labels.Lookup(label)
	if !ok {
		return nil, false
	}
	nbs := x.g.Neighbors(0, r, nil)
	out := make([]int64, 0, len(nbs))
	for _, nb := range nbs {
		if int(nb) < x.labels.Total() {
			out = append(out, x.labels.Label(nb))
		}
	}
	return out, true
}
