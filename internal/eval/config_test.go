package eval

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var baseArgs = []string{"--datapath", "d.hdf5", "--type", "build,search", "--index_name", "hgraph",
	"--create_params", `{"dim":4}`, "--search_params", `{"hgraph":{"ef_search":10}}`}

func TestParseArgsEveryFlag(t *testing.T) {
	cases := []struct {
		args  []string
		check func(t *testing.T, cli *CLI)
	}{
		{nil, func(t *testing.T, cli *CLI) {
			c := cli.Config
			require.Equal(t, "d.hdf5", c.DataPath)
			require.Equal(t, "build,search", c.Type)
			require.Equal(t, "hgraph", c.IndexName)
			require.Equal(t, `{"dim":4}`, c.CreateParams)
			require.Equal(t, `{"hgraph":{"ef_search":10}}`, c.SearchParams)
			require.Equal(t, DefaultIndexPath, c.IndexPath)
			require.Equal(t, "knn", c.SearchMode)
			require.Equal(t, 10, c.TopK)
			require.Equal(t, float32(0.5), c.Range)
			require.Equal(t, 1, c.NumThreadsSearching)
			require.Equal(t, "json", cli.Exporter.Format)
			require.Equal(t, "stdout", cli.Exporter.To)
			require.False(t, c.DisableRecall || c.DisableQPS || c.HNSWLib || c.Baseline)
		}},
		{[]string{"--index_path", "/x/i"}, func(t *testing.T, cli *CLI) { require.Equal(t, "/x/i", cli.Config.IndexPath) }},
		{[]string{"-i", "/y"}, func(t *testing.T, cli *CLI) { require.Equal(t, "/y", cli.Config.IndexPath) }},
		{[]string{"--search_mode", "range_filter"}, func(t *testing.T, cli *CLI) { require.Equal(t, "range_filter", cli.Config.SearchMode) }},
		{[]string{"--topk=25"}, func(t *testing.T, cli *CLI) { require.Equal(t, 25, cli.Config.TopK) }},
		{[]string{"--range", "1.5"}, func(t *testing.T, cli *CLI) { require.Equal(t, float32(1.5), cli.Config.Range) }},
		{[]string{"--search-query-count", "5000"}, func(t *testing.T, cli *CLI) { require.Equal(t, 5000, cli.Config.SearchQueryCount) }},
		{[]string{"--warmup-query-count", "7"}, func(t *testing.T, cli *CLI) { require.Equal(t, 7, cli.Config.WarmupQueryCount) }},
		{[]string{"--delete-index-after-search"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DeleteIndexAfterSearch) }},
		{[]string{"--set_immutable"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.SetImmutable) }},
		{[]string{"--num_threads_building", "3"}, func(t *testing.T, cli *CLI) { require.Equal(t, 3, cli.Config.NumThreadsBuilding) }},
		{[]string{"--num_threads_searching", "4"}, func(t *testing.T, cli *CLI) { require.Equal(t, 4, cli.Config.NumThreadsSearching) }},
		{[]string{"--disable_recall"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DisableRecall) }},
		{[]string{"--disable_percent_recall"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DisablePercentRecall) }},
		{[]string{"--disable_qps"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DisableQPS) }},
		{[]string{"--disable_tps"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DisableTPS) }},
		{[]string{"--disable_memory"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DisableMemory) }},
		{[]string{"--disable_latency"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DisableLatency) }},
		{[]string{"--disable_percent_latency=true"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.DisablePercentLatency) }},
		{[]string{"--sweep", "ef_search=1,2"}, func(t *testing.T, cli *CLI) { require.Equal(t, "ef_search=1,2", cli.Config.Sweep) }},
		{[]string{"--sweep-output", "out/s"}, func(t *testing.T, cli *CLI) { require.Equal(t, "out/s", cli.Config.SweepOutput) }},
		{[]string{"--hnswlib"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.HNSWLib) }},
		{[]string{"--sweep-baseline"}, func(t *testing.T, cli *CLI) { require.True(t, cli.Config.Baseline) }},
		{[]string{"--cache-dir", ""}, func(t *testing.T, cli *CLI) { require.Equal(t, "", cli.Config.CacheDir) }},
		{[]string{"--format", "line_protocol", "--output", "file:///tmp/x.lp"}, func(t *testing.T, cli *CLI) {
			require.Equal(t, "line_protocol", cli.Exporter.Format)
			require.Equal(t, "file:///tmp/x.lp", cli.Exporter.To)
		}},
		{[]string{"--progress", "off"}, func(t *testing.T, cli *CLI) { require.Equal(t, "off", cli.Progress) }},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			cli, err := ParseArgs(append(append([]string{}, baseArgs...), c.args...), io.Discard)
			require.NoError(t, err)
			c.check(t, cli)
		})
	}
}

func TestParseArgsShortFlags(t *testing.T) {
	cli, err := ParseArgs([]string{"-d", "x.fvecs", "-t", "search", "-n", "brute_force", "-c", "{}", "-s", "{}", "-i", "/tmp/i"}, io.Discard)
	require.NoError(t, err)
	c := cli.Config
	require.Equal(t, []string{"x.fvecs", "search", "brute_force", "{}", "{}", "/tmp/i"},
		[]string{c.DataPath, c.Type, c.IndexName, c.CreateParams, c.SearchParams, c.IndexPath})
}

func TestParseArgsErrors(t *testing.T) {
	cases := map[string][]string{
		"no datapath":     {"--type", "build", "--index_name", "x", "--create_params", "{}"},
		"no type":         {"--datapath", "d", "--index_name", "x", "--create_params", "{}"},
		"bad type":        {"--datapath", "d", "--type", "train", "--index_name", "x", "--create_params", "{}"},
		"no index":        {"--datapath", "d", "--type", "build", "--create_params", "{}"},
		"no create":       {"--datapath", "d", "--type", "build", "--index_name", "x"},
		"bad create json": {"--datapath", "d", "--type", "build", "--index_name", "x", "--create_params", "{"},
		"search no param": {"--datapath", "d", "--type", "search", "--index_name", "x", "--create_params", "{}"},
		"bad mode":        append(append([]string{}, baseArgs...), "--search_mode", "ann"),
		"bad topk":        append(append([]string{}, baseArgs...), "--topk", "0"),
		"bad format":      append(append([]string{}, baseArgs...), "--format", "xml"),
		"bad output":      append(append([]string{}, baseArgs...), "--output", "ftp://x"),
		"bad sweep":       append(append([]string{}, baseArgs...), "--sweep", "ef_search"),
		"sweep on build":  {"--datapath", "d", "--type", "build", "--index_name", "x", "--create_params", "{}", "--sweep", "a=1"},
		"unknown flag":    append(append([]string{}, baseArgs...), "--nope"),
		"stray argument":  append(append([]string{}, baseArgs...), "extra"),
		"bad progress":    append(append([]string{}, baseArgs...), "--progress", "maybe"),
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseArgs(args, io.Discard)
			require.Error(t, err)
		})
	}
}

func TestParseArgsYAMLPositional(t *testing.T) {
	cli, err := ParseArgs([]string{"cfg.yaml", "--progress", "on"}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, "cfg.yaml", cli.YAMLPath)
	require.Equal(t, "on", cli.Progress)
}

const fullYAML = `
global:
  num_threads_building: 3
  num_threads_searching: 2
  cache_dir: /tmp/gt
  exporters:
    print:
      to: stdout
      format: table
    save:
      to: "file:///tmp/r.json"
      format: json
    influx:
      to: "influxdb://127.0.0.1:8086/api/v2/write?org=o&bucket=b"
      format: line_protocol
      vars:
        token: "Token abc"
  http_server:
    enabled: true
    port: 8080

case_one:
  datapath: /data/sift.hdf5
  type: build,search
  index_name: hgraph
  create_params: '{"dim":128,"dtype":"float32","metric_type":"l2","index_param":{"base_quantization_type":"fp32","max_degree":32,"ef_construction":300}}'
  search_params: '{"hgraph":{"ef_search":60}}'
  index_path: /tmp/one
  search_mode: knn_filter
  topk: 20
  range: 0.25
  search_query_count: 1234
  warmup_query_count: 5
  delete_index_after_search: true
  set_immutable: true
  num_threads_building: 1
  num_threads_searching: 8
  disable_recall: true
  disable_percent_recall: true
  disable_qps: true
  disable_tps: true
  disable_memory: true
  disable_latency: true
  disable_percent_latency: true
  sweep: ef_search=10,20
  sweep_output: /tmp/sw
  hnswlib: true
  sweep_baseline: true
  cache_dir: /tmp/gt2

case_two:
  datapath: fashion-mnist
  type: search
  index_name: brute_force
  create_params:
    dtype: float32
    index_param: {base_quantization_type: fp32}
  search_params: '{}'
`

func TestParseYAMLEveryKey(t *testing.T) {
	job, err := ParseYAML([]byte(fullYAML))
	require.NoError(t, err)
	require.Len(t, job.Cases, 2)
	require.Len(t, job.Notes, 1, "http_server is noted")

	require.Equal(t, []Exporter{
		{Name: "print", To: "stdout", Format: "table"},
		{Name: "save", To: "file:///tmp/r.json", Format: "json"},
		{Name: "influx", To: "influxdb://127.0.0.1:8086/api/v2/write?org=o&bucket=b", Format: "line_protocol", Vars: map[string]string{"token": "Token abc"}},
	}, job.Exporters)

	c := job.Cases[0]
	require.Equal(t, "case_one", c.Name)
	require.Equal(t, "/data/sift.hdf5", c.DataPath)
	require.Equal(t, "build,search", c.Type)
	require.Equal(t, "hgraph", c.IndexName)
	require.Contains(t, c.CreateParams, `"ef_construction":300`)
	require.Equal(t, `{"hgraph":{"ef_search":60}}`, c.SearchParams)
	require.Equal(t, "/tmp/one", c.IndexPath)
	require.Equal(t, "knn_filter", c.SearchMode)
	require.Equal(t, 20, c.TopK)
	require.Equal(t, float32(0.25), c.Range)
	require.Equal(t, 1234, c.SearchQueryCount)
	require.Equal(t, 5, c.WarmupQueryCount)
	require.True(t, c.DeleteIndexAfterSearch)
	require.True(t, c.SetImmutable)
	require.Equal(t, 1, c.NumThreadsBuilding, "case overrides global")
	require.Equal(t, 8, c.NumThreadsSearching)
	require.True(t, c.DisableRecall && c.DisablePercentRecall && c.DisableQPS && c.DisableTPS &&
		c.DisableMemory && c.DisableLatency && c.DisablePercentLatency)
	require.Equal(t, "ef_search=10,20", c.Sweep)
	require.Equal(t, "/tmp/sw", c.SweepOutput)
	require.True(t, c.HNSWLib)
	require.True(t, c.Baseline)
	require.Equal(t, "/tmp/gt2", c.CacheDir)

	c = job.Cases[1]
	require.Equal(t, "case_two", c.Name)
	require.Equal(t, 3, c.NumThreadsBuilding, "global default")
	require.Equal(t, 2, c.NumThreadsSearching)
	require.Equal(t, "/tmp/gt", c.CacheDir)
	require.JSONEq(t, `{"dtype":"float32","index_param":{"base_quantization_type":"fp32"}}`, c.CreateParams, "a YAML mapping becomes JSON")
	require.Equal(t, DefaultIndexPath, c.IndexPath)
	require.Equal(t, "knn", c.SearchMode)
	require.Equal(t, 10, c.TopK)
}

func TestParseYAMLErrors(t *testing.T) {
	ok := "  datapath: d\n  type: build\n  index_name: x\n  create_params: '{}'\n"
	cases := map[string]string{
		"not yaml":          "a: [",
		"empty":             "",
		"root list":         "- a\n- b\n",
		"no cases":          "global:\n  num_threads_building: 1\n",
		"unknown case key":  "c:\n" + ok + "  topkk: 3\n",
		"unknown global":    "global:\n  threads: 1\nc:\n" + ok,
		"bad int":           "c:\n" + ok + "  topk: ten\n",
		"bad bool":          "c:\n" + ok + "  disable_qps: maybe\n",
		"list for string":   "c:\n" + ok + "  index_path: [a]\n",
		"case not a map":    "c: 3\n",
		"missing type":      "c:\n  datapath: d\n  index_name: x\n  create_params: '{}'\n",
		"search no params":  "c:\n  datapath: d\n  type: search\n  index_name: x\n  create_params: '{}'\n",
		"bad exporter fmt":  "global:\n  exporters:\n    e:\n      format: csv\nc:\n" + ok,
		"bad exporter to":   "global:\n  exporters:\n    e:\n      to: ftp://x\nc:\n" + ok,
		"influx not lp":     "global:\n  exporters:\n    e:\n      to: influxdb://h:1/w\n      format: json\nc:\n" + ok,
		"exporters list":    "global:\n  exporters:\n    - to: stdout\nc:\n" + ok,
		"exporter bad key":  "global:\n  exporters:\n    e:\n      where: stdout\nc:\n" + ok,
		"bad search mode":   "c:\n" + ok + "  search_mode: fuzzy\n",
		"negative threads":  "c:\n" + ok + "  num_threads_searching: -1\n",
		"bad create params": "c:\n  datapath: d\n  type: build\n  index_name: x\n  create_params: '{'\n",
	}
	for name, y := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseYAML([]byte(y))
			require.Error(t, err)
		})
	}
}

func TestSweepSpec(t *testing.T) {
	sp, err := ParseSweep("ef_search=10, 20,40")
	require.NoError(t, err)
	require.Equal(t, &SweepSpec{Key: "ef_search", Values: []string{"10", "20", "40"}}, sp)
	sp, err = ParseSweep("mode=fast,1.5")
	require.NoError(t, err)
	require.Equal(t, []string{`"fast"`, "1.5"}, sp.Values)
	for _, bad := range []string{"", "ef_search", "=1", "a=1,,2"} {
		_, err := ParseSweep(bad)
		require.Error(t, err, bad)
	}

	js, err := SetSearchParam(`{"hgraph":{"ef_search":5,"use_reorder":true},"parallelism":1}`, "hgraph", "ef_search", "80")
	require.NoError(t, err)
	require.JSONEq(t, `{"hgraph":{"ef_search":80,"use_reorder":true},"parallelism":1}`, js)
	js, err = SetSearchParam("", "hgraph", "ef_search", "10")
	require.NoError(t, err)
	require.JSONEq(t, `{"hgraph":{"ef_search":10}}`, js)
	js, err = SetSearchParam(`{"hgraph":{"ef_search":5}}`, "hgraph", ".parallelism", "2")
	require.NoError(t, err)
	require.JSONEq(t, `{"hgraph":{"ef_search":5},"parallelism":2}`, js)
	_, err = SetSearchParam(`{"hgraph":3}`, "hgraph", "ef_search", "1")
	require.Error(t, err)
}

func TestShippedTemplateParses(t *testing.T) {
	data, err := os.ReadFile("../../cmd/vsag-eval/eval_template.yaml")
	require.NoError(t, err)
	job, err := ParseYAML(data)
	require.NoError(t, err)
	require.Len(t, job.Cases, 6)
	require.Len(t, job.Exporters, 2)
	require.Equal(t, "knn_filter", job.Cases[2].SearchMode)
	require.Equal(t, "ef_search=10,20,40,80,160", job.Cases[3].Sweep)
	require.Equal(t, "ivf", job.Cases[4].IndexName)
	require.Equal(t, "scan_buckets_count=1,2,4,8,16,32,64", job.Cases[4].Sweep)
	require.Equal(t, "hnsw", job.Cases[5].IndexName)
	require.True(t, job.Cases[5].HNSWLib)
}
