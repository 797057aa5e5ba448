package main

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

const (
	tDim    = 12
	tN      = 400
	tQ      = 15
	tCreate = `{"dtype":"float32","metric_type":"l2","dim":12,"index_param":{"base_quantization_type":"sq8","use_reorder":true,"max_degree":12,"ef_construction":60}}`
)

// fixture saves a small hgraph index and its queries (as .fvecs and in VSAG's layout) in a
// temporary directory.
func fixture(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	all := dataset.Clustered(tN+tQ, tDim, 5, 11)
	idx, err := core.CreateIndex("hgraph", tCreate)
	require.NoError(t, err)
	ids := make([]int64, tN)
	for i := range ids {
		ids[i] = int64(i + 1)
	}
	_, err = idx.Build(&core.Dataset{NumElements: tN, Dim: tDim, IDs: ids, Float32: all[:tN*tDim]})
	require.NoError(t, err)
	require.NoError(t, idx.SerializeFile(filepath.Join(dir, "index.vsag")))
	q := all[tN*tDim:]
	require.NoError(t, dataset.WriteFvecs(filepath.Join(dir, "queries.fvecs"), q, tDim))
	var b bytes.Buffer
	require.NoError(t, binary.Write(&b, binary.LittleEndian, [2]uint32{tQ, tDim}))
	for _, f := range q {
		require.NoError(t, binary.Write(&b, binary.LittleEndian, math.Float32bits(f)))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "queries.bin"), b.Bytes(), 0o644))
	return dir
}

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestStaticTable(t *testing.T) {
	dir := fixture(t)
	code, out, errs := runCmd("-i", filepath.Join(dir, "index.vsag"))
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "== index\n")
	require.Contains(t, out, "== index statistics (GetStats)")
	require.NotContains(t, out, "AnalyzeIndexBySearch")
	for _, key := range []string{"connect_components", "in_degree_distribution", "recall_base", "self_recall", "quantization_bias_ratio", "duplicate_ratio", "in_degree.mean"} {
		require.Contains(t, out, "\n"+key+" ", key)
	}
	require.Regexp(t, `\ntotal_count +400\n`, out)
	require.Regexp(t, `\nindex_name +hgraph\n`, out)
}

func TestSearchJSON(t *testing.T) {
	dir := fixture(t)
	for _, q := range []string{"queries.fvecs", "queries.bin"} {
		code, out, errs := runCmd("-i", filepath.Join(dir, "index.vsag"), "-qp", filepath.Join(dir, q),
			"-sp", `{"hgraph":{"ef_search":40}}`, "-k", "10", "-format", "json", "-sample", "30")
		require.Equal(t, 0, code, errs)
		var m struct {
			Index  map[string]any `json:"index"`
			Stats  map[string]any `json:"stats"`
			Search map[string]any `json:"search_analysis"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &m), out)
		require.EqualValues(t, tN, m.Stats["total_count"])
		require.EqualValues(t, 30, m.Stats["sample_size"])
		require.EqualValues(t, tQ, m.Search["num_queries"])
		require.EqualValues(t, 10, m.Search["topk"])
		require.GreaterOrEqual(t, m.Search["recall_query"], 0.9)
		require.Contains(t, m.Search, "latency_ms")
		require.Equal(t, "hgraph", m.Index["index_name"])
	}
	// the default search parameters are the index type's, the table holds both sections
	code, out, errs := runCmd("--index_path", filepath.Join(dir, "index.vsag"), "--query_path", filepath.Join(dir, "queries.fvecs"), "--topk", "5", "--max_queries", "4")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "== search analysis (AnalyzeIndexBySearch)")
	require.Regexp(t, `\nnum_queries +4\n`, out)
	require.Contains(t, out, `{"hgraph":{"ef_search":60}}`)
}

func TestBuildParameter(t *testing.T) {
	dir := fixture(t)
	code, out, errs := runCmd("-i", filepath.Join(dir, "index.vsag"), "-bp", tCreate, "-format", "json")
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, `"total_count": 400`)
	code, _, errs = runCmd("-i", filepath.Join(dir, "index.vsag"), "-bp", strings.Replace(tCreate, `"dim":12`, `"dim":13`, 1))
	require.Equal(t, 1, code)
	require.Contains(t, errs, "dim")
}

func TestErrors(t *testing.T) {
	dir := fixture(t)
	bad := filepath.Join(dir, "bad.bin")
	require.NoError(t, os.WriteFile(bad, []byte{1, 0, 0, 0, 9, 0, 0, 0, 1, 2}, 0o644))
	wrongDim := filepath.Join(dir, "wrong.fvecs")
	require.NoError(t, dataset.WriteFvecs(wrongDim, make([]float32, 6), 3))
	idx := filepath.Join(dir, "index.vsag")
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "-index_path"},
		{[]string{"-i", idx, "-format", "xml"}, 2, "table or json"},
		{[]string{"-i", idx, "-k", "0"}, 2, "positive"},
		{[]string{"-i", idx, "extra"}, 2, "unexpected"},
		{[]string{"-i", filepath.Join(dir, "missing.vsag")}, 1, "missing.vsag"},
		{[]string{"-i", idx, "-n", "hgraph"}, 1, "-build_parameter"},
		{[]string{"-i", idx, "-qp", bad}, 1, "header says"},
		{[]string{"-i", idx, "-qp", wrongDim}, 1, "dim"},
		{[]string{"-i", idx, "-qp", filepath.Join(dir, "queries.fvecs"), "-sp", `{"hgraph":{}}`}, 1, "ef_search"},
	} {
		code, _, errs := runCmd(tc.args...)
		require.Equal(t, tc.code, code, "%v: %s", tc.args, errs)
		require.Contains(t, errs, tc.msg, "%v", tc.args)
	}
	code, _, _ := runCmd("-h")
	require.Equal(t, 0, code)
}
