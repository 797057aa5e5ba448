package hgraph

import (
	"bytes"
	"reflect"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/internal/parallel"
)

// tuneGraphKeys are the index_param keys that shape the graph. Tune keeps the graph, so a value
// given must equal the index's; an absent one keeps the index's.
var tuneGraphKeys = []string{"max_degree", "ef_construction", "alpha", "graph_type", "window_size", "max_candidate_pool_size", "prune_to"}

// tuneKeptKeys are the other keys that have nothing to do with the codes; absent, they keep the
// index's values.
var tuneKeptKeys = []string{"build_thread_count", "hgraph_init_capacity", "build_by_base", "support_remove",
	"base_io_type", "precise_io_type", "base_file_path", "precise_file_path"}

// CanTune implements api.Tuner: tuning works while it has not been disabled and the index
// keeps a precise source to re-encode from (raw vectors, or fp32 precise or base codes), or
// holds no vectors yet.
func (x *Index) CanTune() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return !x.tuneOff && (x.labels.Total() == 0 || x.vectorSource() != nil)
}

// tunePlan is what a Tune changes.
type tunePlan struct {
	p           Params
	block       []byte
	base        quant.Quantizer    // the new base quantizer, nil to keep the codes
	split       quant.SplitPrecise // the new precise quantizer of the split layout
	precise     quant.Quantizer    // the new precise quantizer (split included), nil to keep
	dropPrecise bool
	newRaw      bool
	dropRaw     bool
}

// encodes reports whether the plan writes new codes.
func (t *tunePlan) encodes() bool { return t.base != nil || t.precise != nil || t.newRaw }

// Tune implements api.Tuner, as VSAG's HGraph::Tune: indexParam is an hgraph index_param block
// that gives the codes anew (base_quantization_type, use_reorder, precise_quantization_type,
// store_raw_vector and the quantizer keys take their defaults when absent), while the keys that
// shape the graph (max_degree, ef_construction, alpha, graph_type and Vamana's) cannot change
// and the remaining ones (build_thread_count, ...) keep the index's values when absent. Every
// store whose quantizer or settings change is trained again on a sample and re-encoded from the
// precise source the index keeps: the raw vectors (store_raw_vector), else fp32 precise codes,
// else fp32 base codes; without one the call is UNSUPPORTED_INDEX_OPERATION. The graph is not
// touched. Precise codes that use_reorder no longer asks for are dropped. Raw vectors stay
// (store_raw_vector true in the parameters in force) so that the index can be tuned again,
// until disable_future_tuning drops them (unless the block asks for store_raw_vector) and
// refuses every later Tune. It returns the index_param block now in force.
//
// Searches run while the codes are encoded (the shared lock is taken tuneLockRows rows at a
// time) and wait only for the swap; rows added meanwhile are encoded before the swap.
func (x *Index) Tune(indexParam []byte, disableFutureTuning bool) ([]byte, error) {
	x.tuneMu.Lock()
	defer x.tuneMu.Unlock()
	var t *tunePlan
	var n int
	var edits int64
	err := x.underShared(func() error {
		var err error
		t, err = x.planTune(indexParam, disableFutureTuning)
		n, edits = x.labels.Total(), x.rowEdits
		return err
	})
	if err != nil {
		return nil, err
	}
	var stores *tuneStores
	if t.encodes() && n > 0 {
		err = x.underShared(func() error {
			var err error
			stores, err = x.trainTune(t, n)
			return err
		})
		for lo := 0; lo < n && err == nil && stores != nil; lo += tuneLockRows {
			err = x.underShared(func() error {
				if x.rowEdits != edits {
					stores = nil // a row was rewritten: start again under the exclusive lock
					return nil
				}
				return x.fillTune(stores, lo, min(lo+tuneLockRows, n))
			})
		}
		if err != nil {
			return nil, err
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if t.encodes() {
		total := x.labels.Total()
		switch {
		case total == 0:
			stores = nil
		case stores == nil || edits != x.rowEdits:
			if stores, err = x.trainTune(t, total); err == nil {
				err = x.fillTune(stores, 0, total)
			}
		default:
			err = x.fillTune(stores, n, total)
		}
		if err != nil {
			return nil, err
		}
	}
	x.applyTune(t, stores, disableFutureTuning)
	return t.block, nil
}

// tuneLockRows is the number of rows a Tune encodes per hold of the shared lock.
const tuneLockRows = 16384

// planTune parses and checks indexParam and decides what is re-encoded. Caller holds mu.
func (x *Index) planTune(indexParam []byte, disable bool) (*tunePlan, error) {
	if x.tuneOff {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "hgraph: tuning was disabled by an earlier tune (disable_future_tuning)")
	}
	given := map[string]json.RawMessage{}
	if raw := bytes.TrimSpace(indexParam); len(raw) > 0 && string(raw) != "null" {
		if raw[0] != '{' {
			return nil, api.Errorf(api.InvalidArgument, "tune: index_param must be a JSON object")
		}
		if err := json.Unmarshal(raw, &given); err != nil {
			return nil, api.Errorf(api.InvalidArgument, "tune: index_param: bad JSON: %v", err)
		}
	}
	cur := map[string]json.RawMessage{}
	cb, _ := json.Marshal(x.p)
	if err := json.Unmarshal(cb, &cur); err != nil {
		return nil, api.Wrap(api.InternalError, err, "hgraph: tune")
	}
	merged := make(map[string]json.RawMessage, len(given)+len(tuneGraphKeys)+len(tuneKeptKeys))
	for k, v := range given {
		merged[k] = v
	}
	for _, keys := range [][]string{tuneGraphKeys, tuneKeptKeys} {
		for _, k := range keys {
			if _, ok := given[k]; ok {
				continue
			}
			switch v := string(cur[k]); v {
			case "", "0", `""`, "false", "null":
			default:
				merged[k] = cur[k]
			}
		}
	}
	mb, _ := json.Marshal(merged)
	p, err := parseParams(&params.Create{Dim: x.dim, Metric: x.metric, DType: params.Float32, IndexParam: mb})
	if err != nil {
		return nil, api.Wrap(api.CodeOf(err), err, "tune")
	}
	for _, g := range []struct {
		key       string
		have, now any
	}{
		{"max_degree", p.MaxDegree, x.p.MaxDegree}, {"ef_construction", p.EfConstruction, x.p.EfConstruction},
		{"alpha", p.Alpha, x.p.Alpha}, {"graph_type", p.GraphType, x.p.GraphType},
		{"window_size", p.WindowSize, x.p.WindowSize}, {"max_candidate_pool_size", p.MaxCandidatePoolSize, x.p.MaxCandidatePoolSize},
		{"prune_to", p.PruneTo, x.p.PruneTo},
	} {
		if g.have != g.now {
			return nil, api.Errorf(api.InvalidArgument, "tune: key %q: tuning keeps the graph, built with %v (got %v)", g.key, g.now, g.have)
		}
	}
	t := &tunePlan{p: p}
	sameBase := p.BaseQuantizationType == x.p.BaseQuantizationType && p.splitLayout() == x.p.splitLayout() &&
		reflect.DeepEqual(p.quantOptions(), x.p.quantOptions())
	switch {
	case p.splitLayout():
		if !sameBase {
			b, s, err := quant.NewRaBitQSplit(x.dim, x.metric, p.codebook)
			if err != nil {
				return nil, api.Wrap(api.InvalidArgument, err, "tune: key \"rabitq_version\"")
			}
			t.base, t.split, t.precise = b, s, s
		}
	case !sameBase:
		if t.base, err = quant.New(p.BaseQuantizationType, x.dim, x.metric, p.quantOptions()); err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "tune: key \"base_quantization_type\"")
		}
	}
	if !p.splitLayout() {
		samePrecise := x.precise != nil && x.split == nil && p.PreciseQuantizationType == x.p.PreciseQuantizationType &&
			reflect.DeepEqual(p.preciseOptions(), x.p.preciseOptions())
		switch {
		case p.UseReorder && !samePrecise:
			if t.precise, err = quant.New(p.PreciseQuantizationType, x.dim, x.metric, p.preciseOptions()); err != nil {
				return nil, api.Wrap(api.InvalidArgument, err, "tune: key \"precise_quantization_type\"")
			}
		case !p.UseReorder:
			t.dropPrecise = x.precise != nil
		}
	}
	t.newRaw = p.StoreRawVector && x.raw == nil
	t.dropRaw = x.raw != nil && disable && !p.StoreRawVector
	if x.raw != nil && !t.dropRaw && !p.StoreRawVector {
		// the raw vectors stay for later tuning: the parameters in force say so
		t.p.StoreRawVector = true
		merged["store_raw_vector"] = json.RawMessage("true")
	}
	t.block, _ = json.Marshal(merged)
	if t.encodes() && x.labels.Total() > 0 && x.vectorSource() == nil {
		return nil, api.Errorf(api.UnsupportedIndexOperation,
			"hgraph: tune re-encodes from the vectors, which this index does not keep (its codes are %s; keep them with store_raw_vector, or fp32 base or precise codes)", x.codesName())
	}
	return t, nil
}

// codesName names the codes the index holds, for messages.
func (x *Index) codesName() string {
	if x.precise != nil {
		return x.base.Name() + " and " + x.precise.Name()
	}
	return x.base.Name()
}

// tuneStores are the new code stores of a Tune.
type tuneStores struct {
	base, precise, raw *store.Codes
}

// newTuneStores returns empty stores of the plan's new quantizers.
func (x *Index) newTuneStores(t *tunePlan) *tuneStores {
	s := &tuneStores{}
	if t.base != nil {
		s.base = store.NewCodes(t.base)
	}
	if t.precise != nil {
		s.precise = store.NewCodes(t.precise)
	}
	if t.newRaw {
		rq, _ := quant.New("fp32", x.dim, x.metric, quant.DefaultOptions())
		s.raw = store.NewCodes(rq)
	}
	return s
}

// trainTune trains the plan's new quantizers on a sample of the n rows and returns empty stores
// of them with room for n rows. Caller holds mu.
func (x *Index) trainTune(t *tunePlan, n int) (*tuneStores, error) {
	src := x.vectorSource()
	if src == nil {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "hgraph: tune re-encodes from the vectors, which this index does not keep")
	}
	sn := min(n, trainSampleMax)
	sample := make([]float32, sn*x.dim)
	for i := 0; i < sn; i++ {
		r := i * n / sn // evenly spaced rows
		src.Quantizer().Decode(sample[i*x.dim:(i+1)*x.dim], src.Code(r))
	}
	for _, q := range []quant.Quantizer{t.base, t.precise} {
		if q == nil || !q.NeedTrain() {
			continue
		}
		if err := q.Train(sample, sn); err != nil {
			return nil, api.Wrap(api.InternalError, err, "hgraph: tune: train %s quantizer", q.Name())
		}
	}
	s := x.newTuneStores(t)
	for _, c := range []*store.Codes{s.base, s.precise, s.raw} {
		if c != nil {
			c.Reserve(n)
		}
	}
	return s, nil
}

// tuneChunk is the number of rows one worker encodes at a time.
const tuneChunk = 256

// fillTune encodes rows lo..hi-1 from the precise source into the new stores (which hold lo
// rows). Caller holds mu.
func (x *Index) fillTune(s *tuneStores, lo, hi int) error {
	if hi <= lo {
		return nil
	}
	src := x.vectorSource()
	if src == nil {
		return api.Errorf(api.UnsupportedIndexOperation, "hgraph: tune re-encodes from the vectors, which this index does not keep")
	}
	var outs []*store.Codes
	for _, c := range []*store.Codes{s.base, s.precise, s.raw} {
		if c != nil {
			c.Extend(hi - lo)
			outs = append(outs, c)
		}
	}
	threads := x.threads
	vecs := make([][]float32, threads)
	chunks := (hi - lo + tuneChunk - 1) / tuneChunk
	return parallel.For(chunks, threads, func(w, c int) error {
		if vecs[w] == nil {
			vecs[w] = make([]float32, x.dim)
		}
		v := vecs[w]
		for r := lo + c*tuneChunk; r < min(lo+(c+1)*tuneChunk, hi); r++ {
			src.Quantizer().Decode(v, src.Code(r))
			for _, o := range outs {
				o.Quantizer().Encode(o.Code(r), v)
			}
		}
		return nil
	})
}

// applyTune puts the plan's stores and parameters in place. Caller holds mu exclusively.
func (x *Index) applyTune(t *tunePlan, s *tuneStores, disable bool) {
	if s == nil {
		s = x.newTuneStores(t) // an empty index: empty stores of the new quantizers
	}
	if t.base != nil {
		x.base, x.baseCodes = t.base, s.base
		x.ts, x.prim, x.primCodes = nil, nil, nil
		if ts, ok := hasTwoStage(t.base); ok {
			x.ts = ts
			x.prim, x.primCodes = twoStage(ts)
			x.primCodes.fill(x.baseCodes.Slab(), x.baseCodes.Stride(), x.baseCodes.Len())
		}
	}
	switch {
	case t.precise != nil:
		x.precise, x.preciseCodes, x.split = t.precise, s.precise, t.split
	case t.dropPrecise:
		x.precise, x.preciseCodes, x.split = nil, nil, nil
	}
	switch {
	case t.newRaw:
		x.raw = s.raw
	case t.dropRaw:
		x.raw = nil
	}
	x.p = t.p
	x.threads = t.p.buildThreads()
	if disable {
		x.tuneOff = true
	}
	x.rowEdits++ // store copies grown before the swap are stale
	x.resetPools()
	x.resid.drop() // the codes changed
	x.residuals()  // measured again now, if they still qualify
}
