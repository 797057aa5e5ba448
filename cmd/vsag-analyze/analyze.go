package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/internal/dataset"
)

// options are the command's flags, with VSAG's analyze_index names (and its short aliases).
type options struct {
	indexPath   string
	buildParam  string
	indexName   string
	queryPath   string
	searchParam string
	topK        int
	sample      int
	maxQueries  int
	format      string
}

func parseArgs(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("vsag-analyze", flag.ContinueOnError)
	fs.SetOutput(stderr)
	str := func(p *string, long, short, def, usage string) {
		fs.StringVar(p, long, def, usage)
		if short != "" {
			fs.StringVar(p, short, def, "alias of -"+long)
		}
	}
	num := func(p *int, long, short string, def int, usage string) {
		fs.IntVar(p, long, def, usage)
		if short != "" {
			fs.IntVar(p, short, def, "alias of -"+long)
		}
	}
	str(&o.indexPath, "index_path", "i", "", "the saved index file (required)")
	str(&o.buildParam, "build_parameter", "bp", "", "create JSON to load the index with (default: the parameters stored in the file)")
	str(&o.indexName, "index_name", "n", "", "index type for -build_parameter (default: the one stored in the file)")
	str(&o.queryPath, "query_path", "qp", "", "query file; without it only the static statistics are printed")
	str(&o.searchParam, "search_parameter", "sp", "", "search JSON of the analysis (default: the index type's, e.g. hgraph ef_search = ef_construction)")
	num(&o.topK, "topk", "k", 100, "k of the query searches")
	num(&o.sample, "sample", "", 0, fmt.Sprintf("stored vectors GetStats samples as queries (default %d)", core.DefaultStatsSampleSize))
	num(&o.maxQueries, "max_queries", "", 0, "use at most this many queries of the file (0: all)")
	str(&o.format, "format", "", "table", "output format: table or json")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: vsag-analyze -i INDEX [-qp QUERIES] [-sp SEARCH_JSON] [-k TOPK] [-format table|json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case o.indexPath == "":
		return nil, errors.New("-index_path (-i) is required")
	case o.format != "table" && o.format != "json":
		return nil, fmt.Errorf("-format %q: want table or json", o.format)
	case o.topK <= 0:
		return nil, fmt.Errorf("-topk %d must be positive", o.topK)
	case o.sample < 0 || o.maxQueries < 0:
		return nil, errors.New("-sample and -max_queries must not be negative")
	}
	return o, nil
}

// run is the command with its arguments and streams; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	o, err := parseArgs(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "vsag-analyze:", err)
		return 2
	}
	if err := analyze(o, stdout); err != nil {
		fmt.Fprintln(stderr, "vsag-analyze:", err)
		return 1
	}
	return 0
}

func analyze(o *options, stdout io.Writer) error {
	idx, err := loadIndex(o)
	if err != nil {
		return err
	}
	info := map[string]any{
		"index_name":   idx.Name(),
		"dim":          idx.Dim(),
		"dtype":        idx.DataType(),
		"metric_type":  idx.MetricType(),
		"num_elements": idx.GetNumElements(),
		"parameters":   idx.CreateParams(),
		"index_path":   o.indexPath,
	}
	stats, err := idx.GetStatsWithOptions(core.StatsOptions{SampleSize: o.sample, SearchParams: o.searchParam})
	if err != nil {
		return fmt.Errorf("get stats: %w", err)
	}
	var search string
	if o.queryPath != "" {
		q, err := readQueries(o.queryPath, o.maxQueries)
		if err != nil {
			return err
		}
		sp := o.searchParam
		if sp == "" {
			if sp, err = idx.AnalysisSearchParams(); err != nil {
				return err
			}
		}
		if search, err = idx.AnalyzeIndexBySearch(q, o.topK, sp); err != nil {
			return fmt.Errorf("analyze index by search: %w", err)
		}
		info["query_path"] = o.queryPath
		info["num_queries"] = q.NumElements
	}
	if o.format == "json" {
		out := map[string]any{"index": info, "stats": json.RawMessage(stats)}
		if search != "" {
			out["search_analysis"] = json.RawMessage(search)
		}
		b, err := json.MarshalIndent(out, "", "    ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, string(b))
		return err
	}
	w := bufio.NewWriter(stdout)
	section(w, "index", info)
	if err := sectionJSON(w, "index statistics (GetStats)", stats); err != nil {
		return err
	}
	if search != "" {
		if err := sectionJSON(w, "search analysis (AnalyzeIndexBySearch)", search); err != nil {
			return err
		}
	}
	return w.Flush()
}

// loadIndex loads the file with the parameters stored in it, or creates the index from
// -build_parameter (and -index_name, or the type stored in the file) and loads into it.
func loadIndex(o *options) (*core.Index, error) {
	if o.buildParam == "" {
		if o.indexName != "" {
			return nil, errors.New("-index_name needs -build_parameter")
		}
		return core.LoadFile(o.indexPath)
	}
	name := o.indexName
	if name == "" {
		f, err := os.Open(o.indexPath)
		if err != nil {
			return nil, err
		}
		meta, err := serial.NewReader(bufio.NewReader(f))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", o.indexPath, err)
		}
		name = meta.Meta.IndexName
	}
	idx, err := core.CreateIndex(name, o.buildParam)
	if err != nil {
		return nil, fmt.Errorf("create %s index: %w", name, err)
	}
	if err := idx.DeserializeFile(o.indexPath); err != nil {
		return nil, err
	}
	return idx, nil
}

// readQueries reads a query file (see the package documentation) as float32 rows.
func readQueries(path string, limit int) (*core.Dataset, error) {
	var v []float32
	var dim int
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".hdf5", ".h5":
		arrays, _, herr := dataset.ReadHDF5Arrays(path, "test")
		if herr != nil {
			return nil, herr
		}
		test := arrays["test"]
		if test == nil || len(test.Shape) != 2 {
			return nil, fmt.Errorf("%s: no 2-d \"test\" dataset", path)
		}
		dim = test.Shape[1]
		v, err = test.Float32()
	case ".fvecs", ".bvecs", ".ivecs", ".npy", ".tsv", ".txt":
		v, dim, _, err = dataset.ReadMatrix(path)
	default:
		if strings.Contains(strings.ToLower(filepath.Base(path)), "idx") {
			v, dim, _, err = dataset.ReadMatrix(path)
		} else {
			v, dim, err = readVSAGQueries(path)
		}
	}
	if err != nil {
		return nil, err
	}
	if dim <= 0 || len(v) < dim {
		return nil, fmt.Errorf("%s: no queries", path)
	}
	n := len(v) / dim
	if limit > 0 && n > limit {
		n = limit
	}
	return &core.Dataset{NumElements: n, Dim: dim, Float32: v[:n*dim]}, nil
}

// maxQueryValues bounds the values a VSAG-layout query file may declare.
const maxQueryValues = 1 << 31

// readVSAGQueries reads VSAG analyze_index's dense query layout: uint32 rows, uint32 cols,
// then rows*cols little-endian float32.
func readVSAGQueries(path string) ([]float32, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	var hdr [8]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil {
		return nil, 0, fmt.Errorf("%s: header: %w", path, err)
	}
	rows, cols := uint64(binary.LittleEndian.Uint32(hdr[:4])), uint64(binary.LittleEndian.Uint32(hdr[4:]))
	if rows == 0 || cols == 0 || rows*cols > maxQueryValues || int64(8+4*rows*cols) != st.Size() {
		return nil, 0, fmt.Errorf("%s: header says %d x %d float32 values, the file holds %d bytes (want 8 + 4*rows*cols; supported: .fvecs, .bvecs, .npy, .tsv, .hdf5, IDX or VSAG's uint32 rows, uint32 cols, float32 data)", path, rows, cols, st.Size())
	}
	buf := make([]byte, 4*rows*cols)
	if _, err := io.ReadFull(bufio.NewReader(f), buf); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	v := make([]float32, rows*cols)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
	}
	return v, int(cols), nil
}

// sectionJSON prints a JSON object as a section of the table.
func sectionJSON(w io.Writer, title, js string) error {
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return fmt.Errorf("%s: %w", title, err)
	}
	section(w, title, m)
	return nil
}

// section prints m as rows of key and value, nested objects flattened to dotted keys, lists
// inline.
func section(w io.Writer, title string, m map[string]any) {
	rows := [][2]string{}
	flatten("", m, &rows)
	width := 0
	for _, r := range rows {
		width = max(width, len(r[0]))
	}
	fmt.Fprintf(w, "== %s\n", title)
	for _, r := range rows {
		fmt.Fprintf(w, "%-*s  %s\n", width, r[0], r[1])
	}
	fmt.Fprintln(w)
}

func flatten(prefix string, m map[string]any, rows *[][2]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if sub, ok := m[k].(map[string]any); ok {
			flatten(name, sub, rows)
			continue
		}
		*rows = append(*rows, [2]string{name, format(m[k])})
	}
}

// format renders one value of a table row.
func format(v any) string {
	switch x := v.(type) {
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatFloat(x, 'f', -1, 64)
		}
		return strconv.FormatFloat(x, 'g', 6, 64)
	case int64, int, uint64:
		return fmt.Sprint(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = format(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case string:
		return x
	case nil:
		return "null"
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}
