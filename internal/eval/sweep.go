package eval

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/internal/dataset"
)

// SweepSpec is a parsed --sweep: a search parameter and the values to try, as JSON literals.
type SweepSpec struct {
	Key    string
	Values []string
}

// ParseSweep parses "key=v1,v2,...". Values that are not JSON literals are taken as strings.
func ParseSweep(s string) (*SweepSpec, error) {
	k, vs, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return nil, fmt.Errorf("sweep %q: want key=v1,v2,...", s)
	}
	sp := &SweepSpec{Key: k}
	for _, v := range strings.Split(vs, ",") {
		v = strings.TrimSpace(v)
		if v == "" {
			return nil, fmt.Errorf("sweep %q: empty value", s)
		}
		if !json.Valid([]byte(v)) {
			b, _ := json.Marshal(v)
			v = string(b)
		}
		sp.Values = append(sp.Values, v)
	}
	return sp, nil
}

// SetSearchParam returns searchJSON with key set to the JSON literal value: inside the search
// block of indexName (its name; "hgraph" for lazy_hgraph), or along a dotted path from the top ("hgraph.ef_search", "parallelism" is
// written as ".parallelism").
func SetSearchParam(searchJSON, indexName, key, value string) (string, error) {
	if strings.TrimSpace(searchJSON) == "" {
		searchJSON = "{}"
	}
	path := []string{params.SearchBlockKey(indexName), key}
	if strings.Contains(key, ".") {
		path = strings.Split(strings.TrimPrefix(key, "."), ".")
	}
	var set func(obj json.RawMessage, path []string) (json.RawMessage, error)
	set = func(obj json.RawMessage, path []string) (json.RawMessage, error) {
		m := map[string]json.RawMessage{}
		if len(obj) > 0 {
			if err := json.Unmarshal(obj, &m); err != nil {
				return nil, fmt.Errorf("search_params: %q is not an object", path[0])
			}
		}
		if len(path) == 1 {
			m[path[0]] = json.RawMessage(value)
		} else {
			sub, err := set(m[path[0]], path[1:])
			if err != nil {
				return nil, err
			}
			m[path[0]] = sub
		}
		return json.Marshal(m)
	}
	out, err := set(json.RawMessage(searchJSON), path)
	return string(out), err
}

// Point is one measurement of a curve.
type Point struct {
	Label      string  `json:"label"`
	Value      string  `json:"value,omitempty"`
	Recall     float64 `json:"recall"`
	QPS        float64 `json:"qps"`
	LatencyAvg float64 `json:"latency_avg_ms,omitempty"`
	LatencyP50 float64 `json:"latency_p50_ms,omitempty"`
	LatencyP99 float64 `json:"latency_p99_ms,omitempty"`
}

// Curve is a named series of points (a single point for an exact baseline).
type Curve struct {
	Name         string  `json:"name"`
	BuildSeconds float64 `json:"build_s,omitempty"`
	Points       []Point `json:"points"`
}

// SweepResult is what a sweep measured.
type SweepResult struct {
	Title   string      `json:"title"`
	Dataset DatasetInfo `json:"dataset"`
	Mode    string      `json:"search_mode"`
	K       int         `json:"topk"`
	Key     string      `json:"key"`
	Threads int         `json:"num_threads_searching"`
	Curves  []Curve     `json:"curves"`
	// Cases holds the full results (the build, then one search per value, then baselines).
	Cases []Named `json:"-"`
}

func pointOf(label, value string, r *Result) Point {
	p := Point{Label: label, Value: value}
	if r.RecallAvg != nil {
		p.Recall = *r.RecallAvg
	}
	if r.QPS != nil {
		p.QPS = *r.QPS
	}
	if r.LatencyAvg != nil {
		p.LatencyAvg = *r.LatencyAvg
	}
	if r.LatencyDetail != nil {
		p.LatencyP50, p.LatencyP99 = r.LatencyDetail["p50"], r.LatencyDetail["p99"]
	}
	return p
}

// RunSweep builds (or loads) the case's index once and measures its search once per sweep
// value; with c.Baseline it adds brute_force's exact search, with c.HNSWLib hnswlib's curve
// over the same values (ef), measured in this run on the same queries.
func (r *Runner) RunSweep(c *Config) (*SweepResult, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	spec, err := ParseSweep(c.Sweep)
	if err != nil {
		return nil, err
	}
	p, err := r.prepare(c)
	if err != nil {
		return nil, err
	}
	sr := &SweepResult{Dataset: p.info(), Mode: c.SearchMode, K: c.TopK, Key: spec.Key, Threads: max(1, c.NumThreadsSearching)}
	threads := "1 thread"
	if sr.Threads > 1 {
		threads = fmt.Sprintf("%d threads", sr.Threads)
	}
	sr.Title = fmt.Sprintf("%s, %s, %s", p.set.Name, modeLabel(c), threads)
	var idx *core.Index
	curve := Curve{Name: "vsag " + c.IndexName}
	if c.HasBuild() {
		res := newResult(c, p)
		res.Action = "build"
		if idx, err = r.build(c, p, c.IndexName, p.create, res); err != nil {
			return nil, err
		}
		curve.BuildSeconds = *res.BuildDuration
		sr.Cases = append(sr.Cases, Named{c.Name + "/build", res})
	} else if idx, err = r.load(c, p); err != nil {
		return nil, err
	}
	var hn *hnswProc
	if c.HNSWLib {
		for _, v := range spec.Values {
			if _, err := strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("hnswlib takes integer ef values, not %s", v)
			}
		}
		if hn, err = r.startHNSWLib(c, p); err != nil {
			r.logf("note: hnswlib curve skipped: %v", err)
		} else {
			defer hn.close()
		}
	}
	rounds := max(1, c.SweepRounds)
	if len(spec.Values) > 0 && rounds > 1 {
		// one untimed pass first, so the first point is not measured on cold caches and pages
		sj, err := SetSearchParam(c.SearchParams, c.IndexName, spec.Key, spec.Values[0])
		if err != nil {
			return nil, err
		}
		if err := r.search(c, p, idx, sj, newResult(c, p)); err != nil {
			return nil, err
		}
		if hn != nil {
			ef, _ := strconv.Atoi(spec.Values[0])
			if err := hn.measure(ef); err != nil {
				r.logf("note: hnswlib curve stopped: %v", err)
				hn.close()
				hn = nil
			} else {
				hn.curve.Points = hn.curve.Points[:0]
			}
		}
	}
	for _, v := range spec.Values {
		sj, err := SetSearchParam(c.SearchParams, c.IndexName, spec.Key, v)
		if err != nil {
			return nil, err
		}
		label := spec.Key + "=" + v
		// rounds interleave the index and hnswlib, so the machine's load falls on both alike;
		// each keeps its fastest round
		var best *Result
		var hnBest *Point
		for round := 0; round < rounds; round++ {
			res := newResult(c, p)
			res.Action = "search"
			if err := r.search(c, p, idx, sj, res); err != nil {
				return nil, err
			}
			if best == nil || deref(res.QPS) > deref(best.QPS) {
				best = res
			}
			if hn != nil {
				ef, _ := strconv.Atoi(v)
				if err := hn.measure(ef); err != nil {
					r.logf("note: hnswlib curve stopped: %v", err)
					hn.close()
					hn = nil
					continue
				}
				last := hn.curve.Points[len(hn.curve.Points)-1]
				hn.curve.Points = hn.curve.Points[:len(hn.curve.Points)-1]
				if hnBest == nil || last.QPS > hnBest.QPS {
					hnBest = &last
				}
			}
		}
		if hn != nil && hnBest != nil {
			hn.curve.Points = append(hn.curve.Points, *hnBest)
		}
		if rounds > 1 {
			r.logf("%-24s recall %.4f  QPS %9.1f (best of %d rounds)", label, deref(best.RecallAvg), deref(best.QPS), rounds)
		} else {
			r.logf("%-24s recall %.4f  QPS %9.1f", label, deref(best.RecallAvg), deref(best.QPS))
		}
		sr.Cases = append(sr.Cases, Named{c.Name + "/" + label, best})
		curve.Points = append(curve.Points, pointOf(label, v, best))
	}
	sr.Curves = append(sr.Curves, curve)
	if hn != nil {
		sr.Curves = append(sr.Curves, hn.curve)
		hn.close()
	}
	if c.DeleteIndexAfterSearch && c.IndexPath != "" {
		os.Remove(c.IndexPath)
	}
	idx = nil
	if c.Baseline {
		bc := *c
		bc.IndexName = "brute_force"
		bc.IndexPath = ""
		bc.SearchParams = "{}"
		create := fmt.Sprintf(`{"dtype":%q,"metric_type":%q,"dim":%d,"index_param":{}}`, p.dtype, p.metric, p.set.Dim)
		bp := *p
		bp.create = create
		res := newResult(&bc, &bp)
		bidx, err := r.build(&bc, &bp, "brute_force", create, res)
		if err != nil {
			return nil, err
		}
		if err := r.search(&bc, &bp, bidx, "{}", res); err != nil {
			return nil, err
		}
		r.logf("%-24s recall %.4f  QPS %9.1f", "brute_force (exact)", deref(res.RecallAvg), deref(res.QPS))
		sr.Cases = append(sr.Cases, Named{c.Name + "/brute_force", res})
		sr.Curves = append(sr.Curves, Curve{Name: "brute_force (exact)", BuildSeconds: *res.BuildDuration, Points: []Point{pointOf("exact", "", res)}})
	}
	return sr, nil
}

func deref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

func modeLabel(c *Config) string {
	if isRange(c.SearchMode) {
		return fmt.Sprintf("%s r=%g", c.SearchMode, c.Range)
	}
	return fmt.Sprintf("%s k=%d", c.SearchMode, c.TopK)
}

// FormatSweepTable renders the sweep as a Markdown table, one row per point.
func FormatSweepTable(sr *SweepResult) string {
	header := []string{"engine", "setting", "recall", "QPS", "lat avg ms", "lat p50 ms", "lat p99 ms", "build s"}
	var rows [][]string
	f := func(v float64, prec int) string {
		if v == 0 {
			return "-"
		}
		return strconv.FormatFloat(v, 'f', prec, 64)
	}
	for _, cv := range sr.Curves {
		for i, p := range cv.Points {
			build := ""
			if i == 0 {
				build = f(cv.BuildSeconds, 2)
			}
			rows = append(rows, []string{cv.Name, p.Label, strconv.FormatFloat(p.Recall, 'f', 4, 64), f(p.QPS, 1), f(p.LatencyAvg, 3), f(p.LatencyP50, 3), f(p.LatencyP99, 3), build})
		}
	}
	return renderTable(header, rows)
}

// WriteSweepFiles writes prefix.csv, prefix.json and (through matplotlib) prefix.png. A plot
// that cannot be drawn is reported in the returned note, not as an error.
func WriteSweepFiles(prefix string, sr *SweepResult) (note string, err error) {
	if dir := filepath.Dir(prefix); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"engine", "key", "value", "recall", "qps", "latency_avg_ms", "latency_p50_ms", "latency_p99_ms", "build_s"})
	ff := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	for _, cv := range sr.Curves {
		for _, p := range cv.Points {
			key := sr.Key
			if p.Value == "" {
				key = ""
			}
			w.Write([]string{cv.Name, key, p.Value, ff(p.Recall), ff(p.QPS), ff(p.LatencyAvg), ff(p.LatencyP50), ff(p.LatencyP99), ff(cv.BuildSeconds)})
		}
	}
	w.Flush()
	if err := os.WriteFile(prefix+".csv", b.Bytes(), 0o644); err != nil {
		return "", err
	}
	js, err := json.MarshalIndent(sr, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(prefix+".json", append(js, '\n'), 0o644); err != nil {
		return "", err
	}
	if err := Plot(prefix+".json", prefix+".png"); err != nil {
		return fmt.Sprintf("plot not written: %v", err), nil
	}
	return "", nil
}

const plotScript = `
import json, sys
try:
    import matplotlib
except ImportError as e:
    sys.stderr.write("missing python module: %s\n" % e)
    sys.exit(3)
matplotlib.use("Agg")
import matplotlib.pyplot as plt
d = json.load(open(sys.argv[1]))
fig, ax = plt.subplots(figsize=(8, 5.5), dpi=120)
for c in d["curves"]:
    pts = [p for p in c["points"] if p["qps"] > 0]
    if not pts:
        continue
    xs = [p["recall"] for p in pts]
    ys = [p["qps"] for p in pts]
    if len(pts) == 1 and not pts[0].get("value"):
        ax.scatter(xs, ys, marker="*", s=220, zorder=4, color="black", label=c["name"])
        continue
    line, = ax.plot(xs, ys, marker="o", linewidth=2, label=c["name"])
    for p in pts:
        ax.annotate(str(p.get("value", "")), (p["recall"], p["qps"]), textcoords="offset points",
                    xytext=(4, 5), fontsize=7, color=line.get_color())
ax.set_yscale("log")
ax.set_xlabel("recall@%d (average)" % d["topk"] if d["search_mode"].startswith("knn") else "recall (average)")
ax.set_ylabel("queries per second (log scale)")
ax.set_title("recall vs QPS, sweeping %s: %s" % (d["key"], d["title"]), fontsize=10)
ax.grid(True, which="both", alpha=0.3)
ax.legend(loc="lower left")
fig.tight_layout()
fig.savefig(sys.argv[2])
`

// Plot draws the recall-vs-QPS curves of a sweep JSON file into a PNG with matplotlib
// (Debian's python3-matplotlib).
func Plot(jsonPath, pngPath string) error {
	cmd := exec.Command(dataset.Python(), "-c", plotScript, jsonPath, pngPath)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("%s with matplotlib (Debian: python3-matplotlib): %v %s", dataset.Python(), err, msg)
	}
	return nil
}

// hnswlibScript builds an hnswlib index, answers "ready <build seconds>", then for each "<ef>"
// line on stdin times one batch knn_query, saves the labels and answers with the seconds.
const hnswlibScript = `
import json, sys, time
try:
    import numpy as np, hnswlib
except ImportError as e:
    sys.stderr.write("missing python module: %s\n" % e)
    sys.exit(3)
cfg = json.loads(sys.argv[1])
base = np.load(cfg["base"])
qs = np.load(cfg["queries"])
idx = hnswlib.Index(space=cfg["space"], dim=base.shape[1])
idx.init_index(max_elements=base.shape[0], M=cfg["M"], ef_construction=cfg["ef_construction"], random_seed=100)
idx.set_num_threads(cfg["build_threads"])
t = time.perf_counter()
idx.add_items(base, np.arange(base.shape[0]))
print("ready %.6f" % (time.perf_counter() - t), flush=True)
idx.set_num_threads(cfg["search_threads"])
k = cfg["k"]
for line in sys.stdin:
    ef = int(line)
    idx.set_ef(max(ef, k))
    idx.knn_query(qs[: min(len(qs), 100)], k=k)
    t = time.perf_counter()
    labels, _ = idx.knn_query(qs, k=k)
    dt = time.perf_counter() - t
    np.save("%s/labels.npy" % cfg["out"], labels.astype(np.int64))
    print("%.9f" % dt, flush=True)
`

// hnswlibParams derives hnswlib's M and ef_construction from the case's create parameters:
// hgraph's bottom-layer max_degree is hnswlib's 2*M; VSAG hnsw's max_degree is M.
func hnswlibParams(indexName, create string) (m, efc int) {
	m, efc = 16, 200
	var cp struct {
		IndexParam map[string]any `json:"index_param"`
		HNSW       map[string]any `json:"hnsw"`
	}
	if json.Unmarshal([]byte(create), &cp) != nil {
		return
	}
	block := cp.IndexParam
	if indexName == "hnsw" && cp.HNSW != nil {
		block = cp.HNSW
	}
	if v, ok := block["max_degree"].(float64); ok && v >= 4 {
		if indexName == "hnsw" {
			m = int(v)
		} else {
			m = int(v) / 2
		}
	}
	if v, ok := block["ef_construction"].(float64); ok && v >= 1 {
		efc = int(v)
	}
	return
}

// hnswProc is a running hnswlib (Debian's python3-hnswlib) on the same base and queries,
// built with the M and ef_construction matching the case. Its points are measured between
// ours, so that both curves see the same machine conditions: for each ef it times one batch
// knn_query over the queries with num_threads_searching threads (no per-query latencies).
// Recall is scored here against the same truth as ours.
type hnswProc struct {
	r      *Runner
	p      *prepared
	qp     *queryPlan
	k      int
	dir    string
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr bytes.Buffer
	curve  Curve
}

func (r *Runner) startHNSWLib(c *Config, p *prepared) (*hnswProc, error) {
	if isRange(c.SearchMode) || isFilter(c.SearchMode) {
		return nil, fmt.Errorf("hnswlib is compared in knn mode only")
	}
	qp, err := r.plan(c, p)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "vsag-eval-hnswlib-")
	if err != nil {
		return nil, err
	}
	h := &hnswProc{r: r, p: p, qp: qp, k: c.TopK, dir: dir}
	fail := func(err error) (*hnswProc, error) { h.close(); return nil, err }
	s := p.set
	if err := dataset.WriteNPYFile(filepath.Join(dir, "base.npy"), dataset.Float32Array(s.Base, s.NumBase(), s.Dim)); err != nil {
		return fail(err)
	}
	if err := dataset.WriteNPYFile(filepath.Join(dir, "queries.npy"), dataset.Float32Array(s.Queries[:qp.distinct*s.Dim], qp.distinct, s.Dim)); err != nil {
		return fail(err)
	}
	m, efc := hnswlibParams(c.IndexName, p.create)
	buildThreads := c.NumThreadsBuilding
	if buildThreads <= 0 {
		buildThreads = -1 // hnswlib: all cores
	}
	cfg, _ := json.Marshal(map[string]any{
		"base": filepath.Join(dir, "base.npy"), "queries": filepath.Join(dir, "queries.npy"), "out": dir,
		"space": p.metric, "M": m, "ef_construction": efc, "k": c.TopK,
		"build_threads": buildThreads, "search_threads": max(1, c.NumThreadsSearching),
	})
	h.cmd = exec.Command(dataset.Python(), "-c", hnswlibScript, string(cfg))
	h.cmd.Stderr = &h.stderr
	if h.in, err = h.cmd.StdinPipe(); err != nil {
		return fail(err)
	}
	stdout, err := h.cmd.StdoutPipe()
	if err != nil {
		return fail(err)
	}
	h.out = bufio.NewReader(stdout)
	if err := h.cmd.Start(); err != nil {
		return fail(h.failure(err))
	}
	bar := StartProgress(r.Log, r.Progress, fmt.Sprintf("building hnswlib M=%d ef_construction=%d", m, efc), 0)
	line, err := h.out.ReadString('\n')
	bar.Done()
	var build float64
	if err == nil {
		_, err = fmt.Sscanf(line, "ready %g", &build)
	}
	if err != nil {
		return fail(h.failure(err))
	}
	r.logf("built hnswlib M=%d ef_construction=%d in %.2fs", m, efc, build)
	h.curve = Curve{Name: fmt.Sprintf("hnswlib M=%d (batch query)", m), BuildSeconds: build}
	return h, nil
}

// failure explains a failed hnswlib run with the last line python wrote.
func (h *hnswProc) failure(err error) error {
	if h.cmd != nil && h.cmd.Process != nil {
		h.in.Close()
		if werr := h.cmd.Wait(); werr != nil {
			err = werr
		}
	}
	msg := strings.TrimSpace(h.stderr.String())
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	return fmt.Errorf("%s with hnswlib (Debian: python3-hnswlib): %v %s", dataset.Python(), err, msg)
}

// measure runs one ef and adds its point to the curve.
func (h *hnswProc) measure(ef int) error {
	if _, err := fmt.Fprintf(h.in, "%d\n", ef); err != nil {
		return h.failure(err)
	}
	line, err := h.out.ReadString('\n')
	if err != nil {
		return h.failure(err)
	}
	secs, err := strconv.ParseFloat(strings.TrimSpace(line), 64)
	if err != nil {
		return fmt.Errorf("hnswlib: bad answer %q", line)
	}
	a, err := dataset.ReadNPYFile(filepath.Join(h.dir, "labels.npy"))
	if err != nil {
		return err
	}
	labels, err := a.Int64()
	if err != nil {
		return err
	}
	if len(labels) < h.qp.distinct*h.k {
		return fmt.Errorf("hnswlib: %d labels for %d queries", len(labels), h.qp.distinct)
	}
	var sum float64
	for qi := 0; qi < h.qp.distinct; qi++ {
		ids := labels[qi*h.k : (qi+1)*h.k]
		_, td := h.qp.truth.Row(qi)
		sum += KNNRecall(ids, resultDistances(h.p, qi, ids), td)
	}
	pt := Point{Label: fmt.Sprintf("ef=%d", ef), Value: strconv.Itoa(ef), Recall: sum / float64(h.qp.distinct)}
	if secs > 0 {
		pt.QPS = float64(h.qp.distinct) / secs
	}
	h.r.logf("%-24s recall %.4f  QPS %9.1f", "hnswlib "+pt.Label, pt.Recall, pt.QPS)
	h.curve.Points = append(h.curve.Points, pt)
	return nil
}

func (h *hnswProc) close() {
	if h.cmd != nil && h.cmd.Process != nil && h.cmd.ProcessState == nil {
		h.in.Close()
		h.cmd.Wait()
	}
	os.RemoveAll(h.dir)
}
