package dataset

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/govsag/vsag/internal/parallel"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"unsafe"

	"github.com/govsag/vsag/simd"
)

// TruthSpec says which exact answers to compute.
type TruthSpec struct {
	// Metric is "l2" (squared L2), "ip" (1 - <q,x>) or "cosine" (1 - cos).
	Metric string
	// K is the number of neighbours per query for k-NN truth.
	K int
	// Range selects range truth: every base row within Radius (inclusive) of the query.
	Range  bool
	Radius float32
	// BaseLabels/QueryLabels, when both set, restrict each query to base rows whose label
	// equals the query's label (the knn_filter / range_filter modes).
	BaseLabels  []int64
	QueryLabels []int64
}

// Truth holds exact answers: query i's ids and distances (ascending, ties by id) are
// IDs[Offsets[i]:Offsets[i+1]] and Dists[...]. For k-NN truth a row has fewer than K entries
// only when fewer than K base rows pass the label filter.
type Truth struct {
	Offsets []int64
	IDs     []int32
	Dists   []float32
}

// Row returns query i's ids and distances.
func (t *Truth) Row(i int) ([]int32, []float32) {
	a, b := t.Offsets[i], t.Offsets[i+1]
	return t.IDs[a:b], t.Dists[a:b]
}

// NumQueries returns the number of rows.
func (t *Truth) NumQueries() int { return len(t.Offsets) - 1 }

// Distance returns the distance between two vectors in VSAG units for metric.
func Distance(metric string, a, b []float32) float32 {
	switch metric {
	case "ip":
		return 1 - simd.InnerProduct(a, b)
	case "cosine":
		na, nb := simd.InnerProduct(a, a), simd.InnerProduct(b, b)
		if na == 0 || nb == 0 {
			return 1
		}
		return 1 - simd.InnerProduct(a, b)/float32(math.Sqrt(float64(na)*float64(nb)))
	}
	return simd.L2Sqr(a, b)
}

// normalizedRows returns a copy of v with every row of length dim scaled to unit length.
func normalizedRows(v []float32, dim int) []float32 {
	out := append([]float32(nil), v...)
	for i := 0; i+dim <= len(out); i += dim {
		simd.Normalize(out[i : i+dim])
	}
	return out
}

// ComputeTruth answers every query exactly on all cores. Base rows are scanned in blocks
// that stay in cache while a block of queries runs over them, with the simd row kernels.
func ComputeTruth(base, queries []float32, dim int, spec TruthSpec) *Truth {
	nb, nq := len(base)/dim, len(queries)/dim
	if spec.Metric == "cosine" {
		base, queries = normalizedRows(base, dim), normalizedRows(queries, dim)
	}
	ip := spec.Metric == "ip" || spec.Metric == "cosine"
	filtered := spec.BaseLabels != nil && spec.QueryLabels != nil
	k := max(0, min(spec.K, nb))

	rowsIDs := make([][]int32, nq)
	rowsD := make([][]float32, nq)
	workers := runtime.GOMAXPROCS(0)
	// A block of queries runs over a cache-resident block of base rows, so each base row is
	// read from memory once per query block; large query blocks matter most (memory-bound),
	// as long as every worker still gets a couple of blocks.
	qBlock := max(8, min(128, (nq+2*workers-1)/(2*workers)))
	blockRows := max(16, (192<<10)/(4*dim))
	jobs := make(chan int, (nq+qBlock-1)/qBlock)
	for q0 := 0; q0 < nq; q0 += qBlock {
		jobs <- q0
	}
	close(jobs)
	err := parallel.Run(workers, func(int) error {
		out := make([]float32, blockRows)
		heaps := make([]topK, qBlock)
		for q0 := range jobs {
			q1 := min(nq, q0+qBlock)
			for i := range heaps {
				heaps[i].reset(k)
			}
			for b0 := 0; b0 < nb; b0 += blockRows {
				b1 := min(nb, b0+blockRows)
				slab := base[b0*dim : b1*dim]
				d := out[:b1-b0]
				for qi := q0; qi < q1; qi++ {
					q := queries[qi*dim : (qi+1)*dim]
					if ip {
						simd.InnerProductRows(q, slab, dim, d)
						for j := range d {
							d[j] = 1 - d[j]
						}
					} else {
						simd.L2SqrRows(q, slab, dim, d)
					}
					var ql int64
					if filtered {
						ql = spec.QueryLabels[qi]
					}
					if spec.Range {
						for j, x := range d {
							if x <= spec.Radius && (!filtered || spec.BaseLabels[b0+j] == ql) {
								rowsIDs[qi] = append(rowsIDs[qi], int32(b0+j))
								rowsD[qi] = append(rowsD[qi], x)
							}
						}
						continue
					}
					h := &heaps[qi-q0]
					for j, x := range d {
						if h.accepts(x) && (!filtered || spec.BaseLabels[b0+j] == ql) {
							h.push(x, int32(b0+j))
						}
					}
				}
			}
			if !spec.Range {
				for qi := q0; qi < q1; qi++ {
					rowsIDs[qi], rowsD[qi] = heaps[qi-q0].sorted()
				}
			} else {
				for qi := q0; qi < q1; qi++ {
					sortByDist(rowsIDs[qi], rowsD[qi])
				}
			}
		}
		return nil
	})
	if err != nil {
		panic(err) // a fault in a worker surfaces on the caller's goroutine, where it can be recovered
	}
	t := &Truth{Offsets: make([]int64, nq+1)}
	for i := range rowsIDs {
		t.Offsets[i+1] = t.Offsets[i] + int64(len(rowsIDs[i]))
	}
	t.IDs = make([]int32, t.Offsets[nq])
	t.Dists = make([]float32, t.Offsets[nq])
	for i := range rowsIDs {
		copy(t.IDs[t.Offsets[i]:], rowsIDs[i])
		copy(t.Dists[t.Offsets[i]:], rowsD[i])
	}
	return t
}

// topK is a bounded max-heap on (distance, id): it keeps the k smallest.
type topK struct {
	k   int
	d   []float32
	ids []int32
}

func (h *topK) reset(k int) {
	h.k = k
	h.d = h.d[:0]
	h.ids = h.ids[:0]
}

func (h *topK) accepts(d float32) bool { return len(h.d) < h.k || d < h.d[0] }

func (h *topK) less(i, j int) bool { // max-heap order: larger first
	if h.d[i] != h.d[j] {
		return h.d[i] > h.d[j]
	}
	return h.ids[i] > h.ids[j]
}

func (h *topK) swap(i, j int) {
	h.d[i], h.d[j] = h.d[j], h.d[i]
	h.ids[i], h.ids[j] = h.ids[j], h.ids[i]
}

func (h *topK) push(d float32, id int32) {
	if h.k == 0 {
		return
	}
	if len(h.d) < h.k {
		h.d = append(h.d, d)
		h.ids = append(h.ids, id)
		for i := len(h.d) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.less(i, p) {
				break
			}
			h.swap(i, p)
			i = p
		}
		return
	}
	h.d[0], h.ids[0] = d, id
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.d) && h.less(l, m) {
			m = l
		}
		if r < len(h.d) && h.less(r, m) {
			m = r
		}
		if m == i {
			break
		}
		h.swap(i, m)
		i = m
	}
}

// sorted returns copies of the kept entries in ascending (distance, id) order.
func (h *topK) sorted() ([]int32, []float32) {
	ids := append([]int32(nil), h.ids...)
	d := append([]float32(nil), h.d...)
	sortByDist(ids, d)
	return ids, d
}

type byDist struct {
	ids []int32
	d   []float32
}

func (b byDist) Len() int { return len(b.ids) }
func (b byDist) Less(i, j int) bool {
	if b.d[i] != b.d[j] {
		return b.d[i] < b.d[j]
	}
	return b.ids[i] < b.ids[j]
}
func (b byDist) Swap(i, j int) {
	b.ids[i], b.ids[j] = b.ids[j], b.ids[i]
	b.d[i], b.d[j] = b.d[j], b.d[i]
}

func sortByDist(ids []int32, d []float32) { sort.Sort(byDist{ids, d}) }

// truthKey hashes everything the answers depend on.
func truthKey(base, queries []float32, dim int, spec TruthSpec) string {
	h := sha256.New()
	fmt.Fprintf(h, "vsag-truth-v1 dim=%d metric=%s k=%d range=%v radius=%g nb=%d nq=%d labels=%v\n",
		dim, spec.Metric, spec.K, spec.Range, spec.Radius, len(base)/dim, len(queries)/dim, spec.BaseLabels != nil && spec.QueryLabels != nil)
	h.Write(bytesOf(base))
	h.Write(bytesOf(queries))
	if spec.BaseLabels != nil && spec.QueryLabels != nil {
		h.Write(bytesOf(spec.BaseLabels))
		h.Write(bytesOf(spec.QueryLabels))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

func bytesOf[T float32 | int64 | int32](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&v[0])), len(v)*int(unsafe.Sizeof(v[0])))
}

// CachedTruth returns ComputeTruth's answers, reading them from dir when an earlier run
// stored answers for the same vectors and spec, and storing them otherwise. An empty dir
// disables the cache. The bool reports a cache hit.
func CachedTruth(dir string, base, queries []float32, dim int, spec TruthSpec) (*Truth, bool, error) {
	if dir == "" {
		return ComputeTruth(base, queries, dim, spec), false, nil
	}
	path := filepath.Join(dir, "truth-"+truthKey(base, queries, dim, spec)+".bin")
	if t, err := readTruth(path); err == nil && t.NumQueries() == len(queries)/dim {
		return t, true, nil
	}
	t := ComputeTruth(base, queries, dim, spec)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return t, false, fmt.Errorf("ground-truth cache: %w", err)
	}
	if err := writeTruth(path, t); err != nil {
		return t, false, fmt.Errorf("ground-truth cache: %w", err)
	}
	return t, false, nil
}

const truthMagic = "VSAGGT01"

func writeTruth(path string, t *Truth) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".truth-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	crc := crc32.NewIEEE()
	w := bufio.NewWriter(io.MultiWriter(tmp, crc))
	w.WriteString(truthMagic)
	binary.Write(w, binary.LittleEndian, uint64(t.NumQueries()))
	binary.Write(w, binary.LittleEndian, uint64(len(t.IDs)))
	w.Write(bytesOf(t.Offsets))
	w.Write(bytesOf(t.IDs))
	w.Write(bytesOf(t.Dists))
	if err := w.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := binary.Write(tmp, binary.LittleEndian, crc.Sum32()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func readTruth(path string) (*Truth, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 28 || string(b[:8]) != truthMagic {
		return nil, errors.New("not a truth file")
	}
	body := b[:len(b)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, errors.New("truth file checksum mismatch")
	}
	nq, n := binary.LittleEndian.Uint64(b[8:]), binary.LittleEndian.Uint64(b[16:])
	if nq > 1<<32 || n > 1<<40 || uint64(len(body)) != 24+8*(nq+1)+8*n {
		return nil, errors.New("truth file has a bad size")
	}
	t := &Truth{Offsets: make([]int64, nq+1), IDs: make([]int32, n), Dists: make([]float32, n)}
	p := body[24:]
	for i := range t.Offsets {
		t.Offsets[i] = int64(binary.LittleEndian.Uint64(p[8*i:]))
	}
	p = p[8*(nq+1):]
	for i := range t.IDs {
		t.IDs[i] = int32(binary.LittleEndian.Uint32(p[4*i:]))
	}
	p = p[4*n:]
	for i := range t.Dists {
		t.Dists[i] = math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:]))
	}
	for i := 0; i < int(nq); i++ {
		if t.Offsets[i] > t.Offsets[i+1] || t.Offsets[i+1] > int64(n) {
			return nil, errors.New("truth file has bad offsets")
		}
	}
	return t, nil
}
