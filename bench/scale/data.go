package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/govsag/vsag/simd"
)

// The data set: n unit-length vectors of dim d drawn from a mixture of Gaussian clusters, in
// the manner of Deep1B's normalised 96-d image descriptors. A centre's coordinates and the
// spread around it both fall off with the dimension (coordinate j has scale 1/sqrt(1+j/12)),
// as in PCA-reduced features; each cluster has a spread of its own (log-uniform over 4x) and a
// weight of its own (log-normal), and every vector is normalised to unit length. Rows are drawn
// chunk by chunk, each chunk from its own stream of the seed, so any prefix of the file is the
// data set of that size and the file is written without holding it in memory. Queries come
// from the same mixture on a stream of their own (held out: none is a base row).

// genChunk is the number of rows generated, written and measured against the queries at a time.
const genChunk = 1 << 16

// drawPart is the number of rows drawn from one random stream (genChunk is a multiple).
const drawPart = 1 << 13

// mixture is the cluster model.
type mixture struct {
	d       int
	centres []float32 // c x d
	spread  []float32 // per cluster
	cum     []float64 // cumulative weights, normalised
	scale   []float32 // per-dimension fall-off
}

func newMixture(seed uint64, clusters, d int) *mixture {
	r := rand.New(rand.NewPCG(seed, 0x6d697874757265))
	m := &mixture{d: d, centres: make([]float32, clusters*d), spread: make([]float32, clusters), cum: make([]float64, clusters), scale: make([]float32, d)}
	for j := range m.scale {
		m.scale[j] = float32(1 / math.Sqrt(1+float64(j)/12))
	}
	sum := 0.0
	for c := 0; c < clusters; c++ {
		for j := 0; j < d; j++ {
			m.centres[c*d+j] = float32(r.NormFloat64()) * m.scale[j]
		}
		m.spread[c] = float32(0.15 * math.Exp(r.Float64()*math.Log(4)))
		sum += math.Exp(0.5 * r.NormFloat64())
		m.cum[c] = sum
	}
	for c := range m.cum {
		m.cum[c] /= sum
	}
	return m
}

// draw fills rows (len multiple of d) from the stream (seed, stream).
func (m *mixture) draw(seed, stream uint64, rows []float32) {
	r := rand.New(rand.NewPCG(seed, stream))
	d := m.d
	for i := 0; i < len(rows)/d; i++ {
		u := r.Float64()
		lo, hi := 0, len(m.cum)-1
		for lo < hi {
			mid := (lo + hi) / 2
			if m.cum[mid] < u {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		c := lo
		v := rows[i*d : (i+1)*d]
		s := m.spread[c]
		norm := float32(0)
		for j := range v {
			x := m.centres[c*d+j] + s*m.scale[j]*float32(r.NormFloat64())
			v[j] = x
			norm += x * x
		}
		inv := 1 / float32(math.Sqrt(float64(norm)))
		for j := range v {
			v[j] *= inv
		}
	}
}

// fvecs I/O: every row is its dimension as a little-endian int32, then its values.

func writeFvecs(w io.Writer, rows []float32, d int, buf []byte) ([]byte, error) {
	n := len(rows) / d
	need := n * (4 + 4*d)
	if cap(buf) < need {
		buf = make([]byte, need)
	}
	b := buf[:need]
	for i := 0; i < n; i++ {
		o := i * (4 + 4*d)
		binary.LittleEndian.PutUint32(b[o:], uint32(d))
		for j := 0; j < d; j++ {
			binary.LittleEndian.PutUint32(b[o+4+4*j:], math.Float32bits(rows[i*d+j]))
		}
	}
	_, err := w.Write(b)
	return buf, err
}

// fvecsReader reads rows of an fvecs file in batches.
type fvecsReader struct {
	f   *os.File
	r   *bufio.Reader
	d   int
	buf []byte
}

func openFvecs(path string, d int) (*fvecsReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &fvecsReader{f: f, r: bufio.NewReaderSize(f, 1<<20), d: d}, nil
}

// read fills dst (len multiple of d) with the next rows.
func (fr *fvecsReader) read(dst []float32) error {
	d := fr.d
	n := len(dst) / d
	need := n * (4 + 4*d)
	if cap(fr.buf) < need {
		fr.buf = make([]byte, need)
	}
	b := fr.buf[:need]
	if _, err := io.ReadFull(fr.r, b); err != nil {
		return fmt.Errorf("reading %s: %w", fr.f.Name(), err)
	}
	for i := 0; i < n; i++ {
		o := i * (4 + 4*d)
		if got := int(binary.LittleEndian.Uint32(b[o:])); got != d {
			return fmt.Errorf("reading %s: row of dimension %d, want %d", fr.f.Name(), got, d)
		}
		for j := 0; j < d; j++ {
			dst[i*d+j] = math.Float32frombits(binary.LittleEndian.Uint32(b[o+4+4*j:]))
		}
	}
	return nil
}

func (fr *fvecsReader) Close() error { return fr.f.Close() }

// truth keeps the k nearest base rows seen so far of every query.
type truth struct {
	k, d    int
	queries []float32
	ids     []int32   // nq x k, by ascending distance
	dists   []float32 // nq x k
}

func newTruth(queries []float32, d, k int) *truth {
	nq := len(queries) / d
	t := &truth{k: k, d: d, queries: queries, ids: make([]int32, nq*k), dists: make([]float32, nq*k)}
	for i := range t.dists {
		t.dists[i] = float32(math.Inf(1))
		t.ids[i] = -1
	}
	return t
}

// truthBlock is the number of base rows measured against every query at a time (about 400 KB
// of fp32 at d=96, so a block stays in the L2 cache while the queries pass over it).
const truthBlock = 1024

// add measures rows (base rows first, first+1, ...) against every query with the SIMD row
// kernel, on threads goroutines splitting the queries.
func (t *truth) add(rows []float32, first int, threads int) {
	nq := len(t.queries) / t.d
	var wg sync.WaitGroup
	per := (nq + threads - 1) / threads
	for w := 0; w < threads; w++ {
		qlo, qhi := w*per, min((w+1)*per, nq)
		if qlo >= qhi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]float32, truthBlock)
			n := len(rows) / t.d
			for blo := 0; blo < n; blo += truthBlock {
				bhi := min(blo+truthBlock, n)
				blk := rows[blo*t.d : bhi*t.d]
				o := out[:bhi-blo]
				for q := qlo; q < qhi; q++ {
					simd.L2SqrRows(t.queries[q*t.d:(q+1)*t.d], blk, t.d, o)
					ds, ids := t.dists[q*t.k:(q+1)*t.k], t.ids[q*t.k:(q+1)*t.k]
					worst := ds[t.k-1]
					for i, v := range o {
						if v >= worst {
							continue
						}
						p := t.k - 1
						for p > 0 && ds[p-1] > v {
							ds[p], ids[p] = ds[p-1], ids[p-1]
							p--
						}
						ds[p], ids[p] = v, int32(first+blo+i)
						worst = ds[t.k-1]
					}
				}
			}
		}()
	}
	wg.Wait()
}

// generate writes the base and query files and the ground truth of every checkpoint prefix
// (every step rows and n), one chunk at a time. It returns the truths by prefix size.
func generate(p *paths, n, d, nq, clusters, k, step, threads int, seed uint64) error {
	t0 := time.Now()
	m := newMixture(seed, clusters, d)
	queries := make([]float32, nq*d)
	m.draw(seed, math.MaxUint64, queries)
	if err := writeFile(p.queries, func(w io.Writer) error {
		_, err := writeFvecs(w, queries, d, nil)
		return err
	}); err != nil {
		return err
	}
	t := newTruth(queries, d, k)
	var snaps []snapshot
	err := writeFile(p.base, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 4<<20)
		rows := make([]float32, genChunk*d)
		var buf []byte
		next := step
		for lo := 0; lo < n; lo += genChunk {
			hi := min(lo+genChunk, n)
			// every drawPart rows come from a stream of their own (the row offset / drawPart), so
			// the data do not depend on the thread count
			chunk := rows[:(hi-lo)*d]
			var wg sync.WaitGroup
			for w := 0; w < threads; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for plo := w * drawPart; plo < hi-lo; plo += threads * drawPart {
						phi := min(plo+drawPart, hi-lo)
						m.draw(seed, uint64((lo+plo)/drawPart), chunk[plo*d:phi*d])
					}
				}()
			}
			wg.Wait()
			var err error
			if buf, err = writeFvecs(bw, chunk, d, buf); err != nil {
				return err
			}
			// the truth is fed up to each checkpoint, then snapshot
			off := 0
			for off < hi-lo {
				end := hi - lo
				if next <= n && lo+end > next {
					end = next - lo
				}
				t.add(chunk[off*d:end*d], lo+off, threads)
				off = end
				if lo+off == next || lo+off == n {
					snaps = append(snaps, snapshot{n: lo + off, ids: append([]int32(nil), t.ids...)})
					if lo+off == next {
						next += step
					}
				}
			}
			if lo/genChunk%16 == 15 {
				fmt.Printf("  generated %d rows, %.0fs\n", hi, time.Since(t0).Seconds())
			}
		}
		return bw.Flush()
	})
	if err != nil {
		return err
	}
	if err := saveTruth(p.truth, snaps, nq, k); err != nil {
		return err
	}
	fmt.Printf("generated %d x %d (%d clusters, seed %d) and the exact top-%d of %d queries at %d prefixes in %.0fs\n",
		n, d, clusters, seed, k, nq, len(snaps), time.Since(t0).Seconds())
	return nil
}

// snapshot is the exact top-k of every query among the first n base rows.
type snapshot struct {
	n   int
	ids []int32
}

// writeFile writes path through a temporary file renamed into place when fn succeeds.
func writeFile(path string, fn func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Truth file: int32 count of snapshots, then per snapshot int32 n and nq*k int32 ids.
func saveTruth(path string, snaps []snapshot, nq, k int) error {
	return writeFile(path, func(w io.Writer) error {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(snaps)))
		for _, s := range snaps {
			b = binary.LittleEndian.AppendUint32(b, uint32(s.n))
			for _, id := range s.ids {
				b = binary.LittleEndian.AppendUint32(b, uint32(id))
			}
		}
		_, err := w.Write(b)
		return err
	})
}

func loadTruth(path string, nq, k int) ([]snapshot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 4 {
		return nil, fmt.Errorf("%s: truncated", path)
	}
	cnt := int(binary.LittleEndian.Uint32(b))
	if len(b) != 4+cnt*4*(1+nq*k) {
		return nil, fmt.Errorf("%s: %d bytes, not %d snapshots of %d queries x %d", path, len(b), cnt, nq, k)
	}
	snaps := make([]snapshot, cnt)
	o := 4
	for i := range snaps {
		snaps[i].n = int(binary.LittleEndian.Uint32(b[o:]))
		o += 4
		snaps[i].ids = make([]int32, nq*k)
		for j := range snaps[i].ids {
			snaps[i].ids[j] = int32(binary.LittleEndian.Uint32(b[o:]))
			o += 4
		}
	}
	return snaps, nil
}
