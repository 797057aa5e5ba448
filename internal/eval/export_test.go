package eval

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestKNNRecallHandMade(t *testing.T) {
	cases := []struct {
		name   string
		ids    []int64
		dists  []float32
		truthD []float32
		want   float64
	}{
		{"all found", []int64{1, 2, 3}, []float32{0.1, 0.2, 0.3}, []float32{0.1, 0.2, 0.3}, 1},
		{"one beyond the k-th", []int64{1, 2, 9}, []float32{0.1, 0.2, 0.5}, []float32{0.1, 0.2, 0.3}, 2.0 / 3},
		{"tie at the boundary counts", []int64{1, 2, 7}, []float32{0.1, 0.2, 0.3}, []float32{0.1, 0.2, 0.3}, 1},
		{"within rounding of the boundary", []int64{5}, []float32{100.0001}, []float32{100}, 1},
		{"duplicates count once", []int64{1, 1, 1}, []float32{0.1, 0.1, 0.1}, []float32{0.1, 0.2, 0.3}, 1.0 / 3},
		{"padding ignored", []int64{1, -1, -1}, []float32{0.1, 0, 0}, []float32{0.1, 0.2, 0.3}, 1.0 / 3},
		{"fewer results", []int64{2}, []float32{0.2}, []float32{0.1, 0.2}, 0.5},
		{"nothing returned", nil, nil, []float32{0.1}, 0},
		{"no truth", []int64{4}, []float32{1}, nil, 1},
		{"never above 1", []int64{1, 2, 3, 4}, []float32{0, 0, 0, 0}, []float32{0, 0}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.InDelta(t, c.want, KNNRecall(c.ids, c.dists, c.truthD), 1e-12)
		})
	}
}

func TestRangeRecallAndPercentiles(t *testing.T) {
	require.Equal(t, 1.0, RangeRecall(nil, nil))
	require.Equal(t, 1.0, RangeRecall([]int64{3}, nil), "no truth: nothing to miss")
	require.Equal(t, 0.5, RangeRecall([]int64{1, 9, 1}, []int32{1, 2}))
	require.Equal(t, 1.0, RangeRecall([]int64{2, 1, 5}, []int32{1, 2}))

	v := []float64{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	p := percentiles(v, RecallPercentiles)
	require.Equal(t, map[string]float64{"p0": 1, "p10": 1, "p30": 3, "p50": 5, "p70": 7, "p90": 9}, p)
	p = percentiles(v, LatencyPercentiles)
	require.Equal(t, map[string]float64{"p50": 5, "p80": 8, "p90": 9, "p95": 9, "p99": 9}, p)
	require.Equal(t, 0.0, Percentile(nil, 0.5))
	require.Equal(t, 5.5, Mean(v))
	require.Equal(t, "1.50 KB", HumanBytes(1536))
	require.Equal(t, "12.00 B", HumanBytes(12))
}

func sampleResults() []Named {
	build := &Result{Action: "build,search", Index: "hgraph", IndexInfo: json.RawMessage(`{"dim":4}`),
		DatasetInfo:   DatasetInfo{FilePath: "/d/x.hdf5", Dim: 4, BaseCount: 100, QueryCount: 10, DataType: "float32", Metric: "l2"},
		BuildDuration: ptr(1.5), TPS: ptr(66.7), MemoryPeakBuild: "1.00 MB", MemoryPeakBuildBytes: ptr(int64(1 << 20)),
		IndexMemory: ptr(int64(4096)), IndexSize: ptr(int64(5000)),
		SearchMode: "knn", SearchParam: `{"hgraph":{"ef_search":10}}`, TopK: 10, SearchCount: 10, NumThreadsSearching: 1,
		QPS: ptr(1000.0), LatencyAvg: ptr(0.5), LatencyDetail: map[string]float64{"p50": 0.4, "p80": 0.6, "p90": 0.7, "p95": 0.8, "p99": 0.9},
		RecallAvg: ptr(0.95), RecallDetail: map[string]float64{"p0": 0.5, "p10": 0.8, "p30": 0.9, "p50": 1, "p70": 1, "p90": 1},
		MemoryPeakSearch: "2.00 KB", MemoryPeakSearchBytes: ptr(int64(2048)), GroundTruth: "file"}
	only := &Result{Action: "build", Index: "brute_force", IndexInfo: json.RawMessage(`{}`),
		DatasetInfo: DatasetInfo{FilePath: "/d/x.hdf5", Dim: 4, BaseCount: 100, DataType: "float32", Metric: "l2"}, BuildDuration: ptr(0.1)}
	return []Named{{"case a", build}, {"b", only}}
}

func TestFormatJSON(t *testing.T) {
	out, err := FormatJSON(sampleResults())
	require.NoError(t, err)
	var m map[string]map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &m))
	a := m["case a"]
	for _, k := range []string{"action", "index", "index_info", "dataset_info", "duration(s)", "tps", "memory_peak(build)",
		"index_memory(B)", "index_serialized_size(B)", "search_mode", "search_param", "qps", "latency_avg(ms)",
		"latency_detail(ms)", "recall_avg", "recall_detail", "memory_peak(search)"} {
		require.Contains(t, a, k)
	}
	require.Equal(t, 0.95, a["recall_avg"])
	require.Equal(t, 0.9, a["latency_detail(ms)"].(map[string]any)["p99"])
	require.Equal(t, float64(100), a["dataset_info"].(map[string]any)["base_count"])
	require.NotContains(t, m["b"], "qps", "absent metrics are left out")
	require.Less(t, strings.Index(out, `"case a"`), strings.Index(out, `"b"`), "run order is kept")
}

func TestFormatTable(t *testing.T) {
	out, err := FormatTable(sampleResults())
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Regexp(t, `^\| metric +\| +case a \| +b \|$`, lines[0])
	require.Regexp(t, `^\|-+\|-+:\|-+:\|$`, lines[1])
	width := len(lines[0])
	for _, l := range lines {
		require.Len(t, l, width, "aligned: %q", l)
	}
	for _, want := range []string{"| QPS ", "1000.0", "| recall avg ", "0.9500", "| recall p30 ", "| latency p99 (ms) ", "0.900",
		"| build time (s) ", "1.50", "| index file size ", "4.88 KB", "knn k=10", "memory peak (search)"} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "| search mode |  |  |", "rows no case has are left out")
}

func TestFormatLineProtocol(t *testing.T) {
	Now = func() time.Time { return time.Unix(0, 1700000000000000000) }
	defer func() { Now = time.Now }()
	out, err := FormatLineProtocol(sampleResults())
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	require.Len(t, lines, 2)
	re := regexp.MustCompile(`^performance(,[a-z_]+=(?:[^,= \\]|\\.)+)+ ([a-z_0-9]+=("(?:[^"\\]|\\.)*"|[-0-9.e+]+))(,[a-z_0-9]+=("(?:[^"\\]|\\.)*"|[-0-9.e+]+))* 1700000000000000000$`)
	for _, l := range lines {
		require.Regexp(t, re, l)
	}
	require.Contains(t, lines[0], `case_name=case\ a,index_name=hgraph,dtype=float32,metric=l2,search_mode=knn `)
	for _, f := range []string{"num_vectors=100", "dim=4", "build_time=1.5", "tps=66.7", "qps=1000", "latency_avg=0.5",
		"latency_p90=0.7", "latency_p95=0.8", "latency_p99=0.9", "recall_avg=0.95", "recall_p0=0.5", "index_size=5000",
		`search_param="{\"hgraph\":{\"ef_search\":10}}"`} {
		require.Contains(t, lines[0], f)
	}
	require.Contains(t, lines[1], "search_mode=- ")
	require.NotContains(t, lines[1], "qps=")
}

func TestExportDestinations(t *testing.T) {
	res := sampleResults()
	var stdout bytes.Buffer
	require.NoError(t, Export(Exporter{Name: "s", To: "stdout", Format: "table"}, res, &stdout))
	require.Contains(t, stdout.String(), "| metric")

	p := filepath.Join(t.TempDir(), "sub", "r.json")
	require.NoError(t, Export(Exporter{Name: "f", To: "file://" + p, Format: "json"}, res, io.Discard))
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	require.True(t, json.Valid(data))

	var got struct {
		auth, query, body string
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.auth, got.query, got.body = r.Header.Get("Authorization"), r.URL.RawQuery, string(b)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	to := "influxdb://" + strings.TrimPrefix(srv.URL, "http://") + "/api/v2/write?org=o&bucket=b"
	require.NoError(t, Export(Exporter{Name: "i", To: to, Format: "line_protocol", Vars: map[string]string{"token": "Token t"}}, res, io.Discard))
	require.Equal(t, "Token t", got.auth)
	require.Equal(t, "org=o&bucket=b", got.query)
	require.True(t, strings.HasPrefix(got.body, "performance,"))

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	}))
	defer bad.Close()
	err = Export(Exporter{Name: "i", To: "influxdb://" + strings.TrimPrefix(bad.URL, "http://") + "/w", Format: "line_protocol"}, res, io.Discard)
	require.ErrorContains(t, err, "401")
	require.Error(t, Export(Exporter{Name: "x", To: "stdout", Format: "yaml"}, res, io.Discard))
}

func TestMemMonitorSeesGrowth(t *testing.T) {
	m := startMemMonitor()
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	time.Sleep(20 * time.Millisecond)
	peak := m.Stop()
	require.GreaterOrEqual(t, peak, int64(60<<20))
	require.Equal(t, byte(0xff), buf[255])
}
