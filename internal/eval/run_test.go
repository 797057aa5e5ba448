package eval

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

func testCase(t *testing.T, mutate func(c *Config)) *Config {
	c := Defaults()
	c.Name = t.Name()
	c.DataPath = "generated:2000,40,16"
	c.Type = "build,search"
	c.IndexName = "brute_force"
	c.CreateParams = `{"index_param":{"base_quantization_type":"fp32"}}`
	c.SearchParams = "{}"
	c.IndexPath = ""
	c.WarmupQueryCount = 5
	c.CacheDir = t.TempDir()
	if mutate != nil {
		mutate(&c)
	}
	return &c
}

func TestRunBruteForceModes(t *testing.T) {
	// the radius used below catches neighbours, so range recall is not trivially 1
	s, err := dataset.Load("generated:2000,40,16", dataset.LoadOptions{})
	require.NoError(t, err)
	rt := dataset.ComputeTruth(s.Base, s.Queries, s.Dim, dataset.TruthSpec{Metric: "l2", Range: true, Radius: 25})
	require.Greater(t, len(rt.IDs), 40)
	r := NewRunner(io.Discard, false)
	for _, mode := range []string{"knn", "range", "knn_filter", "range_filter"} {
		t.Run(mode, func(t *testing.T) {
			res, err := r.Run(testCase(t, func(c *Config) { c.SearchMode = mode; c.Range = 25 }))
			require.NoError(t, err)
			require.Equal(t, 1.0, *res.RecallAvg, "exact search finds everything")
			require.Equal(t, 1.0, res.RecallDetail["p0"])
			require.Greater(t, *res.QPS, 0.0)
			require.Greater(t, *res.LatencyAvg, 0.0)
			require.LessOrEqual(t, res.LatencyDetail["p50"], res.LatencyDetail["p99"])
			require.Greater(t, *res.TPS, 0.0)
			require.Greater(t, *res.IndexMemory, int64(0))
			require.NotEmpty(t, res.MemoryPeakBuild)
			require.NotEmpty(t, res.MemoryPeakSearch)
			require.Equal(t, 40, res.SearchCount)
			require.Equal(t, "computed", res.GroundTruth)
			require.Equal(t, mode, res.SearchMode)
			require.Nil(t, res.IndexSize, "in-memory case writes no file")
		})
	}
}

func TestRunRecallIsMeasured(t *testing.T) {
	// a 4-bit quantized scan loses neighbours: the measured recall must show it
	r := NewRunner(io.Discard, false)
	res, err := r.Run(testCase(t, func(c *Config) {
		c.CreateParams = `{"index_param":{"base_quantization_type":"sq4_uniform"}}`
		c.DataPath = "generated:2000,40,64"
	}))
	require.NoError(t, err)
	require.Less(t, *res.RecallAvg, 0.99)
	require.Greater(t, *res.RecallAvg, 0.2)
	require.LessOrEqual(t, res.RecallDetail["p0"], res.RecallDetail["p90"])
}

func TestRunDisableSwitchesAndCycling(t *testing.T) {
	r := NewRunner(io.Discard, false)
	res, err := r.Run(testCase(t, func(c *Config) {
		c.DisableRecall, c.DisablePercentRecall, c.DisableQPS, c.DisableTPS = true, true, true, true
		c.DisableMemory, c.DisableLatency, c.DisablePercentLatency = true, true, true
		c.SearchQueryCount = 100 // 40 queries cycled
		c.NumThreadsSearching = 3
		c.NumThreadsBuilding = 1
	}))
	require.NoError(t, err)
	require.Nil(t, res.RecallAvg)
	require.Nil(t, res.RecallDetail)
	require.Nil(t, res.QPS)
	require.Nil(t, res.TPS)
	require.Empty(t, res.MemoryPeakBuild)
	require.Empty(t, res.MemoryPeakSearch)
	require.Nil(t, res.LatencyAvg)
	require.Nil(t, res.LatencyDetail)
	require.Equal(t, 100, res.SearchCount)
	require.Equal(t, 3, res.NumThreadsSearching)
	require.Equal(t, 1, res.NumThreadsBuilding)
	require.NotNil(t, res.BuildDuration, "build time is always reported")
}

func TestRunBuildThenSearchFromFile(t *testing.T) {
	r := NewRunner(io.Discard, false)
	path := filepath.Join(t.TempDir(), "idx", "bf.index")
	res, err := r.Run(testCase(t, func(c *Config) { c.Type = "build"; c.IndexPath = path }))
	require.NoError(t, err)
	require.Equal(t, "build", res.Action)
	require.Nil(t, res.QPS)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, st.Size(), *res.IndexSize)

	res, err = r.Run(testCase(t, func(c *Config) {
		c.Type = "search"
		c.IndexPath = path
		c.DeleteIndexAfterSearch = true
		c.SetImmutable = true
	}))
	require.NoError(t, err)
	require.Equal(t, 1.0, *res.RecallAvg)
	require.Nil(t, res.BuildDuration)
	_, err = os.Stat(path)
	require.True(t, os.IsNotExist(err), "index deleted after search")

	_, err = r.Run(testCase(t, func(c *Config) { c.Type = "search"; c.IndexPath = path }))
	require.Error(t, err, "no index file")
	_, err = r.Run(testCase(t, func(c *Config) { c.IndexName = "no_such_index" }))
	require.Error(t, err)
	_, err = r.Run(testCase(t, func(c *Config) { c.DataPath = "/no/such/file.fvecs" }))
	require.Error(t, err)
}

func TestCompleteCreateParams(t *testing.T) {
	s := &dataset.Set{Dim: 7, DType: "int8", Metric: "ip"}
	js, metric, dtype, err := CompleteCreateParams(`{"index_param":{"max_degree":8}}`, s)
	require.NoError(t, err)
	require.JSONEq(t, `{"dim":7,"dtype":"int8","metric_type":"ip","index_param":{"max_degree":8}}`, js)
	require.Equal(t, "ip", metric)
	require.Equal(t, "int8", dtype)
	full := `{"dim":7,"dtype":"float32","metric_type":"cosine"}`
	js, metric, _, err = CompleteCreateParams(full, s)
	require.NoError(t, err)
	require.Equal(t, full, js, "complete parameters are kept verbatim")
	require.Equal(t, "cosine", metric)
	_, _, _, err = CompleteCreateParams(`{}`, &dataset.Set{Dim: 3})
	require.ErrorContains(t, err, "metric_type")
}

func TestRunHGraph(t *testing.T) {
	if !slices.Contains(core.IndexNames(), "hgraph") {
		t.Skip("hgraph is not registered")
	}
	r := NewRunner(io.Discard, false)
	res, err := r.Run(testCase(t, func(c *Config) {
		c.DataPath = "generated:3000,50,32"
		c.IndexName = "hgraph"
		c.CreateParams = `{"dtype":"float32","metric_type":"l2","dim":32,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100}}`
		c.SearchParams = `{"hgraph":{"ef_search":100}}`
	}))
	require.NoError(t, err)
	require.Greater(t, *res.RecallAvg, 0.95)
}

// TestRunIVFBuildThenSearch: ivf trains on the build, is saved and loaded back, and its
// recall grows with the buckets scanned.
func TestRunIVFBuildThenSearch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ivf.index")
	create := `{"dtype":"float32","metric_type":"l2","dim":16,"index_param":{"buckets_count":32,"base_quantization_type":"sq8","use_reorder":true}}`
	r := NewRunner(io.Discard, false)
	_, err := r.Run(testCase(t, func(c *Config) {
		c.Type, c.IndexName, c.CreateParams, c.IndexPath = "build", "ivf", create, path
	}))
	require.NoError(t, err)
	prev := 0.0
	for _, probe := range []string{"1", "8", "32"} {
		res, err := r.Run(testCase(t, func(c *Config) {
			c.Type, c.IndexName, c.CreateParams, c.IndexPath = "search", "ivf", create, path
			c.SearchParams = `{"ivf":{"scan_buckets_count":` + probe + `,"factor":4}}`
		}))
		require.NoError(t, err)
		require.GreaterOrEqual(t, *res.RecallAvg, prev, "scan_buckets_count %s", probe)
		prev = *res.RecallAvg
	}
	require.Greater(t, prev, 0.97)
}

func writeTestHDF5(t *testing.T, metric string) string {
	t.Helper()
	if err := exec.Command(dataset.Python(), "-c", "import h5py, numpy").Run(); err != nil {
		if os.Getenv("VSAG_REQUIRE_PY") == "1" {
			t.Fatalf("python3 with h5py is required: %v", err)
		}
		t.Skipf("python3 with h5py is not available: %v", err)
	}
	s := dataset.Generated(1500, 30, 12, 9)
	s.Metric = metric
	truth := dataset.ComputeTruth(s.Base, s.Queries, s.Dim, dataset.TruthSpec{Metric: metric, K: 20})
	s.Neighbors, s.Distances, s.GTK = truth.IDs, truth.Dists, 20
	p := filepath.Join(t.TempDir(), "gen-12-"+dataset.DistanceName(metric)+".hdf5")
	require.NoError(t, dataset.WriteHDF5(p, s))
	return p
}

func TestMainYAMLOnHDF5(t *testing.T) {
	h5 := writeTestHDF5(t, "l2")
	dir := t.TempDir()
	yml := `
global:
  num_threads_searching: 2
  cache_dir: ` + filepath.Join(dir, "cache") + `
  exporters:
    table:
      to: stdout
      format: table
    json:
      to: "file://` + filepath.Join(dir, "r.json") + `"
      format: json
    lp:
      to: "file://` + filepath.Join(dir, "r.lp") + `"
      format: line_protocol
build_bf:
  datapath: ` + h5 + `
  type: build
  index_name: brute_force
  create_params: '{"index_param":{"base_quantization_type":"fp32"}}'
  index_path: ` + filepath.Join(dir, "bf.idx") + `
search_bf:
  datapath: ` + h5 + `
  type: search
  index_name: brute_force
  create_params: '{"index_param":{"base_quantization_type":"fp32"}}'
  search_params: '{}'
  index_path: ` + filepath.Join(dir, "bf.idx") + `
  topk: 10
  warmup_query_count: 0
cosine_recomputed:
  datapath: ` + h5 + `
  type: build,search
  index_name: brute_force
  create_params: '{"metric_type":"cosine"}'
  search_params: '{}'
  index_path: ""
`
	cfg := filepath.Join(dir, "eval.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte(yml), 0o644))
	var stdout, stderr bytes.Buffer
	code := Main([]string{cfg, "--progress", "off"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Contains(t, stdout.String(), "| metric")
	require.Contains(t, stdout.String(), "search_bf")

	var m map[string]Result
	data, err := os.ReadFile(filepath.Join(dir, "r.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &m))
	require.Len(t, m, 3)
	require.Equal(t, "file", m["search_bf"].GroundTruth, "the file's neighbors are used")
	require.Equal(t, 1.0, *m["search_bf"].RecallAvg)
	require.Equal(t, 2, m["search_bf"].NumThreadsSearching)
	require.Equal(t, 1500, m["search_bf"].DatasetInfo.BaseCount)
	require.Equal(t, "computed", m["cosine_recomputed"].GroundTruth, "another metric than the file's recomputes truth")
	require.Equal(t, 1.0, *m["cosine_recomputed"].RecallAvg)
	require.NotNil(t, m["build_bf"].IndexSize)
	require.Contains(t, stderr.String(), "the dataset's metric is l2 but the index uses cosine")

	lp, err := os.ReadFile(filepath.Join(dir, "r.lp"))
	require.NoError(t, err)
	require.Len(t, strings.Split(strings.TrimSpace(string(lp)), "\n"), 3)
	require.Contains(t, string(lp), "case_name=search_bf,index_name=brute_force")
}

func TestMainCLIFormats(t *testing.T) {
	dir := t.TempDir()
	args := []string{"-d", "generated:1000,20,8", "-t", "build,search", "-n", "brute_force", "-c", `{"metric_type":"l2"}`,
		"-s", "{}", "-i", "", "--cache-dir", dir, "--progress", "off"}
	for _, format := range []string{"table", "json", "line_protocol"} {
		t.Run(format, func(t *testing.T) {
			var stdout bytes.Buffer
			code := Main(append(args, "--format", format), &stdout, io.Discard)
			require.Equal(t, 0, code)
			switch format {
			case "table":
				require.Contains(t, stdout.String(), "| recall avg")
			case "json":
				var m map[string]Result
				require.NoError(t, json.Unmarshal(stdout.Bytes(), &m))
				require.Equal(t, 1.0, *m["cli"].RecallAvg)
			case "line_protocol":
				require.True(t, strings.HasPrefix(stdout.String(), "performance,case_name=cli,"))
			}
		})
	}
	var stderr bytes.Buffer
	require.Equal(t, 2, Main([]string{"--type", "build"}, io.Discard, &stderr))
	require.Contains(t, stderr.String(), "datapath")
	require.Equal(t, 0, Main([]string{"-h"}, io.Discard, io.Discard))
	require.Equal(t, 1, Main([]string{"-d", "/nope.fvecs", "-t", "build", "-n", "brute_force", "-c", "{}"}, io.Discard, io.Discard))
}

func TestMainSweep(t *testing.T) {
	dir := t.TempDir()
	index, create, key := "brute_force", `{"metric_type":"l2"}`, ".parallelism=1,2"
	if slices.Contains(core.IndexNames(), "hgraph") {
		index = "hgraph"
		create = `{"metric_type":"l2","index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":80}}`
		key = "ef_search=10,40,160"
	}
	prefix := filepath.Join(dir, "out", "curve")
	args := []string{"-d", "generated:2000,50,16", "-t", "build,search", "-n", index, "-c", create,
		"-i", "", "--cache-dir", dir, "--sweep", key, "--sweep-output", prefix, "--sweep-baseline",
		"--format", "table", "--progress", "off"}
	withHNSW := exec.Command(dataset.Python(), "-c", "import hnswlib, numpy").Run() == nil && index == "hgraph"
	if withHNSW {
		args = append(args, "--hnswlib")
	}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, Main(args, &stdout, &stderr), stderr.String())
	require.Contains(t, stdout.String(), "| engine")
	require.Contains(t, stdout.String(), "brute_force (exact)")

	f, err := os.Open(prefix + ".csv")
	require.NoError(t, err)
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	require.NoError(t, err)
	want := 1 + 3 + 1 // header, our points, the baseline
	if index == "brute_force" {
		want = 1 + 2 + 1
	}
	if withHNSW {
		want += 3
	}
	require.Len(t, rows, want)
	require.Equal(t, "recall", rows[0][3])
	require.Equal(t, "brute_force (exact)", rows[len(rows)-1][0])
	require.Equal(t, "1", rows[len(rows)-1][3], "the exact baseline has recall 1")

	var sr SweepResult
	data, err := os.ReadFile(prefix + ".json")
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &sr))
	require.NotEmpty(t, sr.Curves[0].Points)
	if index == "hgraph" {
		pts := sr.Curves[0].Points
		require.LessOrEqual(t, pts[0].Recall, pts[len(pts)-1].Recall+1e-9, "larger ef does not lose recall")
	}
	if exec.Command(dataset.Python(), "-c", "import matplotlib").Run() == nil {
		png, err := os.ReadFile(prefix + ".png")
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")))
	}
}

func TestMainExportHDF5(t *testing.T) {
	writeTestHDF5(t, "l2") // skips without h5py
	out := filepath.Join(t.TempDir(), "x", "gen.hdf5")
	var stderr bytes.Buffer
	require.Equal(t, 0, Main([]string{"-d", "generated:500,20,8", "--export-hdf5", out, "--metric", "ip", "--progress", "off"}, io.Discard, &stderr), stderr.String())
	s, err := dataset.ReadHDF5(out)
	require.NoError(t, err)
	require.Equal(t, 100, s.GTK)
	require.Equal(t, "l2", s.Metric, "generated data says l2; --metric only fills in a missing metric")
	src, _ := dataset.Load("generated:500,20,8", dataset.LoadOptions{})
	require.Equal(t, src.Base, s.Base)
	require.Equal(t, dataset.GroundTruth(src.Base, src.Queries, 8, 100, "l2"), s.Neighbors)
	_, err = ParseArgs([]string{"--export-hdf5", out}, io.Discard)
	require.Error(t, err, "needs --datapath")
	_, err = ParseArgs([]string{"-d", "x", "--export-hdf5", out, "--metric", "hamming"}, io.Discard)
	require.Error(t, err)
}
