package lazyhgraph

import (
	"bytes"
	"slices"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/bruteforce"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/serial"
)

// Remove implements api.Remover.
func (x *Index) Remove(ids []int64) (int, error) {
	var n int
	err := x.write(func(f *bruteforce.Index) error {
		var err error
		if n, err = f.Remove(ids); err == nil && n > 0 {
			x.record(op{kind: opRemove, ids: slices.Clone(ids)})
		}
		return err
	}, func(g *hgraph.Index) error {
		var err error
		n, err = g.Remove(ids)
		return err
	})
	return n, err
}

// NumRemoved implements api.Remover.
func (x *Index) NumRemoved() int64 {
	e, done := x.active()
	defer done()
	return e.(api.Remover).NumRemoved()
}

// UpdateID implements api.Relabeler.
func (x *Index) UpdateID(from, to int64, onRelabel func()) error {
	return x.write(func(f *bruteforce.Index) error {
		err := f.UpdateID(from, to, onRelabel)
		if err == nil {
			x.record(op{kind: opRelabel, from: from, to: to})
		}
		return err
	}, func(g *hgraph.Index) error { return g.UpdateID(from, to, onRelabel) })
}

// UpdateVector implements api.VectorUpdater.
func (x *Index) UpdateVector(label int64, v []float32, force bool) error {
	return x.write(func(f *bruteforce.Index) error {
		err := f.UpdateVector(label, v, force)
		if err == nil {
			x.record(op{kind: opUpdate, ids: []int64{label}, vectors: slices.Clone(v)})
		}
		return err
	}, func(g *hgraph.Index) error { return g.UpdateVector(label, v, force) })
}

// KnnSearch implements api.Engine. The search parameters are hgraph's in both phases; the flat
// phase checks them as hgraph would and answers exactly.
func (x *Index) KnnSearch(query []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.graph != nil {
		return x.graph.KnnSearch(query, k, opts)
	}
	fo, err := x.flatOptions(opts)
	if err != nil {
		return nil, err
	}
	return x.flat.KnnSearch(query, k, fo)
}

// RangeSearch implements api.RangeSearcher.
func (x *Index) RangeSearch(query []float32, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.graph != nil {
		return x.graph.RangeSearch(query, radius, limit, opts)
	}
	fo, err := x.flatOptions(opts)
	if err != nil {
		return nil, err
	}
	return x.flat.RangeSearch(query, radius, limit, fo)
}

// flatOptions checks an hgraph search block and returns options for the flat phase carrying
// only the block's timeout_ms (hgraph takes no parallelism above 1); both are worked out once
// per block.
func (x *Index) flatOptions(opts *api.SearchOptions) (*api.SearchOptions, error) {
	block, err := x.flatBlocks.Get(opts.Block)
	if err != nil {
		return nil, err
	}
	fo := *opts
	fo.Block = block
	return &fo, nil
}

// flatBlock validates an hgraph search block and returns the brute_force block of its
// timeout_ms (nil when it has none).
func flatBlock(raw []byte) ([]byte, error) {
	if _, err := hgraph.SearchCommonOf(raw); err != nil {
		return nil, err
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(bytes.TrimSpace(raw), &keys); err != nil {
		return nil, nil
	}
	common := map[string]json.RawMessage{}
	if v, ok := keys["timeout_ms"]; ok {
		common["timeout_ms"] = v
	}
	if len(common) == 0 {
		return nil, nil
	}
	return json.Marshal(common)
}

// CalcDistanceByIDs implements api.DistanceCalculator.
func (x *Index) CalcDistanceByIDs(query []float32, ids []int64, out []float32) error {
	e, done := x.active()
	defer done()
	return e.(api.DistanceCalculator).CalcDistanceByIDs(query, ids, out)
}

// GetVectors implements api.VectorReader.
func (x *Index) GetVectors(ids []int64, out []float32) error {
	e, done := x.active()
	defer done()
	return e.(api.VectorReader).GetVectors(ids, out)
}

// KeepsRawVectors implements api.VectorReader: the flat phase keeps them, the graph phase when
// its hgraph parameters do.
func (x *Index) KeepsRawVectors() bool { return x.proto.KeepsRawVectors() }

// Contains implements api.Engine.
func (x *Index) Contains(label int64) bool {
	e, done := x.active()
	defer done()
	return e.Contains(label)
}

// NumElements implements api.Engine.
func (x *Index) NumElements() int64 {
	e, done := x.active()
	defer done()
	return e.NumElements()
}

// ExportIDs implements api.Engine.
func (x *Index) ExportIDs() []int64 {
	e, done := x.active()
	defer done()
	return e.ExportIDs()
}

// MinMaxID implements api.MinMaxer.
func (x *Index) MinMaxID() (int64, int64, error) {
	e, done := x.active()
	defer done()
	return e.(api.MinMaxer).MinMaxID()
}

// MemoryUsage implements api.Engine: the current phase's bytes (during a conversion the graph
// being built is not counted yet).
func (x *Index) MemoryUsage() int64 {
	e, done := x.active()
	defer done()
	return e.MemoryUsage()
}

// EstimateMemory implements api.MemoryEstimator: the flat phase below transition_threshold,
// the hgraph from it.
func (x *Index) EstimateMemory(n int64) int64 {
	if n < x.threshold {
		return x.flat0().EstimateMemory(n)
	}
	return x.proto.EstimateMemory(n)
}

const secInfo = "lazy_hgraph.info"

type info struct {
	Phase               string `json:"phase"`
	TransitionThreshold int64  `json:"transition_threshold"`
}

// Save implements api.Engine: the phase, then the sections of the current phase's engine (the
// flat phase while a conversion is in flight).
func (x *Index) Save(f *serial.File) error {
	e, done := x.active()
	defer done()
	inf := info{Phase: "flat", TransitionThreshold: x.threshold}
	if x.graph != nil {
		inf.Phase = "graph"
	}
	b, _ := json.Marshal(inf)
	f.Add(secInfo, b)
	return e.Save(f)
}

// Load implements api.Engine. A flat phase at or past transition_threshold (saved while it was
// converting) starts its conversion again in Resume, once the whole file has loaded.
func (x *Index) Load(f *serial.File) error { return x.load(f) }

// Resume implements api.Resumer: it runs the threshold check of an add, which starts the
// conversion of a loaded flat phase at or past transition_threshold. A conversion that cannot
// start now is tried again by the next add.
func (x *Index) Resume() { _, _ = x.Add(nil, nil, nil) }

func (x *Index) load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	b, err := f.Need(secInfo)
	if err != nil {
		return api.LoadError(err, Name, "info")
	}
	var inf info
	if err := json.Unmarshal(b, &inf); err != nil {
		return api.LoadError(err, Name, "info")
	}
	if inf.TransitionThreshold != x.threshold {
		return api.Errorf(api.InvalidArgument, "lazy_hgraph: transition_threshold %d in the file does not match %d", inf.TransitionThreshold, x.threshold)
	}
	switch inf.Phase {
	case "flat":
		return x.flat.Load(f)
	case "graph":
		g, err := x.newGraph()
		if err != nil {
			return err
		}
		if err := g.Load(f); err != nil {
			return err
		}
		x.graph, x.flat = g, nil
		return nil
	}
	return api.Errorf(api.InvalidBinary, "lazy_hgraph: load info: unknown phase %q", inf.Phase)
}
