package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// MultiVectorSet is a multi-vector dataset (VSAG's eval layout with root attribute type
// "multi_vector"): every base row and query is a document of sub-vectors of Dim floats.
//
// HDF5 layout: "train_multi_vectors" (all base sub-vectors, sum(train_vector_counts) x dim),
// "train_vector_counts" (one count per document), "test_multi_vectors" and
// "test_vector_counts" for the queries, "neighbors" and "distances" (nq x k); root attributes
// "type" = "multi_vector", "multi_vector_dim" (integer) and "distance".
type MultiVectorSet struct {
	Name string
	Dim  int
	// Base holds every base sub-vector; BaseCounts the sub-vectors of each document.
	Base       []float32
	BaseCounts []int
	// Queries and QueryCounts are the query documents, as Base and BaseCounts.
	Queries     []float32
	QueryCounts []int
	// Neighbors holds GTK ground-truth ids per query (may be nil), Distances their distances.
	Neighbors []int32
	Distances []float32
	GTK       int
	// Metric is "ip" or "l2" (MaxSim over inner products or squared distances).
	Metric string
	Path   string
}

// NumBase returns the number of base documents.
func (s *MultiVectorSet) NumBase() int { return len(s.BaseCounts) }

// NumQueries returns the number of query documents.
func (s *MultiVectorSet) NumQueries() int { return len(s.QueryCounts) }

// QueryDoc returns the sub-vectors of query i.
func (s *MultiVectorSet) QueryDoc(i int) []float32 {
	off := 0
	for _, c := range s.QueryCounts[:i] {
		off += c
	}
	return s.Queries[off*s.Dim : (off+s.QueryCounts[i])*s.Dim]
}

// IsMultiVectorHDF5 reports whether path is an HDF5 file whose root attribute type is
// "multi_vector" (reading only the attributes).
func IsMultiVectorHDF5(path string) bool {
	if !strings.HasSuffix(path, ".hdf5") && !strings.HasSuffix(path, ".h5") {
		return false
	}
	_, attrs, err := ReadHDF5Arrays(path)
	if err != nil {
		return false
	}
	t, _ := attrs["type"].(string)
	return t == "multi_vector"
}

// ReadMultiVectorHDF5 loads a multi-vector HDF5 file, checking that the counts add up to the
// sub-vector rows and that multi_vector_dim matches their width.
func ReadMultiVectorHDF5(path string) (*MultiVectorSet, error) {
	arrays, attrs, err := ReadHDF5Arrays(path, "train_multi_vectors", "train_vector_counts", "test_multi_vectors", "test_vector_counts", "neighbors", "distances")
	if err != nil {
		return nil, err
	}
	if t, _ := attrs["type"].(string); t != "multi_vector" {
		return nil, fmt.Errorf("%s: type %q is not \"multi_vector\"", path, t)
	}
	metric := "ip"
	if d, _ := attrs["distance"].(string); d != "" {
		if metric, err = MetricFromDistance(d); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	s := &MultiVectorSet{Name: strings.TrimSuffix(strings.TrimSuffix(baseName(path), ".hdf5"), ".h5"), Metric: metric, Path: path}
	for _, n := range []string{"train_multi_vectors", "train_vector_counts", "test_multi_vectors", "test_vector_counts"} {
		if arrays[n] == nil {
			return nil, fmt.Errorf("%s: dataset %q is required", path, n)
		}
	}
	tv, qv := arrays["train_multi_vectors"], arrays["test_multi_vectors"]
	if len(tv.Shape) != 2 || len(qv.Shape) != 2 || tv.Shape[1] != qv.Shape[1] || tv.Shape[1] == 0 {
		return nil, fmt.Errorf("%s: train_multi_vectors %v and test_multi_vectors %v must be 2-d with the same width", path, tv.Shape, qv.Shape)
	}
	s.Dim = tv.Shape[1]
	if d, ok := attrs["multi_vector_dim"]; ok {
		if f, ok := d.(float64); !ok || int(f) != s.Dim {
			return nil, fmt.Errorf("%s: multi_vector_dim %v does not match the sub-vector width %d", path, d, s.Dim)
		}
	}
	counts := func(name string, rows int) ([]int, error) {
		v, err := arrays[name].Int64()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", path, name, err)
		}
		out := make([]int, len(v))
		total := 0
		for i, c := range v {
			if c <= 0 {
				return nil, fmt.Errorf("%s: %s[%d] = %d, a document needs at least one sub-vector", path, name, i, c)
			}
			out[i] = int(c)
			total += int(c)
		}
		if total != rows {
			return nil, fmt.Errorf("%s: sum(%s) = %d does not match %d sub-vector rows", path, name, total, rows)
		}
		return out, nil
	}
	if s.BaseCounts, err = counts("train_vector_counts", tv.Rows()); err != nil {
		return nil, err
	}
	if s.QueryCounts, err = counts("test_vector_counts", qv.Rows()); err != nil {
		return nil, err
	}
	if s.Base, err = tv.Float32(); err != nil {
		return nil, fmt.Errorf("%s: train_multi_vectors: %w", path, err)
	}
	if s.Queries, err = qv.Float32(); err != nil {
		return nil, fmt.Errorf("%s: test_multi_vectors: %w", path, err)
	}
	if nb := arrays["neighbors"]; nb != nil && nb.Len() > 0 {
		if nb.Rows() != s.NumQueries() {
			return nil, fmt.Errorf("%s: neighbors has %d rows for %d queries", path, nb.Rows(), s.NumQueries())
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
		}
	}
	return s, nil
}

// WriteMultiVectorHDF5 writes s in the multi-vector layout (ground truth when s has it).
func WriteMultiVectorHDF5(path string, s *MultiVectorSet) error {
	i64 := func(c []int) []int64 {
		out := make([]int64, len(c))
		for i, x := range c {
			out[i] = int64(x)
		}
		return out
	}
	names := []string{"train_multi_vectors", "train_vector_counts", "test_multi_vectors", "test_vector_counts"}
	arrays := map[string]*Array{
		"train_multi_vectors": Float32Array(s.Base, len(s.Base)/s.Dim, s.Dim),
		"train_vector_counts": Int64Array(i64(s.BaseCounts), len(s.BaseCounts)),
		"test_multi_vectors":  Float32Array(s.Queries, len(s.Queries)/s.Dim, s.Dim),
		"test_vector_counts":  Int64Array(i64(s.QueryCounts), len(s.QueryCounts)),
	}
	if s.GTK > 0 && len(s.Neighbors) > 0 {
		nb := make([]int64, len(s.Neighbors))
		for i, v := range s.Neighbors {
			nb[i] = int64(v)
		}
		names = append(names, "neighbors")
		arrays["neighbors"] = Int64Array(nb, len(nb)/s.GTK, s.GTK)
		if len(s.Distances) == len(s.Neighbors) {
			names = append(names, "distances")
			arrays["distances"] = Float32Array(s.Distances, len(nb)/s.GTK, s.GTK)
		}
	}
	attrs := map[string]any{"type": "multi_vector", "multi_vector_dim": s.Dim, "distance": DistanceName(s.Metric)}
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

// MaxSimTruth computes the exact k nearest base documents of every query by MaxSim distance
// (ip: sum over query sub-vectors of 1 - the best inner product; l2: of the smallest squared
// distance), on all cores, and stores them in s (Neighbors, Distances, GTK).
func MaxSimTruth(s *MultiVectorSet, k int) {
	d := s.Dim
	starts := make([]int, s.NumBase()+1)
	for i, c := range s.BaseCounts {
		starts[i+1] = starts[i] + c
	}
	k = min(k, s.NumBase())
	nq := s.NumQueries()
	s.GTK, s.Neighbors, s.Distances = k, make([]int32, nq*k), make([]float32, nq*k)
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			type sc struct {
				d  float32
				id int32
			}
			all := make([]sc, s.NumBase())
			for qi := range next {
				q := s.QueryDoc(qi)
				for j := range all {
					doc := s.Base[starts[j]*d : starts[j+1]*d]
					var total float64
					for a := 0; a < len(q); a += d {
						best := math.Inf(1)
						for b := 0; b < len(doc); b += d {
							var v float64
							for t := 0; t < d; t++ {
								if s.Metric == "l2" {
									x := float64(q[a+t] - doc[b+t])
									v += x * x
								} else {
									v += float64(q[a+t] * doc[b+t])
								}
							}
							if s.Metric != "l2" {
								v = 1 - v
							}
							best = math.Min(best, v)
						}
						total += best
					}
					all[j] = sc{float32(total), int32(j)}
				}
				sort.Slice(all, func(a, b int) bool { return all[a].d < all[b].d || (all[a].d == all[b].d && all[a].id < all[b].id) })
				for r := 0; r < k; r++ {
					s.Neighbors[qi*k+r], s.Distances[qi*k+r] = all[r].id, all[r].d
				}
			}
		}()
	}
	for qi := 0; qi < nq; qi++ {
		next <- qi
	}
	close(next)
	wg.Wait()
}
