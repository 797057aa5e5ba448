package ivf

import (
	"encoding/binary"
	"io"
	"math/rand/v2"
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/parallel"
)

// The graphs of large buckets (graph_build_threshold), with VSAG's degree and beam.
const (
	bucketGraphDegree = 64
	bucketGraphEf     = 300
)

// bucketGraphLocks is the node locks of a bucket's graph: one goroutine builds it, and an
// index may hold a graph for each of millions of buckets, so it takes few (graph.New's 4 096
// cost 32 KiB a graph).
const bucketGraphLocks = 16

// bucketGraph is a graph over the first n rows of a bucket (nodes are positions in it). Rows
// added later are scanned until the graph is extended, so a graph is never stale.
type bucketGraph struct {
	g *graph.Graph
	n int
}

// refreshGraphs builds or extends the graph of every bucket holding at least
// graph_build_threshold rows, on thread_count goroutines. It holds wmu: the buckets only grow
// under it, so the code prefix a graph is built on does not change. Each graph is built on a
// copy and swapped in under mu, so searches never wait for a build.
func (x *Index) refreshGraphs() error {
	if x.p.GraphBuildThreshold <= 0 {
		return nil
	}
	var todo []int
	x.mu.RLock()
	for b := range x.buckets {
		bk := &x.buckets[b]
		if n := len(bk.rows); n >= x.p.GraphBuildThreshold && (bk.graph == nil || bk.graph.n < n) {
			todo = append(todo, b)
		}
	}
	x.mu.RUnlock()
	return parallel.For(len(todo), x.p.threads(), func(_, i int) error {
		x.extendGraph(todo[i])
		return nil
	})
}

// extendGraph brings bucket b's graph up to the bucket's current size.
func (x *Index) extendGraph(b int) {
	cs := x.base.CodeSize()
	x.mu.RLock()
	bk := &x.buckets[b]
	n := len(bk.rows)
	codes := bk.codes[:n*cs] // rows below n never change; appends past it may move the slice
	old := bk.graph
	x.mu.RUnlock()
	var g *graph.Graph
	start := 0
	if old != nil {
		g, start = old.g.Clone(), old.n
	} else {
		g = graph.NewStriped(bucketGraphDegree, bucketGraphLocks)
	}
	g.Reserve(n)
	bl := &graph.Builder{G: g, Quant: x.base, Slab: codes, Alpha: 1, EfConstruction: bucketGraphEf}
	w := bl.NewWorker()
	v := make([]float32, x.dim)
	rng := rand.New(rand.NewPCG(uint64(b), uint64(start)))
	for pos := start; pos < n; pos++ {
		level := graph.RandomLevel(1-rng.Float64(), bucketGraphDegree)
		id := g.AddNode(level)
		x.base.Decode(v, codes[pos*cs:(pos+1)*cs])
		bl.Insert(w, id, level, v)
	}
	x.mu.Lock()
	bk.graph = &bucketGraph{g: g, n: n}
	x.mu.Unlock()
}

var searcherPool = sync.Pool{New: func() any { return graph.NewSearcher(bucketGraphDegree) }}

// searchGraph searches the graph of bucket bk for the query the scanner's computer holds and
// offers the ef best rows to visit; it returns the number of rows the graph covers. It holds
// mu shared.
func (x *Index) searchGraph(s *scanner, bk *bucket, ef int, keep func(uint32) bool, bias float32, visit func(d float32, row uint32)) int {
	bg := bk.graph
	removed := x.labels.RemovedWords()
	sr := searcherPool.Get().(*graph.Searcher)
	defer searcherPool.Put(sr)
	sr.ResetStats()
	p := &graph.Params{Ef: min(ef, bg.n), Keep: func(pos uint32) bool {
		r := bk.rows[pos]
		return removed[r>>6]&(1<<(r&63)) == 0 && (keep == nil || keep(r))
	}}
	var items []topk.Item = sr.Search(bg.g, graph.Space{Comp: s.c, Slab: bk.codes[:bg.n*x.base.CodeSize()]}, p)
	for _, it := range items {
		visit(it.Dist+bias, bk.rows[it.ID])
	}
	s.rows += sr.DistCmp
	return bg.n
}

// graphsSize returns the size of the graphs section.
func (x *Index) graphsSize() int64 {
	var s int64
	for i := range x.buckets {
		s += 12
		if bg := x.buckets[i].graph; bg != nil {
			s += bg.g.SectionSize()
		}
	}
	return s
}

// writeGraphs writes, per bucket, the rows its graph covers, the graph's size and the graph.
func (x *Index) writeGraphs(w io.Writer) error {
	var h [12]byte
	for i := range x.buckets {
		bg := x.buckets[i].graph
		binary.LittleEndian.PutUint32(h[:], 0)
		binary.LittleEndian.PutUint64(h[4:], 0)
		if bg != nil {
			binary.LittleEndian.PutUint32(h[:], uint32(bg.n))
			binary.LittleEndian.PutUint64(h[4:], uint64(bg.g.SectionSize()))
		}
		if _, err := w.Write(h[:]); err != nil {
			return err
		}
		if bg != nil {
			if err := bg.g.WriteSection(w); err != nil {
				return err
			}
		}
	}
	return nil
}

// readGraphs reads the graphs section into buckets, checking each graph against its bucket.
func readGraphs(sr *serial.SectionReader, buckets []bucket) error {
	var h [12]byte
	for i := range buckets {
		if _, err := io.ReadFull(sr, h[:]); err != nil {
			return err
		}
		n, size := int(binary.LittleEndian.Uint32(h[:])), binary.LittleEndian.Uint64(h[4:])
		if size == 0 {
			continue
		}
		// size is unsigned: a value with its top bit set must not pass as a negative length
		if n > len(buckets[i].rows) || size > uint64(sr.Remaining()) {
			return api.Errorf(api.InvalidBinary, "the graph of bucket %d covers %d rows of %d in %d bytes", i, n, len(buckets[i].rows), size)
		}
		// in a stream, the section's size is only what its header claims
		if err := memguard.Check(int64(size), "loading an ivf bucket graph"); err != nil {
			return err
		}
		b := make([]byte, size)
		if _, err := io.ReadFull(sr, b); err != nil {
			return err
		}
		g := graph.NewStriped(bucketGraphDegree, bucketGraphLocks)
		if err := g.UnmarshalBinary(b); err != nil {
			return err
		}
		if g.Len() != n {
			return api.Errorf(api.InvalidBinary, "the graph of bucket %d has %d nodes for %d rows", i, g.Len(), n)
		}
		buckets[i].graph = &bucketGraph{g: g, n: n}
	}
	return sr.Done()
}
