package hgraph

import (
	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/hugepage"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/internal/parallel"
)

// Insertion searches of a large batch of l2 vectors traverse compact codes (a byte per dimension) instead of
// the build codes when those are full-precision floats: the searches read a quarter of the
// memory and run the integer kernel, and the ef_construction candidates they find are measured
// again with the build codes before pruning, so edges are still chosen by the precise distances.
// An index with sq8_uniform or sq8 base codes and precise codes to build on traverses its base codes;
// an fp32 index gets sq8_uniform codes made for the batch and dropped after it. Those are
// charged to the index's account while they exist; as they only speed the build up, a batch
// whose codes do not fit in the budget traverses the build codes instead of being refused.

// minBuildTravDim is the dimension below which insertion searches keep the build codes: short
// rows cost little to read, and the rescoring of the candidates would eat the gain.
const minBuildTravDim = 128

// minBuildTravBatch is the batch below which no codes are made for it: encoding every node of
// the graph for a few insertions costs more than it saves.
const minBuildTravBatch = 1024

// buildTravOn enables the compact traversal codes; tests turn it off to compare.
var buildTravOn = true

// buildTrav holds the codes the insertion searches of one linkAll traverse.
type buildTrav struct {
	q    quant.Quantizer
	base bool   // the index's own base codes (re-read per chunk: the slab may move)
	slab []byte // codes made for the batch, rows 0..n-1
	n    int
	size int
	dim  int
	// charge is what the codes made for the batch are charged (they are dropped, and the
	// build codes traversed, when the account refuses their growth)
	charge *alloc.Tracker
	off    bool
}

// buildTraversal returns the compact codes for linking pending nodes, or nil to traverse the
// build codes. Caller holds the shared lock.
func (x *Index) buildTraversal(pending int) *buildTrav {
	// l2 and cosine: under the inner product the byte codes of one global range traverse worse
	// (recall@10 0.01 lower on clustered data at dim 128); cosine codes, measured by distance
	// (quant.cosineByL2), no longer do
	if !buildTravOn || (x.metric != metric.L2 && x.metric != metric.Cosine) || x.ts != nil || x.p.GraphType == "vamana" || pending < minBuildTravBatch {
		return nil
	}
	bs := x.buildStore()
	// build codes in a file are worth sparing at any dimension: each insertion search would
	// otherwise read its rows at random through the page cache
	if x.dim < minBuildTravDim && !bs.OnDisk() {
		return nil
	}
	if bs != x.baseCodes {
		if byteBase(x.base.Name()) && !x.baseCodes.OnDisk() {
			return &buildTrav{q: x.base, base: true}
		}
		return nil
	}
	if !quant.Exact(bs.Quantizer()) || bs.OnDisk() || 2*pending < x.g.Len() {
		return nil
	}
	q, err := quant.New("sq8_uniform", x.dim, x.metric, quant.DefaultOptions())
	if err != nil {
		return nil
	}
	// the codes of every node (a quarter to spare for the nodes added meanwhile) must fit in
	// the budget, else the build codes are traversed
	t := &buildTrav{q: q, size: q.CodeSize(), dim: x.dim, charge: alloc.NewTracker(x.acct)}
	est := memguard.Mul(int64(x.g.Len()+x.g.Len()/4), int64(t.size))
	if t.charge.TryAdd(est, "hgraph: the traversal codes of a batch") != nil {
		return nil
	}
	rows := quant.AsFloat32(bs.Slab())
	n := len(rows) / x.dim
	if q.Train(rows, n) != nil {
		t.release()
		return nil
	}
	return t
}

// byteBase reports whether base codes of quantizer name are a byte per dimension that insertion
// searches can traverse in place of the precise codes.
func byteBase(name string) bool { return name == "sq8_uniform" || name == "sq8" }

// release drops the codes made for the batch and their charge; the build codes are traversed
// from then on.
func (t *buildTrav) release() {
	if t == nil || t.base {
		return
	}
	t.off, t.slab, t.n = true, nil, 0
	t.charge.Set(0)
}

// encodeBlock is the number of rows a worker encodes at a time for the traversal codes.
const encodeBlock = 1024

// apply makes b's insertion searches traverse t's codes, encoding the nodes added to the graph
// since the last call on up to threads goroutines. Caller holds the shared lock (the build codes do not move under it).
func (t *buildTrav) apply(x *Index, b *graph.Builder, threads int) {
	if t == nil {
		return
	}
	if t.base {
		b.Search, b.SearchSlab = t.q, x.baseCodes.Slab()
		return
	}
	if t.off {
		return
	}
	n := x.g.Len()
	if n > t.n {
		if need := n * t.size; need > cap(t.slab) {
			if grow := int64(need+need/4) - t.charge.Held(); grow > 0 && t.charge.TryAdd(grow, "hgraph: the traversal codes of a batch") != nil {
				t.release() // the budget is full: traverse the build codes
				return
			}
			s := make([]byte, need, need+need/4)
			hugepage.Slice(s) // read at random by every insertion, like the stores' slabs
			copy(s, t.slab[:t.n*t.size])
			t.slab = s
		}
		t.slab = t.slab[:n*t.size]
		rows := quant.AsFloat32(b.Slab)
		// the first call encodes the whole batch: on the build's threads, in blocks of rows
		from := t.n
		blocks := (n - from + encodeBlock - 1) / encodeBlock
		err := parallel.For(blocks, threads, func(_, i int) error {
			for r := from + i*encodeBlock; r < min(from+(i+1)*encodeBlock, n); r++ {
				t.q.Encode(t.slab[r*t.size:(r+1)*t.size], rows[r*t.dim:(r+1)*t.dim])
			}
			return nil
		})
		if err != nil { // a fault in an encoder: traverse the build codes instead
			t.release()
			return
		}
		t.n = n
	}
	b.Search, b.SearchSlab = t.q, t.slab
}
