package eval

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

// runSparse runs a case of a sparse index (sindi) on an eval-format sparse HDF5 file: build
// from /train (labels are row numbers), search /test for top k, recall against /neighbors (or
// an exact inverted-index scan when the file has none). Ties at the k-th distance count as
// hits. Knn search only.
func (r *Runner) runSparse(c *Config) (*Result, error) {
	s, err := dataset.ReadSparseHDF5(c.DataPath)
	if err != nil {
		return nil, err
	}
	return r.runSparseSet(c, s)
}

// runSparseSet is runSparse on a loaded sparse set.
func (r *Runner) runSparseSet(c *Config, s *dataset.SparseSet) (*Result, error) {
	if s.Distance != "" && s.Distance != "ip" {
		return nil, fmt.Errorf("case %q: sparse datasets use ip, the file says %q", c.Name, s.Distance)
	}
	if isRange(c.SearchMode) {
		return nil, fmt.Errorf("case %q: the sparse evaluation runs knn searches only", c.Name)
	}
	create, err := sparseCreateParams(c.CreateParams, s)
	if err != nil {
		return nil, fmt.Errorf("case %q: %w", c.Name, err)
	}
	res := &Result{Action: c.Type, Index: c.IndexName, IndexInfo: json.RawMessage(create),
		DatasetInfo: DatasetInfo{FilePath: s.Path, BaseCount: s.Base.Rows(), QueryCount: s.Queries.Rows(), DataType: "sparse", Metric: "ip"}}
	idx, err := core.CreateIndex(c.IndexName, create)
	if err != nil {
		return nil, fmt.Errorf("case %q: %w", c.Name, err)
	}
	n := s.Base.Rows()
	labels := make([]int64, n)
	for i := range labels {
		labels[i] = int64(i)
	}
	t0 := time.Now()
	failed, err := idx.Build(&core.Dataset{NumElements: n, IDs: labels, SparseOffsets: s.Base.Offsets, SparseIDs: s.Base.IDs, SparseValues: s.Base.Values})
	if err != nil {
		return nil, fmt.Errorf("case %q: build: %w", c.Name, err)
	}
	build := time.Since(t0).Seconds()
	res.BuildDuration, res.TPS = ptr(build), ptr(float64(n)/build)
	res.BuildFailed = ptr(len(failed))
	res.IndexMemory = ptr(idx.GetMemoryUsage())
	if !c.HasSearch() {
		return res, nil
	}
	k := max(c.TopK, 1)
	gt, gtDist, gtk := s.Neighbors, s.Distances, s.GTK
	if gt == nil || gtk < k {
		r.logf("computing exact sparse ground truth (k=%d)", k)
		gt, gtDist = dataset.SparseGroundTruth(s.Base, s.Queries, k)
		gtk, res.GroundTruth = k, "computed"
	}
	nq := s.Queries.Rows()
	if c.SearchQueryCount > 0 {
		nq = min(nq, c.SearchQueryCount)
	}
	query := func(i int) *core.Dataset {
		lo, hi := s.Queries.Offsets[i], s.Queries.Offsets[i+1]
		return &core.Dataset{NumElements: 1, SparseOffsets: []int64{0, hi - lo}, SparseIDs: s.Queries.IDs[lo:hi], SparseValues: s.Queries.Values[lo:hi]}
	}
	lat := make([]float64, nq)
	recall := 0.0
	start := time.Now()
	for i := 0; i < nq; i++ {
		t := time.Now()
		got, err := idx.KnnSearch(query(i), k, c.SearchParams, nil)
		lat[i] = float64(time.Since(t).Nanoseconds()) / 1e6
		if err != nil {
			return nil, fmt.Errorf("case %q: search: %w", c.Name, err)
		}
		recall += sparseRecall(got, gt[i*gtk:i*gtk+k], gtDist, i*gtk+k-1, k)
	}
	wall := time.Since(start).Seconds()
	res.SearchMode, res.SearchParam, res.TopK, res.SearchCount = "knn", c.SearchParams, k, nq
	res.NumThreadsSearching = 1
	res.SearchDuration, res.QPS = ptr(wall), ptr(float64(nq)/wall)
	res.RecallAvg = ptr(recall / float64(max(nq, 1)))
	avg := 0.0
	for _, l := range lat {
		avg += l
	}
	res.LatencyAvg = ptr(avg / float64(max(nq, 1)))
	res.LatencyDetail = percentiles(lat, LatencyPercentiles)
	return res, nil
}

// sparseRecall is the share of the k true neighbours found; with distances, a result at most
// as far as the k-th true one counts (ties).
func sparseRecall(got *core.Dataset, truth []int64, gtDist []float32, kth, k int) float64 {
	want := map[int64]bool{}
	for _, t := range truth {
		if t >= 0 {
			want[t] = true
		}
	}
	if len(want) == 0 {
		return 1
	}
	hits := 0
	for j, id := range got.IDs {
		if want[id] || (gtDist != nil && kth < len(gtDist) && got.Distances[j] <= gtDist[kth]+1e-5) {
			hits++
		}
	}
	return float64(min(hits, len(want))) / float64(min(k, len(want)))
}

// sparseCreateParams completes a sparse create JSON: dtype sparse, metric ip and, when absent,
// dim = the longest row and index_param.term_id_limit = the largest term id + 1 (at least
// VSAG's default).
func sparseCreateParams(js string, s *dataset.SparseSet) (string, error) {
	m := map[string]any{}
	if js != "" {
		if err := json.Unmarshal([]byte(js), &m); err != nil {
			return "", fmt.Errorf("create_params: %w", err)
		}
	}
	m["dtype"], m["metric_type"] = "sparse", "ip"
	if _, ok := m["dim"]; !ok {
		longest := 1
		for i := 0; i < s.Base.Rows(); i++ {
			longest = max(longest, int(s.Base.Offsets[i+1]-s.Base.Offsets[i]))
		}
		m["dim"] = longest
	}
	ip, _ := m["index_param"].(map[string]any)
	if ip == nil {
		ip = map[string]any{}
		m["index_param"] = ip
	}
	if _, ok := ip["term_id_limit"]; !ok {
		top := uint32(0)
		for _, t := range s.Base.IDs {
			top = max(top, t)
		}
		ip["term_id_limit"] = max(int64(top)+1, 1_000_000)
	}
	b, err := json.Marshal(m)
	return string(b), err
}
