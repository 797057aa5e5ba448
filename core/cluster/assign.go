package cluster

import (
	"math"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

// Assign writes for each of the n vectors the index of its nearest centroid into labels[i] and that distance into dists[i] (dists may be nil): squared L2 for metric L2, 1 - <x,c> for IP and Cosine. Parallel on threads goroutines (0: all CPUs).
//
// Ties go to the lowest centroid index. A vector whose distances are all NaN gets label 0.
func Assign(data []float32, n, dim int, centroids []float32, k int, m metric.Kind, threads int, labels []int32, dists []float32) error {
	switch {
	case dim <= 0:
		return api.Errorf(api.InvalidArgument, "k-means assign: dim %d must be positive", dim)
	case k < 1:
		return api.Errorf(api.InvalidArgument, "k-means assign: k %d must be at least 1", k)
	case n < 0:
		return api.Errorf(api.InvalidArgument, "k-means assign: number of vectors %d is negative", n)
	case threads < 0:
		return api.Errorf(api.InvalidArgument, "k-means assign: threads %d is negative", threads)
	case n > len(data)/dim:
		return api.Errorf(api.InvalidArgument, "k-means assign: %d vectors of dim %d need %d floats, data holds %d", n, dim, n*dim, len(data))
	case k > len(centroids)/dim:
		return api.Errorf(api.InvalidArgument, "k-means assign: %d centroids of dim %d need %d floats, got %d", k, dim, k*dim, len(centroids))
	case len(labels) < n:
		return api.Errorf(api.InvalidArgument, "k-means assign: labels holds %d entries for %d vectors", len(labels), n)
	case dists != nil && len(dists) < n:
		return api.Errorf(api.InvalidArgument, "k-means assign: dists holds %d entries for %d vectors", len(dists), n)
	}
	if err := checkMetric(m); err != nil {
		return err
	}
	a := newAssigner(dim, k, m, threadCount(threads))
	if err := a.assign(data[:n*dim], n, centroids[:k*dim], labels, dists); err != nil {
		return api.Wrap(api.InternalError, err, "k-means assign of %d vectors to %d centroids", n, k)
	}
	return nil
}

// assigner finds nearest centroids the way a BLAS-based k-means does, without BLAS: the
// distances of a block of vectors to all centroids are one matrix product, computed tile by
// tile. A tile of centroids small enough to stay in the L1 cache is multiplied with every
// vector of a block that stays in L2, eight dot products per kernel call
// (simd.InnerProductRows), and each vector keeps its best centroid so far.
//
// For l2 the squared distance is expanded as ||x||^2 + ||c||^2 - 2<x,c>; only ||c||^2 - 2<x,c>
// is needed to rank the centroids of one vector. To keep that expansion accurate when the data
// sit far from the origin, vectors and centroids are first shifted by the centroids' mean (l2
// distances do not change under a common shift). The distance reported for the chosen
// centroid is computed directly, not from the expansion.
type assigner struct {
	dim, k  int
	metric  metric.Kind
	threads int
	tile    int // centroids per tile
	block   int // vectors per block

	shift   []float32 // l2: the mean of the centroids
	shifted []float32 // l2: the centroids minus shift
	norms   []float32 // l2: squared norms of the shifted centroids
	scratch []*assignScratch
}

// assignScratch is one worker's buffers.
type assignScratch struct {
	xs    []float32 // l2: the block's vectors minus shift
	out   []float32 // the dot products of one vector with one tile
	bestD []float32 // per vector of the block: the best ranking value so far
	bestI []int32   // and its centroid
}

// directMax is the number of vectors below which assign computes each vector's distances to
// all centroids directly: for a handful of vectors (an index adding a few) preparing the shifted
// centroids would cost as much as the assignment.
const directMax = 32

// Cache budgets of the tiling, in bytes.
const (
	tileBytes  = 24 << 10  // a tile of centroids: half of a typical L1 data cache
	blockBytes = 256 << 10 // a block of vectors: a quarter of a typical L2 cache
)

func newAssigner(dim, k int, m metric.Kind, threads int) *assigner {
	tile := tileBytes / (4 * dim) / 8 * 8
	tile = max(8, min(tile, k))
	block := max(16, min(blockBytes/(4*dim), 1024))
	return &assigner{dim: dim, k: k, metric: m, threads: max(threads, 1), tile: tile, block: block}
}

// prepare computes the shifted centroids and their norms for l2.
func (a *assigner) prepare(cent []float32) {
	if a.metric != metric.L2 {
		return
	}
	dim, k := a.dim, a.k
	if a.shifted == nil {
		a.shift = make([]float32, dim)
		a.shifted = make([]float32, k*dim)
		a.norms = make([]float32, k)
	}
	mean := make([]float64, dim)
	for c := 0; c < k; c++ {
		for j, x := range cent[c*dim : (c+1)*dim] {
			mean[j] += float64(x)
		}
	}
	for j := range mean {
		a.shift[j] = float32(mean[j] / float64(k))
	}
	for c := 0; c < k; c++ {
		dst := a.shifted[c*dim : (c+1)*dim]
		for j, x := range cent[c*dim : (c+1)*dim] {
			dst[j] = x - a.shift[j]
		}
		a.norms[c] = simd.InnerProduct(dst, dst)
	}
}

// assign sets labels[i] (and dists[i] when dists is not nil) for the n vectors of data.
func (a *assigner) assign(data []float32, n int, cent []float32, labels []int32, dists []float32) error {
	if n == 0 {
		return nil
	}
	if n < directMax {
		return a.assignDirect(data, n, cent, labels, dists)
	}
	dim := a.dim
	a.prepare(cent)
	block := min(a.block, max(16, (n+4*a.threads-1)/(4*a.threads)))
	blocks := (n + block - 1) / block
	workers := min(a.threads, blocks)
	for len(a.scratch) < workers {
		a.scratch = append(a.scratch, nil)
	}
	return parallel.For(blocks, workers, func(w, b int) error {
		s := a.scratch[w]
		if s == nil || len(s.bestD) < block {
			s = &assignScratch{out: make([]float32, a.tile), bestD: make([]float32, block), bestI: make([]int32, block)}
			if a.metric == metric.L2 {
				s.xs = make([]float32, block*dim)
			}
			a.scratch[w] = s
		}
		lo, hi := b*block, min((b+1)*block, n)
		a.assignBlock(s, data[lo*dim:hi*dim], hi-lo, cent)
		copy(labels[lo:hi], s.bestI[:hi-lo])
		if dists != nil {
			for i := lo; i < hi; i++ {
				x := data[i*dim : (i+1)*dim]
				c := cent[int(labels[i])*dim : int(labels[i]+1)*dim]
				if a.metric == metric.L2 {
					dists[i] = simd.L2Sqr(x, c)
				} else {
					dists[i] = 1 - simd.InnerProduct(x, c)
				}
			}
		}
		return nil
	})
}

// assignBlock finds the best centroid of each of the m vectors of xs into s.bestI.
func (a *assigner) assignBlock(s *assignScratch, xs []float32, m int, cent []float32) {
	dim, k := a.dim, a.k
	l2 := a.metric == metric.L2
	if l2 {
		dst := s.xs[:m*dim]
		for i := 0; i < m; i++ {
			row, out := xs[i*dim:(i+1)*dim], dst[i*dim:(i+1)*dim]
			for j, x := range row {
				out[j] = x - a.shift[j]
			}
		}
		xs, cent = dst, a.shifted
	}
	bestD, bestI := s.bestD[:m], s.bestI[:m]
	for i := range bestD {
		bestD[i] = float32(math.Inf(1))
		bestI[i] = 0
	}
	for c0 := 0; c0 < k; c0 += a.tile {
		c1 := min(k, c0+a.tile)
		tile := cent[c0*dim : c1*dim]
		out := s.out[:c1-c0]
		for i := 0; i < m; i++ {
			simd.InnerProductRows(xs[i*dim:(i+1)*dim], tile, dim, out)
			bd, bi := bestD[i], bestI[i]
			if l2 {
				norms := a.norms[c0:c1]
				norms = norms[:len(out)]
				for j, v := range out {
					if d := norms[j] - 2*v; d < bd {
						bd, bi = d, int32(c0+j)
					}
				}
			} else {
				for j, v := range out {
					if -v < bd {
						bd, bi = -v, int32(c0+j)
					}
				}
			}
			bestD[i], bestI[i] = bd, bi
		}
	}
}

// assignDirect assigns each vector by one scan of all centroids with the metric's own kernel
// (one goroutine per vector at most).
func (a *assigner) assignDirect(data []float32, n int, cent []float32, labels []int32, dists []float32) error {
	dim, k := a.dim, a.k
	workers := min(a.threads, n)
	out := make([]float32, workers*k)
	return parallel.For(n, workers, func(w, i int) error {
		d := out[w*k : (w+1)*k]
		x := data[i*dim : (i+1)*dim]
		best := 0
		if a.metric == metric.L2 {
			simd.L2SqrRows(x, cent, dim, d)
			for c, v := range d {
				if v < d[best] {
					best = c
				}
			}
		} else {
			simd.InnerProductRows(x, cent, dim, d)
			for c, v := range d {
				if v > d[best] {
					best = c
				}
			}
			d[best] = 1 - d[best]
		}
		labels[i] = int32(best)
		if dists != nil {
			dists[i] = d[best]
		}
		return nil
	})
}
