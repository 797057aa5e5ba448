package eval

import (
	"encoding/json"
	"fmt"
	workers "github.com/govsag/vsag/internal/parallel"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

// DatasetInfo describes the dataset of a result (VSAG's "dataset_info").
type DatasetInfo struct {
	FilePath   string `json:"filepath"`
	Dim        int    `json:"dim"`
	BaseCount  int    `json:"base_count"`
	QueryCount int    `json:"query_count"`
	DataType   string `json:"data_type"`
	Metric     string `json:"metric"`
}

// Result holds one case's metrics under VSAG's eval_performance keys; absent (disabled or
// not applicable) metrics are left out of the JSON.
type Result struct {
	Action      string          `json:"action"`
	Index       string          `json:"index"`
	IndexInfo   json.RawMessage `json:"index_info"`
	DatasetInfo DatasetInfo     `json:"dataset_info"`

	BuildDuration        *float64 `json:"duration(s),omitempty"`
	TPS                  *float64 `json:"tps,omitempty"`
	MemoryPeakBuild      string   `json:"memory_peak(build),omitempty"`
	MemoryPeakBuildBytes *int64   `json:"memory_peak_bytes(build),omitempty"`
	IndexMemory          *int64   `json:"index_memory(B),omitempty"`
	IndexSize            *int64   `json:"index_serialized_size(B),omitempty"`
	BuildFailed          *int     `json:"build_failed_count,omitempty"`
	NumThreadsBuilding   int      `json:"num_threads_building,omitempty"`

	SearchMode            string             `json:"search_mode,omitempty"`
	SearchParam           string             `json:"search_param,omitempty"`
	TopK                  int                `json:"topk,omitempty"`
	Radius                *float32           `json:"range,omitempty"`
	SearchCount           int                `json:"search_query_count,omitempty"`
	NumThreadsSearching   int                `json:"num_threads_searching,omitempty"`
	SearchDuration        *float64           `json:"search_duration(s),omitempty"`
	QPS                   *float64           `json:"qps,omitempty"`
	LatencyAvg            *float64           `json:"latency_avg(ms),omitempty"`
	LatencyDetail         map[string]float64 `json:"latency_detail(ms),omitempty"`
	RecallAvg             *float64           `json:"recall_avg,omitempty"`
	RecallDetail          map[string]float64 `json:"recall_detail,omitempty"`
	MemoryPeakSearch      string             `json:"memory_peak(search),omitempty"`
	MemoryPeakSearchBytes *int64             `json:"memory_peak_bytes(search),omitempty"`
	GroundTruth           string             `json:"ground_truth,omitempty"`
}

// Named is a result with its case name; exporters take a list of them in run order.
type Named struct {
	Name   string
	Result *Result
}

func ptr[T any](v T) *T { return &v }

// Runner runs cases. It keeps loaded datasets and computed ground truth between cases, so a
// YAML file or a sweep over one dataset loads and answers it once.
type Runner struct {
	// Log receives notes (ground-truth source, fallbacks); nil discards them.
	Log io.Writer
	// Progress enables progress bars on Log.
	Progress bool

	sets   map[string]*dataset.Set
	truths map[string]*dataset.Truth
}

// NewRunner returns a Runner writing notes (and, when progress is set, progress bars) to log.
func NewRunner(log io.Writer, progress bool) *Runner {
	return &Runner{Log: log, Progress: progress, sets: map[string]*dataset.Set{}, truths: map[string]*dataset.Truth{}}
}

func (r *Runner) logf(format string, a ...any) {
	if r.Log != nil {
		fmt.Fprintf(r.Log, format+"\n", a...)
	}
}

// Dataset loads (once) the dataset at path.
func (r *Runner) Dataset(path string) (*dataset.Set, error) {
	if s, ok := r.sets[path]; ok {
		return s, nil
	}
	t0 := time.Now()
	s, err := dataset.Load(path, dataset.LoadOptions{})
	if err != nil {
		return nil, err
	}
	if s.DType == "" {
		s.DType = "float32"
	}
	r.logf("dataset %s: %d base vectors, %d queries, dim %d, %s (loaded in %.1fs)", s.Name, s.NumBase(), s.NumQueries(), s.Dim, s.DType, time.Since(t0).Seconds())
	r.sets[path] = s
	return s, nil
}

// prepared is a case with its dataset and completed create parameters.
type prepared struct {
	set    *dataset.Set
	create string
	metric string
	dtype  string
}

// CompleteCreateParams fills "dim", "dtype" and "metric_type" from the dataset when the create
// JSON lacks them, and returns the JSON with the metric and dtype it ends up with.
func CompleteCreateParams(createJSON string, s *dataset.Set) (string, string, string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(createJSON), &m); err != nil {
		return "", "", "", fmt.Errorf("create_params: %w", err)
	}
	changed := false
	if _, ok := m["dim"]; !ok {
		m["dim"] = json.RawMessage(fmt.Sprint(s.Dim))
		changed = true
	}
	if _, ok := m["dtype"]; !ok {
		dt := s.DType
		if dt == "" {
			dt = "float32"
		}
		m["dtype"], _ = json.Marshal(dt)
		changed = true
	}
	if _, ok := m["metric_type"]; !ok {
		if s.Metric == "" {
			return "", "", "", fmt.Errorf("create_params: metric_type is missing and the dataset does not say which metric it uses")
		}
		m["metric_type"], _ = json.Marshal(s.Metric)
		changed = true
	}
	var metric, dtype string
	if err := json.Unmarshal(m["metric_type"], &metric); err != nil {
		return "", "", "", fmt.Errorf("create_params: metric_type must be a string")
	}
	if err := json.Unmarshal(m["dtype"], &dtype); err != nil {
		return "", "", "", fmt.Errorf("create_params: dtype must be a string")
	}
	if !changed {
		return createJSON, metric, dtype, nil
	}
	b, err := json.Marshal(m)
	return string(b), metric, dtype, err
}

func (r *Runner) prepare(c *Config) (*prepared, error) {
	s, err := r.Dataset(c.DataPath)
	if err != nil {
		return nil, err
	}
	create, metric, dtype, err := CompleteCreateParams(c.CreateParams, s)
	if err != nil {
		return nil, fmt.Errorf("case %q: %w", c.Name, err)
	}
	switch metric {
	case "l2", "ip", "cosine":
	default:
		return nil, fmt.Errorf("case %q: metric_type %q is not l2, ip or cosine", c.Name, metric)
	}
	if s.Metric != "" && s.Metric != metric {
		r.logf("note: the dataset's metric is %s but the index uses %s; ground truth is computed for %s", s.Metric, metric, metric)
	}
	return &prepared{set: s, create: create, metric: metric, dtype: dtype}, nil
}

func (p *prepared) info() DatasetInfo {
	return DatasetInfo{FilePath: p.set.Path, Dim: p.set.Dim, BaseCount: p.set.NumBase(), QueryCount: p.set.NumQueries(), DataType: p.set.DType, Metric: p.metric}
}

func newResult(c *Config, p *prepared) *Result {
	return &Result{Action: c.Type, Index: c.IndexName, IndexInfo: json.RawMessage(p.create), DatasetInfo: p.info()}
}

// Run runs one case (build, search or both) and returns its metrics. A case with a sweep
// runs through RunSweep instead.
func (r *Runner) Run(c *Config) (*Result, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.IndexName == "sindi" {
		return r.runSparse(c)
	}
	if dataset.IsMultiVectorHDF5(c.DataPath) {
		return r.runMultiVector(c)
	}
	p, err := r.prepare(c)
	if err != nil {
		return nil, err
	}
	res := newResult(c, p)
	var idx *core.Index
	if c.HasBuild() {
		if idx, err = r.build(c, p, c.IndexName, p.create, res); err != nil {
			return nil, err
		}
	}
	if !c.HasSearch() {
		return res, nil
	}
	if idx == nil {
		if idx, err = r.load(c, p); err != nil {
			return nil, err
		}
	}
	if err := r.search(c, p, idx, c.SearchParams, res); err != nil {
		return nil, err
	}
	if c.DeleteIndexAfterSearch && c.IndexPath != "" {
		if err := os.Remove(c.IndexPath); err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("case %q: delete index: %w", c.Name, err)
		}
	}
	return res, nil
}

func (r *Runner) build(c *Config, p *prepared, indexName, create string, res *Result) (*core.Index, error) {
	idx, err := core.CreateIndex(indexName, create)
	if err != nil {
		return nil, fmt.Errorf("case %q: create %s: %w", c.Name, indexName, err)
	}
	s := p.set
	n := s.NumBase()
	ds := &core.Dataset{NumElements: n, Dim: s.Dim, IDs: make([]int64, n)}
	for i := range ds.IDs {
		ds.IDs[i] = int64(i)
	}
	if p.dtype == "int8" {
		ds.Int8 = make([]int8, len(s.Base))
		for i, x := range s.Base {
			ds.Int8[i] = int8(max(-128, min(127, x)))
		}
	} else {
		ds.Float32 = s.Base
	}
	threads := runtime.GOMAXPROCS(0)
	if c.NumThreadsBuilding > 0 {
		old := runtime.GOMAXPROCS(c.NumThreadsBuilding)
		defer runtime.GOMAXPROCS(old)
		threads = c.NumThreadsBuilding
	}
	runtime.GC()
	var mem *memMonitor
	if !c.DisableMemory {
		mem = startMemMonitor()
	}
	bar := StartProgress(r.Log, r.Progress, fmt.Sprintf("building %s on %d vectors", indexName, n), int64(n))
	if bar != nil {
		var last int64 // the index reports done so far, one call at a time
		idx.SetProgress(func(_ string, done, _ int64) bool {
			bar.Add(done - last)
			last = done
			return true
		})
		defer idx.SetProgress(nil)
	}
	t0 := time.Now()
	failed, err := idx.Build(ds)
	dur := time.Since(t0).Seconds()
	bar.Done()
	var peak int64
	if mem != nil {
		peak = mem.Stop()
	}
	if err != nil {
		return nil, fmt.Errorf("case %q: build %s: %w", c.Name, indexName, err)
	}
	r.logf("built %s on %d vectors in %.2fs", indexName, n, dur)
	res.BuildDuration = ptr(dur)
	res.NumThreadsBuilding = threads
	if !c.DisableTPS && dur > 0 {
		res.TPS = ptr(float64(n) / dur)
	}
	if mem != nil {
		res.MemoryPeakBuild = HumanBytes(peak)
		res.MemoryPeakBuildBytes = ptr(peak)
	}
	res.IndexMemory = ptr(idx.GetMemoryUsage())
	if len(failed) > 0 {
		res.BuildFailed = ptr(len(failed))
		r.logf("note: %d vectors failed to insert", len(failed))
	}
	if c.IndexPath != "" && indexName == c.IndexName {
		if dir := filepath.Dir(c.IndexPath); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("case %q: %w", c.Name, err)
			}
		}
		if err := idx.SerializeFile(c.IndexPath); err != nil {
			return nil, fmt.Errorf("case %q: save index: %w", c.Name, err)
		}
		if st, err := os.Stat(c.IndexPath); err == nil {
			res.IndexSize = ptr(st.Size())
		}
	}
	return idx, nil
}

func (r *Runner) load(c *Config, p *prepared) (*core.Index, error) {
	idx, err := core.CreateIndex(c.IndexName, p.create)
	if err != nil {
		return nil, fmt.Errorf("case %q: create %s: %w", c.Name, c.IndexName, err)
	}
	if err := idx.DeserializeFile(c.IndexPath); err != nil {
		return nil, fmt.Errorf("case %q: load %s: %w", c.Name, c.IndexPath, err)
	}
	return idx, nil
}

// queryPlan says which queries a search case runs and what the right answers are.
type queryPlan struct {
	distinct int // queries used (the first `distinct` of the dataset)
	count    int // measured searches (cycling through the distinct ones)
	truth    *dataset.Truth
	filter   func(qi int) core.Filter
	source   string // where the truth came from
}

func isRange(mode string) bool  { return mode == "range" || mode == "range_filter" }
func isFilter(mode string) bool { return mode == "knn_filter" || mode == "range_filter" }

// labels returns the dataset's filter labels, inventing "row mod 10" labels (with a note)
// when it has none.
func (r *Runner) labels(s *dataset.Set) ([]int64, []int64) {
	if s.BaseLabels != nil && s.QueryLabels != nil {
		return s.BaseLabels, s.QueryLabels
	}
	r.logf("note: the dataset has no train_labels/test_labels; filtering with label = row mod 10")
	bl := make([]int64, s.NumBase())
	for i := range bl {
		bl[i] = int64(i % 10)
	}
	ql := make([]int64, s.NumQueries())
	for i := range ql {
		ql[i] = int64(i % 10)
	}
	s.BaseLabels, s.QueryLabels = bl, ql
	return bl, ql
}

func (r *Runner) plan(c *Config, p *prepared) (*queryPlan, error) {
	s := p.set
	nq := s.NumQueries()
	if nq == 0 {
		return nil, fmt.Errorf("case %q: the dataset has no queries", c.Name)
	}
	qp := &queryPlan{count: c.SearchQueryCount}
	if qp.count == 0 {
		qp.count = nq
	}
	qp.distinct = min(nq, qp.count)
	spec := dataset.TruthSpec{Metric: p.metric, K: c.TopK, Range: isRange(c.SearchMode), Radius: c.Range}
	if isFilter(c.SearchMode) {
		bl, ql := r.labels(s)
		spec.BaseLabels, spec.QueryLabels = bl, ql[:qp.distinct]
		counts := map[int64]int{}
		for _, l := range bl {
			counts[l]++
		}
		qp.filter = func(qi int) core.Filter {
			want := ql[qi]
			ratio := float32(counts[want]) / float32(len(bl))
			return core.KeepFunc(func(label int64) bool {
				return label >= 0 && label < int64(len(bl)) && bl[label] == want
			}, ratio)
		}
	}
	useFile := !spec.Range && !isFilter(c.SearchMode) && s.Neighbors != nil && s.GTK >= c.TopK &&
		(s.Metric == "" || s.Metric == p.metric)
	if useFile {
		qp.truth = fileTruth(s, p.metric, c.TopK, qp.distinct)
		qp.source = "file"
		return qp, nil
	}
	key := fmt.Sprintf("%s|%s|%d|%v|%g|%v|%d", c.DataPath, p.metric, c.TopK, spec.Range, spec.Radius, spec.BaseLabels != nil, qp.distinct)
	if t, ok := r.truths[key]; ok {
		qp.truth, qp.source = t, "computed"
		return qp, nil
	}
	t0 := time.Now()
	bar := StartProgress(r.Log, r.Progress, fmt.Sprintf("exact ground truth for %d queries", qp.distinct), 0)
	t, hit, err := dataset.CachedTruth(c.CacheDir, s.Base, s.Queries[:qp.distinct*s.Dim], s.Dim, spec)
	bar.Done()
	if err != nil {
		r.logf("note: %v", err)
	}
	if hit {
		qp.source = "cached"
		r.logf("ground truth: read from the cache in %s", c.CacheDir)
	} else {
		qp.source = "computed"
		r.logf("ground truth: computed exactly for %d queries in %.2fs", qp.distinct, time.Since(t0).Seconds())
	}
	r.truths[key] = t
	qp.truth = t
	return qp, nil
}

// fileTruth turns the dataset's neighbour lists into Truth rows with distances recomputed in
// the index's units.
func fileTruth(s *dataset.Set, metric string, k, nq int) *dataset.Truth {
	t := &dataset.Truth{Offsets: make([]int64, nq+1)}
	nb := s.NumBase()
	for qi := 0; qi < nq; qi++ {
		q := s.Queries[qi*s.Dim : (qi+1)*s.Dim]
		for _, id := range s.Neighbors[qi*s.GTK : qi*s.GTK+k] {
			if id < 0 || int(id) >= nb {
				continue
			}
			t.IDs = append(t.IDs, id)
			t.Dists = append(t.Dists, dataset.Distance(metric, q, s.Base[int(id)*s.Dim:(int(id)+1)*s.Dim]))
		}
		t.Offsets[qi+1] = int64(len(t.IDs))
	}
	return t
}

// search measures c's search mode on idx with searchJSON and fills res.
func (r *Runner) search(c *Config, p *prepared, idx *core.Index, searchJSON string, res *Result) error {
	if c.SetImmutable {
		if err := idx.SetImmutable(); err != nil {
			return fmt.Errorf("case %q: set immutable: %w", c.Name, err)
		}
	}
	qp, err := r.plan(c, p)
	if err != nil {
		return err
	}
	s := p.set
	dim := s.Dim
	one := func(i int) ([]core.Neighbor, error) {
		qi := i % qp.distinct
		q := s.Queries[qi*dim : (qi+1)*dim]
		var f core.Filter
		if qp.filter != nil {
			f = qp.filter(qi)
		}
		if isRange(c.SearchMode) {
			return idx.RangeSearchVector(q, c.Range, searchJSON, f, -1)
		}
		return idx.Search(q, c.TopK, searchJSON, f)
	}
	threads := max(1, c.NumThreadsSearching)
	bar := StartProgress(r.Log, r.Progress, "searching", int64(c.WarmupQueryCount+qp.count))
	defer bar.Done()
	// warm-up: unmeasured
	if _, err := parallel(c.WarmupQueryCount, threads, bar, func(i int) error { _, err := one(i); return err }); err != nil {
		return fmt.Errorf("case %q: search: %w", c.Name, err)
	}
	runtime.GC()
	lat := make([]float64, qp.count)
	got := make([][]core.Neighbor, qp.count)
	var mem *memMonitor
	if !c.DisableMemory {
		mem = startMemMonitor()
	}
	wall, err := parallel(qp.count, threads, bar, func(i int) error {
		t := time.Now()
		ns, err := one(i)
		lat[i] = float64(time.Since(t).Nanoseconds()) / 1e6
		got[i] = ns
		return err
	})
	var peak int64
	if mem != nil {
		peak = mem.Stop()
	}
	if err != nil {
		return fmt.Errorf("case %q: search: %w", c.Name, err)
	}
	res.SearchMode = c.SearchMode
	res.SearchParam = searchJSON
	if isRange(c.SearchMode) {
		res.Radius = ptr(c.Range)
	} else {
		res.TopK = c.TopK
	}
	res.SearchCount = qp.count
	res.NumThreadsSearching = threads
	res.SearchDuration = ptr(wall.Seconds())
	res.GroundTruth = qp.source
	if !c.DisableQPS && wall > 0 {
		res.QPS = ptr(float64(qp.count) / wall.Seconds())
	}
	if !c.DisableLatency {
		res.LatencyAvg = ptr(Mean(lat))
	}
	if !c.DisablePercentLatency {
		res.LatencyDetail = percentiles(lat, LatencyPercentiles)
	}
	if mem != nil {
		res.MemoryPeakSearch = HumanBytes(peak)
		res.MemoryPeakSearchBytes = ptr(peak)
	}
	if !c.DisableRecall || !c.DisablePercentRecall {
		rec := make([]float64, qp.count)
		for i, ns := range got {
			rec[i] = r.recallOf(p, qp, c.SearchMode, i%qp.distinct, ns)
		}
		if !c.DisableRecall {
			res.RecallAvg = ptr(Mean(rec))
		}
		if !c.DisablePercentRecall {
			res.RecallDetail = percentiles(rec, RecallPercentiles)
		}
	}
	return nil
}

// recallOf scores one query's results against the truth.
func (r *Runner) recallOf(p *prepared, qp *queryPlan, mode string, qi int, ns []core.Neighbor) float64 {
	ids := make([]int64, len(ns))
	for i, n := range ns {
		ids[i] = n.ID
	}
	tIDs, tD := qp.truth.Row(qi)
	if isRange(mode) {
		return RangeRecall(ids, tIDs)
	}
	return KNNRecall(ids, resultDistances(p, qi, ids), tD)
}

// resultDistances recomputes the distances of returned ids from the dataset's vectors, so
// that the index's own (possibly quantized) distances never decide recall; unknown ids get +Inf.
func resultDistances(p *prepared, qi int, ids []int64) []float32 {
	s := p.set
	q := s.Queries[qi*s.Dim : (qi+1)*s.Dim]
	out := make([]float32, len(ids))
	nb := int64(s.NumBase())
	for i, id := range ids {
		if id < 0 || id >= nb {
			out[i] = float32(1e38)
			continue
		}
		out[i] = dataset.Distance(p.metric, q, s.Base[id*int64(s.Dim):(id+1)*int64(s.Dim)])
	}
	return out
}

// parallel runs f(0..n-1) on `threads` goroutines, each taking the next index when free, and
// returns the wall time. The first error stops the run.
func parallel(n, threads int, bar *Progress, f func(i int) error) (time.Duration, error) {
	t0 := time.Now()
	err := workers.For(n, threads, func(_, i int) error {
		if err := f(i); err != nil {
			return err
		}
		bar.Add(1)
		return nil
	})
	return time.Since(t0), err
}
