package ivf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/cluster"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

// partition maps vectors and queries to buckets: the nearest centroids (ivf) or the nearest
// pairs of a first-order centroid and a second-order residual centroid (gno_imi).
type partition interface {
	// train learns the centroids from n vectors (already normalised for cosine).
	train(data []float32, n int) error
	// classify writes the bpd nearest buckets of each of n vectors into out (n x bpd).
	classify(data []float32, n, bpd int, out []uint32) error
	// route appends the s.scan buckets to scan for query q, nearest first, to dst.
	route(q []float32, s *search, dst []uint32) []uint32
	// centroid writes bucket b's centroid into dst.
	centroid(b int, dst []float32)
	// marshal returns the learned state; unmarshal restores it.
	marshal() ([]byte, error)
	unmarshal(b []byte) error
	// memory returns the bytes held.
	memory() int64
}

// kmeansIterations is the number of Lloyd iterations of the bucket centroids, as VSAG has it.
const kmeansIterations = 25

// trainThreads is the goroutines k-means runs on: all cores (0), as VSAG's shared pool does;
// thread_count sizes routing and encoding.
const trainThreads = 0

// routeGraphMin is the bucket count from which ivf routes through a graph over the centroids
// instead of comparing a query with every centroid.
const routeGraphMin = 2048

// distanceRows writes the distances (smaller is better: squared l2, or 1 - ip) of q to the
// rows of slab into out.
func distanceRows(m metric.Kind, q, slab []float32, dim int, out []float32) {
	if m == metric.L2 {
		simd.L2SqrRows(q, slab, dim, out)
		return
	}
	simd.InnerProductRows(q, slab, dim, out)
	for i, v := range out {
		out[i] = 1 - v
	}
}

// nearest appends to dst the indexes of the want smallest values of d, smallest first.
func nearest(d []float32, want int, h *topk.MaxHeap, dst []uint32) []uint32 {
	h.Reset(want)
	for i, v := range d {
		if !h.Full() || v < h.Bound() {
			h.Push(v, uint32(i))
		}
	}
	for _, it := range h.Sorted() {
		dst = append(dst, it.ID)
	}
	return dst
}

// flatPartition is the ivf strategy: one level of centroids, learned by k-means (or picked at
// random), searched exactly or, when there are many, through an hgraph over them.
type flatPartition struct {
	dim, buckets int
	m            metric.Kind
	p            *Params
	threads      int
	cents        []float32
	cents16      []uint16      // fp16 copy of cents, read first when routing among many
	graph        *hgraph.Index // nil below routeGraphMin buckets
	scratch      sync.Pool     // *routeScratch
}

// routeScratch is one route's buffers.
type routeScratch struct {
	d    []float32
	h    *topk.MaxHeap
	cand []uint32
}

// fp16RouteMin is the bucket count from which queries are routed on fp16 centroids first (half
// the bytes read), the candidates then re-ranked on the fp32 ones.
const fp16RouteMin = 256

func newFlatPartition(dim int, m metric.Kind, p *Params) *flatPartition {
	return &flatPartition{dim: dim, buckets: p.BucketsCount, m: m, p: p, threads: p.threads()}
}

// drawRows returns k distinct rows of the n rows of dim values in data, drawn by rng (the
// centroids of ivf_train_type random). k <= n.
func drawRows(rng *rand.Rand, data []float32, n, dim, k int) []float32 {
	out := make([]float32, k*dim)
	pick := make(map[int]bool, k)
	for i := 0; i < k; {
		r := rng.IntN(n)
		if pick[r] {
			continue
		}
		pick[r] = true
		copy(out[i*dim:(i+1)*dim], data[r*dim:(r+1)*dim])
		i++
	}
	return out
}

func (f *flatPartition) train(data []float32, n int) error {
	var cents []float32
	switch {
	case n < f.buckets:
		// fewer vectors than buckets: the vectors are the centroids and the other buckets
		// stay empty
		cents = append([]float32(nil), data[:n*f.dim]...)
	case f.p.IVFTrainType == "random":
		cents = drawRows(rand.New(rand.NewPCG(0x1f, uint64(n))), data, n, f.dim, f.buckets)
	default:
		km := metric.L2
		if f.m == metric.Cosine {
			km = metric.Cosine
		}
		var err error
		cents, err = cluster.Train(data, n, f.dim, cluster.Options{K: f.buckets, Iterations: kmeansIterations, Metric: km, Threads: trainThreads})
		if err != nil {
			return api.Wrap(api.InternalError, err, "ivf: k-means of %d buckets", f.buckets)
		}
	}
	if f.m == metric.Cosine {
		for i := 0; i < len(cents)/f.dim; i++ {
			metric.Normalize(cents[i*f.dim : (i+1)*f.dim])
		}
	}
	return f.setCentroids(cents)
}

// setCentroids installs cents and builds the route graph when there are many buckets.
func (f *flatPartition) setCentroids(cents []float32) error {
	f.cents = cents
	f.graph = nil
	active := len(cents) / f.dim
	f.cents16 = nil
	if active >= fp16RouteMin {
		f.cents16 = make([]uint16, len(cents))
		simd.F32ToF16(f.cents16, cents)
	}
	if active < routeGraphMin {
		return nil
	}
	block, _ := json.Marshal(map[string]any{"base_quantization_type": "fp32", "max_degree": f.p.RouteMaxDegree,
		"ef_construction": f.p.RouteEfConstruction, "build_thread_count": f.threads})
	g, err := hgraph.New(&params.Create{DType: params.Float32, Metric: f.m, Dim: f.dim, IndexParam: block})
	if err != nil {
		return api.Wrap(api.InternalError, err, "ivf: route graph")
	}
	ids := make([]int64, active)
	for i := range ids {
		ids[i] = int64(i)
	}
	if _, err := g.Build(cents, ids, nil); err != nil {
		return api.Wrap(api.InternalError, err, "ivf: build the route graph")
	}
	f.graph = g
	return nil
}

// routeSearch asks the route graph for the want nearest buckets.
func (f *flatPartition) routeSearch(q []float32, want, ef int, dst []uint32) []uint32 {
	block := fmt.Appendf(nil, `{"ef_search":%d}`, max(ef, want))
	ns, err := f.graph.KnnSearch(q, want, &api.SearchOptions{Block: block, Parallelism: 1})
	if err != nil {
		return dst
	}
	for _, n := range ns {
		dst = append(dst, uint32(n.ID))
	}
	return dst
}

func (f *flatPartition) classify(data []float32, n, bpd int, out []uint32) error {
	if bpd == 1 && f.graph == nil {
		// the nearest centroid of many vectors at once: a blocked product of vectors and
		// centroids, which reads each centroid tile once per block of vectors
		labels := make([]int32, n)
		if err := cluster.Assign(data, n, f.dim, f.cents, len(f.cents)/f.dim, f.m, f.threads, labels, nil); err != nil {
			return api.Wrap(api.InternalError, err, "ivf: route %d vectors", n)
		}
		for i, l := range labels {
			out[i] = uint32(l)
		}
		return nil
	}
	type scratch struct {
		d   []float32
		h   *topk.MaxHeap
		ids []uint32
	}
	ws := make([]scratch, f.threads)
	for w := range ws {
		ws[w] = scratch{d: make([]float32, len(f.cents)/f.dim), h: topk.NewMaxHeap(bpd)}
	}
	return parallel.For(n, f.threads, func(w, i int) error {
		sc := &ws[w]
		v := data[i*f.dim : (i+1)*f.dim]
		if f.graph != nil {
			sc.ids = f.routeSearch(v, bpd, max(10, bpd*6/5), sc.ids[:0])
		} else {
			distanceRows(f.m, v, f.cents, f.dim, sc.d)
			sc.ids = nearest(sc.d, bpd, sc.h, sc.ids[:0])
		}
		fill(out[i*bpd:(i+1)*bpd], sc.ids)
		return nil
	})
}

func (f *flatPartition) route(q []float32, s *search, dst []uint32) []uint32 {
	if f.graph != nil {
		return f.routeSearch(q, s.scan, max(s.ef, s.scan*6/5), dst)
	}
	n := len(f.cents) / f.dim
	sc, _ := f.scratch.Get().(*routeScratch)
	if sc == nil {
		sc = &routeScratch{h: topk.NewMaxHeap(s.scan)}
	}
	defer f.scratch.Put(sc)
	if cap(sc.d) < n {
		sc.d = make([]float32, n)
	}
	d := sc.d[:n]
	want := 2*s.scan + 8 // candidates of the fp16 pass, re-ranked exactly
	if f.cents16 == nil || want >= n {
		distanceRows(f.m, q, f.cents, f.dim, d)
		return nearest(d, s.scan, sc.h, dst)
	}
	if f.m == metric.L2 {
		simd.L2SqrF16Rows(q, f.cents16, f.dim, d)
	} else {
		simd.InnerProductF16Rows(q, f.cents16, f.dim, d)
		for i, v := range d {
			d[i] = 1 - v
		}
	}
	sc.cand = nearest(d, want, sc.h, sc.cand[:0])
	sc.h.Reset(s.scan)
	for _, c := range sc.cand {
		row := f.cents[int(c)*f.dim : int(c+1)*f.dim]
		var dd float32
		if f.m == metric.L2 {
			dd = simd.L2Sqr(q, row)
		} else {
			dd = 1 - simd.InnerProduct(q, row)
		}
		if !sc.h.Full() || dd < sc.h.Bound() {
			sc.h.Push(dd, c)
		}
	}
	for _, it := range sc.h.Sorted() {
		dst = append(dst, it.ID)
	}
	return dst
}

func (f *flatPartition) centroid(b int, dst []float32) { copy(dst, f.cents[b*f.dim:(b+1)*f.dim]) }

func (f *flatPartition) memory() int64 {
	m := int64(len(f.cents))*4 + int64(len(f.cents16))*2
	if f.graph != nil {
		m += f.graph.MemoryUsage()
	}
	return m
}

func (f *flatPartition) marshal() ([]byte, error) { return floatBytes(f.cents), nil }

func (f *flatPartition) unmarshal(b []byte) error {
	rows := len(b) / (4 * f.dim)
	if rows < 1 || rows > f.buckets {
		return api.Errorf(api.InvalidBinary, "ivf: %d bytes of centroids for %d buckets of dim %d", len(b), f.buckets, f.dim)
	}
	c, err := bytesFloats(b, rows*f.dim, "centroids")
	if err != nil {
		return err
	}
	return f.setCentroids(c)
}

// gnoimiPartition is the gno_imi strategy: first-order centroids S learned on the vectors and
// second-order centroids T learned on what S leaves, alternately; bucket (i, j) holds the
// vectors closest to S_i + T_j, scored without forming the sums through precomputed terms:
// |x - S_i - T_j|^2 / 2 = |x|^2/2 + (|S_i|^2/2 - x.S_i) + (|T_j|^2/2 + S_i.T_j) - x.T_j.
type gnoimiPartition struct {
	dim, k1, k2 int
	m           metric.Kind
	threads     int
	random      bool // ivf_train_type random: centroids drawn from the data, not k-means
	k1a, k2a    int  // centroids in use: fewer than k1, k2 after training on fewer vectors
	s, t        []float32
	normS       []float32 // |S_i|^2 / 2
	pre         []float32 // |T_j|^2/2 + S_i.T_j, k1 x k2
}

func newGNOIMIPartition(dim int, m metric.Kind, p *Params) *gnoimiPartition {
	return &gnoimiPartition{dim: dim, k1: p.FirstOrderBucketsCount, k2: p.SecondOrderBucketsCount, m: m, threads: p.threads(),
		random: p.IVFTrainType == "random"}
}

// gnoimiRounds is the number of alternations between the two levels in training.
const gnoimiRounds = 2

func (g *gnoimiPartition) train(data []float32, n int) error {
	if n < max(g.k1, g.k2) {
		// fewer vectors than centroids: the vectors are the first-order centroids, with one
		// zero second-order centroid; the other buckets stay empty
		g.k1a, g.k2a = min(n, g.k1), 1
		g.s, g.t = append([]float32(nil), data[:g.k1a*g.dim]...), make([]float32, g.dim)
		g.precompute()
		return nil
	}
	g.k1a, g.k2a = g.k1, g.k2
	resid := append([]float32(nil), data[:n*g.dim]...)
	labels := make([]int32, n)
	rng := rand.New(rand.NewPCG(0x1f, uint64(n)))
	level := func(k int) ([]float32, error) {
		var c []float32
		if g.random {
			c = drawRows(rng, resid, n, g.dim, k) // ivf_train_type random: k of the residuals
		} else {
			var err error
			c, err = cluster.Train(resid, n, g.dim, cluster.Options{K: k, Iterations: kmeansIterations, Metric: metric.L2, Threads: trainThreads})
			if err != nil {
				return nil, api.Wrap(api.InternalError, err, "ivf: gno_imi k-means of %d centroids", k)
			}
		}
		if err := cluster.Assign(resid, n, g.dim, c, k, metric.L2, g.threads, labels, nil); err != nil {
			return nil, api.Wrap(api.InternalError, err, "ivf: gno_imi assignment")
		}
		for i := 0; i < n; i++ {
			ci := int(labels[i])
			for j := 0; j < g.dim; j++ {
				resid[i*g.dim+j] = data[i*g.dim+j] - c[ci*g.dim+j]
			}
		}
		return c, nil
	}
	var err error
	for r := 0; r < gnoimiRounds; r++ {
		if g.s, err = level(g.k1); err != nil {
			return err
		}
		if g.t, err = level(g.k2); err != nil {
			return err
		}
	}
	g.precompute()
	return nil
}

func (g *gnoimiPartition) precompute() {
	g.normS = make([]float32, g.k1a)
	for i := range g.normS {
		s := g.s[i*g.dim : (i+1)*g.dim]
		g.normS[i] = simd.InnerProduct(s, s) / 2
	}
	g.pre = make([]float32, g.k1a*g.k2a)
	for j := 0; j < g.k2a; j++ {
		t := g.t[j*g.dim : (j+1)*g.dim]
		nt := simd.InnerProduct(t, t) / 2
		for i := 0; i < g.k1a; i++ {
			g.pre[i*g.k2a+j] = nt + simd.InnerProduct(g.s[i*g.dim:(i+1)*g.dim], t)
		}
	}
}

// score appends to dst the want best buckets for x, considering the first ratio of the
// first-order centroids.
func (g *gnoimiPartition) score(x []float32, want int, ratio float64, dst []uint32) []uint32 {
	ds := make([]float32, g.k1a)
	dt := make([]float32, g.k2a)
	simd.InnerProductRows(x, g.s, g.dim, ds)
	simd.InnerProductRows(x, g.t, g.dim, dt)
	for i := range ds {
		ds[i] = g.normS[i] - ds[i]
	}
	first := max(1, int(math.Floor(float64(g.k1a)*ratio)))
	order := nearest(ds, first, topk.NewMaxHeap(first), nil)
	h := topk.NewMaxHeap(want)
	for _, i := range order {
		base := ds[i]
		pre := g.pre[int(i)*g.k2a : int(i+1)*g.k2a]
		for j, tv := range dt {
			v := base + pre[j] - tv
			if !h.Full() || v < h.Bound() {
				h.Push(v, i*uint32(g.k2)+uint32(j))
			}
		}
	}
	for _, it := range h.Sorted() {
		dst = append(dst, it.ID)
	}
	return dst
}

func (g *gnoimiPartition) classify(data []float32, n, bpd int, out []uint32) error {
	ws := make([][]uint32, g.threads)
	return parallel.For(n, g.threads, func(w, i int) error {
		ws[w] = g.score(data[i*g.dim:(i+1)*g.dim], bpd, 1, ws[w][:0])
		fill(out[i*bpd:(i+1)*bpd], ws[w])
		return nil
	})
}

func (g *gnoimiPartition) route(q []float32, s *search, dst []uint32) []uint32 {
	return g.score(q, s.scan, s.ratio, dst)
}

func (g *gnoimiPartition) centroid(b int, dst []float32) {
	i, j := b/g.k2, b%g.k2
	for d := 0; d < g.dim; d++ {
		dst[d] = g.s[i*g.dim+d] + g.t[j*g.dim+d]
	}
}

func (g *gnoimiPartition) memory() int64 {
	return int64(len(g.s)+len(g.t)+len(g.normS)+len(g.pre)) * 4
}

func (g *gnoimiPartition) marshal() ([]byte, error) {
	head := binary.LittleEndian.AppendUint32(nil, uint32(g.k1a))
	head = binary.LittleEndian.AppendUint32(head, uint32(g.k2a))
	return append(append(head, floatBytes(g.s)...), floatBytes(g.t)...), nil
}

func (g *gnoimiPartition) unmarshal(b []byte) error {
	if len(b) < 8 {
		return api.Errorf(api.InvalidBinary, "ivf: gno_imi centroids are truncated")
	}
	k1a, k2a := int(binary.LittleEndian.Uint32(b)), int(binary.LittleEndian.Uint32(b[4:]))
	if k1a < 1 || k1a > g.k1 || k2a < 1 || k2a > g.k2 {
		return api.Errorf(api.InvalidBinary, "ivf: gno_imi uses %d x %d centroids of %d x %d", k1a, k2a, g.k1, g.k2)
	}
	b = b[8:]
	ns := k1a * g.dim * 4
	if len(b) != ns+k2a*g.dim*4 {
		return api.Errorf(api.InvalidBinary, "ivf: gno_imi centroids hold %d bytes, want %d", len(b), ns+k2a*g.dim*4)
	}
	s, err := bytesFloats(b[:ns], k1a*g.dim, "first-order centroids")
	if err != nil {
		return err
	}
	t, err := bytesFloats(b[ns:], k2a*g.dim, "second-order centroids")
	if err != nil {
		return err
	}
	g.k1a, g.k2a, g.s, g.t = k1a, k2a, s, t
	g.precompute()
	return nil
}

func floatBytes(v []float32) []byte {
	var buf bytes.Buffer
	buf.Grow(len(v) * 4)
	_ = binary.Write(&buf, binary.LittleEndian, v)
	return buf.Bytes()
}

func bytesFloats(b []byte, n int, what string) ([]float32, error) {
	if len(b) != n*4 {
		return nil, api.Errorf(api.InvalidBinary, "ivf: %s hold %d bytes, want %d", what, len(b), n*4)
	}
	v := make([]float32, n)
	for i := range v {
		f := math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:]))
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return nil, api.Errorf(api.InvalidBinary, "ivf: %s hold a non-finite value", what)
		}
		v[i] = f
	}
	return v, nil
}

// fill copies the buckets found into out, repeating the last when fewer were found.
func fill(out, found []uint32) {
	for j := range out {
		if len(found) == 0 {
			out[j] = 0
			continue
		}
		out[j] = found[min(j, len(found)-1)]
	}
}
