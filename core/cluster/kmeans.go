// Package cluster learns k-means centroids: the buckets of the ivf index and the codebooks of
// the pq and pqfs quantizers.
//
// Train runs Lloyd's algorithm from a k-means++ (or random) start; Assign finds every vector's
// nearest centroid. Both work on row-major float32 slabs, run on several goroutines and turn a
// panic in any of them into an INTERNAL_ERROR. For the l2 metric a vector's nearest centroid is
// the one at the smallest squared euclidean distance; for ip and cosine it is the one with the
// largest inner product, and the centroids are kept at unit length (spherical k-means).
// Results depend only on the data and Options.Seed, never on the number of threads.
package cluster

import (
	"math"
	"math/rand/v2"
	"runtime"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/internal/parallel"
)

// Options configures Train.
//
// Seeding: "kmeans++" runs D^2 sampling on squared l2 distances, over a random sample of the
// vectors when n*K*dim is large, and falls back to a random start when even that would cost
// more than the iterations (K in the thousands at typical dimensions). "random" starts from K
// distinct vectors drawn uniformly.
type Options struct {
	K          int         // number of centroids (>= 1)
	Iterations int         // Lloyd iterations (0: 25)
	Init       string      // "kmeans++" (default when "") or "random"
	Metric     metric.Kind // core/metric: L2, IP or Cosine. For Cosine (and IP) centroids are normalised to unit length after each update (spherical k-means) ; assignment for L2 is squared L2, for IP/Cosine the largest inner product.
	Threads    int         // 0: runtime.NumCPU()
	Seed       uint64      // fixed default seed when 0, so results are reproducible
}

// DefaultIterations is the number of Lloyd iterations Train runs when Options.Iterations is 0.
const DefaultIterations = 25

// defaultSeed seeds the random source when Options.Seed is 0.
const defaultSeed = 0x5eed_c1a5_7e25_0001

// splitEps is the relative size of the perturbation that separates the two halves of a split
// cluster.
const splitEps = 1.0 / 1024

// Train learns o.K centroids (row-major, K*dim floats) from n row-major vectors of data.
// When n < K it returns an INVALID_ARGUMENT api error (core/api: api.Errorf(api.InvalidArgument, ...)).
// Empty clusters are re-seeded (split the largest cluster, as Faiss does: copy its centroid with a small symmetric perturbation).
// NaN/Inf input is an INVALID_ARGUMENT error. Panics in worker goroutines become errors (use internal/parallel).
//
// For Cosine the vectors are expected to be normalised already (as the indexes store them):
// assignment by the largest inner product with unit centroids is the same as by cosine, and
// each centroid is the normalised mean of its members. data is never modified.
func Train(data []float32, n, dim int, o Options) ([]float32, error) {
	if err := checkTrain(data, n, dim, o); err != nil {
		return nil, err
	}
	k := o.K
	iters := o.Iterations
	if iters == 0 {
		iters = DefaultIterations
	}
	threads := threadCount(o.Threads)
	rng := newRand(o.Seed)
	data = data[:n*dim]

	var cent []float32
	var err error
	if o.Init == "random" || !plusPlusAffordable(n, dim, k) {
		cent = initRandom(data, n, dim, k, rng)
	} else {
		cent, err = initPlusPlus(data, n, dim, k, threads, rng)
		if err != nil {
			return nil, api.Wrap(api.InternalError, err, "k-means++ seeding of %d centroids", k)
		}
	}
	spherical := o.Metric.UsesInnerProduct()
	if spherical {
		normalizeRows(cent, dim)
	}

	a := newAssigner(dim, k, o.Metric, threads)
	labels := make([]int32, n)
	prev := make([]int32, n)
	sizes := make([]int, k)
	sums := make([]float64, k*dim)
	for it := 0; it < iters; it++ {
		if err := a.assign(data, n, cent, labels, nil); err != nil {
			return nil, api.Wrap(api.InternalError, err, "k-means iteration %d: assignment", it)
		}
		changed := it == 0
		for i := range labels {
			if labels[i] != prev[i] {
				changed = true
				break
			}
		}
		if !changed {
			// Same assignment as the previous iteration: the update would reproduce the
			// centroids exactly, so Lloyd's algorithm has converged.
			break
		}
		copy(prev, labels)
		if err := update(data, n, dim, k, labels, cent, sums, sizes, threads); err != nil {
			return nil, api.Wrap(api.InternalError, err, "k-means iteration %d: update", it)
		}
		splitEmpty(cent, dim, sizes, spherical)
		if spherical {
			normalizeRows(cent, dim)
		}
	}
	return cent, nil
}

// newRand returns the random source of a training run: seeded by seed, or by a fixed default
// when seed is 0.
func newRand(seed uint64) *rand.Rand {
	if seed == 0 {
		seed = defaultSeed
	}
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// checkTrain validates Train's arguments.
func checkTrain(data []float32, n, dim int, o Options) error {
	if o.K < 1 {
		return api.Errorf(api.InvalidArgument, "k-means: k %d must be at least 1", o.K)
	}
	if dim <= 0 {
		return api.Errorf(api.InvalidArgument, "k-means: dim %d must be positive", dim)
	}
	if n < 0 {
		return api.Errorf(api.InvalidArgument, "k-means: number of vectors %d is negative", n)
	}
	if n < o.K {
		return api.Errorf(api.InvalidArgument, "k-means: %d training vectors for %d centroids, need at least as many vectors as centroids", n, o.K)
	}
	if n > len(data)/dim {
		return api.Errorf(api.InvalidArgument, "k-means: %d vectors of dim %d need %d floats, data holds %d", n, dim, n*dim, len(data))
	}
	if o.Iterations < 0 {
		return api.Errorf(api.InvalidArgument, "k-means: iterations %d is negative", o.Iterations)
	}
	if o.Threads < 0 {
		return api.Errorf(api.InvalidArgument, "k-means: threads %d is negative", o.Threads)
	}
	switch o.Init {
	case "", "kmeans++", "random":
	default:
		return api.Errorf(api.InvalidArgument, "k-means: init %q is not one of kmeans++, random", o.Init)
	}
	if err := checkMetric(o.Metric); err != nil {
		return err
	}
	for i, x := range data[:n*dim] {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return api.Errorf(api.InvalidArgument, "k-means: vector %d has a NaN or infinite value at dimension %d", i/dim, i%dim)
		}
	}
	return nil
}

func checkMetric(m metric.Kind) error {
	switch m {
	case metric.L2, metric.IP, metric.Cosine:
		return nil
	}
	return api.Errorf(api.InvalidArgument, "k-means: unknown metric %v", m)
}

// threadCount resolves a thread option: 0 means all CPUs.
func threadCount(t int) int {
	if t <= 0 {
		return runtime.NumCPU()
	}
	return t
}

// update recomputes every centroid as the mean of its members (float64 sums) and stores the
// cluster sizes. Each worker owns a contiguous range of centroids and scans all labels, so the
// sums are added in the same order whatever the number of workers. Centroids of empty clusters
// are left as they were.
func update(data []float32, n, dim, k int, labels []int32, cent []float32, sums []float64, sizes []int, threads int) error {
	parts := min(threads, k)
	return parallel.Run(parts, func(w int) error {
		lo, hi := k*w/parts, k*(w+1)/parts
		s := sums[lo*dim : hi*dim]
		clear(s)
		clear(sizes[lo:hi])
		for i := 0; i < n; i++ {
			c := int(labels[i])
			if c < lo || c >= hi {
				continue
			}
			sizes[c]++
			acc := s[(c-lo)*dim : (c-lo+1)*dim]
			for j, x := range data[i*dim : (i+1)*dim] {
				acc[j] += float64(x)
			}
		}
		for c := lo; c < hi; c++ {
			if sizes[c] == 0 {
				continue
			}
			inv := 1 / float64(sizes[c])
			acc := s[(c-lo)*dim : (c-lo+1)*dim]
			dst := cent[c*dim : (c+1)*dim]
			for j := range dst {
				dst[j] = float32(acc[j] * inv)
			}
		}
		return nil
	})
}

// splitEmpty re-seeds every empty cluster by splitting the currently largest one: the empty
// cluster takes a copy of the large cluster's centroid and the two are pushed apart by a small
// symmetric perturbation (alternating sign per dimension); the large cluster's size is shared
// between them. It returns the number of clusters re-seeded.
func splitEmpty(cent []float32, dim int, sizes []int, spherical bool) int {
	k := len(sizes)
	split := 0
	for ci := 0; ci < k; ci++ {
		if sizes[ci] != 0 {
			continue
		}
		cj := 0
		for c := 1; c < k; c++ {
			if sizes[c] > sizes[cj] {
				cj = c
			}
		}
		if sizes[cj] == 0 {
			return split // no vectors at all
		}
		src := cent[cj*dim : (cj+1)*dim]
		dst := cent[ci*dim : (ci+1)*dim]
		// A zero component would stay zero under a purely relative nudge; use the mean
		// magnitude of the centroid as a floor, and an absolute floor for a zero centroid.
		var mag float64
		for _, x := range src {
			mag += math.Abs(float64(x))
		}
		mag /= float64(dim)
		if mag == 0 {
			mag = 1
		}
		for j := range src {
			d := float32(splitEps * max(math.Abs(float64(src[j])), mag))
			if j%2 == 1 {
				d = -d
			}
			c := src[j]
			dst[j] = c + d
			src[j] = c - d
		}
		if spherical {
			metric.Normalize(dst)
			metric.Normalize(src)
		}
		sizes[ci] = sizes[cj] / 2
		sizes[cj] -= sizes[ci]
		split++
	}
	return split
}

// normalizeRows scales every row of v to unit length (zero rows stay zero).
func normalizeRows(v []float32, dim int) {
	for i := 0; i+dim <= len(v); i += dim {
		metric.Normalize(v[i : i+dim])
	}
}
