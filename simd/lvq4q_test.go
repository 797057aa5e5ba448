package simd

import (
	"math"
	"testing"
)

// lvq4qDims covers whole and partial nibble blocks and 64-byte steps.
var lvq4qDims = []int{1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 130, 160, 255, 256, 257, 784, 785}

// lvq4qQueries returns queries of n dimensions: random, constant, one outlier.
func lvq4qQueries(n int, seed uint64) [][]float32 {
	r := newRand(seed)
	rnd := make([]float32, n)
	for j := range rnd {
		rnd[j] = r.Float32()*4 - 2
	}
	cst := make([]float32, n)
	for j := range cst {
		cst[j] = 0.75
	}
	out := append([]float32(nil), rnd...)
	out[n/2] = 40
	return [][]float32{rnd, cst, out}
}

func TestLVQ4QKernels(t *testing.T) {
	forLVQLevels(t, func(t *testing.T) {
		for _, n := range lvq4qDims {
			r := newRand(uint64(n))
			rb := 4 + LVQCodeBytes(n, 4)
			stride := rb + 3
			const rows = 40
			slab := make([]byte, rows*stride)
			xs := make([][]float64, rows)
			for i := range rows {
				row := randLVQRow(r, n, 4, 0)
				copy(slab[i*stride:], row.bytes)
				xs[i] = row.x
			}
			ids := make([]uint32, 70)
			for i := range ids {
				ids[i] = uint32(r.IntN(rows))
			}
			q := NewLVQ4Query(n)
			for qi, v := range lvq4qQueries(n, uint64(n)+7) {
				q.Set(v)
				// the query as the kernels see it
				vq := make([]float32, n)
				for j := range vq {
					vq[j] = q.k[0] + q.k[1]*float32(q.s[lvq4qDimEntry(n, j)])
					if d := math.Abs(float64(vq[j] - v[j])); d > float64(q.k[1])/2*1.001+1e-6 {
						t.Fatalf("n=%d query %d: entry %d rounds %v to %v (step %v)", n, qi, j, v[j], vq[j], q.k[1])
					}
				}
				for _, l2 := range []bool{true, false} {
					got := make([]float32, len(ids))
					ref := make([]float32, len(ids))
					if l2 {
						LVQ4QL2SqrBatch(q, slab, stride, ids, got)
					} else {
						LVQ4QInnerProductBatch(q, slab, stride, ids, got)
					}
					lvq4qGeneric(q, l2, slab, stride, ids, ref)
					rows := make([]float32, rows)
					LVQ4QRows(q, l2, slab, stride, rows)
					for i, id := range ids {
						x := xs[id]
						_, bias := lvqHeader(slab[int(id)*stride:])
						// The kernels use the exact query's sum and sum of squares and the
						// rounded one only in sum q_j*c_j: against the exact result they
						// differ by sum (q_j - rounded q_j)*(x_j - bias), twice that for l2.
						w, mag := lvqWant(v, x, !l2)
						var corr, qerr, terms float64
						for j := range x {
							corr += (float64(v[j]) - float64(vq[j])) * (x[j] - float64(bias))
							qerr += float64(q.k[1]) / 2 * math.Abs(x[j]-float64(bias))
							// the float32 terms mid*C and step*D round with their own size
							terms += (math.Abs(float64(q.k[0])) + math.Abs(float64(vq[j]-q.k[0]))) * math.Abs(x[j]-float64(bias))
						}
						wq := w - corr
						if l2 {
							wq, qerr = w+2*corr, 2*qerr
						}
						tol := 2e-6*(mag+4*terms) + 1e-5
						switch {
						case math.Abs(float64(got[i])-wq) > tol:
							t.Fatalf("n=%d query %d l2=%v row %d: got %v, want %v (quantized query)", n, qi, l2, id, got[i], wq)
						case math.Abs(float64(ref[i])-wq) > tol:
							t.Fatalf("n=%d query %d l2=%v row %d: reference %v, want %v", n, qi, l2, id, ref[i], wq)
						case math.Abs(float64(got[i])-w) > qerr+tol:
							t.Fatalf("n=%d query %d l2=%v row %d: got %v, exact %v, beyond the query's rounding %v", n, qi, l2, id, got[i], w, qerr)
						case rows[id] != got[i]:
							t.Fatalf("n=%d query %d l2=%v row %d: rows form %v, batch %v", n, qi, l2, id, rows[id], got[i])
						}
					}
				}
			}
		}
	})
}

func TestLVQ4QPanics(t *testing.T) {
	q := NewLVQ4Query(40)
	rb := 4 + LVQCodeBytes(40, 4)
	slab := make([]byte, 3*rb)
	out := make([]float32, 2)
	mustPanic(t, "row past the slab", func() { LVQ4QL2SqrBatch(q, slab, rb, []uint32{3}, out) })
	mustPanic(t, "short out", func() { LVQ4QInnerProductBatch(q, slab, rb, []uint32{0, 1, 2}, out) })
	mustPanic(t, "short query", func() { q.Set(make([]float32, 39)) })
	mustPanic(t, "rows past the slab", func() { LVQ4QRows(q, true, slab, rb, make([]float32, 4)) })
	mustPanic(t, "no dimension", func() { NewLVQ4Query(0) })
}

func TestLVQ4QNoAlloc(t *testing.T) {
	q := NewLVQ4Query(784)
	r := newRand(3)
	v := make([]float32, 784)
	for j := range v {
		v[j] = r.Float32()
	}
	slab := make([]byte, 8*(4+LVQCodeBytes(784, 4)))
	ids := []uint32{0, 3, 5, 7}
	out := make([]float32, 4)
	if a := testing.AllocsPerRun(20, func() {
		q.Set(v)
		LVQ4QL2SqrBatch(q, slab, 4+LVQCodeBytes(784, 4), ids, out)
	}); a != 0 {
		t.Fatalf("%v allocations a query", a)
	}
}

func BenchmarkLVQ4QL2SqrBatch(b *testing.B) {
	benchLVQLevels(b, func(dim int) (int, func()) {
		slab, stride := benchLVQSlab(dim, 4, 0)
		q := NewLVQ4Query(dim)
		q.Set(randF32(newRand(2), dim, 1))
		ids := benchIDs()
		out := make([]float32, len(ids))
		return len(ids) * stride, func() { LVQ4QL2SqrBatch(q, slab, stride, ids, out) }
	})
}

func TestLVQ4QRange(t *testing.T) {
	forLVQLevels(t, func(t *testing.T) {
		r := newRand(5)
		for n := 1; n <= 80; n++ {
			v := randF32(r, n, 1)
			for _, at := range []int{0, n / 2, n - 1} {
				w := append([]float32(nil), v...)
				w[at] = -7
				lo, hi, sum := floatRangeSum(w)
				glo, ghi, gsum := floatRangeSumGeneric(w)
				if math.Abs(float64(sum-gsum)) > 1e-4*float64(n) {
					t.Fatalf("n=%d: sum %v, want %v", n, sum, gsum)
				}
				if lo != -7 || lo != glo || hi != ghi {
					t.Fatalf("n=%d min at %d: range [%v, %v], want [%v, %v]", n, at, lo, hi, glo, ghi)
				}
				w[at] = 9
				lo, hi, _ = floatRangeSum(w)
				glo, ghi, _ = floatRangeSumGeneric(w)
				if hi != 9 || lo != glo || hi != ghi {
					t.Fatalf("n=%d max at %d: range [%v, %v], want [%v, %v]", n, at, lo, hi, glo, ghi)
				}
			}
		}
	})
}

// lvq4qDimEntry returns the index in LVQ4Query.s of dimension j of an n-dimensional query.
func lvq4qDimEntry(n, j int) int {
	b, high := lvqNibbleAt(n, j)
	if high {
		return lvq4qEntry(b) + 64
	}
	return lvq4qEntry(b)
}
