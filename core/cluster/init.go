package cluster

import (
	"math/rand/v2"

	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

// plusPlusBudget bounds the work of k-means++ seeding, in multiply-adds (sample size * k * dim).
// When n*k*dim exceeds it, seeding runs on a random sample of the vectors (at least 2k of
// them): its cost stays a small fraction of one Lloyd iteration, and the sample stays small
// enough to be scanned k times from cache.
const plusPlusBudget = 1 << 31

// plusPlusMax is the most work k-means++ seeding may take even on its smallest sample (2k
// vectors). Beyond it (k of several thousands) the seeding would cost more than the Lloyd
// iterations it is meant to save, and Train starts from random vectors instead.
const plusPlusMax = 1 << 33

// plusPlusAffordable reports whether k-means++ seeding fits plusPlusMax.
func plusPlusAffordable(n, dim, k int) bool {
	m := min(n, 2*k)
	return int64(m)*int64(k)*int64(dim) <= plusPlusMax
}

// plusPlusChunk is the number of sample vectors one worker updates at a time during seeding.
const plusPlusChunk = 256

// initRandom picks k distinct vectors uniformly at random as the first centroids.
func initRandom(data []float32, n, dim, k int, rng *rand.Rand) []float32 {
	perm := samplePerm(n, k, rng)
	cent := make([]float32, k*dim)
	for c, i := range perm {
		copy(cent[c*dim:(c+1)*dim], data[i*dim:(i+1)*dim])
	}
	return cent
}

// samplePerm returns m distinct indexes of [0, n), uniformly at random (a partial
// Fisher-Yates shuffle).
func samplePerm(n, m int, rng *rand.Rand) []int {
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	for i := 0; i < m; i++ {
		j := i + rng.IntN(n-i)
		perm[i], perm[j] = perm[j], perm[i]
	}
	return perm[:m]
}

// initPlusPlus seeds k centroids by k-means++ (D^2 sampling on squared euclidean distances,
// which on unit vectors ranks like the cosine distance) over the vectors or, for large
// inputs, over a random sample of them (see plusPlusBudget).
func initPlusPlus(data []float32, n, dim, k, threads int, rng *rand.Rand) ([]float32, error) {
	m := n
	if int64(n)*int64(k)*int64(dim) > plusPlusBudget {
		m = max(2*k, int(plusPlusBudget/(int64(k)*int64(dim))))
		m = min(m, n)
	}
	var pts []float32
	if m == n {
		pts = data[:n*dim]
	} else {
		pts = make([]float32, m*dim)
		for s, i := range samplePerm(n, m, rng) {
			copy(pts[s*dim:(s+1)*dim], data[i*dim:(i+1)*dim])
		}
	}

	cent := make([]float32, k*dim)
	minD := make([]float32, m)
	chunks := (m + plusPlusChunk - 1) / plusPlusChunk
	workers := min(threads, chunks)
	partial := make([]float64, chunks)
	scratch := make([][]float32, max(workers, 1))

	first := rng.IntN(m)
	copy(cent[:dim], pts[first*dim:(first+1)*dim])
	for c := 0; ; c++ {
		// Bring minD up to date with centroid c and total it per chunk (summed in chunk order,
		// so the total does not depend on the number of workers).
		cv := cent[c*dim : (c+1)*dim]
		err := parallel.For(chunks, workers, func(w, b int) error {
			lo, hi := b*plusPlusChunk, min((b+1)*plusPlusChunk, m)
			if scratch[w] == nil {
				scratch[w] = make([]float32, plusPlusChunk)
			}
			out := scratch[w][:hi-lo]
			simd.L2SqrRows(cv, pts[lo*dim:hi*dim], dim, out)
			var s float64
			for i, d := range out {
				if c == 0 || d < minD[lo+i] {
					minD[lo+i] = d
				}
				s += float64(minD[lo+i])
			}
			partial[b] = s
			return nil
		})
		if err != nil {
			return nil, err
		}
		if c+1 == k {
			return cent, nil
		}
		var total float64
		for _, s := range partial {
			total += s
		}
		next := pickWeighted(minD, partial, total, rng)
		copy(cent[(c+1)*dim:(c+2)*dim], pts[next*dim:(next+1)*dim])
	}
}

// pickWeighted draws an index with probability proportional to w[i], using the per-chunk
// sums to skip whole chunks. When every weight is zero (all vectors already coincide with a
// centroid) the index is uniform.
func pickWeighted(w []float32, partial []float64, total float64, rng *rand.Rand) int {
	if !(total > 0) {
		return rng.IntN(len(w))
	}
	r := rng.Float64() * total
	for b, s := range partial {
		if r >= s && b < len(partial)-1 {
			r -= s
			continue
		}
		lo, hi := b*plusPlusChunk, min((b+1)*plusPlusChunk, len(w))
		last := -1
		for i := lo; i < hi; i++ {
			if w[i] <= 0 {
				continue
			}
			last = i
			r -= float64(w[i])
			if r < 0 {
				return i
			}
		}
		if last >= 0 {
			return last // rounding left a sliver of r
		}
	}
	// Only reachable through rounding when the last chunks weigh nothing: take the last
	// vector with a positive weight.
	for i := len(w) - 1; i >= 0; i-- {
		if w[i] > 0 {
			return i
		}
	}
	return rng.IntN(len(w))
}
