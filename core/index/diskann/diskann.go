// Package diskann is VSAG's DiskANN index (deprecated upstream, documented): a Vamana graph
// whose node records (full vector and neighbour list) live on disk in sector-aligned slots
// (layout.go), with only PQ codes (pq_dims bytes a vector) and the labels in memory. A search
// walks the graph from the medoid on the PQ distances, reading beam_search records a step (one
// pread each, concurrently with use_async_io) until its list of ef_search candidates is
// expanded or io_limit records are read; the results are ranked by the exact distances of the
// records read. With use_pq_search the graph is kept in memory as well and the walk reads
// nothing; use_reorder then reranks the best io_limit candidates with their records.
//
// The index is built once (Build, or the first Add of an empty index), with the graph built in
// memory or, past build_memory_limit, by clusters merged on disk (build.go). After a build the
// layout is kept in an unlinked temporary file; saving streams it into the index file's
// diskann_layout_file section (with diskann_qp, diskann_compressed_vector, diskann_tag_file),
// and loading copies that section into a temporary file again, never into memory.
package diskann

import (
	"encoding/json"
	"io"
	"sort"
	"sync"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
)

// Name is the index type name.
const Name = "diskann"

// Section names, VSAG's binary set keys.
const (
	secInfo   = "diskann.info"
	secPQ     = "diskann_qp"
	secCodes  = "diskann_compressed_vector"
	secLayout = "diskann_layout_file"
	secTags   = "diskann_tag_file"
)

// Index is the diskann engine. mu guards everything; searches hold it shared.
type Index struct {
	store.LabelView
	mu     sync.RWMutex
	dim    int
	metric metric.Kind
	p      Params
	pq     quant.Quantizer
	codes  *store.Codes
	labels *store.Labels
	d      *disk     // nil until built
	adj    adjacency // the graph in memory, with use_pq_search
	parsed params.Cache[*SearchParams]
	ctxs   sync.Pool
	vpool  graph.VisitedPool
}

// New creates an empty diskann index.
func New(c *params.Create) (*Index, error) {
	p, err := parseParams(c)
	if err != nil {
		return nil, err
	}
	o := quant.DefaultOptions()
	o.Codebook.PQDim = p.PQDims
	pq, err := quant.New("pq", c.Dim, c.Metric, o)
	if err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "key \"pq_dims\"")
	}
	x := &Index{dim: c.Dim, metric: c.Metric, p: p, pq: pq, codes: store.NewCodes(pq), labels: store.NewLabels()}
	x.LabelView = store.LabelView{Mu: &x.mu, Table: func() *store.Labels { return x.labels }, Index: Name}
	x.parsed.Parse = parseSearch
	return x, nil
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine: vectors are added by one build only.
func (x *Index) Features() api.FeatureSet {
	return api.NewFeatureSet(
		api.SupportMetricTypeL2, api.SupportMetricTypeInnerProduct, api.SupportMetricTypeCosine,
		api.SupportSearchConcurrent, api.SupportBuildWithMultiThread,
	)
}

// BuildOnly reports that vectors cannot be added after the build (core drops
// SupportAddAfterBuild).
func (x *Index) BuildOnly() bool { return true }

// Build implements api.Builder: BUILD_TWICE on a built index.
func (x *Index) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.mu.RLock()
	built := x.d != nil
	x.mu.RUnlock()
	if built {
		return nil, api.Errorf(api.BuildTwice, "diskann: the index is built already")
	}
	return x.Add(vectors, ids, onInsert)
}

// Add implements api.Engine: the first Add of an empty index builds it; later ones are
// UNSUPPORTED_INDEX_OPERATION (a DiskANN layout is written once).
func (x *Index) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.d != nil {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "diskann: the index is built once; vectors cannot be added after the build")
	}
	n := len(ids)
	if len(vectors) != n*x.dim {
		return nil, api.Errorf(api.InvalidArgument, "diskann: %d floats for %d vectors of dim %d", len(vectors), n, x.dim)
	}
	labels := store.NewLabels()
	var failed []int64
	rows := make([]int, 0, n)
	for i, id := range ids {
		if _, err := labels.Append(id); err != nil {
			failed = append(failed, id)
			continue
		}
		rows = append(rows, i)
	}
	if len(rows) == 0 {
		return failed, nil
	}
	vec := vectors
	if len(rows) != n {
		vec = make([]float32, 0, len(rows)*x.dim)
		for _, r := range rows {
			vec = append(vec, vectors[r*x.dim:(r+1)*x.dim]...)
		}
	}
	m := len(rows)
	// PQ codes
	sample := min(m, max(256, int(float64(m)*x.p.PQSampleRate)))
	step := float64(m) / float64(sample)
	sv := make([]float32, 0, sample*x.dim)
	for i := 0; i < sample; i++ {
		r := int(float64(i) * step)
		sv = append(sv, vec[r*x.dim:(r+1)*x.dim]...)
	}
	if err := x.pq.Train(sv, sample); err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "diskann: training pq")
	}
	codes := store.NewCodes(x.pq)
	if err := codes.Ensure(m); err != nil {
		return nil, err
	}
	for i := 0; i < m; i++ {
		codes.Append(vec[i*x.dim : (i+1)*x.dim])
	}
	// graph
	b := builder{dim: x.dim, metric: x.metric, p: x.p, threads: buildThreads()}
	var adj adjacency
	var medoid uint32
	var err error
	if k := b.shards(m); k > 1 {
		adj, medoid, err = b.partitioned(vec, m, k)
	} else {
		adj, medoid, err = b.vamana(vec, m)
	}
	if err != nil {
		return nil, err
	}
	// layout
	l := newLayout(m, x.dim, x.p.MaxDegree, medoid)
	f, err := tempFile()
	if err != nil {
		return nil, api.Wrap(api.InternalError, err, "diskann: creating the layout file")
	}
	lw, err := newLayoutWriter(f, l)
	for i := 0; i < m && err == nil; i++ {
		err = lw.put(vec[i*x.dim:(i+1)*x.dim], adj.list(i))
	}
	if err == nil {
		err = lw.flush()
	}
	if err != nil {
		f.Close()
		return nil, api.Wrap(api.InternalError, err, "diskann: writing the layout file")
	}
	x.d, x.codes, x.labels = &disk{l: l, f: f}, codes, labels
	if x.p.UsePQSearch {
		x.adj = adj
	}
	if onInsert != nil {
		for i, r := range rows {
			onInsert(r, ids[rows[i]])
		}
	}
	return failed, nil
}

// Remove implements api.Remover: labels are marked removed and leave the results; their
// records keep routing searches.
func (x *Index) Remove(ids []int64) (int, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.labels.RemoveAll(ids), nil
}

// MemoryUsage implements api.Engine: the PQ codes, the labels and (use_pq_search) the graph;
// the layout is on disk.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.codes.MemoryUsage() + x.labels.MemoryUsage() + int64(len(x.adj.buf))*4
}

// ctx is one search's state.
type ctx struct {
	pc, ec  quant.Computer
	bufs    [][]byte
	nbs     [][]uint32
	vecs    [][]float32
	errs    []error
	cands   []cand
	results []topk.Item
	beam    []uint32
	reads   int64
	offs    []int64  // the offsets of the beam's records (readBeamRing)
	recs    [][]byte // the beam's record buffers (readBeamRing)
}

type cand struct {
	id   uint32
	d    float32
	done bool
}

func (x *Index) getCtx() *ctx {
	if c, ok := x.ctxs.Get().(*ctx); ok {
		return c
	}
	ec, _ := quant.New("fp32", x.dim, x.metric, quant.DefaultOptions())
	return &ctx{pc: x.pq.NewComputer(), ec: ec.NewComputer()}
}

func (c *ctx) grow(w, record, degree int) {
	for len(c.bufs) < w {
		c.bufs = append(c.bufs, make([]byte, record))
		c.nbs = append(c.nbs, make([]uint32, 0, degree))
		c.vecs = append(c.vecs, nil)
		c.errs = append(c.errs, nil)
	}
}

// readBeam reads the records of c.beam into c.bufs, concurrently when async: as one io_uring
// batch where the kernel allows it (readBeamRing), else by up to num_threads_io goroutines.
func (x *Index) readBeam(c *ctx, async bool) error {
	c.grow(len(c.beam), x.d.l.record, x.d.l.degree)
	read := func(j int) {
		c.vecs[j], c.nbs[j], c.errs[j] = x.d.record(c.beam[j], c.bufs[j], c.nbs[j])
	}
	if !async || len(c.beam) < 2 {
		for j := range c.beam {
			read(j)
		}
	} else if !x.readBeamRing(c) {
		var wg sync.WaitGroup
		for j := 1; j < len(c.beam); j++ {
			if !store.AcquireIO() { // num_threads_io reads run already: read here
				read(j)
				continue
			}
			wg.Add(1)
			go func() {
				defer func() { store.ReleaseIO(); wg.Done() }()
				read(j)
			}()
		}
		read(0)
		wg.Wait()
	}
	c.reads += int64(len(c.beam))
	for _, err := range c.errs[:len(c.beam)] {
		if err != nil {
			return api.Wrap(api.ReadError, err, "diskann: search")
		}
	}
	return nil
}

// insert adds a candidate to the sorted list of at most l.
func (c *ctx) insert(id uint32, d float32, l int) {
	if len(c.cands) == l && d >= c.cands[l-1].d {
		return
	}
	i := sort.Search(len(c.cands), func(i int) bool { return c.cands[i].d > d })
	if len(c.cands) < l {
		c.cands = append(c.cands, cand{})
	}
	copy(c.cands[i+1:], c.cands[i:len(c.cands)-1])
	c.cands[i] = cand{id: id, d: d}
}

// search runs one beam search and returns the candidates with exact distances (or PQ ones
// with use_pq_search and no reorder), sorted, those the filter or removal rule out left out.
func (x *Index) search(c *ctx, q []float32, l int, sp *SearchParams, filter api.Filter, deadline time.Time, stats *api.SearchStats) ([]topk.Item, error) {
	n := x.d.l.n
	c.results, c.cands, c.reads = c.results[:0], c.cands[:0], 0
	// as VSAG: a knn search reads at least k records (with use_pq_search and use_reorder, at
	// least 2k are reranked)
	ioLimit := max(sp.IOLimit, l)
	if filter != nil {
		// a filter keeping a share r of the labels: r times fewer of the records read qualify,
		// so the list and the reads grow by 1/r (up to 50 times)
		r := float64(max(min(filter.ValidRatio(), 1), 0.02))
		l = min(n, int(float64(l)/r))
		ioLimit = min(n, int(float64(ioLimit)/r))
	}
	if n == 0 {
		return nil, nil
	}
	keep := func(id uint32) bool {
		return !x.labels.IsRemoved(id) && (filter == nil || filter.CheckValid(x.labels.Label(id)))
	}
	c.pc.SetQuery(q)
	c.ec.SetQuery(q)
	vis := x.vpool.Get(n)
	defer x.vpool.Put(vis)
	vis.Visit(x.d.l.medoid)
	c.insert(x.d.l.medoid, c.pc.Distance(x.codes.Code(int(x.d.l.medoid))), l)
	var dc, hops int64
	visit := func(nb []uint32) {
		for _, u := range nb {
			if !vis.Visit(u) {
				c.insert(u, c.pc.Distance(x.codes.Code(int(u))), l)
				dc++
			}
		}
	}
	preload := x.adj.buf != nil
	for {
		c.beam = c.beam[:0]
		w := sp.BeamSearch
		if preload {
			w = 1
		}
		for i := range c.cands {
			if !c.cands[i].done {
				c.cands[i].done = true
				c.beam = append(c.beam, c.cands[i].id)
				if len(c.beam) == w {
					break
				}
			}
		}
		if len(c.beam) == 0 {
			break
		}
		hops += int64(len(c.beam))
		if preload {
			visit(x.adj.list(int(c.beam[0])))
		} else {
			if int(c.reads)+len(c.beam) > ioLimit {
				c.beam = c.beam[:max(ioLimit-int(c.reads), 0)]
				if len(c.beam) == 0 {
					break
				}
			}
			if err := x.readBeam(c, sp.UseAsyncIO); err != nil {
				return nil, err
			}
			for j, id := range c.beam {
				if keep(id) {
					c.results = append(c.results, topk.Item{ID: id, Dist: c.ec.Distance(quant.AsBytes(c.vecs[j]))})
				}
				visit(c.nbs[j])
			}
			dc += int64(len(c.beam))
			if int(c.reads) >= ioLimit {
				break
			}
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			if stats != nil {
				stats.TimedOut = true
			}
			break
		}
	}
	if preload {
		for _, cd := range c.cands {
			if keep(cd.id) {
				c.results = append(c.results, topk.Item{ID: cd.id, Dist: cd.d})
			}
		}
		if sp.UseReorder {
			topk.SortItems(c.results)
			c.results = c.results[:min(len(c.results), max(sp.IOLimit, 2*l))]
			for lo := 0; lo < len(c.results); lo += sp.BeamSearch {
				hi := min(lo+sp.BeamSearch, len(c.results))
				c.beam = c.beam[:0]
				for _, it := range c.results[lo:hi] {
					c.beam = append(c.beam, it.ID)
				}
				if err := x.readBeam(c, sp.UseAsyncIO); err != nil {
					return nil, err
				}
				for j := range c.beam {
					c.results[lo+j].Dist = c.ec.Distance(quant.AsBytes(c.vecs[j]))
				}
				dc += int64(len(c.beam))
			}
		}
	}
	topk.SortItems(c.results)
	if stats != nil {
		stats.DistanceComputations += dc
		stats.Hops += hops
		stats.IOReads += c.reads
	}
	return c.results, nil
}

func (x *Index) searchParams(opts *api.SearchOptions) (*SearchParams, error) {
	return x.parsed.Get(opts.Block)
}

// KnnSearch implements api.Engine.
func (x *Index) KnnSearch(query []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	sp, err := x.searchParams(opts)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.d == nil || k <= 0 {
		return []api.Neighbor{}, nil
	}
	c := x.getCtx()
	defer x.ctxs.Put(c)
	items, err := x.search(c, query, max(sp.EfSearch, k), sp, opts.Filter, sp.Deadline(opts.Deadline), opts.Stats)
	if err != nil {
		return nil, err
	}
	return x.labels.Neighbors(items[:min(k, len(items))]), nil
}

// RangeSearch implements api.RangeSearcher: the candidates of a search of ef_search (or limit,
// when larger) whose exact distance is within radius, at most limit of them when limit > 0.
func (x *Index) RangeSearch(query []float32, radius float32, limit int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	sp, err := x.searchParams(opts)
	if err != nil {
		return nil, err
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.d == nil {
		return []api.Neighbor{}, nil
	}
	c := x.getCtx()
	defer x.ctxs.Put(c)
	items, err := x.search(c, query, max(sp.EfSearch, limit), sp, opts.Filter, sp.Deadline(opts.Deadline), opts.Stats)
	if err != nil {
		return nil, err
	}
	out := items[:0]
	for _, it := range items {
		if it.Dist <= radius {
			out = append(out, it)
		}
	}
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return x.labels.Neighbors(out), nil
}

// CalcDistanceByIDs implements api.DistanceCalculator with the exact vectors of the records
// (read from disk); unknown labels give -1.
func (x *Index) CalcDistanceByIDs(query []float32, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.getCtx()
	defer x.ctxs.Put(c)
	c.ec.SetQuery(query)
	return x.eachRecord(c, ids, func(i int, v []float32) {
		if v == nil {
			out[i] = -1
		} else {
			out[i] = c.ec.Distance(quant.AsBytes(v))
		}
	})
}

// GetVectors implements api.VectorReader: the records hold the full vectors.
func (x *Index) GetVectors(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := x.getCtx()
	defer x.ctxs.Put(c)
	var missing int64
	found := true
	err := x.eachRecord(c, ids, func(i int, v []float32) {
		if v == nil {
			found, missing = false, ids[i]
			return
		}
		copy(out[i*x.dim:(i+1)*x.dim], v)
	})
	if err == nil && !found {
		err = api.Errorf(api.InvalidArgument, "diskann: label %d is not in the index", missing)
	}
	return err
}

// KeepsRawVectors implements api.VectorReader.
func (x *Index) KeepsRawVectors() bool { return true }

func (x *Index) eachRecord(c *ctx, ids []int64, fn func(i int, v []float32)) error {
	c.grow(1, x.dim*4+4+4*x.p.MaxDegree, x.p.MaxDegree)
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok || x.d == nil || x.labels.IsRemoved(r) {
			fn(i, nil)
			continue
		}
		v, _, err := x.d.record(r, c.bufs[0], c.nbs[0])
		if err != nil {
			return api.Wrap(api.ReadError, err, "diskann")
		}
		fn(i, v)
	}
	return nil
}

// info is the diskann.info section.
type info struct {
	Dim       int  `json:"dim"`
	MaxDegree int  `json:"max_degree"`
	PQDims    int  `json:"pq_dims"`
	Built     bool `json:"built"`
}

// Save implements api.Engine.
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ib, _ := json.Marshal(info{Dim: x.dim, MaxDegree: x.p.MaxDegree, PQDims: x.p.PQDims, Built: x.d != nil})
	f.Add(secInfo, ib)
	if x.d == nil {
		return nil
	}
	qs, err := quant.MarshalState(x.pq)
	if err != nil {
		return api.Wrap(api.InternalError, err, "diskann: save pq")
	}
	f.Add(secPQ, qs)
	stream := func(name string, size int64, write func(w io.Writer) error) {
		f.AddLockedStream(name, serial.Critical, size, x.mu.RLocker(), write)
	}
	stream(secCodes, x.codes.SectionSize(), x.codes.WriteSection)
	stream(secTags, x.labels.SectionSize(), x.labels.WriteSection)
	size := x.d.l.size()
	d := x.d
	stream(secLayout, size, func(w io.Writer) error {
		_, err := io.Copy(w, io.NewSectionReader(d.f, 0, size))
		return err
	})
	return nil
}

// Load implements api.Engine: the PQ codes and labels are read into memory, the layout
// section is copied into a temporary file read on demand.
func (x *Index) Load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	bad := func(err error, what string) error { return api.LoadError(err, Name, what) }
	ib, err := f.Need(secInfo)
	if err != nil {
		return bad(err, "info")
	}
	var inf info
	if err := json.Unmarshal(ib, &inf); err != nil {
		return bad(err, "info")
	}
	if inf.Dim != x.dim || inf.MaxDegree != x.p.MaxDegree || inf.PQDims != x.p.PQDims {
		return api.Errorf(api.InvalidArgument, "diskann: dim %d, max_degree %d, pq_dims %d in the file do not match %d, %d, %d",
			inf.Dim, inf.MaxDegree, inf.PQDims, x.dim, x.p.MaxDegree, x.p.PQDims)
	}
	if !inf.Built {
		return nil
	}
	qs, err := f.Need(secPQ)
	if err != nil {
		return bad(err, "pq")
	}
	if err := x.pq.UnmarshalBinary(qs); err != nil {
		return bad(err, "pq")
	}
	codes, labels := store.NewCodes(x.pq), store.NewLabels()
	sr, err := f.Open(secCodes)
	if err == nil {
		err = codes.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "pq codes")
	}
	if sr, err = f.Open(secTags); err == nil {
		err = labels.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "tags")
	}
	sr, err = f.Open(secLayout)
	if err != nil {
		return bad(err, "layout")
	}
	tf, err := tempFile()
	if err != nil {
		return api.Wrap(api.InternalError, err, "diskann: creating the layout file")
	}
	size, err := io.CopyBuffer(tf, sr, make([]byte, 1<<20))
	if err == nil {
		err = sr.Done()
	}
	if err != nil {
		tf.Close()
		return bad(err, "layout")
	}
	h := make([]byte, SectorLen)
	if _, err := tf.ReadAt(h, 0); err != nil {
		tf.Close()
		return bad(err, "layout")
	}
	l, err := parseHeader(h, x.dim, x.p.MaxDegree, size)
	if err == nil && (l.n != codes.Len() || l.n != labels.Total()) {
		err = api.Errorf(api.InvalidBinary, "diskann: %d records, %d pq codes, %d labels", l.n, codes.Len(), labels.Total())
	}
	if err != nil {
		tf.Close()
		return bad(err, "layout")
	}
	d := &disk{l: l, f: tf}
	var adj adjacency
	if x.p.UsePQSearch {
		adj = newAdjacency(l.n, l.degree)
		buf, nb := make([]byte, l.record), make([]uint32, 0, l.degree)
		for i := 0; i < l.n; i++ {
			_, nbs, err := d.record(uint32(i), buf, nb)
			if err != nil {
				tf.Close()
				return bad(err, "layout")
			}
			adj.set(i, nbs)
		}
	}
	x.d, x.codes, x.labels, x.adj = d, codes, labels, adj
	return nil
}
