package hgraph

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
)

// TestBuildTraversal builds with and without the compact traversal codes of buildtrav.go:
// the graphs must answer alike for an fp32 index (codes made for the
// batch, in two batches so that pooled workers meet a second quantizer) and for sq8_uniform
// base codes with fp32 precise codes (the base codes traversed), under l2 and under cosine
// (unit vectors, as the engine stores them).
func TestBuildTraversal(t *testing.T) {
	const n, d, k, ef = 3000, 128, 10, 64
	defer func() { buildTravOn = true }()
	for _, tc := range []struct {
		name, extra string
		base        bool
	}{
		{"fp32", "", false},
		{"sq8_uniform+fp32", `,"base_quantization_type":"sq8_uniform","use_reorder":true,"precise_quantization_type":"fp32"`, true},
	} {
		for _, mt := range []metric.Kind{metric.L2, metric.Cosine} {
			t.Run(tc.name+"/"+mt.String(), func(t *testing.T) {
				data := clustered(3, n, d, 30)
				queries := clustered(4, 200, d, 30)
				if mt == metric.Cosine {
					normalizeRows(data, d)
					normalizeRows(queries, d)
				}
				var recall [2]float64
				for i, on := range []bool{false, true} {
					buildTravOn = on
					x := newIndex(t, mt.String(), d, tc.extra+`,"build_thread_count":1`) // one thread: the two recalls compare graphs, not schedules
					half := n / 2
					_, err := x.Build(data[:half*d], seq(0, half), nil)
					require.NoError(t, err)
					if on {
						x.mu.RLock()
						bt := x.buildTraversal(n - half)
						x.mu.RUnlock()
						require.NotNil(t, bt)
						require.Equal(t, tc.base, bt.base)
						bt.release()
					}
					_, err = x.Add(data[half*d:], seq(half, n-half), nil)
					require.NoError(t, err)
					recall[i] = meanRecall(t, x, mt, data, queries, d, k, ef, nil)
				}
				t.Logf("recall@%d at ef %d: build codes %.4f, compact traversal %.4f", k, ef, recall[0], recall[1])
				// the normalized clusters are harder to search: 0.85-0.86 at ef 64 either way
				floor := map[metric.Kind]float64{metric.L2: 0.93, metric.Cosine: 0.8}[mt]
				require.GreaterOrEqual(t, recall[1], floor)
				require.GreaterOrEqual(t, recall[1], recall[0]-0.01)
			})
		}
	}
}

// TestBuildTraversalSkipped: small batches, low dimensions, the inner product and Vamana
// graphs keep the build codes.
func TestBuildTraversalSkipped(t *testing.T) {
	for m, skipped := range map[string]bool{"ip": true, "cosine": false, "l2": false} {
		x := newIndex(t, m, 128, "")
		_, err := x.Build(clustered(5, minBuildTravBatch, 128, 4), seq(0, minBuildTravBatch), nil)
		require.NoError(t, err)
		x.mu.RLock()
		bt := x.buildTraversal(minBuildTravBatch)
		x.mu.RUnlock()
		require.Equal(t, skipped, bt == nil, m)
		if bt != nil {
			bt.release()
		}
	}
	x := newIndex(t, "l2", 128, "")
	require.Nil(t, x.buildTraversal(minBuildTravBatch-1))
	x = newIndex(t, "l2", minBuildTravDim-1, "")
	require.Nil(t, x.buildTraversal(10000))
	x = newIndex(t, "l2", 128, `,"graph_type":"vamana"`)
	require.Nil(t, x.buildTraversal(10000))
}

// TestBuildTraversalConcurrentAdds adds two large batches from two goroutines while a third
// searches: each batch's codes must cover the nodes the other added (run it with -race).
func TestBuildTraversalConcurrentAdds(t *testing.T) {
	const d, per = 128, minBuildTravBatch
	data := clustered(6, 3*per, d, 20)
	x := newIndex(t, "l2", d, `,"build_thread_count":2`)
	_, err := x.Build(data[:per*d], seq(0, per), nil)
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for b := 1; b <= 2; b++ {
		wg.Add(1)
		go func(b int) {
			defer wg.Done()
			_, err := x.Add(data[b*per*d:(b+1)*per*d], seq(b*per, per), nil)
			errs <- err
		}(b)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 50; i++ {
			if _, err := x.KnnSearch(data[i*d:(i+1)*d], 10, searchOpts(32)); err != nil {
				errs <- err
				return
			}
		}
	}()
	wg.Wait()
	<-done
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	r := meanRecall(t, x, metric.L2, data, data[:100*d], d, 10, 64, nil)
	t.Logf("recall@10 at ef 64: %.4f", r)
	require.GreaterOrEqual(t, r, 0.93)
}

// TestBuildTraversalPreciseOnDisk: sq8 base codes in memory with fp32 precise codes in a file
// are traversed in place of the file's rows even below minBuildTravDim, and the graph answers
// as well as one built by reading the file.
func TestBuildTraversalPreciseOnDisk(t *testing.T) {
	const n, d, k, ef = 3000, 64, 10, 64
	defer func() { buildTravOn = true }()
	data := clustered(7, n, d, 30)
	queries := clustered(8, 200, d, 30)
	var recall [2]float64
	for i, on := range []bool{false, true} {
		buildTravOn = on
		path := filepath.Join(t.TempDir(), "precise.bin")
		x := newIndex(t, "l2", d, `,"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","precise_io_type":"mmap_io","precise_file_path":"`+path+`","build_thread_count":1`)
		half := n / 2
		_, err := x.Build(data[:half*d], seq(0, half), nil)
		require.NoError(t, err)
		x.mu.RLock()
		bt := x.buildTraversal(n - half)
		x.mu.RUnlock()
		if on {
			require.NotNil(t, bt)
			require.True(t, bt.base)
		} else {
			require.Nil(t, bt)
		}
		_, err = x.Add(data[half*d:], seq(half, n-half), nil)
		require.NoError(t, err)
		recall[i] = meanRecall(t, x, metric.L2, data, queries, d, k, ef, nil)
	}
	t.Logf("recall@%d at ef %d: file rows %.4f, base codes %.4f", k, ef, recall[0], recall[1])
	require.GreaterOrEqual(t, recall[1], 0.9)
	require.GreaterOrEqual(t, recall[1], recall[0]-0.01)
}
