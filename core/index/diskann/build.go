package diskann

import (
	"bufio"
	"encoding/binary"
	"io"
	"runtime"
	"sort"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/cluster"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

// adjacency is a flat graph: node i's degree at [i*(R+1)], its neighbours after it.
type adjacency struct {
	r   int
	buf []uint32
}

func newAdjacency(n, r int) adjacency { return adjacency{r: r, buf: make([]uint32, n*(r+1))} }

func (a adjacency) list(i int) []uint32 {
	row := a.buf[i*(a.r+1) : (i+1)*(a.r+1)]
	return row[1 : 1+row[0]]
}

func (a adjacency) set(i int, ids []uint32) {
	row := a.buf[i*(a.r+1) : (i+1)*(a.r+1)]
	row[0] = uint32(copy(row[1:], ids))
}

// builder holds what a Vamana build needs.
type builder struct {
	dim     int
	metric  metric.Kind
	p       Params
	threads int
}

// perNode is the bytes the in-memory build holds per node, besides its vector: the graph's
// list and lock stripe share, the flat copy, the build's scratch.
func (b builder) perNode() int64 { return int64(b.p.MaxDegree+1)*4*2 + 32 }

// vamana builds a Vamana graph over n vectors in memory: every node linked twice from the
// medoid, back edges pruned with alpha 1 and then alpha (as hgraph's vamana graph_type).
func (b builder) vamana(vectors []float32, n int) (adjacency, uint32, error) {
	q, err := quant.New("fp32", b.dim, b.metric, quant.DefaultOptions())
	if err != nil {
		return adjacency{}, 0, err
	}
	g := graph.New(b.p.MaxDegree)
	g.Reserve(n)
	for i := 0; i < n; i++ {
		g.AddNode(0)
	}
	bl := &graph.Builder{G: g, Quant: q, Slab: quant.AsBytes(vectors[:n*b.dim]), Alpha: float32(b.p.Alpha), EfConstruction: b.p.EfConstruction}
	vp := &graph.VamanaParams{Alpha: float32(b.p.Alpha), IP: b.metric.UsesInnerProduct(), Window: b.p.EfConstruction,
		PoolSize: 3 * b.p.EfConstruction, PruneTo: b.p.MaxDegree}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	medoid := uint32(graph.Medoid(vectors[:n*b.dim], b.dim, rows))
	g.SetEntry(medoid, 0)
	workers := make([]*graph.Worker, b.threads)
	for i := range workers {
		workers[i] = bl.NewWorker()
	}
	for _, alpha := range []float32{1, vp.Alpha} {
		err := parallel.For(n, b.threads, func(w, i int) error {
			bl.VamanaLink(workers[w], uint32(i), vectors[i*b.dim:(i+1)*b.dim], vp, alpha)
			return nil
		})
		if err != nil {
			return adjacency{}, 0, err
		}
	}
	if err := parallel.For(n, b.threads, func(w, i int) error { bl.LinkBack(workers[w], uint32(i)); return nil }); err != nil {
		return adjacency{}, 0, err
	}
	adj := newAdjacency(n, b.p.MaxDegree)
	var tmp []uint32
	for i := 0; i < n; i++ {
		tmp = g.Neighbors(0, uint32(i), tmp[:0])
		adj.set(i, tmp)
	}
	return adj, medoid, nil
}

// shards returns how many overlapping clusters a build of n vectors is split into to stay
// within build_memory_limit (1: no split).
func (b builder) shards(n int) int {
	lim := b.p.BuildMemoryLimit
	need := int64(n) * b.perNode()
	if lim <= 0 || need <= lim {
		return 1
	}
	// each vector goes to two clusters, and a cluster's build copies its vectors
	per := b.perNode() + int64(b.dim)*4
	k := int((2*int64(n)*per + lim - 1) / lim)
	return max(k, 2)
}

// partitioned builds the graph DiskANN's way when memory is short: the vectors are split into
// k clusters by k-means on a sample, each vector assigned to its two nearest clusters; each
// cluster's Vamana graph is built on its own and its lists written (in global ids) to a
// temporary file; the file is then read back, each node's lists from its two clusters joined,
// and a list longer than max_degree pruned with the alpha rule on the full vectors.
func (b builder) partitioned(vectors []float32, n, k int) (adjacency, uint32, error) {
	if n < 2*k*(b.p.MaxDegree+1) {
		return adjacency{}, 0, api.Errorf(api.NoEnoughMemory, "diskann: build_memory_limit %d would split %d vectors into %d clusters too small to build", b.p.BuildMemoryLimit, n, k)
	}
	sample := min(n, max(20*k, 10000))
	step := max(n/sample, 1)
	sv := make([]float32, 0, sample*b.dim)
	for i := 0; i < n && len(sv) < sample*b.dim; i += step {
		sv = append(sv, vectors[i*b.dim:(i+1)*b.dim]...)
	}
	cents, err := cluster.Train(sv, len(sv)/b.dim, b.dim, cluster.Options{K: k, Iterations: 10, Metric: metric.L2, Threads: b.threads})
	if err != nil {
		return adjacency{}, 0, api.Wrap(api.InternalError, err, "diskann: clustering for the partitioned build")
	}
	members := make([][]uint32, k)
	for i := 0; i < n; i++ {
		v := vectors[i*b.dim : (i+1)*b.dim]
		b1, b2 := -1, -1
		var d1, d2 float32
		for c := 0; c < k; c++ {
			d := simd.L2Sqr(v, cents[c*b.dim:(c+1)*b.dim])
			switch {
			case b1 < 0 || d < d1:
				b2, d2, b1, d1 = b1, d1, c, d
			case b2 < 0 || d < d2:
				b2, d2 = c, d
			}
		}
		members[b1] = append(members[b1], uint32(i))
		members[b2] = append(members[b2], uint32(i))
	}
	f, err := tempFile()
	if err != nil {
		return adjacency{}, 0, api.Wrap(api.InternalError, err, "diskann: temporary file of the partitioned build")
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	for c := 0; c < k; c++ {
		ids := members[c]
		if len(ids) == 0 {
			continue
		}
		local := make([]float32, len(ids)*b.dim)
		for j, id := range ids {
			copy(local[j*b.dim:], vectors[int(id)*b.dim:(int(id)+1)*b.dim])
		}
		adj, _, err := b.vamana(local, len(ids))
		if err != nil {
			return adjacency{}, 0, err
		}
		for j, id := range ids {
			l := adj.list(j)
			rec := make([]uint32, 0, len(l)+2)
			rec = append(rec, id, uint32(len(l)))
			for _, u := range l {
				rec = append(rec, ids[u])
			}
			if err := binary.Write(w, binary.LittleEndian, rec); err != nil {
				return adjacency{}, 0, api.Wrap(api.InternalError, err, "diskann: writing a cluster's graph")
			}
		}
		members[c] = nil
	}
	if err := w.Flush(); err != nil {
		return adjacency{}, 0, api.Wrap(api.InternalError, err, "diskann: writing the clusters' graphs")
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return adjacency{}, 0, api.Wrap(api.InternalError, err, "diskann: rereading the clusters' graphs")
	}
	// merge: each node appears in two clusters; join its lists
	union := make([][]uint32, n)
	r := bufio.NewReaderSize(f, 1<<20)
	var h [2]uint32
	for {
		if err := binary.Read(r, binary.LittleEndian, h[:]); err == io.EOF {
			break
		} else if err != nil {
			return adjacency{}, 0, api.Wrap(api.InternalError, err, "diskann: reading the clusters' graphs")
		}
		l := make([]uint32, h[1])
		if err := binary.Read(r, binary.LittleEndian, l); err != nil {
			return adjacency{}, 0, api.Wrap(api.InternalError, err, "diskann: reading the clusters' graphs")
		}
		union[h[0]] = append(union[h[0]], l...)
	}
	adj := newAdjacency(n, b.p.MaxDegree)
	err = parallel.For(n, b.threads, func(_, i int) error {
		adj.set(i, b.prune(vectors, uint32(i), union[i]))
		union[i] = nil
		return nil
	})
	if err != nil {
		return adjacency{}, 0, err
	}
	rows := make([]int, n)
	for i := range rows {
		rows[i] = i
	}
	return adj, uint32(graph.Medoid(vectors, b.dim, rows)), nil
}

// prune reduces node i's candidates to max_degree with the alpha rule: by ascending distance,
// a candidate is kept unless a kept one is closer to it, by the factor alpha, than node i is.
func (b builder) prune(vectors []float32, i uint32, cands []uint32) []uint32 {
	vec := func(u uint32) []float32 { return vectors[int(u)*b.dim : (int(u)+1)*b.dim] }
	dist := func(x, y []float32) float32 {
		if b.metric.UsesInnerProduct() {
			return 1 - simd.InnerProduct(x, y)
		}
		return simd.L2Sqr(x, y)
	}
	type cd struct {
		id uint32
		d  float32
	}
	seen := map[uint32]bool{i: true}
	var cs []cd
	for _, u := range cands {
		if !seen[u] {
			seen[u] = true
			cs = append(cs, cd{u, dist(vec(i), vec(u))})
		}
	}
	sort.Slice(cs, func(a, c int) bool { return cs[a].d < cs[c].d || cs[a].d == cs[c].d && cs[a].id < cs[c].id })
	if len(cs) <= b.p.MaxDegree {
		out := make([]uint32, len(cs))
		for j, c := range cs {
			out[j] = c.id
		}
		return out
	}
	alpha := float32(b.p.Alpha)
	var out []uint32
	for _, c := range cs {
		keep := true
		for _, s := range out {
			if alpha*dist(vec(s), vec(c.id)) < c.d {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, c.id)
			if len(out) == b.p.MaxDegree {
				break
			}
		}
	}
	return out
}

// buildThreads is the build's goroutine count.
func buildThreads() int { return max(1, runtime.NumCPU()) }
