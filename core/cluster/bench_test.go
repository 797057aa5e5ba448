package cluster

import (
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/internal/dataset"
)

// fashionMNIST loads the Fashion-MNIST train split or skips the benchmark when the Debian
// package dataset-fashion-mnist is not installed.
func fashionMNIST(b *testing.B) *dataset.Set {
	b.Helper()
	set, err := dataset.FashionMNIST(dataset.FashionMNISTDir)
	if errors.Is(err, dataset.ErrNotFound) {
		b.Skip("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)")
	}
	if err != nil {
		b.Fatal(err)
	}
	return set
}

// envInt reads a positive integer from the environment, or returns def.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkTrainFashionMNIST trains KMEANS_K (1024) centroids on the 60 000 x 784 Fashion-MNIST
// train images with KMEANS_ITERS (25) Lloyd iterations on KMEANS_THREADS (all CPUs) threads,
// as bench/kmeans/faiss_kmeans.py does with Faiss. It reports the wall and CPU seconds per
// training (the CPU time tells how much of the machine the run had when others share it) and
// the k-means objective (sum of squared distances to the nearest centroid) of the result.
func BenchmarkTrainFashionMNIST(b *testing.B) {
	set := fashionMNIST(b)
	n, dim := set.NumBase(), set.Dim
	o := Options{
		K:          envInt("KMEANS_K", 1024),
		Iterations: envInt("KMEANS_ITERS", DefaultIterations),
		Threads:    envInt("KMEANS_THREADS", 0),
		Metric:     metric.L2,
		Seed:       1234,
	}
	var cent []float32
	b.ResetTimer()
	start, cpu := time.Now(), cpuSeconds()
	for i := 0; i < b.N; i++ {
		var err error
		if cent, err = Train(set.Base, n, dim, o); err != nil {
			b.Fatal(err)
		}
	}
	secs := time.Since(start).Seconds() / float64(b.N)
	cpu = (cpuSeconds() - cpu) / float64(b.N)
	b.StopTimer()
	labels := make([]int32, n)
	dists := make([]float32, n)
	if err := Assign(set.Base, n, dim, cent, o.K, metric.L2, o.Threads, labels, dists); err != nil {
		b.Fatal(err)
	}
	var obj float64
	for _, d := range dists {
		obj += float64(d)
	}
	b.ReportMetric(secs, "s/train")
	b.ReportMetric(cpu, "cpu-s/train")
	b.ReportMetric(obj, "objective")
}

// BenchmarkAssignFashionMNIST assigns the 60 000 Fashion-MNIST train images to KMEANS_K (1024)
// centroids taken from the data: the step that dominates each Lloyd iteration.
func BenchmarkAssignFashionMNIST(b *testing.B) {
	set := fashionMNIST(b)
	n, dim := set.NumBase(), set.Dim
	k := envInt("KMEANS_K", 1024)
	threads := envInt("KMEANS_THREADS", 0)
	cent := initRandom(set.Base, n, dim, k, newRand(1234))
	labels := make([]int32, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := Assign(set.Base, n, dim, cent, k, metric.L2, threads, labels, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTrainSubspace trains a product-quantizer codebook: 256 centroids of 8-dimensional
// sub-vectors, 65 536 generated training vectors, 25 iterations.
func BenchmarkTrainSubspace(b *testing.B) {
	const n, dim, k = 1 << 16, 8, 256
	rng := newRand(5)
	data := make([]float32, n*dim)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Train(data, n, dim, Options{K: k}); err != nil {
			b.Fatal(err)
		}
	}
}
