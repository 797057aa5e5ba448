package hgraph

import (
	"io"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
)

// CalcDistanceByIDs implements api.Engine, using the precise codes when the index has them.
func (x *Index) CalcDistanceByIDs(query []float32, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c, ps := x.getCtx()
	defer ps.putCtx(c)
	codes, comp := x.baseCodes, c.base
	if x.preciseCodes != nil {
		codes, comp = x.preciseCodes, c.precise
	}
	comp.SetQuery(query)
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			out[i] = -1
			continue
		}
		var one [1]uint32
		one[0] = r
		comp.DistanceBatch(codes.Slab(), one[:], out[i:i+1])
	}
	return nil
}

// GetVectors implements api.Engine.
func (x *Index) GetVectors(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	src := x.vectorSource()
	if src == nil {
		return api.Errorf(api.UnsupportedIndexOperation, "hgraph: %s codes do not keep the raw vectors (set store_raw_vector)", x.base.Name())
	}
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			return api.Errorf(api.InvalidArgument, "hgraph: label %d does not exist", id)
		}
		src.Quantizer().Decode(out[i*x.dim:(i+1)*x.dim], src.Code(int(r)))
	}
	return nil
}

// UpdateVector implements api.Engine. Without force the new vector must stay inside the old
// vector's neighbourhood: no farther from the old vector than its farthest bottom neighbour
// (VSAG's rule protects the graph from a vector that moved elsewhere). The node is then
// re-encoded and re-linked.
func (x *Index) UpdateVector(label int64, v []float32, force bool) error {
	x.writeMu.RLock() // no force remove while the node is re-linked
	defer x.writeMu.RUnlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	r, ok := x.labels.Lookup(label)
	if !ok {
		return api.Errorf(api.InvalidArgument, "hgraph: label %d does not exist", label)
	}
	bs := x.buildStore()
	if !force {
		bq := x.buildQuant(bs)
		comp := bq.NewComputer()
		comp.SetQuery(v)
		moved := comp.Distance(bs.Code(int(r)))
		old := make([]float32, x.dim)
		bq.Decode(old, bs.Code(int(r)))
		comp.SetQuery(old)
		far := float32(0)
		nbs := x.g.Neighbors(0, r, nil)
		for _, nb := range nbs {
			far = max(far, comp.Distance(bs.Code(int(nb))))
		}
		if len(nbs) > 0 && moved > far {
			return api.Errorf(api.InvalidArgument, "hgraph: update vector of label %d: the new vector is farther (%g) from the old one than its neighbours (%g); use force", label, moved, far)
		}
	}
	x.rowEdits++ // store copies grown before this rewrite are stale
	x.baseCodes.Set(int(r), v)
	defer x.remeasure(int(r)) // once the precise row is rewritten too
	if x.primCodes != nil {
		x.primCodes.set(int(r), x.baseCodes.Code(int(r)))
	}
	if x.preciseCodes != nil {
		x.preciseCodes.Set(int(r), v)
	}
	if x.raw != nil {
		x.raw.Set(int(r), v)
	}
	b := x.builder()
	w, ps := x.getWorker(b)
	if x.p.GraphType == "vamana" {
		b.VamanaLink(w, r, v, x.vamana(), float32(x.p.Alpha))
	} else {
		b.Insert(w, r, x.g.NodeLevel(r), v)
	}
	ps.build.Put(w)
	return nil
}

const fixedOverhead = 4096

// EstimateMemory implements api.Engine.
func (x *Index) EstimateMemory(n int64) int64 {
	b := n*x.codeBytesPerRow() + store.EstimateLabelsMemory(int(n)) + graph.EstimateMemory(n, x.p.MaxDegree) + fixedOverhead
	if x.residualBase() {
		b += n * 5 // the residual norms, with a quarter to spare (residual.go)
	}
	return b
}

// MemoryUsage implements api.Engine.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := x.baseCodes.MemoryUsage() + x.labels.MemoryUsage() + x.g.MemoryUsage() + fixedOverhead + x.slots.memoryUsage()
	if x.primCodes != nil {
		b += x.primCodes.memoryUsage()
	}
	if x.preciseCodes != nil {
		b += x.preciseCodes.MemoryUsage()
	}
	if x.raw != nil {
		b += x.raw.MemoryUsage()
	}
	return b + x.resid.memoryUsage()
}

// Section names.
const (
	secInfo         = "hgraph.info"
	secBaseQuant    = "hgraph.base_quantizer"
	secPreciseQuant = "hgraph.precise_quantizer"
	secLabels       = "hgraph.labels"
	secBaseCodes    = "hgraph.base_codes"
	secPreciseCodes = "hgraph.precise_codes"
	secRawCodes     = "hgraph.raw_codes"
	secGraph        = "hgraph.graph"
	// secListHeads holds the head lengths of the ordered bottom lists
	// (graph.Graph.HeadLengths); an optional section, written when some list is ordered. Files
	// written before it may hold "hgraph.list_heads", a bitset of the lists ordered by the
	// earlier rule (no head lengths), which a load passes over: those lists are read whole.
	secListHeads = "hgraph.list_head_lengths"
)

type info struct {
	Base           string `json:"base_quantization_type"`
	BaseTrained    bool   `json:"base_trained"`
	Precise        string `json:"precise_quantization_type,omitempty"`
	PreciseTrained bool   `json:"precise_trained,omitempty"`
	Raw            bool   `json:"store_raw_vector"`
	Dim            int    `json:"dim"`
	MaxDegree      int    `json:"max_degree"`
	GraphType      string `json:"graph_type,omitempty"` // absent: nsw
	// BaseCodeSize and PreciseCodeSize tell quantizers of one name but other settings
	// (base_pq_dim, rabitq bits, tq chains) apart; absent in older files.
	BaseCodeSize    int `json:"base_code_size,omitempty"`
	PreciseCodeSize int `json:"precise_code_size,omitempty"`
	// FreeSlots is the length of the free list of force-removed slots (secFreeSlots); absent: 0.
	FreeSlots int `json:"free_slots,omitempty"`
	// TuneDisabled is set by a Tune with disable_future_tuning.
	TuneDisabled bool `json:"tune_disabled,omitempty"`
	// BaseIO and PreciseIO name the backend of a store kept on disk, whose section then holds a
	// reference to its file (store.Codes.Ref) in place of its rows; absent: in the file.
	BaseIO    string `json:"base_io_type,omitempty"`
	PreciseIO string `json:"precise_io_type,omitempty"`
}

// Save implements api.Engine. The small sections (info, quantizer states) are encoded now;
// the label table, the code stores and the graph are streamed from the stores when f is
// written (each under the shared lock, writing the stores in place then), so no slab is
// copied. Core holds its snapshot lock from Save until f has been written, so the stores do
// not change in between.
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	inf := info{Base: x.base.Name(), BaseTrained: x.base.Trained(), Raw: x.raw != nil, Dim: x.dim, MaxDegree: x.p.MaxDegree, BaseCodeSize: x.base.CodeSize(), FreeSlots: x.slots.len()}
	if x.p.GraphType != "nsw" {
		inf.GraphType = x.p.GraphType
	}
	inf.TuneDisabled = x.tuneOff
	inf.BaseIO, inf.PreciseIO = diskIO(x.baseCodes), diskIO(x.preciseCodes)
	if x.precise != nil {
		inf.Precise, inf.PreciseTrained, inf.PreciseCodeSize = x.precise.Name(), x.precise.Trained(), x.precise.CodeSize()
	}
	ib, _ := json.Marshal(inf)
	f.Add(secInfo, ib)
	qs, err := quant.MarshalState(x.base)
	if err != nil {
		return api.Wrap(api.InternalError, err, "hgraph: save base quantizer")
	}
	f.Add(secBaseQuant, qs)
	stream := func(name string, size int64, write func(w io.Writer) error) {
		f.AddLockedStream(name, serial.Critical, size, x.mu.RLocker(), write)
	}
	stream(secLabels, x.labels.SectionSize(), func(w io.Writer) error { return x.labels.WriteSection(w) })
	if err := saveStore(f, secBaseCodes, x.baseCodes, stream); err != nil {
		return err
	}
	if x.precise != nil {
		ps, err := quant.MarshalState(x.precise)
		if err != nil {
			return api.Wrap(api.InternalError, err, "hgraph: save precise quantizer")
		}
		f.Add(secPreciseQuant, ps)
		if err := saveStore(f, secPreciseCodes, x.preciseCodes, stream); err != nil {
			return err
		}
	}
	if x.raw != nil {
		stream(secRawCodes, x.raw.SectionSize(), func(w io.Writer) error { return x.raw.WriteSection(w) })
	}
	stream(secGraph, x.g.SectionSize(), func(w io.Writer) error { return x.g.WriteSection(w) })
	if heads := x.g.HeadLengths(); heads != nil {
		f.AddOptional(secListHeads, heads)
	}
	x.saveFreeSlots(f)
	return nil
}

// Load implements api.Engine. It reads the sections in the order Save writes them, the label
// table, code stores and graph straight into new stores (no copy of a section in memory).
func (x *Index) Load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	bad := func(err error, what string) error { return api.LoadError(err, "hgraph", what) }
	ib, err := f.Need(secInfo)
	if err != nil {
		return bad(err, "info")
	}
	var inf info
	if err := json.Unmarshal(ib, &inf); err != nil {
		return bad(err, "info")
	}
	mismatch := func(key string, file, want any) error {
		return api.Errorf(api.InvalidArgument, "hgraph: %s %v in the file does not match %v", key, file, want)
	}
	if inf.GraphType == "" {
		inf.GraphType = "nsw"
	}
	switch {
	case inf.GraphType != x.p.GraphType:
		return mismatch("graph_type", inf.GraphType, x.p.GraphType)
	case inf.Base != x.base.Name():
		return mismatch("base_quantization_type", inf.Base, x.base.Name())
	case inf.Dim != x.dim:
		return mismatch("dim", inf.Dim, x.dim)
	case inf.MaxDegree != x.p.MaxDegree:
		return mismatch("max_degree", inf.MaxDegree, x.p.MaxDegree)
	case (inf.Precise != "") != (x.precise != nil):
		return mismatch("use_reorder", inf.Precise != "", x.precise != nil)
	case x.precise != nil && inf.Precise != x.precise.Name():
		return mismatch("precise_quantization_type", inf.Precise, x.precise.Name())
	case inf.BaseCodeSize != 0 && inf.BaseCodeSize != x.base.CodeSize():
		return mismatch("base code size (base_pq_dim, rabitq or tq settings)", inf.BaseCodeSize, x.base.CodeSize())
	case x.precise != nil && inf.PreciseCodeSize != 0 && inf.PreciseCodeSize != x.precise.CodeSize():
		return mismatch("precise code size (rabitq_bits_per_dim_precise)", inf.PreciseCodeSize, x.precise.CodeSize())
	case inf.Raw != (x.raw != nil):
		return mismatch("store_raw_vector", inf.Raw, x.raw != nil)
	}
	qs, err := f.Need(secBaseQuant)
	if err != nil {
		return bad(err, "base quantizer")
	}
	if inf.BaseTrained {
		if err := x.base.UnmarshalBinary(qs); err != nil {
			return bad(err, "base quantizer")
		}
	}
	labels := store.NewLabels()
	sr, err := f.Open(secLabels)
	if err == nil {
		err = labels.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "labels")
	}
	loadCodes := func(sec string, c *store.Codes) (*store.Codes, error) {
		nc, err := loadStore(f, sec, c, inf)
		if err != nil {
			return nil, bad(err, sec)
		}
		if nc.Len() != labels.Total() {
			return nil, api.Errorf(api.InvalidBinary, "hgraph: %s holds %d rows for %d labels", sec, nc.Len(), labels.Total())
		}
		return nc, nil
	}
	baseCodes, err := loadCodes(secBaseCodes, x.baseCodes)
	if err != nil {
		return err
	}
	var preciseCodes, raw *store.Codes
	if x.precise != nil {
		ps, err := f.Need(secPreciseQuant)
		if err != nil {
			return bad(err, "precise quantizer")
		}
		if inf.PreciseTrained {
			if err := x.precise.UnmarshalBinary(ps); err != nil {
				return bad(err, "precise quantizer")
			}
		}
		if preciseCodes, err = loadCodes(secPreciseCodes, x.preciseCodes); err != nil {
			return err
		}
	}
	if x.raw != nil {
		if raw, err = loadCodes(secRawCodes, x.raw); err != nil {
			return err
		}
	}
	g := graph.New(x.p.MaxDegree)
	sr, err = f.Open(secGraph)
	if err == nil {
		err = g.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "graph")
	}
	if g.Len() != labels.Total() {
		return api.Errorf(api.InvalidBinary, "hgraph: the graph holds %d nodes for %d labels", g.Len(), labels.Total())
	}
	if b, ok, err := f.Lookup(secListHeads); err != nil || ok {
		if err == nil {
			err = g.SetHeadLengths(b)
		}
		if err != nil {
			return bad(err, "list heads")
		}
	}
	var slots freeSlots
	if inf.FreeSlots != 0 {
		b, err := f.Need(secFreeSlots)
		if err != nil {
			return bad(err, "free slots")
		}
		if inf.FreeSlots < 0 || inf.FreeSlots > labels.Total() {
			return api.Errorf(api.InvalidBinary, "hgraph: %d free slots for %d labels", inf.FreeSlots, labels.Total())
		}
		if slots, err = loadFreeSlots(b, inf.FreeSlots, labels, g); err != nil {
			return err
		}
	}
	if x.ts != nil {
		// the dense traversal rows are made from the base codes
		x.prim, x.primCodes = twoStage(x.ts)
		x.primCodes.fill(baseCodes.Slab(), baseCodes.Stride(), baseCodes.Len())
	}
	x.labels, x.baseCodes, x.preciseCodes, x.raw, x.g = labels, baseCodes, preciseCodes, raw, g
	x.slots = slots
	x.tuneOff = inf.TuneDisabled
	x.resetPools()
	x.residuals() // measured with the load rather than by the first search
	return nil
}
