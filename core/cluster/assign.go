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
	a, err := newAssigner(dim, k, m, threadCount(threads))
	if err != nil {
		return err
	}
	if err := a.assign(data[:n*dim], n, centroids[:k*dim], labels, dists); err != nil {
		return api.Wrap(api.InternalError, err, "k-means assign of %d vectors to %d centroids", n, k)
	}
	return nil
}

// assigner finds nearest centroids for blocks of vectors.
type assigner struct {
	dim, k  int
	metric  metric.Kind
	threads int
}

func newAssigner(dim, k int, m metric.Kind, threads int) (*assigner, error) {
	return &assigner{dim: dim, k: k, metric: m, threads: threads}, nil
}

// assignBlock is the number of vectors one worker takes at a time.
const assignBlock = 64

// assign sets labels[i] (and dists[i] when dists is not nil) for the n vectors of data.
func (a *assigner) assign(data []float32, n int, cent []float32, labels []int32, dists []float32) error {
	dim, k := a.dim, a.k
	blocks := (n + assignBlock - 1) / assignBlock
	workers := min(a.threads, blocks)
	scratch := make([][]float32, max(workers, 1))
	return parallel.For(blocks, workers, func(w, b int) error {
		if scratch[w] == nil {
			scratch[w] = make([]float32, k)
		}
		out := scratch[w]
		lo, hi := b*assignBlock, min((b+1)*assignBlock, n)
		for i := lo; i < hi; i++ {
			x := data[i*dim : (i+1)*dim]
			best := 0
			var d float32
			if a.metric == metric.L2 {
				simd.L2SqrRows(x, cent, dim, out)
				bd := float32(math.Inf(1))
				for c, v := range out {
					if v < bd {
						bd, best = v, c
					}
				}
				d = out[best]
			} else {
				simd.InnerProductRows(x, cent, dim, out)
				bd := float32(math.Inf(-1))
				for c, v := range out {
					if v > bd {
						bd, best = v, c
					}
				}
				d = 1 - out[best]
			}
			labels[i] = int32(best)
			if dists != nil {
				dists[i] = d
			}
		}
		return nil
	})
}
