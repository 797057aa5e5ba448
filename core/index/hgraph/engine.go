package hgraph

import (
	"math"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// EngineParams configure an index type built on the hgraph engine with fp32 codes (hnsw):
// the graph and the search parameters are its own, translated into hgraph's.
type EngineParams struct {
	// Name is the index type, named in the errors of the label table.
	Name string
	// MaxDegree bounds the bottom graph's degree; route layers take half of it.
	MaxDegree int
	// EfConstruction is the beam width of insertions.
	EfConstruction int
	// ParseSearch turns the index type's search block into hgraph's search parameters; the
	// parsed values are cached per block and must not be modified afterwards.
	ParseSearch func(raw []byte) (*SearchParams, error)
}

// NewEngine returns an empty hgraph engine with fp32 codes (the raw vectors) and the graph
// settings of ep, validated by the caller. Searches read their block through ep.ParseSearch.
func NewEngine(c *params.Create, ep EngineParams) (*Index, error) {
	if ep.ParseSearch == nil || ep.MaxDegree < 4 || ep.EfConstruction < 1 {
		return nil, api.Errorf(api.InternalError, "hgraph: engine parameters of %s are incomplete", ep.Name)
	}
	p := defaultParams()
	p.MaxDegree, p.EfConstruction = ep.MaxDegree, ep.EfConstruction
	cb, err := p.Keys.Validate(c.Dim, p.BaseQuantizationType)
	if err != nil {
		return nil, err
	}
	p.codebook = cb
	x, err := newFromParams(c, p)
	if err != nil {
		return nil, err
	}
	x.LabelView.Index = ep.Name
	x.parsed.Parse = ep.ParseSearch
	x.wholeLists = true
	return x, nil
}

// ExactKnn returns the k nearest live labels of query by a scan of every vector with the most
// precise codes the index holds (exact with fp32 codes), in ascending distance. It implements
// api.Introspector.
func (x *Index) ExactKnn(query []float32, k int) ([]api.Neighbor, error) {
	if k <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "exact search: k %d must be positive", k)
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.labels.Live() == 0 {
		return []api.Neighbor{}, nil
	}
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	items := x.scan(c, query, min(k, x.labels.Live()), -1, nil, time.Time{})
	return x.labels.Neighbors(items), nil
}

// LabelDistances writes into out the distance of query to each of labels, measured with the
// most precise codes the index holds in one batch, and NaN for a label that is not live.
func (x *Index) LabelDistances(query []float32, labels []int64, out []float32) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	codes, comp := x.baseCodes, c.base
	if x.preciseCodes != nil {
		codes, comp = x.preciseCodes, c.precise
	}
	rows := c.ids[:0]
	for i, l := range labels {
		r, ok := x.labels.Lookup(l)
		if !ok {
			out[i] = float32(math.NaN())
			continue
		}
		out[i] = 0
		rows = append(rows, r)
	}
	c.ids = rows
	if len(rows) == 0 {
		return
	}
	if cap(c.dists) < len(rows) {
		c.dists = make([]float32, len(rows))
	}
	d := c.dists[:len(rows)]
	comp.SetQuery(query)
	comp.DistanceBatch(codes.Slab(), rows, d)
	j := 0
	for i := range labels {
		if math.IsNaN(float64(out[i])) { // not live
			continue
		}
		out[i] = d[j]
		j++
	}
}

// SkipStrategy is VSAG's filter-search skip of hnsw: of the neighbours a filtered search meets,
// a share is tested against the filter before it is measured and left out when the filter
// rejects it, so the search routes through fewer rejected nodes. The share visited without a
// test is min(1, valid + (1-valid)*(1-Ratio)), valid being the filter's ValidRatio: about
// Ratio of the rejected neighbours are skipped.
type SkipStrategy struct {
	// Ratio is the share of rejected neighbours skipped, 0..1.
	Ratio float64
	// Random picks the neighbours tested first at random (skip_strategy "random"); otherwise
	// every 1/(1-visit) th one is (skip_strategy "deterministic_accumulative").
	Random bool
}

// skipState is one query's SkipStrategy state.
type skipState struct {
	visit  float64 // share of neighbours visited without a filter test
	acc    float64 // deterministic accumulator
	random bool
	rng    uint64
	fn     func(uint32) bool // the gate, made once per search context
}

// skipGate returns the graph search's Visit gate for one query with filter.
func (c *searchCtx) skipGate(st *SkipStrategy, filter api.Filter) func(uint32) bool {
	valid := float64(filter.ValidRatio())
	c.skip = skipState{visit: min(1, valid+(1-valid)*(1-st.Ratio)), random: st.Random, rng: 0x2545f4914f6cdd1d, fn: c.skip.fn}
	if c.skip.fn == nil {
		c.skip.fn = func(id uint32) bool { return c.skip.shouldVisit() || c.keep(id) }
	}
	return c.skip.fn
}

// shouldVisit reports whether the next neighbour is visited without a filter test.
func (s *skipState) shouldVisit() bool {
	if s.random {
		s.rng = s.rng*6364136223846793005 + 1442695040888963407
		return float64(s.rng>>11)/(1<<53) >= 1-s.visit
	}
	s.acc += s.visit
	if s.acc >= 1 {
		s.acc--
		return true
	}
	return false
}
