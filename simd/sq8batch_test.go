package simd

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestSQ8Batch checks SQ8L2SqrResidualBatch, DotF32U8Batch and the sq4 batches at every level against the
// one-row functions, bit for bit, for lengths around the vector widths, padded rows and more
// rows than the kernels prefetch ahead, and their refusals.
func TestSQ8Batch(t *testing.T) {
	defer func() { _ = SetLevel(Levels()[len(Levels())-1]) }()
	rng := rand.New(rand.NewSource(11))
	for _, lvl := range Levels() {
		if err := SetLevel(lvl); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 7, 15, 16, 17, 64, 100, 784} {
			r, scale := make([]float32, n), make([]float32, n)
			for i := range r {
				r[i], scale[i] = float32(rng.NormFloat64()), float32(rng.Float64())
			}
			const rows = 6
			stride := n + 5
			slab := make([]uint8, rows*stride)
			rng.Read(slab)
			ids := []uint32{5, 0, 2, 2, 1, 3, 4, 0, 5, 1, 3, 2}
			l2, dot := make([]float32, len(ids)), make([]float32, len(ids))
			SQ8L2SqrResidualBatch(r, slab, stride, scale, ids, l2)
			DotF32U8Batch(r, slab, stride, ids, dot)
			s4l2, s4ip := make([]float32, len(ids)), make([]float32, len(ids))
			SQ4L2SqrBatch(r, slab, stride, r, scale, ids, s4l2)
			SQ4InnerProductBatch(r, slab, stride, r, scale, ids, s4ip)
			for i, id := range ids {
				row := slab[int(id)*stride:]
				if want := SQ4L2Sqr(r, row, r, scale); s4l2[i] != want {
					t.Fatalf("%s n=%d row %d: SQ4L2SqrBatch %g, want %g", lvl, n, id, s4l2[i], want)
				}
				if want := SQ4InnerProduct(r, row, r, scale); s4ip[i] != want {
					t.Fatalf("%s n=%d row %d: SQ4InnerProductBatch %g, want %g", lvl, n, id, s4ip[i], want)
				}
				if want := SQ8L2SqrResidual(r, row, scale); l2[i] != want {
					t.Fatalf("%s n=%d row %d: SQ8L2SqrResidualBatch %g, want %g", lvl, n, id, l2[i], want)
				}
				if want := DotF32U8(r, row); dot[i] != want {
					t.Fatalf("%s n=%d row %d: DotF32U8Batch %g, want %g", lvl, n, id, dot[i], want)
				}
			}
		}
	}
	r := make([]float32, 8)
	for name, f := range map[string]func(){
		"sq4 row outside slab": func() { SQ4L2SqrBatch(r, make([]uint8, 8), 4, r, r, []uint32{2}, make([]float32, 1)) },
		"sq4 short stride":     func() { SQ4InnerProductBatch(r, make([]uint8, 8), 3, r, r, []uint32{0}, make([]float32, 1)) },
		"sq4 short lo":         func() { SQ4L2SqrBatch(r, make([]uint8, 8), 4, r[:2], r, []uint32{0}, make([]float32, 1)) },
		"row outside slab":     func() { SQ8L2SqrResidualBatch(r, make([]uint8, 16), 8, r, []uint32{2}, make([]float32, 1)) },
		"short stride":         func() { DotF32U8Batch(r, make([]uint8, 16), 4, []uint32{0}, make([]float32, 1)) },
		"short out":            func() { DotF32U8Batch(r, make([]uint8, 16), 8, []uint32{0, 1}, make([]float32, 1)) },
		"short scale":          func() { SQ8L2SqrResidualBatch(r, make([]uint8, 16), 8, r[:4], []uint32{0}, make([]float32, 1)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkSQ8Batch measures 32 sq8 (784 bytes) and sq4 (392 bytes) rows by id from a 60 000-row
// slab, as a graph search reads a neighbour list: "batch" is SQ8L2SqrResidualBatch /
// SQ4L2SqrBatch, "rows" one SQ8L2SqrResidual / SQ4L2Sqr per row with the next row's first line
// prefetched, as the computers measured before.
func BenchmarkSQ8Batch(b *testing.B) {
	rng := rand.New(rand.NewSource(13))
	const dim, rows, batch = 784, 60000, 32
	r, scale := make([]float32, dim), make([]float32, dim)
	for i := range r {
		r[i], scale[i] = float32(rng.NormFloat64()), float32(rng.Float64())
	}
	ids := make([]uint32, 1<<16)
	for i := range ids {
		ids[i] = uint32(rng.Intn(rows))
	}
	out := make([]float32, batch)
	for _, bits := range []int{8, 4} {
		stride := dim * bits / 8
		slab := make([]uint8, rows*stride)
		rng.Read(slab)
		one := func(row []uint8) float32 { return SQ8L2SqrResidual(r, row, scale) }
		many := func(ids []uint32) { SQ8L2SqrResidualBatch(r, slab, stride, scale, ids, out) }
		if bits == 4 {
			one = func(row []uint8) float32 { return SQ4L2Sqr(r, row, r, scale) }
			many = func(ids []uint32) { SQ4L2SqrBatch(r, slab, stride, r, scale, ids, out) }
		}
		b.Run(fmt.Sprintf("bits=%d/batch", bits), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				o := i * batch % (len(ids) - batch)
				many(ids[o : o+batch])
			}
		})
		b.Run(fmt.Sprintf("bits=%d/rows", bits), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				o := i * batch % (len(ids) - batch)
				g := ids[o : o+batch]
				for j, id := range g {
					if j+1 < len(g) {
						prefetchByte(slab, int(g[j+1])*stride)
					}
					out[j] = one(slab[int(id)*stride : int(id)*stride+stride])
				}
			}
		})
	}
}
