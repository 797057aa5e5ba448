// Command ivf trains an ivf index on generated data, searches a few buckets or all of them,
// names the buckets of one search, saves and loads it, and merges two shards filled from its
// exported model (the second one's labels renamed through an id map).
package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"

	"github.com/govsag/vsag/core"
)

const (
	dim     = 32
	num     = 4000
	buckets = 32
	nq      = 20
	k       = 10
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ivf:", err)
		os.Exit(1)
	}
}

// clustered returns n vectors around the centres.
func clustered(r *rand.Rand, centres [][]float32, n int) []float32 {
	out := make([]float32, 0, n*dim)
	for i := 0; i < n; i++ {
		c := centres[r.Intn(len(centres))]
		for j := 0; j < dim; j++ {
			out = append(out, c[j]+r.Float32()-0.5)
		}
	}
	return out
}

// search returns the labels of the k nearest neighbours of every query.
func search(x *core.Index, queries []float32, params string) ([]int64, error) {
	var out []int64
	for q := 0; q < nq; q++ {
		res, err := x.Search(queries[q*dim:(q+1)*dim], k, params, nil)
		if err != nil {
			return nil, err
		}
		for _, n := range res {
			out = append(out, n.ID)
		}
	}
	return out, nil
}

func run() error {
	r := rand.New(rand.NewSource(7))
	centres := make([][]float32, buckets)
	for i := range centres {
		centres[i] = make([]float32, dim)
		for j := range centres[i] {
			centres[i][j] = r.Float32()*8 - 4
		}
	}
	data := clustered(r, centres, num)
	queries := clustered(r, centres, nq)
	ids := make([]int64, num)
	for i := range ids {
		ids[i] = int64(i)
	}

	idx, err := core.CreateIndex("ivf", `{"dtype":"float32","metric_type":"l2","dim":32,"index_param":
		{"buckets_count":32,"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32"}}`)
	if err != nil {
		return err
	}
	// k-means centroids and sq8 ranges from a sample, then the vectors
	if err := idx.Train(&core.Dataset{NumElements: 2000, Dim: dim, Float32: data[:2000*dim]}); err != nil {
		return err
	}
	if _, err := idx.Add(&core.Dataset{NumElements: num, Dim: dim, IDs: ids, Float32: data}); err != nil {
		return err
	}

	all, err := search(idx, queries, `{"ivf":{"scan_buckets_count":32}}`)
	if err != nil {
		return err
	}
	one, err := search(idx, queries, `{"ivf":{"scan_buckets_count":1}}`)
	if err != nil {
		return err
	}
	hits := 0
	for q := 0; q < nq; q++ {
		for _, id := range one[q*k : (q+1)*k] {
			if slices.Contains(all[q*k:(q+1)*k], id) {
				hits++
			}
		}
	}
	fmt.Printf("scan_buckets_count=1: recall@%d %.3f against all %d buckets\n", k, float64(hits)/float64(nq*k), buckets)

	// one search over named buckets only
	named, err := idx.SearchWithRequest(&core.SearchRequest{
		Query: &core.Dataset{NumElements: 1, Dim: dim, Float32: queries[:dim]}, TopK: 5,
		Params: `{"ivf":{"scan_buckets_count":1}}`, BucketIDs: []int64{0, 1, 2},
	})
	if err != nil {
		return err
	}
	fmt.Printf("buckets 0-2: %v\n", named.IDs)

	const params = `{"ivf":{"scan_buckets_count":8}}`
	want, err := search(idx, queries, params)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "vsag-ivf")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ivf.vsag")
	if err := idx.SerializeFile(path); err != nil {
		return err
	}
	loaded, err := core.LoadFile(path)
	if err != nil {
		return err
	}
	got, err := search(loaded, queries, params)
	if err != nil {
		return err
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the loaded index answers differently")
	}
	fmt.Printf("saved and loaded %d vectors: same results\n", loaded.GetNumElements())

	// the trained model, empty: two copies filled separately, merged into a third
	model, err := idx.ExportModel()
	if err != nil {
		return err
	}
	var shards [3]*core.Index
	for i := range shards {
		if shards[i], err = model.Clone(); err != nil {
			return err
		}
	}
	const half, shift = num / 2, 1_000_000
	shifted := make([]int64, num-half)
	back := make(map[int64]int64, num-half)
	for i := range shifted {
		shifted[i] = ids[half+i] + shift
		back[shifted[i]] = ids[half+i]
	}
	if _, err := shards[0].Add(&core.Dataset{NumElements: half, Dim: dim, IDs: ids[:half], Float32: data[:half*dim]}); err != nil {
		return err
	}
	if _, err := shards[1].Add(&core.Dataset{NumElements: num - half, Dim: dim, IDs: shifted, Float32: data[half*dim:]}); err != nil {
		return err
	}
	merged := shards[2]
	failed, err := merged.Merge([]core.MergeUnit{{Index: shards[0]}, {Index: shards[1], IDMap: core.MapIDs(back)}})
	if err != nil {
		return err
	}
	got, err = search(merged, queries, params)
	if err != nil {
		return err
	}
	if len(failed) != 0 || merged.GetNumElements() != num || !slices.Equal(got, want) {
		return fmt.Errorf("the merged index differs (%d failed, %d vectors)", len(failed), merged.GetNumElements())
	}
	fmt.Printf("merged two shards of the exported model: %d vectors, same results\n", merged.GetNumElements())
	return nil
}
