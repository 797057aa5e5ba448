// Package hnsw is VSAG's hnsw index on the hgraph engine: the "hnsw" parameter block (hnswlib's
// M as max_degree, ef_construction, ef_search, skip_ratio) translated into a graph of fp32
// vectors with a bottom degree of 2M and route layers of degree M, as hnswlib lays it out,
// plus VSAG's conjugate graph.
//
// The conjugate graph (use_conjugate_graph) learns from feedback: Feedback searches a query and
// links the nodes its graph search found to the query's true nearest neighbour (and, when it
// finds the answer itself, to every true neighbour the search missed); Pretrain does so for
// queries made around stored vectors. A knn search that consults it (use_conjugate_graph_search, default
// true) asks the graph for at least 20 results, follows the conjugate edges of the 20 best and
// takes in their targets that are closer than its worst result, then returns the k best.
package hnsw

import (
	"slices"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

// Name is the index type name.
const Name = "hnsw"

// secConjugate is the section holding the conjugate graph.
const secConjugate = "hnsw.conjugate_graph"

// Index is the hnsw engine. The graph, vectors and labels live in an hgraph engine (with its
// locking: searches run in parallel with each other and with writes); the conjugate graph has
// its own lock.
type Index struct {
	g      *hgraph.Index
	p      Params
	dim    int
	metric metric.Kind
	cg     *graph.Conjugate // nil unless use_conjugate_graph
	parsed params.Cache[*SearchParams]
}

// New creates an empty hnsw index from parsed create parameters.
func New(c *params.Create) (*Index, error) {
	p, err := parseParams(c)
	if err != nil {
		return nil, err
	}
	x := &Index{p: p, dim: c.Dim, metric: c.Metric}
	x.parsed.Parse = parseSearch
	m := p.m()
	x.g, err = hgraph.NewEngine(c, hgraph.EngineParams{
		Name: Name, MaxDegree: 2 * m, EfConstruction: *p.EfConstruction,
		ParseSearch: func(raw []byte) (*hgraph.SearchParams, error) {
			sp, err := x.parsed.Get(raw)
			if err != nil {
				return nil, err
			}
			return sp.engine, nil
		},
	})
	if err != nil {
		return nil, err
	}
	if p.UseConjugateGraph {
		x.cg = graph.NewConjugate()
	}
	return x, nil
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine: hgraph's metric, multi-thread and concurrency flags, and
// SUPPORT_FEEDBACK with a conjugate graph.
func (x *Index) Features() api.FeatureSet {
	f := x.g.Features()
	if x.cg != nil {
		f = f.With(api.SupportFeedback)
	}
	return f
}

// Build implements api.Builder.
func (x *Index) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return x.g.Build(vectors, ids, onInsert)
}

// Add implements api.Engine.
func (x *Index) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return x.g.Add(vectors, ids, onInsert)
}

// KnnSearch implements api.Engine. With a conjugate graph and use_conjugate_graph_search the
// graph search asks for at least graph.ConjugateLookAtK results, which the conjugate graph
// enhances before the k best are returned.
func (x *Index) KnnSearch(query []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	_, res, err := x.search(query, k, opts, false)
	return res, err
}

// search returns the k best results of a knn search and, when keepRaw is set, the results of
// the graph search before the conjugate graph enhanced them (those whose conjugate edges a
// search follows).
func (x *Index) search(query []float32, k int, opts *api.SearchOptions, keepRaw bool) (raw, res []api.Neighbor, err error) {
	sp, err := x.parsed.Get(opts.Block)
	if err != nil {
		return nil, nil, err
	}
	if err := sp.checkKnn(k); err != nil {
		return nil, nil, err
	}
	if x.cg == nil || !sp.conjugate() {
		res, err = x.g.KnnSearch(query, k, opts)
		return res, res, err
	}
	if raw, err = x.g.KnnSearch(query, max(k, graph.ConjugateLookAtK), opts); err != nil {
		return nil, nil, err
	}
	res = raw
	if keepRaw {
		res = slices.Clone(raw)
	}
	if res, err = x.enhance(query, res, opts.Filter); err != nil {
		return nil, nil, err
	}
	return raw, res[:min(k, len(res))], nil
}

// enhance merges the conjugate neighbours of the best results into res; only live labels the
// filter keeps are taken in.
func (x *Index) enhance(query []float32, res []api.Neighbor, filter api.Filter) ([]api.Neighbor, error) {
	var keep func(int64) bool
	if filter != nil {
		keep = filter.CheckValid
	}
	res, _, err := x.cg.Enhance(res, keep, func(labels []int64, out []float32) error {
		x.g.LabelDistances(query, labels, out)
		return nil
	})
	return res, err
}

// RangeSearch implements api.RangeSearcher (the conjugate graph is not consulted, as in VSAG).
func (x *Index) RangeSearch(query []float32, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	sp, err := x.parsed.Get(opts.Block)
	if err != nil {
		return nil, err
	}
	if err := sp.checkRange(); err != nil {
		return nil, err
	}
	return x.g.RangeSearch(query, radius, limit, opts)
}

// Contains implements api.Engine.
func (x *Index) Contains(label int64) bool { return x.g.Contains(label) }

// NumElements implements api.Engine.
func (x *Index) NumElements() int64 { return x.g.NumElements() }

// ExportIDs implements api.Engine.
func (x *Index) ExportIDs() []int64 { return x.g.ExportIDs() }

// MinMaxID implements api.MinMaxer.
func (x *Index) MinMaxID() (int64, int64, error) { return x.g.MinMaxID() }

// Remove implements api.Remover: labels are marked removed. Their conjugate edges stay with
// the label, as in VSAG: a label added again gets them back.
func (x *Index) Remove(ids []int64) (int, error) { return x.g.Remove(ids) }

// NumRemoved implements api.Remover.
func (x *Index) NumRemoved() int64 { return x.g.NumRemoved() }

// CalcDistanceByIDs implements api.DistanceCalculator.
func (x *Index) CalcDistanceByIDs(query []float32, ids []int64, out []float32) error {
	return x.g.CalcDistanceByIDs(query, ids, out)
}

// GetVectors implements api.VectorReader: hnsw stores the vectors as given (normalised for
// cosine).
func (x *Index) GetVectors(ids []int64, out []float32) error { return x.g.GetVectors(ids, out) }

// KeepsRawVectors implements api.VectorReader.
func (x *Index) KeepsRawVectors() bool { return x.g.KeepsRawVectors() }

// UpdateID implements api.Relabeler; the conjugate edges move with the label.
func (x *Index) UpdateID(from, to int64, onRelabel func()) error {
	return x.g.UpdateID(from, to, func() {
		if x.cg != nil {
			x.cg.Relabel(from, to)
		}
		if onRelabel != nil {
			onRelabel()
		}
	})
}

// UpdateVector implements api.VectorUpdater.
func (x *Index) UpdateVector(label int64, v []float32, force bool) error {
	return x.g.UpdateVector(label, v, force)
}

// EstimateMemory implements api.MemoryEstimator (the conjugate graph starts empty).
func (x *Index) EstimateMemory(n int64) int64 { return x.g.EstimateMemory(n) }

// MemoryUsage implements api.Engine.
func (x *Index) MemoryUsage() int64 {
	b := x.g.MemoryUsage()
	if x.cg != nil {
		b += x.cg.MemoryUsage()
	}
	return b
}

// Save implements api.Engine: hgraph's sections, then the conjugate graph.
func (x *Index) Save(f *serial.File) error {
	if err := x.g.Save(f); err != nil {
		return err
	}
	if x.cg != nil {
		b, err := x.cg.MarshalBinary()
		if err != nil {
			return api.Wrap(api.InternalError, err, "hnsw: save the conjugate graph")
		}
		f.Add(secConjugate, b)
	}
	return nil
}

// Load implements api.Engine. An index with a conjugate graph loads the file's (a file without
// one leaves it empty); an index without one skips the file's.
func (x *Index) Load(f *serial.File) error {
	if err := x.g.Load(f); err != nil {
		return err
	}
	if x.cg == nil {
		f.Skip(secConjugate)
		return nil
	}
	b, ok, err := f.Lookup(secConjugate)
	if err != nil {
		return api.LoadError(err, Name, "conjugate graph")
	}
	if !ok {
		x.cg.Clear()
		return nil
	}
	if err := x.cg.UnmarshalBinary(b); err != nil {
		return api.LoadError(err, Name, "conjugate graph")
	}
	return nil
}
