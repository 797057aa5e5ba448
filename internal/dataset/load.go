package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadOptions tunes Load.
type LoadOptions struct {
	// HoldOut is the number of rows held out as queries when the source is a single matrix
	// (default: min(1000, rows/10)).
	HoldOut int
}

// Load opens a dataset. spec is one of:
//
//	file.hdf5, file.h5      ann-benchmarks layout (train, test, neighbors, distances; attributes type, distance)
//	a directory             Fashion-MNIST/IDX names (train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz]),
//	                        TEXMEX names (*base.fvecs|bvecs, *query.fvecs|bvecs, optional *groundtruth.ivecs),
//	                        or numpy files train.npy, test.npy and optional neighbors.npy
//	base,queries[,truth]    two or three matrix files of the formats below
//	one matrix file         .fvecs, .bvecs, .npy, .tsv/.txt or an IDX file: its last rows are held out as queries
//	fashion-mnist           Debian's dataset-fashion-mnist package
//	generated:N,Q,D         seeded clustered data: N base rows, Q queries, D dimensions
func Load(spec string, opt LoadOptions) (*Set, error) {
	switch {
	case spec == "fashion-mnist":
		return FashionMNIST("")
	case strings.HasPrefix(spec, "generated:"):
		var n, q, d int
		if _, err := fmt.Sscanf(strings.TrimPrefix(spec, "generated:"), "%d,%d,%d", &n, &q, &d); err != nil || n <= 0 || q <= 0 || d <= 0 {
			return nil, fmt.Errorf("dataset %q: want generated:N,Q,D with positive numbers", spec)
		}
		s := Generated(n, q, d, 42)
		s.Path = spec
		return s, nil
	case strings.Contains(spec, ","):
		return loadParts(strings.Split(spec, ","))
	}
	st, err := os.Stat(spec)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if st.IsDir() {
		return loadDir(spec)
	}
	switch strings.ToLower(filepath.Ext(spec)) {
	case ".hdf5", ".h5":
		return ReadHDF5(spec)
	}
	v, dim, dtype, err := ReadMatrix(spec)
	if err != nil {
		return nil, err
	}
	n := len(v) / dim
	hold := opt.HoldOut
	if hold <= 0 {
		hold = min(1000, n/10)
	}
	if hold <= 0 || hold >= n {
		return nil, fmt.Errorf("%s: %d rows are too few to hold out %d queries", spec, n, hold)
	}
	split := (n - hold) * dim
	return &Set{Name: baseName(spec), Dim: dim, Base: v[:split:split], Queries: v[split:], DType: dtype, Path: spec}, nil
}

func baseName(p string) string { return filepath.Base(filepath.Clean(p)) }

// ReadMatrix reads one matrix file by extension: .fvecs/.bvecs/.ivecs, .npy (2-d, any
// numeric dtype), .tsv/.txt (whitespace-separated) or an IDX file (name containing "idx",
// optionally .gz). dtype is "int8" for int8 .npy data and "float32" otherwise.
func ReadMatrix(path string) (v []float32, dim int, dtype string, err error) {
	name := strings.ToLower(filepath.Base(path))
	ext := filepath.Ext(name)
	dtype = "float32"
	switch {
	case ext == ".fvecs" || ext == ".bvecs" || ext == ".ivecs":
		v, dim, err = ReadVecs(path, 0)
	case ext == ".npy":
		var a *Array
		if a, err = ReadNPYFile(path); err != nil {
			return nil, 0, "", err
		}
		if len(a.Shape) != 2 || a.Shape[1] == 0 {
			return nil, 0, "", fmt.Errorf("%s: want a 2-d array, have shape %v", path, a.Shape)
		}
		if a.DType == "i1" {
			dtype = "int8"
		}
		dim = a.Shape[1]
		v, err = a.Float32()
	case ext == ".tsv" || ext == ".txt":
		v, dim, err = ReadTSV(path)
	case strings.Contains(name, "idx"):
		v, dim, err = ReadIDXFile(path)
	default:
		return nil, 0, "", fmt.Errorf("%s: unknown file type (want .hdf5, .fvecs, .bvecs, .ivecs, .npy, .tsv or IDX)", path)
	}
	if err == nil && (dim <= 0 || len(v) == 0) {
		err = fmt.Errorf("%s: no vectors", path)
	}
	return v, dim, dtype, err
}

// readIDs reads a ground-truth id matrix (.ivecs or integer .npy).
func readIDs(path string) ([]int32, int, error) {
	if strings.ToLower(filepath.Ext(path)) == ".npy" {
		a, err := ReadNPYFile(path)
		if err != nil {
			return nil, 0, err
		}
		v, err := a.Int64()
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		out := make([]int32, len(v))
		for i, x := range v {
			out[i] = int32(x)
		}
		return out, a.Cols(), nil
	}
	v, k, _, err := ReadMatrix(path)
	if err != nil {
		return nil, 0, err
	}
	out := make([]int32, len(v))
	for i, x := range v {
		out[i] = int32(x)
	}
	return out, k, nil
}

func loadParts(parts []string) (*Set, error) {
	if len(parts) < 2 || len(parts) > 3 {
		return nil, fmt.Errorf("dataset %q: want base,queries[,groundtruth]", strings.Join(parts, ","))
	}
	base, d1, t1, err := ReadMatrix(parts[0])
	if err != nil {
		return nil, err
	}
	q, d2, _, err := ReadMatrix(parts[1])
	if err != nil {
		return nil, err
	}
	if d1 != d2 {
		return nil, fmt.Errorf("dataset: base dim %d != query dim %d", d1, d2)
	}
	s := &Set{Name: baseName(parts[0]), Dim: d1, Base: base, Queries: q, DType: t1, Path: strings.Join(parts, ",")}
	if len(parts) == 3 {
		if s.Neighbors, s.GTK, err = readIDs(parts[2]); err != nil {
			return nil, err
		}
		if s.GTK == 0 || len(s.Neighbors)/s.GTK != s.NumQueries() {
			return nil, fmt.Errorf("%s: %d ground-truth rows for %d queries", parts[2], len(s.Neighbors)/max(1, s.GTK), s.NumQueries())
		}
	}
	return s, nil
}

func loadDir(dir string) (*Set, error) {
	if s, err := FashionMNIST(dir); err == nil {
		return s, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	pick := func(suffixes ...string) string {
		for _, suf := range suffixes {
			for _, n := range names {
				if strings.HasSuffix(strings.ToLower(n), suf) {
					return filepath.Join(dir, n)
				}
			}
		}
		return ""
	}
	var parts []string
	if b, q := pick("base.fvecs", "base.bvecs"), pick("query.fvecs", "query.bvecs"); b != "" && q != "" {
		parts = []string{b, q}
		if g := pick("groundtruth.ivecs"); g != "" {
			parts = append(parts, g)
		}
	} else if b, q := pick("train.npy"), pick("test.npy"); b != "" && q != "" {
		parts = []string{b, q}
		if g := pick("neighbors.npy"); g != "" {
			parts = append(parts, g)
		}
	}
	if parts == nil {
		return nil, fmt.Errorf("%s: no known dataset layout (IDX train/t10k images, *base.fvecs + *query.fvecs, or train.npy + test.npy)", dir)
	}
	s, err := loadParts(parts)
	if err != nil {
		return nil, err
	}
	s.Name = baseName(dir)
	s.Path = dir
	return s, nil
}
