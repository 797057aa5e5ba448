package simd

import (
	"math"
	"testing"
)

// TestHalfBatch checks the fp16 batch kernels on every level against a float64 reference,
// that a row's result does not depend on the other ids of the call (each id alone gives the
// same bits), and that nothing is written past len(ids).
func TestHalfBatch(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		r := newRand(31)
		for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 100, 784} {
			for _, pad := range []int{0, 3, 40} {
				stride, rows := n+pad, 37
				codes := make([]uint16, stride*rows)
				vals := make([]float32, len(codes))
				for i := range vals {
					vals[i] = float32(r.NormFloat64())
				}
				F32ToF16(codes, vals)
				F16ToF32(vals, codes)
				q := make([]float32, n)
				for i := range q {
					q[i] = float32(r.NormFloat64())
				}
				for _, cnt := range []int{0, 1, 7, 8, 9, 16, 17, 30} {
					ids := make([]uint32, cnt)
					for i := range ids {
						ids[i] = uint32(r.IntN(rows))
					}
					for _, fc := range []struct {
						name string
						f    func(q []float32, codes []uint16, stride int, ids []uint32, out []float32)
						ip   bool
					}{{"L2SqrF16Batch", L2SqrF16Batch, false}, {"InnerProductF16Batch", InnerProductF16Batch, true}} {
						out := make([]float32, cnt+1)
						out[cnt] = 12345
						fc.f(q, codes, stride, ids, out[:cnt])
						var one [1]float32
						for i, id := range ids {
							row := vals[int(id)*stride:][:n]
							var want, mag float64
							for j, x := range q {
								if fc.ip {
									want += float64(x) * float64(row[j])
								} else {
									d := float64(x) - float64(row[j])
									want += d * d
								}
								mag += math.Abs(float64(x) * float64(row[j]))
							}
							if d := math.Abs(float64(out[i]) - want); d > 1e-5*(1+mag+math.Abs(want)) {
								t.Fatalf("%s n=%d stride=%d row %d: got %v want %v", fc.name, n, stride, i, out[i], want)
							}
							fc.f(q, codes, stride, []uint32{id}, one[:])
							if math.Float32bits(one[0]) != math.Float32bits(out[i]) {
								t.Fatalf("%s n=%d row %d: %v alone, %v in a batch of %d", fc.name, n, i, one[0], out[i], cnt)
							}
						}
						if out[cnt] != 12345 {
							t.Fatalf("%s wrote past len(ids)", fc.name)
						}
					}
				}
			}
		}
	})
}

func TestHalfBatchBounds(t *testing.T) {
	codes := make([]uint16, 3*8)
	q := make([]float32, 8)
	out := make([]float32, 2)
	mustPanic(t, "row past the slab", func() { L2SqrF16Batch(q, codes, 8, []uint32{3}, out) })
	mustPanic(t, "short out", func() { InnerProductF16Batch(q, codes, 8, []uint32{0, 1, 2}, out) })
	mustPanic(t, "negative stride", func() { L2SqrF16Batch(q, codes, -1, []uint32{0}, out) })
	mustPanic(t, "query longer than the slab", func() { L2SqrF16Batch(make([]float32, 25), codes, 0, []uint32{0}, out) })
	L2SqrF16Batch(q, codes, 8, nil, nil) // no ids: nothing to check
}
