package cluster

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// blobs returns k Gaussian blobs of per points each (sigma 0.05) around centres that are at
// least ~1 apart, and each vector's true blob.
func blobs(k, per, dim int, seed uint64, unit bool) (data, centres []float32, truth []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	centres = make([]float32, k*dim)
	for c := 0; c < k; c++ {
		// Centre c: a large value on its own coordinate (dim >= k) plus a small jitter.
		for j := 0; j < dim; j++ {
			centres[c*dim+j] = float32(rng.NormFloat64() * 0.01)
		}
		centres[c*dim+c] += 4
		if unit {
			metric.Normalize(centres[c*dim : (c+1)*dim])
		}
	}
	n := k * per
	data = make([]float32, n*dim)
	truth = make([]int, n)
	perm := rng.Perm(n) // interleave the blobs
	for i, p := range perm {
		c := p % k
		truth[i] = c
		for j := 0; j < dim; j++ {
			data[i*dim+j] = centres[c*dim+j] + float32(rng.NormFloat64()*0.05)
		}
		if unit {
			metric.Normalize(data[i*dim : (i+1)*dim])
		}
	}
	return data, centres, truth
}

func TestTrainRecoversBlobs(t *testing.T) {
	cases := []struct {
		name   string
		metric metric.Kind
		init   string
		k, dim int
	}{
		{"l2 kmeans++", metric.L2, "", 8, 16},
		{"l2 random", metric.L2, "random", 3, 5},
		{"ip kmeans++", metric.IP, "kmeans++", 6, 12},
		{"cosine kmeans++", metric.Cosine, "", 10, 10},
		{"l2 one centroid", metric.L2, "", 1, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			unit := tc.metric != metric.L2
			const per = 40
			data, centres, truth := blobs(tc.k, per, tc.dim, 7, unit)
			n := tc.k * per
			cent, err := Train(data, n, tc.dim, Options{K: tc.k, Init: tc.init, Metric: tc.metric, Threads: 3})
			require.NoError(t, err)
			require.Len(t, cent, tc.k*tc.dim)

			labels := make([]int32, n)
			dists := make([]float32, n)
			require.NoError(t, Assign(data, n, tc.dim, cent, tc.k, tc.metric, 2, labels, dists))
			// Every blob maps to one centroid and no two blobs share one.
			blobOf := map[int32]int{}
			for i, l := range labels {
				if b, ok := blobOf[l]; ok {
					require.Equal(t, b, truth[i], "centroid %d holds vectors of blobs %d and %d", l, b, truth[i])
				} else {
					blobOf[l] = truth[i]
				}
			}
			require.Len(t, blobOf, tc.k)
			// Each centroid sits near its blob's centre.
			for l, b := range blobOf {
				c := cent[int(l)*tc.dim : int(l+1)*tc.dim]
				require.Less(t, metric.Reference(metric.L2, c, centres[b*tc.dim:(b+1)*tc.dim]), float32(0.05))
			}
		})
	}
}

func TestTrainKEqualsN(t *testing.T) {
	const n, dim = 12, 3
	rng := rand.New(rand.NewPCG(3, 3))
	data := make([]float32, n*dim)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	for _, init := range []string{"kmeans++", "random"} {
		cent, err := Train(data, n, dim, Options{K: n, Init: init})
		require.NoError(t, err, init)
		labels := make([]int32, n)
		dists := make([]float32, n)
		require.NoError(t, Assign(data, n, dim, cent, n, metric.L2, 0, labels, dists))
		seen := map[int32]bool{}
		for i, l := range labels {
			require.False(t, seen[l], "%s: centroid %d holds two vectors", init, l)
			seen[l] = true
			require.InDelta(t, 0, dists[i], 1e-9, "%s: vector %d is its own centroid", init, i)
		}
	}
}

func TestTrainReseedsEmptyClusters(t *testing.T) {
	// Two distinct vectors for three centroids: two centroids start on the same vector, the
	// later one gets no members and must be split off the largest cluster.
	const dim = 4
	a := []float32{1, 2, 3, 4}
	b := []float32{-5, 0, 5, 1}
	var data []float32
	for i := 0; i < 8; i++ {
		data = append(data, a...)
	}
	data = append(data, b...)
	data = append(data, b...)
	for _, init := range []string{"random", "kmeans++"} {
		cent, err := Train(data, 10, dim, Options{K: 3, Init: init, Iterations: 5})
		require.NoError(t, err)
		for c := 0; c < 3; c++ {
			for c2 := 0; c2 < c; c2++ {
				require.NotEqual(t, cent[c*dim:(c+1)*dim], cent[c2*dim:(c2+1)*dim], "%s: centroids %d and %d coincide", init, c2, c)
			}
			for _, x := range cent[c*dim : (c+1)*dim] {
				require.False(t, math.IsNaN(float64(x)) || math.IsInf(float64(x), 0))
			}
		}
	}
}

func TestSplitEmpty(t *testing.T) {
	cases := []struct {
		name      string
		spherical bool
		cent      []float32
		sizes     []int
		wantSizes []int
	}{
		{"one empty", false, []float32{1, 1, 0, 2, 0, 0}, []int{3, 9, 0}, []int{3, 5, 4}},
		{"zero centroid", false, []float32{0, 0, 7, 7}, []int{6, 0}, []int{3, 3}},
		{"two empty", true, []float32{1, 0, 0, 1, 0, 0}, []int{0, 8, 0}, []int{2, 4, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			k := len(tc.sizes)
			dim := len(tc.cent) / k
			cent := append([]float32(nil), tc.cent...)
			sizes := append([]int(nil), tc.sizes...)
			empty := 0
			for _, s := range tc.sizes {
				if s == 0 {
					empty++
				}
			}
			require.Equal(t, empty, splitEmpty(cent, dim, sizes, tc.spherical))
			require.Equal(t, tc.wantSizes, sizes)
			for c := 0; c < k; c++ {
				for c2 := 0; c2 < c; c2++ {
					require.NotEqual(t, cent[c*dim:(c+1)*dim], cent[c2*dim:(c2+1)*dim])
				}
				if tc.spherical {
					require.InDelta(t, 1, norm(cent[c*dim:(c+1)*dim]), 1e-5)
				}
			}
		})
	}
	// A split copy stays close to its source.
	cent := []float32{1, 2, 3, 4, 9, 9, 9, 9}
	sizes := []int{5, 0}
	splitEmpty(cent, 4, sizes, false)
	require.Less(t, metric.Reference(metric.L2, cent[:4], cent[4:]), float32(1e-3))
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}

func TestTrainCosineCentroidsAreUnit(t *testing.T) {
	for _, m := range []metric.Kind{metric.Cosine, metric.IP} {
		data, _, _ := blobs(5, 30, 8, 11, true)
		cent, err := Train(data, 150, 8, Options{K: 7, Metric: m, Iterations: 4})
		require.NoError(t, err)
		for c := 0; c < 7; c++ {
			require.InDelta(t, 1, norm(cent[c*8:(c+1)*8]), 1e-5, "%v centroid %d", m, c)
		}
	}
}

func TestTrainReproducible(t *testing.T) {
	data, _, _ := blobs(6, 50, 9, 5, false)
	// Blur the blobs so the start matters.
	rng := rand.New(rand.NewPCG(9, 9))
	for i := range data {
		data[i] += float32(rng.NormFloat64())
	}
	for _, init := range []string{"kmeans++", "random"} {
		o := Options{K: 9, Init: init, Seed: 42, Threads: 1}
		c1, err := Train(data, 300, 9, o)
		require.NoError(t, err)
		o.Threads = 4
		c2, err := Train(data, 300, 9, o)
		require.NoError(t, err)
		require.Equal(t, c1, c2, "%s: the number of threads changed the result", init)
		o.Seed = 43
		c3, err := Train(data, 300, 9, o)
		require.NoError(t, err)
		require.NotEqual(t, c1, c3, "%s: another seed gave the same centroids", init)
		// Seed 0 is a fixed default.
		o.Seed = 0
		d1, err := Train(data, 300, 9, o)
		require.NoError(t, err)
		d2, err := Train(data, 300, 9, o)
		require.NoError(t, err)
		require.Equal(t, d1, d2)
	}
}

func TestTrainErrors(t *testing.T) {
	good := make([]float32, 10*4)
	for i := range good {
		good[i] = float32(i % 7)
	}
	withBad := func(v float32) []float32 {
		d := append([]float32(nil), good...)
		d[13] = v
		return d
	}
	cases := []struct {
		name   string
		data   []float32
		n, dim int
		o      Options
		want   string
	}{
		{"n < k", good, 10, 4, Options{K: 11}, "11 centroids"},
		{"k zero", good, 10, 4, Options{K: 0}, "k 0"},
		{"dim zero", good, 10, 0, Options{K: 2}, "dim 0"},
		{"dim negative", good, 10, -1, Options{K: 2}, "dim -1"},
		{"n negative", good, -1, 4, Options{K: 2}, "negative"},
		{"short data", good, 11, 4, Options{K: 2}, "data holds 40"},
		{"nan", withBad(float32(math.NaN())), 10, 4, Options{K: 2}, "vector 3 has a NaN"},
		{"inf", withBad(float32(math.Inf(-1))), 10, 4, Options{K: 2}, "vector 3 has a NaN or infinite"},
		{"bad init", good, 10, 4, Options{K: 2, Init: "kmeans||"}, "init"},
		{"bad metric", good, 10, 4, Options{K: 2, Metric: metric.Kind(9)}, "metric"},
		{"negative iterations", good, 10, 4, Options{K: 2, Iterations: -1}, "iterations"},
		{"negative threads", good, 10, 4, Options{K: 2, Threads: -2}, "threads"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Train(tc.data, tc.n, tc.dim, tc.o)
			require.Error(t, err)
			require.Equal(t, api.InvalidArgument, api.CodeOf(err))
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestAssignMatchesReference(t *testing.T) {
	cases := []struct {
		name      string
		n, dim, k int
		offset    float32 // added to every value: data far from the origin
	}{
		{"one tile", 300, 13, 37, 0},
		{"few vectors", 10, 20, 30, 0},
		{"several tiles", 150, 200, 37, 0},
		{"dim 1", 40, 1, 5, 0},
		{"k 1", 70, 33, 1, 0},
		{"far from origin", 200, 24, 50, 1000},
	}
	for _, tc := range cases {
		n, dim, k := tc.n, tc.dim, tc.k
		rng := rand.New(rand.NewPCG(1, uint64(dim)))
		data := make([]float32, n*dim)
		cent := make([]float32, k*dim)
		for i := range data {
			data[i] = float32(rng.NormFloat64()) + tc.offset
		}
		for i := range cent {
			cent[i] = float32(rng.NormFloat64()) + tc.offset
		}
		for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
			if tc.offset != 0 && m != metric.L2 {
				continue
			}
			what := tc.name + " " + m.String()
			labels := make([]int32, n)
			dists := make([]float32, n)
			require.NoError(t, Assign(data, n, dim, cent, k, m, 3, labels, dists), what)
			noDists := make([]int32, n)
			require.NoError(t, Assign(data, n, dim, cent, k, m, 1, noDists, nil), what)
			require.Equal(t, labels, noDists, what)
			for i := 0; i < n; i++ {
				x := data[i*dim : (i+1)*dim]
				best, bd := -1, math.Inf(1)
				for c := 0; c < k; c++ {
					var d float64
					if m == metric.L2 {
						d = float64(metric.Reference(metric.L2, x, cent[c*dim:(c+1)*dim]))
					} else {
						d = 1 - dot(x, cent[c*dim:(c+1)*dim])
					}
					if d < bd {
						best, bd = c, d
					}
				}
				got := int(labels[i])
				gotD := float64(dists[i])
				// The reported distance is the chosen centroid's; only a near tie may choose
				// another centroid than the exact search.
				tol := 1e-4 * (1 + math.Abs(bd))
				require.InDelta(t, bd, gotD, tol, "%s vector %d: label %d, want %d", what, i, got, best)
			}
		}
	}
}

func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestAssignErrors(t *testing.T) {
	data := make([]float32, 8)
	cent := make([]float32, 4)
	labels := make([]int32, 4)
	cases := []struct {
		name    string
		n, dim  int
		k       int
		m       metric.Kind
		threads int
		labels  []int32
		dists   []float32
	}{
		{"dim", 4, 0, 2, metric.L2, 0, labels, nil},
		{"k", 4, 2, 0, metric.L2, 0, labels, nil},
		{"n", 5, 2, 2, metric.L2, 0, labels, nil},
		{"centroids", 4, 2, 3, metric.L2, 0, labels, nil},
		{"labels", 4, 2, 2, metric.L2, 0, labels[:3], nil},
		{"dists", 4, 2, 2, metric.L2, 0, labels, make([]float32, 2)},
		{"metric", 4, 2, 2, metric.Kind(-1), 0, labels, nil},
		{"threads", 4, 2, 2, metric.L2, -1, labels, nil},
	}
	for _, tc := range cases {
		err := Assign(data, tc.n, tc.dim, cent, tc.k, tc.m, tc.threads, tc.labels, tc.dists)
		require.Error(t, err, tc.name)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.name)
	}
	require.NoError(t, Assign(nil, 0, 3, []float32{1, 2, 3}, 1, metric.IP, 0, nil, nil))
}

func TestWorkerPanicBecomesError(t *testing.T) {
	// A distance slice shorter than the data makes a worker index out of range.
	a := newAssigner(4, 3, metric.L2, 2)
	err := a.assign(make([]float32, 400), 100, make([]float32, 12), make([]int32, 100), make([]float32, 50))
	require.Error(t, err)
	require.Equal(t, api.InternalError, api.CodeOf(err))
}
