// Command persist measures what saving and loading an index costs in memory: it builds an
// index on Fashion-MNIST (60 000 x 784 float32, or generated data of the same shape when the
// Debian package dataset-fashion-mnist is missing), saves it to a file and reports how far the
// save raised the process's peak resident set (VmHWM) above its resident set just before the
// save; then it loads the file in fresh child processes, one per way of loading, and reports how
// far each load raised the child's peak above its resident set at start. S is the size of the
// file. Targets: save <= 0.1 x S + 64 MiB, load <= 1.2 x S + 64 MiB.
//
// The peak is read from /proc/self/status after resetting it through /proc/self/clear_refs
// ("5"); where that is not allowed, a goroutine samples VmRSS every millisecond instead (which
// can miss short peaks; the output says which was used). Each child also searches the loaded
// index and the parent checks the answers against the index it saved.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
)

const mib = 1 << 20

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "persist:", err)
		os.Exit(1)
	}
}

// child-mode flags
var (
	childLoad   = flag.String("child-load", "", "(internal) load this file in the given -how and report")
	childHow    = flag.String("how", "", "(internal) LoadFile | DeserializeFile | Load | LoadBytes")
	childQ      = flag.String("queries", "", "(internal) file of float32 queries to answer")
	childName   = flag.String("name", "", "(internal) index type, for DeserializeFile")
	childCreate = flag.String("create", "", "(internal) create parameters, for DeserializeFile")
)

func run() error {
	dir := flag.String("fashion-mnist", dataset.FashionMNISTDir, "folder holding the Fashion-MNIST IDX files")
	n := flag.Int("n", 60000, "base vectors")
	index := flag.String("index", "hgraph", "index type: hgraph or brute_force")
	params := flag.String("params", `"base_quantization_type":"fp32","max_degree":32,"ef_construction":64`, "index_param members")
	out := flag.String("out", "", "index file to write (default: a temporary folder, removed at the end)")
	loads := flag.String("loads", "LoadFile,DeserializeFile,Load", "ways of loading to measure, comma separated (LoadFile, DeserializeFile, Load, LoadBytes)")
	flag.Parse()
	if *childLoad != "" {
		return child(*childLoad, *childHow, *childQ)
	}

	set, err := dataset.FashionMNISTOrGenerated(*dir, os.Stdout)
	if err != nil {
		return err
	}
	d := set.Dim
	*n = min(*n, set.NumBase())
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s}}`, d, *params)
	if *index == "brute_force" {
		create = fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32"}}`, d)
	}
	fmt.Printf("dataset %s: %d x %d; %s %s\n", set.Name, *n, d, *index, create)
	idx, err := core.CreateIndex(*index, create)
	if err != nil {
		return err
	}
	ids := make([]int64, *n)
	for i := range ids {
		ids[i] = int64(i)
	}
	t0 := time.Now()
	if _, err := idx.Build(&core.Dataset{NumElements: *n, Dim: d, IDs: ids, Float32: set.Base[:*n*d]}); err != nil {
		return err
	}
	fmt.Printf("built in %.1f s\n", time.Since(t0).Seconds())
	nq := min(set.NumQueries(), 20)
	queries := append([]float32(nil), set.Queries[:nq*d]...)
	set, ids = nil, nil
	want, err := answers(idx, queries, d)
	if err != nil {
		return err
	}

	path := *out
	if path == "" {
		tmp, err := os.MkdirTemp("", "vsag-bench-persist-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		path = filepath.Join(tmp, "index.vsag")
	}
	qpath := path + ".queries"
	if err := os.WriteFile(qpath, floatBytes(queries), 0o644); err != nil {
		return err
	}
	defer os.Remove(qpath)

	// Save: the rise of the peak over the resident set just before.
	settle()
	before := status("VmRSS")
	m := startPeak()
	t0 = time.Now()
	if err := idx.SerializeFile(path); err != nil {
		return err
	}
	saveSecs := time.Since(t0).Seconds()
	peak := m.stop()
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	S := fi.Size()
	saveRise := peak - before
	saveLimit := S/10 + 64*mib
	fmt.Printf("\nS = %d bytes (%.1f MiB); GetMemoryUsage %.1f MiB; peak measured by %s\n", S, float64(S)/mib, float64(idx.GetMemoryUsage())/mib, m.how)
	fmt.Printf("%-16s %9s %9s %8s %9s %7s %6s\n", "operation", "RSS MiB", "peak MiB", "rise/S", "limit MiB", "secs", "")
	fmt.Printf("%-16s %9.1f %9.1f %8.3f %9.1f %7.2f %6s\n", "SerializeFile", mb(before), mb(peak), float64(saveRise)/float64(S), mb(saveLimit), saveSecs, verdict(saveRise <= saveLimit))

	// Serialize to a writer that drops the bytes: the same snapshot without a file.
	settle()
	before = status("VmRSS")
	m = startPeak()
	t0 = time.Now()
	if err := idx.Serialize(io.Discard); err != nil {
		return err
	}
	secs := time.Since(t0).Seconds()
	peak = m.stop()
	fmt.Printf("%-16s %9.1f %9.1f %8.3f %9.1f %7.2f %6s\n", "Serialize", mb(before), mb(peak), float64(peak-before)/float64(S), mb(saveLimit), secs, verdict(peak-before <= saveLimit))

	// Loads, each in a fresh process.
	ok := saveRise <= saveLimit
	loadLimit := S*12/10 + 64*mib
	self, err := os.Executable()
	if err != nil {
		return err
	}
	for _, how := range strings.Split(*loads, ",") {
		how = strings.TrimSpace(how)
		if how == "" {
			continue
		}
		cmd := exec.Command(self, "-child-load", path, "-how", how, "-queries", qpath, "-name", *index, "-create", create)
		cmd.Stderr = os.Stderr
		outb, err := cmd.Output()
		if err != nil {
			return fmt.Errorf("child %s: %w", how, err)
		}
		var r childReport
		if err := json.Unmarshal(bytes.TrimSpace(outb), &r); err != nil {
			return fmt.Errorf("child %s: %w (%q)", how, err, outb)
		}
		rise := r.Peak - r.Before
		good := rise <= loadLimit && r.Answers == want
		ok = ok && good
		note := verdict(good)
		if r.Answers != want {
			note = "WRONG ANSWERS"
		}
		fmt.Printf("%-16s %9.1f %9.1f %8.3f %9.1f %7.2f %6s  (%s)\n", how, mb(r.Before), mb(r.Peak), float64(rise)/float64(S), mb(loadLimit), r.Secs, note, r.How)
	}
	if !ok {
		return errors.New("a target was missed")
	}
	return nil
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "OVER"
}

func mb(b int64) float64 { return float64(b) / mib }

// settle collects garbage and returns freed memory to the system, so the resident set before
// an operation is the live heap.
func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

// status returns a field of /proc/self/status in bytes (0 when unavailable).
func status(field string) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// peakMeter measures the peak resident set from its start to stop.
type peakMeter struct {
	how     string
	stopped atomic.Bool
	wg      sync.WaitGroup
	max     atomic.Int64
}

func startPeak() *peakMeter {
	m := &peakMeter{}
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err == nil && status("VmHWM") > 0 {
		m.how = "VmHWM after clear_refs"
		return m
	}
	m.how = "VmRSS sampled every ms"
	m.max.Store(status("VmRSS"))
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		for !m.stopped.Load() {
			if r := status("VmRSS"); r > m.max.Load() {
				m.max.Store(r)
			}
			time.Sleep(time.Millisecond)
		}
	}()
	return m
}

func (m *peakMeter) stop() int64 {
	if m.how == "VmHWM after clear_refs" {
		return status("VmHWM")
	}
	m.stopped.Store(true)
	m.wg.Wait()
	return max(m.max.Load(), status("VmRSS"))
}

type childReport struct {
	How     string  `json:"how"`
	Before  int64   `json:"before"`
	Peak    int64   `json:"peak"`
	Secs    float64 `json:"secs"`
	Answers string  `json:"answers"`
}

// child loads path the given way and prints a childReport as JSON.
func child(path, how, qpath string) error {
	qb, err := os.ReadFile(qpath)
	if err != nil {
		return err
	}
	queries := bytesFloat(qb)
	var empty *core.Index
	if how == "DeserializeFile" {
		if empty, err = core.CreateIndex(*childName, *childCreate); err != nil {
			return err
		}
	}
	settle()
	before := status("VmRSS")
	m := startPeak()
	t0 := time.Now()
	var idx *core.Index
	switch how {
	case "LoadFile":
		idx, err = core.LoadFile(path)
	case "LoadBytes":
		var b []byte
		if b, err = os.ReadFile(path); err == nil {
			idx, err = core.LoadBytes(b)
		}
	case "Load":
		var fh *os.File
		if fh, err = os.Open(path); err == nil {
			idx, err = core.Load(bufio.NewReaderSize(fh, 1<<20))
			fh.Close()
		}
	case "DeserializeFile":
		// into an empty index created with the file's parameters (created before the
		// measurement starts: an empty index holds next to nothing)
		err = empty.DeserializeFile(path)
		idx = empty
	default:
		return fmt.Errorf("unknown -how %q", how)
	}
	if err != nil {
		return err
	}
	secs := time.Since(t0).Seconds()
	peak := m.stop()
	d := idx.Dim()
	got, err := answers(idx, queries, d)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(childReport{How: m.how, Before: before, Peak: peak, Secs: secs, Answers: got})
}

// answers searches every query and returns a hash of the results.
func answers(idx *core.Index, queries []float32, d int) (string, error) {
	h := fnv.New64a()
	search := `{"hgraph":{"ef_search":64}}`
	if idx.Name() != "hgraph" {
		search = ""
	}
	for q := 0; q < len(queries)/d; q++ {
		res, err := idx.Search(queries[q*d:(q+1)*d], 10, search, nil)
		if err != nil {
			return "", err
		}
		for _, r := range res {
			fmt.Fprintf(h, "%d:%g ", r.ID, r.Distance)
		}
	}
	return strconv.FormatUint(h.Sum64(), 16), nil
}

func floatBytes(v []float32) []byte {
	var buf bytes.Buffer
	for _, x := range v {
		fmt.Fprintf(&buf, "%g\n", x)
	}
	return buf.Bytes()
}

func bytesFloat(b []byte) []float32 {
	var out []float32
	for _, f := range strings.Fields(string(b)) {
		x, _ := strconv.ParseFloat(f, 32)
		out = append(out, float32(x))
	}
	return out
}
