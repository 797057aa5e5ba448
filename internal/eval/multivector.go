package eval

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

// This file evaluates the multi-vector indexes (warp, simq) on VSAG's multi-vector HDF5 layout
// (root attribute type "multi_vector"; see dataset.MultiVectorSet). Run and ExportHDF5 branch
// here for such files.

// multiVectorSets caches loaded multi-vector datasets by path.
var multiVectorSets = map[string]*dataset.MultiVectorSet{}

// multiVectorSet loads (once) the multi-vector dataset at path and makes sure it has ground
// truth of depth at least k (computed by exact MaxSim when the file has none or too little).
func (r *Runner) multiVectorSet(path string, k int) (*dataset.MultiVectorSet, string, error) {
	s, ok := multiVectorSets[path]
	if !ok {
		t0 := time.Now()
		var err error
		if s, err = dataset.ReadMultiVectorHDF5(path); err != nil {
			return nil, "", err
		}
		r.logf("dataset %s: %d base documents (%d sub-vectors), %d queries, dim %d, %s (loaded in %.1fs)", s.Name, s.NumBase(), len(s.Base)/s.Dim, s.NumQueries(), s.Dim, s.Metric, time.Since(t0).Seconds())
		multiVectorSets[path] = s
	}
	if s.GTK >= k && len(s.Neighbors) > 0 {
		return s, "file", nil
	}
	t0 := time.Now()
	dataset.MaxSimTruth(s, max(k, 100))
	r.logf("ground truth: exact MaxSim of %d queries in %.2fs", s.NumQueries(), time.Since(t0).Seconds())
	return s, "computed (exact MaxSim)", nil
}

// runMultiVector is Run for a multi-vector dataset: build (or load) the index from the
// documents, search every query document, and score recall against the ground truth.
func (r *Runner) runMultiVector(c *Config) (*Result, error) {
	if c.Sweep != "" {
		return nil, fmt.Errorf("case %q: sweeps are not available for multi-vector datasets", c.Name)
	}
	if c.SearchMode != "" && c.SearchMode != "knn" {
		return nil, fmt.Errorf("case %q: search_mode %q: multi-vector datasets are evaluated with knn", c.Name, c.SearchMode)
	}
	k := max(c.TopK, 1)
	s, source, err := r.multiVectorSet(c.DataPath, k)
	if err != nil {
		return nil, err
	}
	proxy := &dataset.Set{Dim: s.Dim, Metric: s.Metric, DType: "float32"}
	create, metric, _, err := CompleteCreateParams(c.CreateParams, proxy)
	if err != nil {
		return nil, fmt.Errorf("case %q: %w", c.Name, err)
	}
	res := &Result{Action: c.Type, Index: c.IndexName, IndexInfo: json.RawMessage(create), DatasetInfo: DatasetInfo{FilePath: s.Path, Dim: s.Dim, BaseCount: s.NumBase(), QueryCount: s.NumQueries(), DataType: "float32", Metric: metric}}
	idx, err := core.CreateIndex(c.IndexName, create)
	if err != nil {
		return nil, fmt.Errorf("case %q: create %s: %w", c.Name, c.IndexName, err)
	}
	if !idx.IsMultiVector() {
		return nil, fmt.Errorf("case %q: %s does not take multi-vector documents (use warp or simq)", c.Name, c.IndexName)
	}
	if c.HasBuild() {
		ids := make([]int64, s.NumBase())
		for i := range ids {
			ids[i] = int64(i)
		}
		threads := runtime.GOMAXPROCS(0)
		if c.NumThreadsBuilding > 0 {
			old := runtime.GOMAXPROCS(c.NumThreadsBuilding)
			defer runtime.GOMAXPROCS(old)
			threads = c.NumThreadsBuilding
		}
		t0 := time.Now()
		failed, err := idx.Build(&core.Dataset{NumElements: s.NumBase(), Dim: s.Dim, IDs: ids, Float32: s.Base, VectorCounts: s.BaseCounts})
		dur := time.Since(t0).Seconds()
		if err != nil {
			return nil, fmt.Errorf("case %q: build %s: %w", c.Name, c.IndexName, err)
		}
		r.logf("built %s on %d documents in %.2fs", c.IndexName, s.NumBase(), dur)
		res.BuildDuration, res.NumThreadsBuilding, res.IndexMemory = ptr(dur), threads, ptr(idx.GetMemoryUsage())
		if dur > 0 && !c.DisableTPS {
			res.TPS = ptr(float64(s.NumBase()) / dur)
		}
		if len(failed) > 0 {
			res.BuildFailed = ptr(len(failed))
		}
		if c.IndexPath != "" {
			if err := os.MkdirAll(filepath.Dir(c.IndexPath), 0o755); err != nil {
				return nil, err
			}
			if err := idx.SerializeFile(c.IndexPath); err != nil {
				return nil, fmt.Errorf("case %q: save index: %w", c.Name, err)
			}
			if st, err := os.Stat(c.IndexPath); err == nil {
				res.IndexSize = ptr(st.Size())
			}
		}
	} else if err := idx.DeserializeFile(c.IndexPath); err != nil {
		return nil, fmt.Errorf("case %q: load index %s: %w", c.Name, c.IndexPath, err)
	}
	if !c.HasSearch() {
		return res, nil
	}
	nq := s.NumQueries()
	if c.SearchQueryCount > 0 {
		nq = min(nq, c.SearchQueryCount)
	}
	starts := make([]int, s.NumQueries()+1)
	for i, n := range s.QueryCounts {
		starts[i+1] = starts[i] + n
	}
	one := func(i int) ([]int64, error) {
		q := &core.Dataset{NumElements: 1, Dim: s.Dim, Float32: s.Queries[starts[i]*s.Dim : starts[i+1]*s.Dim], VectorCounts: s.QueryCounts[i : i+1]}
		out, err := idx.KnnSearch(q, k, c.SearchParams, nil)
		if err != nil {
			return nil, err
		}
		return out.IDs, nil
	}
	threads := max(1, c.NumThreadsSearching)
	bar := StartProgress(r.Log, r.Progress, "searching", int64(nq))
	lat := make([]float64, nq)
	got := make([][]int64, nq)
	wall, err := parallel(nq, threads, bar, func(i int) error {
		t := time.Now()
		ids, err := one(i)
		lat[i], got[i] = float64(time.Since(t).Nanoseconds())/1e6, ids
		return err
	})
	bar.Done()
	if err != nil {
		return nil, fmt.Errorf("case %q: search: %w", c.Name, err)
	}
	res.SearchMode, res.SearchParam, res.TopK, res.SearchCount, res.NumThreadsSearching = "knn", c.SearchParams, k, nq, threads
	res.SearchDuration, res.GroundTruth = ptr(wall.Seconds()), source
	if wall > 0 && !c.DisableQPS {
		res.QPS = ptr(float64(nq) / wall.Seconds())
	}
	if !c.DisableLatency {
		res.LatencyAvg = ptr(Mean(lat))
	}
	if !c.DisablePercentLatency {
		res.LatencyDetail = percentiles(lat, LatencyPercentiles)
	}
	rec := make([]float64, nq)
	for i, ids := range got {
		want := map[int64]bool{}
		for _, v := range s.Neighbors[i*s.GTK : i*s.GTK+k] {
			want[int64(v)] = true
		}
		hit := 0
		for _, id := range ids {
			if want[id] {
				hit++
			}
		}
		rec[i] = float64(hit) / float64(k)
	}
	if !c.DisableRecall {
		res.RecallAvg = ptr(Mean(rec))
	}
	if !c.DisablePercentRecall {
		res.RecallDetail = percentiles(rec, RecallPercentiles)
	}
	return res, nil
}

// exportMultiVectorHDF5 is ExportHDF5 for a multi-vector file: it writes the documents and
// queries again with exact MaxSim ground truth (100 neighbours).
func (r *Runner) exportMultiVectorHDF5(datapath, out string) error {
	s, _, err := r.multiVectorSet(datapath, 100)
	if err != nil {
		return err
	}
	if s.GTK < 100 && s.GTK < s.NumBase() {
		dataset.MaxSimTruth(s, 100)
	}
	if dir := filepath.Dir(out); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return dataset.WriteMultiVectorHDF5(out, s)
}
