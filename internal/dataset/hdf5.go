package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strings"
)

// HDF5 files in the ann-benchmarks layout are read and written through Debian's python3-h5py:
// a short script streams the datasets as .npy arrays over a pipe (a JSON header line first),
// so the Go side needs neither cgo nor an HDF5 implementation of its own, and every HDF5
// variant h5py reads (chunked, compressed, any superblock version) works.
//
// Layout (as VSAG's eval tool documents it): datasets "train" (base, n x dim), "test" (queries),
// "neighbors" (ground-truth ids, nq x k), "distances" (nq x k), optional "train_labels" and
// "test_labels" (int64 attribute per row, for filtered search); attributes "type" ("dense")
// and "distance" ("euclidean", "angular" or "ip").

const hdf5ReadScript = `
import sys, json
try:
    import h5py, numpy as np
except ImportError as e:
    sys.stderr.write("missing python module: %s\n" % e)
    sys.exit(3)
path, wanted = sys.argv[1], sys.argv[2:]
out = sys.stdout.buffer
def plain(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if hasattr(v, "tolist"):
        v = v.tolist()
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v
with h5py.File(path, "r") as f:
    names = [n for n in wanted if n in f and isinstance(f[n], h5py.Dataset)]
    attrs = {k: plain(v) for k, v in f.attrs.items()}
    out.write((json.dumps({"attrs": attrs, "datasets": names}, default=str) + "\n").encode())
    for n in names:
        a = np.ascontiguousarray(f[n][()])
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        np.lib.format.write_array(out, a, allow_pickle=False)
out.flush()
`

const hdf5WriteScript = `
import sys, json
try:
    import h5py, numpy as np
except ImportError as e:
    sys.stderr.write("missing python module: %s\n" % e)
    sys.exit(3)
class Stream:
    # a plain reader, so numpy reads through read() instead of seeking the pipe
    def __init__(self, f):
        self.f = f
    def read(self, n=-1):
        return self.f.read(n)
    def readline(self):
        return self.f.readline()
inp = Stream(sys.stdin.buffer)
hdr = json.loads(inp.readline())
with h5py.File(sys.argv[1], "w") as f:
    for k, v in hdr["attrs"].items():
        f.attrs[k] = v
    for n in hdr["datasets"]:
        f.create_dataset(n, data=np.lib.format.read_array(inp, allow_pickle=False))
`

// Python returns the interpreter used for HDF5, plots and hnswlib: $VSAG_PYTHON, else
// /usr/bin/python3 (where Debian installs python3-h5py and friends), else python3 on PATH.
func Python() string {
	if p := os.Getenv("VSAG_PYTHON"); p != "" {
		return p
	}
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

// pyError turns a failed python run into an error that says what to install.
func pyError(what string, err error, stderr []byte) error {
	msg := strings.TrimSpace(string(stderr))
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 || errors.Is(err, exec.ErrNotFound) {
		return fmt.Errorf("%s needs %s with h5py and numpy (Debian: apt-get install python3-h5py python3-numpy): %v %s", what, Python(), err, msg)
	}
	if msg != "" {
		return fmt.Errorf("%s: %s", what, msg)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// ReadHDF5Arrays reads the named datasets (those present) and the root attributes of an HDF5
// file. Missing names are simply absent from the result.
func ReadHDF5Arrays(path string, names ...string) (map[string]*Array, map[string]any, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(Python(), append([]string{"-c", hdf5ReadScript, path}, names...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, pyError("reading "+path, err, nil)
	}
	r := bufio.NewReaderSize(out, 1<<20)
	arrays, attrs, perr := readArrayStream(r)
	if perr != nil {
		io.Copy(io.Discard, r)
	}
	if err := cmd.Wait(); err != nil {
		return nil, nil, pyError("reading "+path, err, stderr.Bytes())
	}
	if perr != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, perr)
	}
	return arrays, attrs, nil
}

type streamHeader struct {
	Attrs    map[string]any `json:"attrs"`
	Datasets []string       `json:"datasets"`
}

func readArrayStream(r *bufio.Reader) (map[string]*Array, map[string]any, error) {
	line, err := r.ReadBytes('\n')
	if err != nil {
		return nil, nil, fmt.Errorf("no header from the HDF5 reader: %w", err)
	}
	var h streamHeader
	if err := json.Unmarshal(line, &h); err != nil {
		return nil, nil, fmt.Errorf("bad header from the HDF5 reader: %w", err)
	}
	arrays := make(map[string]*Array, len(h.Datasets))
	for _, n := range h.Datasets {
		a, err := ReadNPY(r)
		if err != nil {
			return nil, nil, fmt.Errorf("dataset %q: %w", n, err)
		}
		arrays[n] = a
	}
	return arrays, h.Attrs, nil
}

// WriteHDF5Arrays writes arrays (in the order of names) and string attributes to a new HDF5
// file at path.
func WriteHDF5Arrays(path string, attrs map[string]string, names []string, arrays map[string]*Array) error {
	cmd := exec.Command(Python(), "-c", hdf5WriteScript, path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return pyError("writing "+path, err, nil)
	}
	w := bufio.NewWriterSize(in, 1<<20)
	hdr, _ := json.Marshal(map[string]any{"attrs": attrs, "datasets": names})
	werr := func() error {
		if _, err := w.Write(append(hdr, '\n')); err != nil {
			return err
		}
		for _, n := range names {
			if err := WriteNPY(w, arrays[n]); err != nil {
				return err
			}
		}
		return w.Flush()
	}()
	in.Close()
	if err := cmd.Wait(); err != nil {
		return pyError("writing "+path, err, stderr.Bytes())
	}
	if werr != nil {
		return fmt.Errorf("writing %s: %w", path, werr)
	}
	return nil
}

// MetricFromDistance maps an ann-benchmarks "distance" attribute to a VSAG metric type.
func MetricFromDistance(d string) (string, error) {
	switch strings.ToLower(d) {
	case "euclidean", "l2":
		return "l2", nil
	case "angular", "cosine":
		return "cosine", nil
	case "ip", "dot", "inner_product", "innerproduct":
		return "ip", nil
	}
	return "", fmt.Errorf("unsupported distance %q (want euclidean, angular or ip)", d)
}

// DistanceName maps a VSAG metric type to the ann-benchmarks "distance" attribute.
func DistanceName(metric string) string {
	switch metric {
	case "cosine":
		return "angular"
	case "ip":
		return "ip"
	}
	return "euclidean"
}

// ReadHDF5 loads an ann-benchmarks-style HDF5 file (dense float32 or int8 vectors).
func ReadHDF5(path string) (*Set, error) {
	arrays, attrs, err := ReadHDF5Arrays(path, "train", "test", "neighbors", "distances", "train_labels", "test_labels")
	if err != nil {
		return nil, err
	}
	typ, _ := attrs["type"].(string)
	if typ != "" && typ != "dense" {
		return nil, fmt.Errorf("%s: type %q is not supported (dense vectors only)", path, typ)
	}
	dist, _ := attrs["distance"].(string)
	if dist == "" {
		return nil, fmt.Errorf("%s: the root attribute \"distance\" is missing", path)
	}
	metric, err := MetricFromDistance(dist)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	train, test := arrays["train"], arrays["test"]
	if train == nil || test == nil {
		return nil, fmt.Errorf("%s: datasets \"train\" and \"test\" are required", path)
	}
	if len(train.Shape) != 2 || len(test.Shape) != 2 || train.Shape[1] != test.Shape[1] || train.Shape[1] == 0 {
		return nil, fmt.Errorf("%s: train %v and test %v must be 2-d with the same width", path, train.Shape, test.Shape)
	}
	s := &Set{Name: strings.TrimSuffix(strings.TrimSuffix(baseName(path), ".hdf5"), ".h5"), Dim: train.Shape[1], Metric: metric, DType: "float32", Path: path}
	if train.DType == "i1" {
		s.DType = "int8"
	} else if strings.HasPrefix(train.DType, "i") || strings.HasPrefix(train.DType, "u") {
		s.DType = "float32" // other integer types are widened
	}
	if s.Base, err = train.Float32(); err != nil {
		return nil, fmt.Errorf("%s: train: %w", path, err)
	}
	if s.Queries, err = test.Float32(); err != nil {
		return nil, fmt.Errorf("%s: test: %w", path, err)
	}
	if nb := arrays["neighbors"]; nb != nil && nb.Len() > 0 {
		if nb.Rows() != test.Rows() {
			return nil, fmt.Errorf("%s: neighbors has %d rows for %d queries", path, nb.Rows(), test.Rows())
		}
		ids, err := nb.Int64()
		if err != nil {
			return nil, fmt.Errorf("%s: neighbors: %w", path, err)
		}
		s.GTK = nb.Cols()
		s.Neighbors = make([]int32, len(ids))
		for i, v := range ids {
			s.Neighbors[i] = int32(v)
		}
		if d := arrays["distances"]; d != nil && d.Len() == nb.Len() {
			if s.Distances, err = d.Float32(); err != nil {
				return nil, fmt.Errorf("%s: distances: %w", path, err)
			}
			if metric == "l2" { // the file holds Euclidean distances; ours are squared
				for i, x := range s.Distances {
					s.Distances[i] = x * x
				}
			}
		}
	}
	tl, ql := arrays["train_labels"], arrays["test_labels"]
	if tl != nil && ql != nil {
		if tl.Len() != train.Rows() || ql.Len() != test.Rows() {
			return nil, fmt.Errorf("%s: train_labels/test_labels lengths %d/%d do not match %d/%d rows", path, tl.Len(), ql.Len(), train.Rows(), test.Rows())
		}
		if s.BaseLabels, err = tl.Int64(); err != nil {
			return nil, fmt.Errorf("%s: train_labels: %w", path, err)
		}
		if s.QueryLabels, err = ql.Int64(); err != nil {
			return nil, fmt.Errorf("%s: test_labels: %w", path, err)
		}
	}
	return s, nil
}

// WriteHDF5 writes s in the ann-benchmarks layout. Ground truth is written when s has it;
// int8 sets store train and test as int8.
func WriteHDF5(path string, s *Set) error {
	arrays := map[string]*Array{}
	names := []string{"train", "test"}
	if s.DType == "int8" {
		arrays["train"] = Int8Array(toInt8(s.Base), s.NumBase(), s.Dim)
		arrays["test"] = Int8Array(toInt8(s.Queries), s.NumQueries(), s.Dim)
	} else {
		arrays["train"] = Float32Array(s.Base, s.NumBase(), s.Dim)
		arrays["test"] = Float32Array(s.Queries, s.NumQueries(), s.Dim)
	}
	if s.Neighbors != nil && s.GTK > 0 {
		ids := make([]int64, len(s.Neighbors))
		for i, v := range s.Neighbors {
			ids[i] = int64(v)
		}
		arrays["neighbors"] = Int64Array(ids, len(ids)/s.GTK, s.GTK)
		names = append(names, "neighbors")
		if len(s.Distances) == len(s.Neighbors) {
			d := s.Distances
			if s.Metric == "l2" || s.Metric == "" {
				d = make([]float32, len(s.Distances))
				for i, x := range s.Distances {
					d[i] = float32(math.Sqrt(float64(x)))
				}
			}
			arrays["distances"] = Float32Array(d, len(ids)/s.GTK, s.GTK)
			names = append(names, "distances")
		}
	}
	if s.BaseLabels != nil && s.QueryLabels != nil {
		arrays["train_labels"] = Int64Array(s.BaseLabels, len(s.BaseLabels))
		arrays["test_labels"] = Int64Array(s.QueryLabels, len(s.QueryLabels))
		names = append(names, "train_labels", "test_labels")
	}
	attrs := map[string]string{"type": "dense", "distance": DistanceName(s.Metric)}
	return WriteHDF5Arrays(path, attrs, names, arrays)
}

func toInt8(v []float32) []int8 {
	out := make([]int8, len(v))
	for i, x := range v {
		out[i] = int8(max(-128, min(127, x)))
	}
	return out
}
