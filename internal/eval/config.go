// Package eval is the engine of vsag-eval, the evaluation tool: it builds and searches indexes
// on a dataset and reports VSAG's eval_performance metrics (QPS, build TPS and time, average and
// percentile recall, average and percentile latency, peak memory, index size) through the
// table, json and line_protocol exporters, and sweeps a search parameter into a recall-vs-QPS
// curve (CSV, JSON and a PNG plot), optionally next to hnswlib measured in the same run.
package eval

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DefaultIndexPath is where build cases save and search cases load an index by default.
const DefaultIndexPath = "/tmp/performance/index"

// Config is one evaluation case: the command-line flags of VSAG's eval_performance or one
// named case of its YAML file. Field comments give the flag / YAML key.
type Config struct {
	// Name is the case name (the YAML key; "cli" on the command line).
	Name string
	// DataPath (--datapath, -d / datapath) is the dataset; see dataset.Load for the forms.
	DataPath string
	// Type (--type, -t / type) is "build", "search" or "build,search".
	Type string
	// IndexName (--index_name, -n / index_name) is the index type, such as "hgraph".
	IndexName string
	// CreateParams (--create_params, -c / create_params) is the create JSON. Missing "dim",
	// "dtype" and "metric_type" are taken from the dataset.
	CreateParams string
	// SearchParams (--search_params, -s / search_params) is the search JSON.
	SearchParams string
	// IndexPath (--index_path, -i / index_path) is where build saves and search loads the
	// index; "" keeps a build,search case in memory.
	IndexPath string
	// SearchMode (--search_mode / search_mode) is knn, range, knn_filter or range_filter.
	SearchMode string
	// TopK (--topk / topk) is k for knn modes.
	TopK int
	// Range (--range / range) is the radius for range modes, in the index's distance units.
	Range float32
	// SearchQueryCount (--search-query-count / search_query_count) is the number of measured
	// searches; queries are cycled when it exceeds the dataset's queries. 0 runs each once.
	SearchQueryCount int
	// WarmupQueryCount (--warmup-query-count / warmup_query_count) searches run unmeasured first.
	WarmupQueryCount int
	// DeleteIndexAfterSearch (--delete-index-after-search / delete_index_after_search).
	DeleteIndexAfterSearch bool
	// SetImmutable (--set_immutable / set_immutable) makes the index immutable before search.
	SetImmutable bool
	// NumThreadsBuilding (--num_threads_building / num_threads_building; global too) caps the
	// cores a build may use (0: all).
	NumThreadsBuilding int
	// NumThreadsSearching (--num_threads_searching / num_threads_searching; global too) is the
	// number of concurrent searching goroutines, each running one query at a time.
	NumThreadsSearching int
	// The --disable_* switches (YAML disable_*) turn metrics off.
	DisableRecall, DisablePercentRecall, DisableQPS, DisableTPS bool
	DisableMemory, DisableLatency, DisablePercentLatency        bool

	// Sweep (--sweep / sweep), "key=v1,v2,...", runs the search once per value of a search
	// parameter (key is looked up inside the index's block unless it contains a dot).
	Sweep string
	// SweepOutput (--sweep-output / sweep_output) is the path prefix of the .csv, .json and
	// .png files a sweep writes.
	SweepOutput string
	// SweepRounds (--sweep-rounds / sweep_rounds) measures each point of a sweep this many times,
	// interleaved with hnswlib's, and keeps the best (default 1).
	SweepRounds int
	// HNSWLib (--hnswlib / hnswlib) measures hnswlib's curve in the same sweep.
	HNSWLib bool
	// Baseline (--sweep-baseline / sweep_baseline) adds brute_force's exact point to a sweep.
	Baseline bool
	// CacheDir (--cache-dir / cache_dir) caches computed ground truth ("" disables).
	CacheDir string
}

// Defaults returns a Config with the tool's defaults.
func Defaults() Config {
	return Config{
		Name:                "cli",
		IndexPath:           DefaultIndexPath,
		SearchMode:          "knn",
		TopK:                10,
		Range:               0.5,
		WarmupQueryCount:    100,
		NumThreadsSearching: 1,
		CacheDir:            defaultCacheDir(),
	}
}

func defaultCacheDir() string {
	if d, err := os.UserCacheDir(); err == nil {
		return d + "/vsag-eval"
	}
	return ""
}

// Validate checks the case and fills derived defaults.
func (c *Config) Validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("case %q: "+f, append([]any{c.Name}, a...)...) }
	if c.DataPath == "" {
		return bad("datapath is required")
	}
	switch c.Type {
	case "build", "search", "build,search":
	case "":
		return bad("type is required (build, search or build,search)")
	default:
		return bad("type %q is not build, search or build,search", c.Type)
	}
	if c.IndexName == "" {
		return bad("index_name is required")
	}
	if c.CreateParams == "" {
		return bad("create_params is required")
	}
	if !json.Valid([]byte(c.CreateParams)) {
		return bad("create_params is not valid JSON: %s", c.CreateParams)
	}
	if c.HasSearch() {
		if c.SearchParams == "" && c.Sweep == "" {
			return bad("search_params is required when type is %q", c.Type)
		}
		if c.SearchParams != "" && !json.Valid([]byte(c.SearchParams)) {
			return bad("search_params is not valid JSON: %s", c.SearchParams)
		}
	}
	switch c.SearchMode {
	case "knn", "range", "knn_filter", "range_filter":
	default:
		return bad("search_mode %q is not knn, range, knn_filter or range_filter", c.SearchMode)
	}
	if c.TopK <= 0 {
		return bad("topk %d must be positive", c.TopK)
	}
	if c.Range < 0 {
		return bad("range %g must not be negative", c.Range)
	}
	if c.SearchQueryCount < 0 || c.WarmupQueryCount < 0 {
		return bad("query counts must not be negative")
	}
	if c.NumThreadsBuilding < 0 || c.NumThreadsSearching < 0 {
		return bad("thread counts must not be negative")
	}
	if c.NumThreadsSearching == 0 {
		c.NumThreadsSearching = 1
	}
	if c.Type == "search" && c.IndexPath == "" {
		return bad("index_path is required when type is search")
	}
	if c.Type == "build" && c.IndexPath == "" {
		return bad("index_path is required when type is build")
	}
	if c.Sweep != "" {
		if !c.HasSearch() {
			return bad("sweep needs type search or build,search")
		}
		if _, err := ParseSweep(c.Sweep); err != nil {
			return bad("%v", err)
		}
	}
	return nil
}

// HasBuild reports whether the case builds an index.
func (c *Config) HasBuild() bool { return c.Type == "build" || c.Type == "build,search" }

// HasSearch reports whether the case searches.
func (c *Config) HasSearch() bool { return c.Type == "search" || c.Type == "build,search" }

// Exporter sends formatted results somewhere: To is "stdout", "file://<path>" or
// "influxdb://host:port/path?query" (line_protocol only; Vars["token"] is the Authorization
// header); Format is "table" (or "text"), "json" or "line_protocol".
type Exporter struct {
	Name   string
	To     string
	Format string
	Vars   map[string]string
}

// Job is a parsed YAML file: the global section and the cases in file order.
type Job struct {
	Exporters []Exporter
	Cases     []Config
	// Notes are warnings found while parsing (such as ignored keys).
	Notes []string
}

// caseKeys maps each YAML case key to a setter. Keys are VSAG's, plus the sweep extensions.
var caseKeys = map[string]func(c *Config, n *yaml.Node) error{
	"datapath":                  str(func(c *Config) *string { return &c.DataPath }),
	"type":                      str(func(c *Config) *string { return &c.Type }),
	"index_name":                str(func(c *Config) *string { return &c.IndexName }),
	"create_params":             jsonStr(func(c *Config) *string { return &c.CreateParams }),
	"search_params":             jsonStr(func(c *Config) *string { return &c.SearchParams }),
	"index_path":                str(func(c *Config) *string { return &c.IndexPath }),
	"search_mode":               str(func(c *Config) *string { return &c.SearchMode }),
	"topk":                      integer(func(c *Config) *int { return &c.TopK }),
	"range":                     float(func(c *Config) *float32 { return &c.Range }),
	"search_query_count":        integer(func(c *Config) *int { return &c.SearchQueryCount }),
	"warmup_query_count":        integer(func(c *Config) *int { return &c.WarmupQueryCount }),
	"delete_index_after_search": boolean(func(c *Config) *bool { return &c.DeleteIndexAfterSearch }),
	"set_immutable":             boolean(func(c *Config) *bool { return &c.SetImmutable }),
	"num_threads_building":      integer(func(c *Config) *int { return &c.NumThreadsBuilding }),
	"num_threads_searching":     integer(func(c *Config) *int { return &c.NumThreadsSearching }),
	"disable_recall":            boolean(func(c *Config) *bool { return &c.DisableRecall }),
	"disable_percent_recall":    boolean(func(c *Config) *bool { return &c.DisablePercentRecall }),
	"disable_qps":               boolean(func(c *Config) *bool { return &c.DisableQPS }),
	"disable_tps":               boolean(func(c *Config) *bool { return &c.DisableTPS }),
	"disable_memory":            boolean(func(c *Config) *bool { return &c.DisableMemory }),
	"disable_latency":           boolean(func(c *Config) *bool { return &c.DisableLatency }),
	"disable_percent_latency":   boolean(func(c *Config) *bool { return &c.DisablePercentLatency }),
	"sweep":                     str(func(c *Config) *string { return &c.Sweep }),
	"sweep_output":              str(func(c *Config) *string { return &c.SweepOutput }),
	"sweep_rounds":              integer(func(c *Config) *int { return &c.SweepRounds }),
	"hnswlib":                   boolean(func(c *Config) *bool { return &c.HNSWLib }),
	"sweep_baseline":            boolean(func(c *Config) *bool { return &c.Baseline }),
	"cache_dir":                 str(func(c *Config) *string { return &c.CacheDir }),
}

func scalar(n *yaml.Node, want string) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a %s, have a %s", n.Line, want, kindName(n.Kind))
	}
	return nil
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "sequence"
	}
	return "scalar"
}

func str(f func(*Config) *string) func(*Config, *yaml.Node) error {
	return func(c *Config, n *yaml.Node) error {
		if err := scalar(n, "string"); err != nil {
			return err
		}
		*f(c) = n.Value
		return nil
	}
}

// jsonStr accepts a JSON string or a YAML mapping (converted to JSON).
func jsonStr(f func(*Config) *string) func(*Config, *yaml.Node) error {
	return func(c *Config, n *yaml.Node) error {
		if n.Kind == yaml.MappingNode {
			var v any
			if err := n.Decode(&v); err != nil {
				return err
			}
			b, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("line %d: %v", n.Line, err)
			}
			*f(c) = string(b)
			return nil
		}
		return str(f)(c, n)
	}
}

func integer(f func(*Config) *int) func(*Config, *yaml.Node) error {
	return func(c *Config, n *yaml.Node) error {
		if err := scalar(n, "integer"); err != nil {
			return err
		}
		v, err := strconv.Atoi(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: %q is not an integer", n.Line, n.Value)
		}
		*f(c) = v
		return nil
	}
}

func float(f func(*Config) *float32) func(*Config, *yaml.Node) error {
	return func(c *Config, n *yaml.Node) error {
		if err := scalar(n, "number"); err != nil {
			return err
		}
		v, err := strconv.ParseFloat(n.Value, 32)
		if err != nil {
			return fmt.Errorf("line %d: %q is not a number", n.Line, n.Value)
		}
		*f(c) = float32(v)
		return nil
	}
}

func boolean(f func(*Config) *bool) func(*Config, *yaml.Node) error {
	return func(c *Config, n *yaml.Node) error {
		if err := scalar(n, "boolean"); err != nil {
			return err
		}
		var v bool
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("line %d: %q is not a boolean", n.Line, n.Value)
		}
		*f(c) = v
		return nil
	}
}

// ParseYAML parses a configuration file in VSAG's layout: an optional "global" section
// (num_threads_building, num_threads_searching, exporters, http_server) and named cases.
// Unknown keys are errors so that a typo never silently changes a measurement.
func ParseYAML(data []byte) (*Job, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("yaml: the file is empty")
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("yaml: the root node is not a mapping")
	}
	job := &Job{}
	base := Defaults()
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value != "global" {
			continue
		}
		g := top.Content[i+1]
		if g.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("yaml: line %d: global must be a mapping", g.Line)
		}
		for j := 0; j+1 < len(g.Content); j += 2 {
			k, v := g.Content[j].Value, g.Content[j+1]
			var err error
			switch k {
			case "num_threads_building":
				err = caseKeys[k](&base, v)
			case "num_threads_searching":
				err = caseKeys[k](&base, v)
			case "cache_dir":
				err = caseKeys[k](&base, v)
			case "exporters":
				job.Exporters, err = parseExporters(v)
			case "http_server":
				job.Notes = append(job.Notes, "global.http_server is not supported by this tool and is ignored")
			default:
				err = fmt.Errorf("unknown key %q (known: num_threads_building, num_threads_searching, exporters, http_server, cache_dir)", k)
			}
			if err != nil {
				return nil, fmt.Errorf("yaml: global.%s: %w", k, err)
			}
		}
	}
	for i := 0; i+1 < len(top.Content); i += 2 {
		name, node := top.Content[i].Value, top.Content[i+1]
		if name == "global" {
			continue
		}
		if node.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("yaml: line %d: case %q must be a mapping", node.Line, name)
		}
		c := base
		c.Name = name
		for j := 0; j+1 < len(node.Content); j += 2 {
			k, v := node.Content[j].Value, node.Content[j+1]
			set, ok := caseKeys[k]
			if !ok {
				return nil, fmt.Errorf("yaml: case %q: unknown key %q", name, k)
			}
			if err := set(&c, v); err != nil {
				return nil, fmt.Errorf("yaml: case %q: %s: %w", name, k, err)
			}
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("yaml: %w", err)
		}
		job.Cases = append(job.Cases, c)
	}
	if len(job.Cases) == 0 {
		return nil, fmt.Errorf("yaml: no cases (every top-level key other than global is a case)")
	}
	return job, nil
}

func parseExporters(n *yaml.Node) ([]Exporter, error) {
	if n.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("line %d: exporters must be a mapping of named exporters", n.Line)
	}
	var out []Exporter
	for i := 0; i+1 < len(n.Content); i += 2 {
		e := Exporter{Name: n.Content[i].Value}
		body := n.Content[i+1]
		if body.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("exporter %q must be a mapping", e.Name)
		}
		for j := 0; j+1 < len(body.Content); j += 2 {
			k, v := body.Content[j].Value, body.Content[j+1]
			switch k {
			case "to":
				e.To = v.Value
			case "format":
				e.Format = v.Value
			case "vars":
				if err := v.Decode(&e.Vars); err != nil {
					return nil, fmt.Errorf("exporter %q: vars: %w", e.Name, err)
				}
			default:
				return nil, fmt.Errorf("exporter %q: unknown key %q (known: to, format, vars)", e.Name, k)
			}
		}
		if err := e.check(); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (e *Exporter) check() error {
	if e.To == "" {
		e.To = "stdout"
	}
	if e.Format == "" {
		e.Format = "table"
	}
	if _, err := FormatterFor(e.Format); err != nil {
		return fmt.Errorf("exporter %q: %w", e.Name, err)
	}
	switch {
	case e.To == "stdout", strings.HasPrefix(e.To, "file://"):
	case strings.HasPrefix(e.To, "influxdb://"):
		if e.Format != "line_protocol" {
			return fmt.Errorf("exporter %q: influxdb needs format line_protocol", e.Name)
		}
	default:
		return fmt.Errorf("exporter %q: destination %q is not stdout, file://<path> or influxdb://<host>:<port>/<path>", e.Name, e.To)
	}
	return nil
}

// CLI is the parsed command line of vsag-eval.
type CLI struct {
	// Config is the case described by the flags (when YAMLPath is empty).
	Config Config
	// YAMLPath is the configuration file given as the positional argument.
	YAMLPath string
	// Exporter is where the results of a flag-described case go (--format, --output).
	Exporter Exporter
	// Progress forces the progress bar on or off ("auto": on when stderr is a terminal).
	Progress string
	// ExportHDF5 (--export-hdf5), when set, converts the dataset at --datapath into an
	// ann-benchmarks HDF5 file with exact ground truth (100 neighbours) instead of evaluating.
	ExportHDF5 string
	// ExportMetric (--metric) is the metric of an exported file whose source does not say.
	ExportMetric string
}

// ParseArgs parses vsag-eval's command line: either one positional YAML file, or VSAG's flags
// (both --flag value and --flag=value; the --disable_* and other switches take no value).
func ParseArgs(args []string, stderr io.Writer) (*CLI, error) {
	cli := &CLI{Config: Defaults(), Progress: "auto"}
	c := &cli.Config
	fs := flag.NewFlagSet("vsag-eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(fs, stderr) }
	both := func(p *string, long, short, def, help string) {
		fs.StringVar(p, long, def, help)
		if short != "" {
			fs.StringVar(p, short, def, "shorthand for --"+long)
		}
	}
	both(&c.DataPath, "datapath", "d", "", "dataset: .hdf5 (ann-benchmarks layout), .fvecs/.bvecs, .npy, IDX, a folder, base,query[,gt], fashion-mnist, generated:N,Q,D")
	both(&c.Type, "type", "t", "", "build, search or build,search")
	both(&c.IndexName, "index_name", "n", "", "index type (hgraph, brute_force, ...)")
	both(&c.CreateParams, "create_params", "c", "", "create JSON; missing dim/dtype/metric_type come from the dataset")
	both(&c.IndexPath, "index_path", "i", DefaultIndexPath, "where build saves and search loads the index (\"\" keeps build,search in memory)")
	both(&c.SearchParams, "search_params", "s", "", "search JSON, e.g. {\"hgraph\":{\"ef_search\":100}}")
	fs.StringVar(&c.SearchMode, "search_mode", "knn", "knn, range, knn_filter or range_filter")
	fs.IntVar(&c.TopK, "topk", 10, "k for knn searches")
	var radius float64 = 0.5
	fs.Float64Var(&radius, "range", 0.5, "radius for range searches (index distance units)")
	fs.IntVar(&c.SearchQueryCount, "search-query-count", 0, "measured searches (queries cycle); 0 runs every query once")
	fs.IntVar(&c.WarmupQueryCount, "warmup-query-count", 100, "unmeasured searches run first")
	fs.BoolVar(&c.DeleteIndexAfterSearch, "delete-index-after-search", false, "delete the index file after the search")
	fs.BoolVar(&c.SetImmutable, "set_immutable", false, "make the index immutable before searching")
	fs.IntVar(&c.NumThreadsBuilding, "num_threads_building", 0, "cores a build may use (0: all)")
	fs.IntVar(&c.NumThreadsSearching, "num_threads_searching", 1, "concurrent searching goroutines")
	fs.BoolVar(&c.DisableRecall, "disable_recall", false, "disable average recall")
	fs.BoolVar(&c.DisablePercentRecall, "disable_percent_recall", false, "disable percentile recall (p0, p10, p30, p50, p70, p90)")
	fs.BoolVar(&c.DisableQPS, "disable_qps", false, "disable QPS")
	fs.BoolVar(&c.DisableTPS, "disable_tps", false, "disable build TPS")
	fs.BoolVar(&c.DisableMemory, "disable_memory", false, "disable peak memory")
	fs.BoolVar(&c.DisableLatency, "disable_latency", false, "disable average latency")
	fs.BoolVar(&c.DisablePercentLatency, "disable_percent_latency", false, "disable percentile latency (p50, p80, p90, p95, p99)")
	fs.StringVar(&c.Sweep, "sweep", "", "sweep a search parameter: key=v1,v2,... (e.g. ef_search=10,20,40,80,160)")
	fs.StringVar(&c.SweepOutput, "sweep-output", "", "path prefix for the sweep's .csv, .json and .png (default <index>-<key>-sweep)")
	fs.IntVar(&c.SweepRounds, "sweep-rounds", 1, "measure each sweep point this many times and keep the best")
	fs.BoolVar(&c.HNSWLib, "hnswlib", false, "measure hnswlib (Debian python3-hnswlib) in the same sweep")
	fs.BoolVar(&c.Baseline, "sweep-baseline", false, "add brute_force's exact search to the sweep")
	fs.StringVar(&c.CacheDir, "cache-dir", c.CacheDir, "ground-truth cache folder (\"\" disables)")
	fs.StringVar(&cli.Exporter.Format, "format", "json", "result format: table, json or line_protocol")
	fs.StringVar(&cli.Exporter.To, "output", "stdout", "result destination: stdout or file://<path>")
	fs.StringVar(&cli.Progress, "progress", "auto", "progress bar on stderr: auto, on or off")
	fs.StringVar(&cli.ExportHDF5, "export-hdf5", "", "write --datapath as an ann-benchmarks HDF5 file with exact ground truth, then exit")
	fs.StringVar(&cli.ExportMetric, "metric", "l2", "metric for --export-hdf5 when the source does not say: l2, ip or cosine")

	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cli.YAMLPath = args[0]
		if err := fs.Parse(args[1:]); err != nil {
			return nil, err
		}
		if fs.NArg() > 0 {
			return nil, fmt.Errorf("unexpected arguments after the YAML file: %v", fs.Args())
		}
		return cli, cli.checkProgress()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %v (a YAML file must come first)", fs.Args())
	}
	c.Range = float32(radius)
	if cli.ExportHDF5 != "" {
		if c.DataPath == "" {
			return nil, fmt.Errorf("--export-hdf5 needs --datapath")
		}
		switch cli.ExportMetric {
		case "l2", "ip", "cosine":
		default:
			return nil, fmt.Errorf("--metric %q is not l2, ip or cosine", cli.ExportMetric)
		}
		return cli, cli.checkProgress()
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	cli.Exporter.Name = "cli"
	if err := cli.Exporter.check(); err != nil {
		return nil, err
	}
	return cli, cli.checkProgress()
}

func (cli *CLI) checkProgress() error {
	switch cli.Progress {
	case "auto", "on", "off":
		return nil
	}
	return fmt.Errorf("--progress %q is not auto, on or off", cli.Progress)
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, `vsag-eval: measure an index on a dataset (VSAG's eval_performance).

usage:
  vsag-eval --datapath FILE --type build|search|build,search --index_name NAME --create_params JSON [--search_params JSON] [flags]
  vsag-eval CONFIG.yaml
  vsag-eval --datapath SOURCE --export-hdf5 OUT.hdf5 [--metric l2|ip|cosine]

flags:
`)
	fs.PrintDefaults()
}
