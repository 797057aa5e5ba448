package dataset

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
)

// Sparse holds sparse rows in CSR form: row i's term ids are IDs[Offsets[i]:Offsets[i+1]],
// ascending and unique, with their weights at the same positions of Values.
type Sparse struct {
	Offsets []int64
	IDs     []uint32
	Values  []float32
}

// Rows returns the number of rows.
func (s *Sparse) Rows() int { return len(s.Offsets) - 1 }

// SparseSet is a sparse dataset in the eval tool's HDF5 layout: base rows (/train), queries
// (/test), and the exact neighbours of each query (/neighbors, /distances) when present.
type SparseSet struct {
	Base, Queries *Sparse
	// Neighbors holds GTK labels (base row numbers) per query, row-major; nil when absent.
	Neighbors []int64
	Distances []float32
	GTK       int
	// Distance is the file's distance attribute ("ip").
	Distance string
	Path     string
}

// EncodeSparseStream writes rows as the eval format's byte stream: per row a little-endian
// uint32 length, the uint32 term ids and the float32 weights. It also returns the byte offset
// of every row and the total (rows+1 entries, VSAG's *_offsets dataset).
func EncodeSparseStream(s *Sparse) ([]byte, []uint64) {
	out := make([]byte, 0, 4*s.Rows()+8*len(s.IDs))
	offs := make([]uint64, 0, s.Rows()+1)
	for i := 0; i < s.Rows(); i++ {
		offs = append(offs, uint64(len(out)))
		lo, hi := s.Offsets[i], s.Offsets[i+1]
		out = binary.LittleEndian.AppendUint32(out, uint32(hi-lo))
		for _, t := range s.IDs[lo:hi] {
			out = binary.LittleEndian.AppendUint32(out, t)
		}
		for _, v := range s.Values[lo:hi] {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out, append(offs, uint64(len(out)))
}

// DecodeSparseStream reads the eval format's byte stream into CSR rows (each row's terms
// sorted by id, as VSAG's reader does) and returns the byte offset of every row and the
// total. A truncated stream is an error.
func DecodeSparseStream(b []byte) (*Sparse, []uint64, error) {
	s := &Sparse{Offsets: []int64{0}, IDs: []uint32{}, Values: []float32{}}
	var offs []uint64
	pos := 0
	for pos < len(b) {
		offs = append(offs, uint64(pos))
		if pos+4 > len(b) {
			return nil, nil, fmt.Errorf("sparse stream truncated at byte %d: expected a 4-byte length", pos)
		}
		n := int(binary.LittleEndian.Uint32(b[pos:]))
		pos += 4
		if n > (len(b)-pos)/8 {
			return nil, nil, fmt.Errorf("sparse stream truncated at byte %d: a row of %d terms needs %d bytes", pos, n, 8*n)
		}
		start := len(s.IDs)
		for j := 0; j < n; j++ {
			s.IDs = append(s.IDs, binary.LittleEndian.Uint32(b[pos+4*j:]))
			s.Values = append(s.Values, math.Float32frombits(binary.LittleEndian.Uint32(b[pos+4*n+4*j:])))
		}
		pos += 8 * n
		sort.Sort(rowSorter{s.IDs[start:], s.Values[start:]})
		s.Offsets = append(s.Offsets, int64(len(s.IDs)))
	}
	return s, append(offs, uint64(len(b))), nil
}

type rowSorter struct {
	ids  []uint32
	vals []float32
}

func (r rowSorter) Len() int           { return len(r.ids) }
func (r rowSorter) Less(i, j int) bool { return r.ids[i] < r.ids[j] }
func (r rowSorter) Swap(i, j int) {
	r.ids[i], r.ids[j] = r.ids[j], r.ids[i]
	r.vals[i], r.vals[j] = r.vals[j], r.vals[i]
}

// CheckSparseOffsets checks a file's *_offsets dataset against the offsets of its stream:
// rows+1 entries, starting at 0, never decreasing, ending at the stream's size, and each the
// byte offset of its row (VSAG's validate_offsets and cross-check).
func CheckSparseOffsets(disk, parsed []uint64, name string) error {
	if len(disk) != len(parsed) {
		return fmt.Errorf("%s: %d offsets for %d rows, need rows+1", name, len(disk), len(parsed)-1)
	}
	if len(disk) > 0 && disk[0] != 0 {
		return fmt.Errorf("%s: the first offset must be 0", name)
	}
	for i := range disk {
		if i > 0 && disk[i] < disk[i-1] {
			return fmt.Errorf("%s: offsets must not decrease (entry %d)", name, i)
		}
		if disk[i] != parsed[i] {
			return fmt.Errorf("%s: entry %d is %d, the stream's row starts at byte %d", name, i, disk[i], parsed[i])
		}
	}
	return nil
}

// ReadSparseHDF5 reads an eval-format HDF5 file whose type attribute is "sparse": /train and
// /test byte streams (cross-checked against /train_offsets and /test_offsets when present),
// /neighbors and /distances when present.
func ReadSparseHDF5(path string) (*SparseSet, error) {
	arrays, attrs, err := ReadHDF5Arrays(path, "train", "test", "train_offsets", "test_offsets", "neighbors", "distances")
	if err != nil {
		return nil, err
	}
	if t, _ := attrs["type"].(string); t != "sparse" {
		return nil, fmt.Errorf("%s: the type attribute is %q, not \"sparse\"", path, t)
	}
	s := &SparseSet{Path: path}
	s.Distance, _ = attrs["distance"].(string)
	for _, part := range []struct {
		name string
		dst  **Sparse
	}{{"train", &s.Base}, {"test", &s.Queries}} {
		a := arrays[part.name]
		if a == nil {
			return nil, fmt.Errorf("%s: no /%s dataset", path, part.name)
		}
		rows, offs, err := DecodeSparseStream(a.Data)
		if err != nil {
			return nil, fmt.Errorf("%s: /%s: %w", path, part.name, err)
		}
		if o := arrays[part.name+"_offsets"]; o != nil {
			v, err := o.Int64()
			if err != nil {
				return nil, fmt.Errorf("%s: /%s_offsets: %w", path, part.name, err)
			}
			disk := make([]uint64, len(v))
			for i, x := range v {
				disk[i] = uint64(x)
			}
			if err := CheckSparseOffsets(disk, offs, path+": /"+part.name+"_offsets"); err != nil {
				return nil, err
			}
		}
		*part.dst = rows
	}
	if a := arrays["neighbors"]; a != nil {
		if s.Neighbors, err = a.Int64(); err != nil {
			return nil, fmt.Errorf("%s: /neighbors: %w", path, err)
		}
		s.GTK = a.Cols()
		if s.GTK <= 0 || len(s.Neighbors) != s.GTK*s.Queries.Rows() {
			return nil, fmt.Errorf("%s: /neighbors holds %d entries for %d queries", path, len(s.Neighbors), s.Queries.Rows())
		}
	}
	if a := arrays["distances"]; a != nil {
		if s.Distances, err = a.Float32(); err != nil {
			return nil, fmt.Errorf("%s: /distances: %w", path, err)
		}
	}
	return s, nil
}

// WriteSparseHDF5 writes s in the eval format's sparse layout: type "sparse", distance "ip",
// /train and /test as int8 byte streams with /train_offsets and /test_offsets, and
// /neighbors and /distances when s has ground truth.
func WriteSparseHDF5(path string, s *SparseSet) error {
	arrays := map[string]*Array{}
	names := []string{}
	for _, part := range []struct {
		name string
		rows *Sparse
	}{{"train", s.Base}, {"test", s.Queries}} {
		b, offs := EncodeSparseStream(part.rows)
		arrays[part.name] = &Array{Shape: []int{len(b)}, DType: "i1", Data: b}
		ob := make([]byte, 8*len(offs))
		for i, o := range offs {
			binary.LittleEndian.PutUint64(ob[8*i:], o)
		}
		arrays[part.name+"_offsets"] = &Array{Shape: []int{len(offs)}, DType: "u8", Data: ob}
		names = append(names, part.name, part.name+"_offsets")
	}
	if s.Neighbors != nil {
		arrays["neighbors"] = Int64Array(s.Neighbors, s.Queries.Rows(), s.GTK)
		names = append(names, "neighbors")
		if s.Distances != nil {
			arrays["distances"] = Float32Array(s.Distances, s.Queries.Rows(), s.GTK)
			names = append(names, "distances")
		}
	}
	return WriteHDF5Arrays(path, map[string]string{"type": "sparse", "distance": "ip"}, names, arrays)
}

// SparseGroundTruth returns the k base rows of the best inner product with each query (row
// numbers, -1 padded) and their distances 1 - ip, by an inverted-index scan of every posting
// of every query term. Rows scoring 0 are not neighbours.
func SparseGroundTruth(base, queries *Sparse, k int) ([]int64, []float32) {
	vocab := 0
	for _, t := range base.IDs {
		vocab = max(vocab, int(t)+1)
	}
	docs, vals := make([][]int32, vocab), make([][]float32, vocab)
	for d := 0; d < base.Rows(); d++ {
		for p := base.Offsets[d]; p < base.Offsets[d+1]; p++ {
			t := base.IDs[p]
			docs[t] = append(docs[t], int32(d))
			vals[t] = append(vals[t], base.Values[p])
		}
	}
	acc := make([]float32, base.Rows())
	ids, dists := make([]int64, queries.Rows()*k), make([]float32, queries.Rows()*k)
	type hit struct {
		d int32
		s float32
	}
	var hits []hit
	for q := 0; q < queries.Rows(); q++ {
		hits = hits[:0]
		for p := queries.Offsets[q]; p < queries.Offsets[q+1]; p++ {
			t, w := queries.IDs[p], queries.Values[p]
			if int(t) >= vocab {
				continue
			}
			for j, d := range docs[t] {
				acc[d] += w * vals[t][j]
			}
		}
		for p := queries.Offsets[q]; p < queries.Offsets[q+1]; p++ {
			if t := queries.IDs[p]; int(t) < vocab {
				for _, d := range docs[t] {
					if acc[d] != 0 {
						hits = append(hits, hit{d, acc[d]})
						acc[d] = 0
					}
				}
			}
		}
		sort.Slice(hits, func(a, b int) bool {
			if hits[a].s != hits[b].s {
				return hits[a].s > hits[b].s
			}
			return hits[a].d < hits[b].d
		})
		for j := 0; j < k; j++ {
			if j < len(hits) {
				ids[q*k+j], dists[q*k+j] = int64(hits[j].d), 1-hits[j].s
			} else {
				ids[q*k+j], dists[q*k+j] = -1, float32(math.Inf(1))
			}
		}
	}
	return ids, dists
}
