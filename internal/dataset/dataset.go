// Package dataset loads vector datasets for tools, benchmarks and tests: ann-benchmarks HDF5
// files (through Debian's python3-h5py), Fashion-MNIST IDX files, .fvecs/.ivecs/.bvecs, .npy,
// tab-separated text and seeded generated data (see Load), and computes exact ground truth
// (k-NN, range and label-filtered) on all cores with an on-disk cache.
package dataset

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Set is a dense float32 dataset: base vectors, queries and (optionally) ground truth.
type Set struct {
	Name    string
	Dim     int
	Base    []float32 // NumBase x Dim
	Queries []float32 // NumQueries x Dim
	// Neighbors holds GTK exact neighbour ids per query, row-major (may be nil).
	Neighbors []int32
	GTK       int
	// Metric is "l2", "ip" or "cosine" when the source says so, "" when it does not.
	Metric string
	// DType is the element type of the source vectors: "float32" (also for widened integer
	// types) or "int8".
	DType string
	// Distances holds the ground-truth distances (VSAG units: squared L2, 1-ip, 1-cos),
	// parallel to Neighbors, when the source provides them.
	Distances []float32
	// BaseLabels and QueryLabels hold one attribute label per row for filtered search
	// (a query may return only base rows with the same label); nil when absent.
	BaseLabels  []int64
	QueryLabels []int64
	// Path is where the set was loaded from.
	Path string
}

// NumBase returns the number of base vectors.
func (s *Set) NumBase() int { return len(s.Base) / s.Dim }

// NumQueries returns the number of queries.
func (s *Set) NumQueries() int { return len(s.Queries) / s.Dim }

// FashionMNISTDir is where Debian's dataset-fashion-mnist package installs its files.
const FashionMNISTDir = "/usr/share/datasets/fashion-mnist"

// ErrNotFound reports that a dataset's files are absent.
var ErrNotFound = errors.New("dataset files not found")

// FashionMNIST loads the 60k x 784 train split as base and the 10k test split as queries
// (the ann-benchmarks split), as float32 pixel values 0..255, with the class labels as
// BaseLabels/QueryLabels when the label files are present. The files may be gzip-compressed.
func FashionMNIST(dir string) (*Set, error) {
	if dir == "" {
		dir = FashionMNISTDir
	}
	find := func(name string) string {
		for _, p := range []string{filepath.Join(dir, name+".gz"), filepath.Join(dir, name)} {
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
		return ""
	}
	train, test := find("train-images-idx3-ubyte"), find("t10k-images-idx3-ubyte")
	if train == "" || test == "" {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	}
	base, d1, err := ReadIDXFile(train)
	if err != nil {
		return nil, err
	}
	q, d2, err := ReadIDXFile(test)
	if err != nil {
		return nil, err
	}
	if d1 != d2 {
		return nil, fmt.Errorf("fashion-mnist: train dim %d != test dim %d", d1, d2)
	}
	s := &Set{Name: "fashion-mnist-784-euclidean", Dim: d1, Base: base, Queries: q, Metric: "l2", DType: "float32", Path: dir}
	if dir != FashionMNISTDir {
		s.Name = filepath.Base(filepath.Clean(dir))
	}
	tl, ql := find("train-labels-idx1-ubyte"), find("t10k-labels-idx1-ubyte")
	if tl != "" && ql != "" {
		bl, _, err1 := ReadIDXFile(tl)
		qlv, _, err2 := ReadIDXFile(ql)
		if err1 == nil && err2 == nil && len(bl) == s.NumBase() && len(qlv) == s.NumQueries() {
			s.BaseLabels, s.QueryLabels = floatsToInt64(bl), floatsToInt64(qlv)
		}
	}
	return s, nil
}

func floatsToInt64(v []float32) []int64 {
	out := make([]int64, len(v))
	for i, x := range v {
		out[i] = int64(x)
	}
	return out
}

// ReadIDXFile reads an IDX file of unsigned bytes (gzip-compressed when the name ends in .gz)
// and returns its rows as float32 with the row length (product of the dimensions after the first).
func ReadIDXFile(path string) ([]float32, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		defer gz.Close()
		r = gz
	}
	v, d, err := ReadIDX(r)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return v, d, nil
}

// ReadIDX reads an IDX stream of unsigned bytes (type 0x08).
func ReadIDX(r io.Reader) ([]float32, int, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, 0, fmt.Errorf("idx header: %w", err)
	}
	if hdr[0] != 0 || hdr[1] != 0 || hdr[2] != 0x08 || hdr[3] == 0 || hdr[3] > 4 {
		return nil, 0, fmt.Errorf("idx: unsupported header % x (want unsigned-byte data)", hdr)
	}
	dims := make([]uint32, hdr[3])
	if err := binary.Read(r, binary.BigEndian, dims); err != nil {
		return nil, 0, fmt.Errorf("idx dims: %w", err)
	}
	n := int(dims[0])
	row := 1
	for _, d := range dims[1:] {
		row *= int(d)
	}
	if n <= 0 || row <= 0 || n > 1<<26 || row > 1<<20 || n*row > 1<<32 {
		return nil, 0, fmt.Errorf("idx: implausible shape %v", dims)
	}
	buf := make([]byte, n*row)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, 0, fmt.Errorf("idx data: %w", err)
	}
	out := make([]float32, len(buf))
	for i, b := range buf {
		out[i] = float32(b)
	}
	return out, row, nil
}

// ReadTSV reads whitespace-separated numbers, one vector per line.
func ReadTSV(path string) ([]float32, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var out []float32
	dim := 0
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if dim == 0 {
			dim = len(fields)
		} else if len(fields) != dim {
			return nil, 0, fmt.Errorf("%s:%d: %d values, want %d", path, line, len(fields), dim)
		}
		for _, s := range fields {
			v, err := strconv.ParseFloat(s, 32)
			if err != nil {
				return nil, 0, fmt.Errorf("%s:%d: %w", path, line, err)
			}
			out = append(out, float32(v))
		}
	}
	return out, dim, sc.Err()
}

// ReadVecs reads .fvecs (float32), .ivecs (int32) or .bvecs (uint8) by extension and returns the
// rows as float32 with their dimension. maxRows <= 0 reads everything.
func ReadVecs(path string, maxRows int) ([]float32, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	ext := strings.ToLower(filepath.Ext(path))
	elem := 4
	if ext == ".bvecs" {
		elem = 1
	} else if ext != ".fvecs" && ext != ".ivecs" {
		return nil, 0, fmt.Errorf("%s: unknown extension %q", path, ext)
	}
	r := bufio.NewReaderSize(f, 1<<20)
	var out []float32
	dim := -1
	var hdr [4]byte
	buf := []byte{}
	for rows := 0; maxRows <= 0 || rows < maxRows; rows++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				break
			}
			return nil, 0, fmt.Errorf("%s: row %d: %w", path, rows, err)
		}
		d := int(int32(binary.LittleEndian.Uint32(hdr[:])))
		if d <= 0 || d > 1<<20 || (dim >= 0 && d != dim) {
			return nil, 0, fmt.Errorf("%s: row %d has bad dimension %d", path, rows, d)
		}
		dim = d
		if cap(buf) < d*elem {
			buf = make([]byte, d*elem)
		}
		b := buf[:d*elem]
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, 0, fmt.Errorf("%s: row %d: %w", path, rows, err)
		}
		for i := 0; i < d; i++ {
			switch ext {
			case ".fvecs":
				out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
			case ".ivecs":
				out = append(out, float32(int32(binary.LittleEndian.Uint32(b[4*i:]))))
			default:
				out = append(out, float32(b[i]))
			}
		}
	}
	if dim < 0 {
		return nil, 0, fmt.Errorf("%s: no rows", path)
	}
	return out, dim, nil
}

// WriteFvecs writes rows of dim float32 values as .fvecs.
func WriteFvecs(path string, v []float32, dim int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	var b [4]byte
	for i := 0; i+dim <= len(v); i += dim {
		binary.LittleEndian.PutUint32(b[:], uint32(dim))
		w.Write(b[:])
		for _, x := range v[i : i+dim] {
			binary.LittleEndian.PutUint32(b[:], math.Float32bits(x))
			w.Write(b[:])
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Clustered generates n seeded vectors of dim dimensions around `clusters` Gaussian centres.
func Clustered(n, dim, clusters int, seed int64) []float32 {
	rng := rand.New(rand.NewSource(seed))
	if clusters < 1 {
		clusters = 1
	}
	centres := make([]float32, clusters*dim)
	for i := range centres {
		centres[i] = float32(rng.NormFloat64() * 3)
	}
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := centres[rng.Intn(clusters)*dim:]
		for j := 0; j < dim; j++ {
			out[i*dim+j] = c[j] + float32(rng.NormFloat64())
		}
	}
	return out
}

// Generated returns a seeded clustered dataset standing in for a real one.
func Generated(nBase, nQuery, dim int, seed int64) *Set {
	all := Clustered(nBase+nQuery, dim, 32, seed)
	return &Set{Name: fmt.Sprintf("generated-%dx%d", nBase, dim), Dim: dim, Base: all[:nBase*dim], Queries: all[nBase*dim:], Metric: "l2", DType: "float32"}
}

// GroundTruth computes the exact k nearest base rows of every query (squared L2 when metric is
// "l2", largest inner product for "ip", largest cosine for "cosine") on all cores. Ties go to
// the smaller row id.
func GroundTruth(base, queries []float32, dim, k int, metric string) []int32 {
	nb := len(base) / dim
	k = min(k, nb)
	t := ComputeTruth(base, queries, dim, TruthSpec{Metric: metric, K: k})
	return t.IDs
}

// Recall returns the mean fraction of the first k ground-truth ids (gt has gtk per query) found
// in each row of got (k per query; ids < 0 are padding).
func Recall(got []int64, k int, gt []int32, gtk int) float64 {
	nq := len(got) / k
	if nq == 0 {
		return 0
	}
	var sum float64
	for i := 0; i < nq; i++ {
		sum += RecallOne(got[i*k:(i+1)*k], gt[i*gtk:i*gtk+min(k, gtk)])
	}
	return sum / float64(nq)
}

// RecallOne returns the fraction of truth found in got.
func RecallOne(got []int64, truth []int32) float64 {
	if len(truth) == 0 {
		return 1
	}
	hit := 0
	for _, t := range truth {
		for _, g := range got {
			if g == int64(t) {
				hit++
				break
			}
		}
	}
	return float64(hit) / float64(len(truth))
}

// FashionMNISTOrGenerated loads Fashion-MNIST from dir or, when the Debian package
// dataset-fashion-mnist is not installed, generated data of the same shape (60 000 x 784 base
// rows, 10 000 queries), saying so on out.
func FashionMNISTOrGenerated(dir string, out io.Writer) (*Set, error) {
	set, err := FashionMNIST(dir)
	if errors.Is(err, ErrNotFound) {
		fmt.Fprintln(out, "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist); using generated data of the same shape.")
		return Generated(60000, 10000, 784, 42), nil
	}
	return set, err
}
