package hgraph

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/simd"
)

// Reranking with residual bounds.
//
// With l2 byte base codes (sq8_uniform, sq8) and fp32 precise codes in memory, the
// traversal's estimate of a candidate x is ‖q' - x̂‖², where x̂ is x's decoded base code and q'
// is the query as the base computer measures it: its own levels decoded for the uniform
// quantizers (which quantize the query too), the query itself for sq8. By the triangle
// inequality
//
//	‖q - x‖ ≥ ‖q' - x̂‖ - ‖q - q'‖ - ‖x - x̂‖
//
// so once the k best precise distances of the candidates taken by ascending estimate are known,
// a candidate whose bound exceeds the k-th of them cannot enter the result and its precise row
// (the dearest read of the search: 4 bytes per dimension) is not read. The result is the one the
// full rerank gives. The residual ‖x - x̂‖ of every row is kept (4 bytes a row, charged to the
// index's account): measured after each add, and after a load, a Tune or a row rewritten in
// place by the first search that wants them. A search that finds them being measured, or an
// account that refuses them, reranks every candidate as before.
//
// When every row's code decodes to the row exactly (byte-valued data, such as pixels, in
// sq8_uniform's range of 0..255, or sq8's) and the query's own levels are exact too (‖q - q'‖ =
// 0), every bound equals its estimate: the estimates are the precise distances, and the rerank
// only sorts them, reading no precise row at all (a range search's caller then cuts them at the
// radius, as it cuts reranked ones).
//
// Under cosine the vectors are unit vectors, the base codes are measured by half their squared
// distance (quant's cosineByL2) and 1 - <q, x> = ‖q - x‖²/2, so the same bound applies to twice
// the estimate and is halved.

// residualBounds holds the residual norms of the rows of the base codes. Its fields are guarded
// by mu; the rows it covers are read under the index's shared lock.
type residualBounds struct {
	mu    sync.Mutex
	q     quant.Quantizer // the base quantizer the norms were measured for
	edits int64           // the index's rowEdits when they were
	norms []float32       // ‖x - x̂‖ per row, rows 0..len-1 measured
	// wide marks the rows whose norm exceeds tight (a bit per row, set and read atomically:
	// searches read the words of older rows while the bits of added rows are set), so that a
	// rerank can pass over most candidates without reading their norms at random (see
	// rerankResidual). tight is about the 80th percentile of the norms when it was set, at
	// tightRows rows; it is set again when the rows have doubled.
	wide      []uint64
	tight     float32
	tightRows int
	// inexact counts the measured rows whose base code does not decode to the row exactly
	inexact int
	charge  *alloc.Tracker
	vec     []float32 // decode scratch
}

// residualView is what a search reads of the residual bounds: the norms of the rows it may
// meet and what summarises them.
type residualView struct {
	norms []float32
	tight float32  // at least the norm of every row not marked in wide
	wide  []uint64 // read with atomic loads
	exact bool     // every row's base code decodes to the row exactly
}

// isWide reports whether row's norm may exceed v.tight.
func (v *residualView) isWide(row uint32) bool {
	return atomic.LoadUint64(&v.wide[row/64])&(1<<(row%64)) != 0
}

// residualOn enables the residual bounds; tests and benchmarks turn it off to compare.
var residualOn = true

// zeroResidual is the norm residualOf gives a row whose code decodes to it exactly.
const zeroResidual = float32(1e-7)

// residualSlack widens the bound for the rounding of the float32 kernels: the residual norms are
// rounded up by it, and the bound lowered by it relative to the terms it is made of.
const residualSlack = 1e-4

// residualBase reports whether the index's base and precise codes suit residual bounds.
func (x *Index) residualBase() bool {
	if !residualOn || (x.metric != metric.L2 && x.metric != metric.Cosine) || x.precise == nil || x.split != nil || x.ts != nil || x.prim != nil {
		return false
	}
	if x.precise.Name() != "fp32" || x.preciseCodes.OnDisk() || x.baseCodes.OnDisk() {
		return false
	}
	// sq4_uniform's 16 levels leave residuals so large against the distances between neighbours
	// that the bounds skip almost nothing, and the chunked rerank with its checks cost 0-10% of a
	// search (Fashion-MNIST, fp32 reorder, ef_search 14-64, same index and process)
	switch x.base.Name() {
	case "sq8_uniform", "sq8":
		return true
	}
	return false
}

// residuals returns the residual norms of every row, measuring the rows added since the last
// call (all of them after a rewrite or a new base quantizer), or ok false when they are not to
// be had now: another search is measuring them, or the account refuses their memory. Caller
// holds mu shared at least.
func (x *Index) residuals() (view residualView, ok bool) {
	if !x.residualBase() {
		return view, false
	}
	r := &x.resid
	if !r.mu.TryLock() {
		return view, false
	}
	defer r.mu.Unlock()
	n := min(x.baseCodes.Len(), x.preciseCodes.Len())
	if r.q != x.base || r.edits != x.rowEdits {
		r.q, r.edits, r.norms, r.inexact = x.base, x.rowEdits, r.norms[:0], 0
		r.wide, r.tight, r.tightRows = nil, 0, 0
	}
	if len(r.norms) < n && !r.measure(x, n) {
		return view, false
	}
	return residualView{norms: r.norms[:n], tight: r.tight, wide: r.wide, exact: r.inexact == 0}, true
}

// measure measures the norms of rows len(norms)..n-1 and marks the wide ones; false when the
// account refuses the memory. Caller holds r.mu.
func (r *residualBounds) measure(x *Index, n int) bool {
	if r.charge == nil {
		r.charge = alloc.NewTracker(x.acct)
	}
	if n > cap(r.norms) {
		rows := n + n/4
		if r.charge.TryAdd(int64(rows)*4+int64(rows+63)/64*8-r.charge.Held(), "hgraph: the residual norms of the base codes") != nil {
			return false
		}
		norms := make([]float32, len(r.norms), rows)
		copy(norms, r.norms)
		r.norms = norms
	}
	if len(r.vec) < x.dim {
		r.vec = make([]float32, x.dim)
	}
	from := len(r.norms)
	for row := from; row < n; row++ {
		v, zero := x.residualOf(row, r.vec)
		r.norms = append(r.norms, v)
		if !zero {
			r.inexact++
		}
	}
	if n >= 2*r.tightRows {
		r.retighten()
		return true
	}
	if words := (n + 63) / 64; words > cap(r.wide) {
		wide := make([]uint64, words, (cap(r.norms)+63)/64) // a new array: searches hold the old
		for i := range r.wide {
			wide[i] = atomic.LoadUint64(&r.wide[i])
		}
		r.wide = wide
	} else {
		r.wide = r.wide[:words] // words no search reads yet, zero since made
	}
	for row := from; row < n; row++ {
		r.mark(row)
	}
	return true
}

// retighten sets tight to about the 80th percentile of the norms (from an even sample of up to
// 1 024) and marks the rows above it in a new bitmap. Caller holds r.mu.
func (r *residualBounds) retighten() {
	n := len(r.norms)
	step := max(1, n/1024)
	sample := make([]float32, 0, n/step+1)
	for i := 0; i < n; i += step {
		sample = append(sample, r.norms[i])
	}
	slices.Sort(sample)
	r.tight = sample[len(sample)*80/100]
	r.tightRows = n
	r.wide = make([]uint64, (n+63)/64, (cap(r.norms)+63)/64)
	for row := range n {
		r.mark(row)
	}
}

// mark sets or clears row's bit in wide by its norm. Caller holds r.mu.
func (r *residualBounds) mark(row int) {
	w, bit := &r.wide[row/64], uint64(1)<<(row%64)
	if r.norms[row] > r.tight {
		atomic.OrUint64(w, bit)
	} else {
		atomic.AndUint64(w, ^bit)
	}
}

// residualOf returns ‖x - x̂‖ of row, rounded up past the kernel's float32 rounding, with vec as
// decode scratch, and whether it is zero: the code decodes to the row exactly.
func (x *Index) residualOf(row int, vec []float32) (float32, bool) {
	precise := quant.AsFloat32(x.preciseCodes.Code(row))
	x.base.Decode(vec, x.baseCodes.Code(row))
	d := math.Sqrt(float64(simd.L2Sqr(precise[:x.dim], vec[:x.dim])))
	if d == 0 {
		return zeroResidual, true
	}
	return max(float32(d*(1+residualSlack)+1e-7), math.Nextafter32(zeroResidual, 1)), false
}

// remeasure measures the residual of row again after its codes were rewritten in place
// (UpdateVector, a reused slot), so that the norms of the other rows stay valid. Caller holds mu
// exclusively and has counted the rewrite in rowEdits.
func (x *Index) remeasure(row int) {
	r := &x.resid
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.q != x.base || r.edits != x.rowEdits-1 || !x.residualBase() {
		return // measured afresh when next wanted
	}
	r.edits = x.rowEdits
	if row < len(r.norms) {
		wasZero := r.norms[row] <= zeroResidual
		v, zero := x.residualOf(row, r.vec)
		r.norms[row] = v
		r.mark(row)
		switch {
		case wasZero && !zero:
			r.inexact++
		case !wasZero && zero:
			r.inexact--
		}
	}
}

// drop releases the norms and their charge.
func (r *residualBounds) drop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.q, r.norms = nil, nil
	r.wide, r.tight, r.tightRows = nil, 0, 0
	if r.charge != nil {
		r.charge.Set(0)
	}
}

// queryResidual returns ‖q - q'‖ for the base computer's view q' of query: the distance to its
// quantized copy for the uniform quantizers, 0 for those that measure the query itself. The base
// computer holds query (the traversal set it).
func queryResidual(c *searchCtx, query []float32) float32 {
	if qq, ok := c.base.(quant.QueryQuantizer); ok {
		return qq.QueryError(query)
	}
	return 0
}

// cosineSlack lowers the cosine bounds by the rounding of 1 - <q, x> in float32 against the half
// squared distance of the unit vectors q and x, which are the same number in exact arithmetic.
const cosineSlack = 1e-5

// residualBound returns a lower bound of the precise distance of a candidate whose traversal
// estimate is est and whose residual norm is r, qr being the query's own residual. Under cosine
// the vectors are unit vectors and the base codes measure half their squared distance (see
// quant's cosineByL2), so the bound is half the l2 bound of twice the estimate.
func (x *Index) residualBound(est, r, qr float32) float32 {
	if x.metric == metric.Cosine {
		return residualLower(2*est, r, qr)/2 - cosineSlack
	}
	return residualLower(est, r, qr)
}

// residualLower returns a lower bound of the true squared l2 distance of a candidate whose
// traversal estimate is est and whose residual norm is r, qr being the query's own residual.
func residualLower(est, r, qr float32) float32 {
	e := float32(math.Sqrt(float64(max(est, 0))))
	root := e - r - qr - residualSlack*(e+r+qr)
	if root <= 0 {
		return 0
	}
	return root * root
}

// rerankResidual reranks items (carrying the traversal estimates) with the precise codes,
// keeping the k best and skipping the candidates whose residual bound exceeds the k-th precise
// distance found. The bound shrinks with the norm, so while the bound with tight exceeds the k-th
// distance, a candidate not marked wide is passed over by one bit of the wide bitmap (n/8 bytes,
// in cache) instead of its norm, read at random (4n bytes: 100 000 x 128 sq8 + fp32 reorder at
// ef_search 100 spent 8 us a query reading them). The bit decides 56-80% of the candidates
// checked on clustered-128 (sq8) and unit Fashion-MNIST under cosine (sq8_uniform) at
// ef_search 32-160. It returns the k best, sorted.
func (x *Index) rerankResidual(c *searchCtx, v *residualView, query []float32, items []topk.Item, k int, sigmas float64) []topk.Item {
	qr := float32(-1) // measured when a candidate first needs it
	return x.rerankTop(c, query, items, k, sigmas, func(it topk.Item, bound float32) bool {
		if qr < 0 {
			qr = queryResidual(c, query)
		}
		if x.residualBound(it.Dist, v.tight, qr) > bound && !v.isWide(it.ID) {
			return true
		}
		return x.residualBound(it.Dist, v.norms[it.ID], qr) > bound
	})
}

// dropResidual removes the items whose residual bound exceeds radius (a range search's
// candidates, carrying the traversal estimates).
func (x *Index) dropResidual(c *searchCtx, v *residualView, query []float32, items []topk.Item, radius float32) []topk.Item {
	qr := queryResidual(c, query)
	out := items[:0]
	for _, it := range items {
		if x.residualBound(it.Dist, v.norms[it.ID], qr) <= radius {
			out = append(out, it)
		}
	}
	return out
}

// move charges the norms to account a from now on.
func (r *residualBounds) move(a *alloc.Account) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.charge != nil {
		r.charge.Move(a)
	}
}

// memoryUsage returns the bytes the residual norms hold.
func (r *residualBounds) memoryUsage() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(cap(r.norms))*4 + int64(cap(r.wide))*8
}
