// Package mvec holds what the multi-vector indexes (warp, simq) share: the store of documents
// (each a run of sub-vectors of one dimension, kept contiguous in one slice) and the MaxSim
// distance of a query document to stored documents.
//
// MaxSim distance follows VSAG's multi-vector computer: for the inner product, the sum over
// the query's sub-vectors of 1 - (the best inner product with any of the document's
// sub-vectors); for l2, the sum over the query's sub-vectors of the smallest squared distance to
// any of the document's sub-vectors. Smaller is closer; for ip it equals
// count - MaxSim(query, document).
package mvec

import (
	"encoding/binary"
	"io"
	"math"
	"slices"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/simd"
)

// MaxDocVectors bounds the sub-vectors of one document (VSAG keeps the count in 32 bits).
const MaxDocVectors = 1 << 24

// Docs stores documents by inner id: document r is Vecs[Starts[r]*Dim : Starts[r+1]*Dim].
// It is not safe for concurrent writes; indexes lock around it.
type Docs struct {
	// Dim is the dimension of every sub-vector.
	Dim int
	// Vecs holds the sub-vectors of all documents, document after document.
	Vecs []float32
	// Starts holds the first sub-vector of each document and, last, the total (len = rows+1).
	Starts []int64
}

// NewDocs returns an empty store of sub-vectors of dim floats.
func NewDocs(dim int) *Docs { return &Docs{Dim: dim, Starts: []int64{0}} }

// Rows returns the number of documents stored.
func (d *Docs) Rows() int { return len(d.Starts) - 1 }

// SubVectors returns the number of sub-vectors stored.
func (d *Docs) SubVectors() int64 { return d.Starts[len(d.Starts)-1] }

// Append stores a document of count sub-vectors (v holds count*Dim floats).
func (d *Docs) Append(v []float32, count int) {
	d.Vecs = append(d.Vecs, v[:count*d.Dim]...)
	d.Starts = append(d.Starts, d.Starts[len(d.Starts)-1]+int64(count))
}

// Grow makes room for floats more sub-vector values and rows more documents, so that a batch
// is appended without repeated reallocation.
func (d *Docs) Grow(floats, rows int) {
	d.Vecs = slices.Grow(d.Vecs, floats)
	d.Starts = slices.Grow(d.Starts, rows)
}

// Doc returns the sub-vectors of document r and their count.
func (d *Docs) Doc(r uint32) ([]float32, int) {
	lo, hi := d.Starts[r], d.Starts[r+1]
	return d.Vecs[lo*int64(d.Dim) : hi*int64(d.Dim)], int(hi - lo)
}

// MemoryUsage returns the bytes held.
func (d *Docs) MemoryUsage() int64 { return int64(cap(d.Vecs))*4 + int64(cap(d.Starts))*8 }

// ErrDense is the answer of a multi-vector engine's dense Engine methods (Add, KnnSearch): what
// names the call, index the engine.
func ErrDense(index, what string) error {
	return api.Errorf(api.InvalidArgument, "%s: %s takes multi-vector documents (vector_counts), not one vector per row", what, index)
}

// CheckCounts validates the sub-vector counts of a batch of n documents, as core hands them to
// an engine: one count per row, each in [1, MaxDocVectors], adding up to len(vectors)/dim.
func CheckCounts(index string, vectors []float32, counts []int, n, dim int) error {
	if len(counts) < n {
		return api.Errorf(api.InvalidArgument, "%s: %d vector counts for %d documents", index, len(counts), n)
	}
	total := 0
	for i, c := range counts[:n] {
		if c <= 0 || c > MaxDocVectors {
			return api.Errorf(api.InvalidArgument, "%s: document %d has %d sub-vectors, need 1..%d", index, i, c, MaxDocVectors)
		}
		total += c
	}
	if total*dim != len(vectors) {
		return api.Errorf(api.InvalidArgument, "%s: the vector counts add up to %d sub-vectors, %d floats hold %d", index, total, len(vectors), len(vectors)/dim)
	}
	return nil
}

// Scorer measures one query document against stored documents. It is not safe for concurrent
// use; each search takes its own.
type Scorer struct {
	ip   bool
	dim  int
	q    []float32
	nq   int
	buf  []float32
	best []float32
}

// NewScorer returns a scorer for the query document q (count sub-vectors of dim floats) under
// metric m (ip and cosine score by inner product, l2 by squared distance).
func NewScorer(m metric.Kind, dim int, q []float32, count int) *Scorer {
	return &Scorer{ip: m.UsesInnerProduct(), dim: dim, q: q[:count*dim], nq: count, best: make([]float32, count)}
}

// rows sets out[i] to the inner product (ip) or squared distance (l2) of qv with rows of slab.
func (s *Scorer) rows(qv, slab []float32, out []float32) {
	if s.ip {
		simd.InnerProductRows(qv, slab, s.dim, out)
	} else {
		simd.L2SqrRows(qv, slab, s.dim, out)
	}
}

func (s *Scorer) grow(n int) []float32 {
	if cap(s.buf) < n {
		s.buf = make([]float32, n)
	}
	return s.buf[:n]
}

// Distance returns the MaxSim distance of the query to the document doc of count sub-vectors.
func (s *Scorer) Distance(doc []float32, count int) float32 {
	d := s.dim
	var total float32
	if s.nq <= count {
		out := s.grow(count)
		for i := 0; i < s.nq; i++ {
			s.rows(s.q[i*d:(i+1)*d], doc, out)
			total += s.reduce(out)
		}
		return total
	}
	// fewer document sub-vectors than query ones: one kernel call per document sub-vector
	out := s.grow(s.nq)
	best := s.best
	for j := 0; j < count; j++ {
		s.rows(doc[j*d:(j+1)*d], s.q, out)
		if j == 0 {
			copy(best, out)
			continue
		}
		if s.ip {
			for i, v := range out {
				best[i] = max(best[i], v)
			}
		} else {
			for i, v := range out {
				best[i] = min(best[i], v)
			}
		}
	}
	for _, v := range best {
		if s.ip {
			total += 1 - v
		} else {
			total += v
		}
	}
	return total
}

// reduce turns one query sub-vector's scores against a document into its distance term.
func (s *Scorer) reduce(out []float32) float32 {
	if s.ip {
		m := float32(math.Inf(-1))
		for _, v := range out {
			m = max(m, v)
		}
		return 1 - m
	}
	m := float32(math.Inf(1))
	for _, v := range out {
		m = min(m, v)
	}
	return m
}

// ScanBlock computes the distance of the query to the consecutive documents [lo, hi) of docs
// into dist[:hi-lo]: one kernel call per query sub-vector over all the block's sub-vectors, so
// the call overhead is paid per block rather than per document.
func (s *Scorer) ScanBlock(docs *Docs, lo, hi int, dist []float32) {
	d := s.dim
	base := docs.Starts[lo]
	rows := int(docs.Starts[hi] - base)
	out := s.grow(rows)
	slab := docs.Vecs[base*int64(d) : (base+int64(rows))*int64(d)]
	dist = dist[:hi-lo]
	for j := range dist {
		dist[j] = 0
	}
	starts := docs.Starts[lo : hi+1]
	for i := 0; i < s.nq; i++ {
		s.rows(s.q[i*d:(i+1)*d], slab, out)
		for j := range dist {
			a, b := starts[j]-base, starts[j+1]-base
			dist[j] += s.reduce(out[a:b])
		}
	}
}

// SectionSize returns the bytes WriteSection writes.
func (d *Docs) SectionSize() int64 {
	return 16 + 8*int64(len(d.Starts)) + 4*int64(len(d.Vecs))
}

// WriteSection writes the store: dim, rows, the starts, the sub-vectors.
func (d *Docs) WriteSection(w io.Writer) error {
	var hdr [16]byte
	binary.LittleEndian.PutUint64(hdr[:], uint64(d.Dim))
	binary.LittleEndian.PutUint64(hdr[8:], uint64(d.Rows()))
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	if err := serial.WriteInt64s(w, d.Starts); err != nil {
		return err
	}
	buf := make([]byte, 0, 1<<16)
	for i := 0; i < len(d.Vecs); {
		buf = buf[:0]
		for ; i < len(d.Vecs) && len(buf) < 1<<16; i++ {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(d.Vecs[i]))
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// ReadSection restores a store written by WriteSection for sub-vectors of dim floats, checking
// every length before it allocates.
func ReadSection(sr *serial.SectionReader, dim int) (*Docs, error) {
	var r io.Reader = sr
	remaining := sr.Size()
	var hdr [16]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	if got := binary.LittleEndian.Uint64(hdr[:]); got != uint64(dim) {
		return nil, api.Errorf(api.InvalidBinary, "multi-vector store of dim %d, the index has dim %d", got, dim)
	}
	rows := binary.LittleEndian.Uint64(hdr[8:])
	if rows > uint64(remaining)/8 {
		return nil, api.Errorf(api.InvalidBinary, "multi-vector store claims %d documents", rows)
	}
	// in a stream the section's size is only what its header claims: what it names must
	// also fit in memory before it is allocated (Go's out-of-memory is fatal)
	if err := memguard.Check(8*int64(rows+1), "loading a multi-vector store"); err != nil {
		return nil, err
	}
	starts := make([]int64, rows+1)
	if err := serial.ReadInt64s(r, starts); err != nil {
		return nil, err
	}
	if starts[0] != 0 {
		return nil, api.Errorf(api.InvalidBinary, "multi-vector store: the first start is %d", starts[0])
	}
	for i := 1; i < len(starts); i++ {
		if c := starts[i] - starts[i-1]; c < 1 || c > MaxDocVectors {
			return nil, api.Errorf(api.InvalidBinary, "multi-vector store: document %d has %d sub-vectors", i-1, c)
		}
	}
	total := starts[rows]
	if total > (remaining-16-8*int64(rows+1))/4/int64(dim) || 16+8*int64(rows+1)+4*total*int64(dim) != remaining {
		return nil, api.Errorf(api.InvalidBinary, "multi-vector store: %d bytes do not hold %d sub-vectors", remaining, total)
	}
	if err := memguard.Check(memguard.Mul(total, 4*int64(dim)), "loading a multi-vector store"); err != nil {
		return nil, err
	}
	vecs := make([]float32, total*int64(dim))
	buf := make([]byte, 1<<16)
	for i := 0; i < len(vecs); {
		n := min(len(buf)/4, len(vecs)-i)
		if _, err := io.ReadFull(r, buf[:n*4]); err != nil {
			return nil, err
		}
		for j := 0; j < n; j++ {
			vecs[i+j] = math.Float32frombits(binary.LittleEndian.Uint32(buf[j*4:]))
		}
		i += n
	}
	return &Docs{Dim: dim, Vecs: vecs, Starts: starts}, nil
}
