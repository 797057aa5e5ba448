package simd

import "testing"

// byteBatchKernel is a batch kernel over rows of bytes with its reference, both taking the
// row's dimension (the uint8 kernels' is its byte count).
type byteBatchKernel struct {
	name string
	f    func(a, slab []uint8, stride int, ids []uint32, out []uint32, dim int)
	ref  func(a, b []uint8, dim int) uint32
}

// testByteBatch checks the kernels against their references on random rows of every dimension
// of dims (bytesOf(dim) bytes a row, every byte random, an odd nibble dimension's unused high
// nibble too), rows padded by each of pads, over batches of several sizes, and that nothing is
// written past out.
func testByteBatch(t *testing.T, seed uint64, dims, pads []int, bytesOf func(int) int, kernels []byteBatchKernel) {
	forLevels(t, func(t *testing.T) {
		r := newRand(seed)
		for _, dim := range dims {
			nb := bytesOf(dim)
			for _, pad := range pads {
				stride, rows := nb+pad, 11
				slab := make([]uint8, stride*rows)
				for i := range slab {
					slab[i] = uint8(r.Uint32())
				}
				a := make([]uint8, nb)
				for i := range a {
					a[i] = uint8(r.Uint32())
				}
				for _, cnt := range []int{0, 1, 2, 3, 9} {
					ids := make([]uint32, cnt)
					for i := range ids {
						ids[i] = uint32(r.IntN(rows))
					}
					for _, fc := range kernels {
						out := make([]uint32, cnt+1)
						out[cnt] = 0xdeadbeef
						fc.f(a, slab, stride, ids, out[:cnt], dim)
						for i, id := range ids {
							off := int(id) * stride
							if want := fc.ref(a, slab[off:off+nb], dim); out[i] != want {
								t.Fatalf("%s dim=%d stride=%d row %d: got %d want %d", fc.name, dim, stride, i, out[i], want)
							}
						}
						if out[cnt] != 0xdeadbeef {
							t.Fatalf("%s wrote past len(out)", fc.name)
						}
					}
				}
			}
		}
	})
}

func TestU8Batch(t *testing.T) {
	u8 := func(f func(a, slab []uint8, stride int, ids []uint32, out []uint32)) func(a, slab []uint8, stride int, ids []uint32, out []uint32, dim int) {
		return func(a, slab []uint8, stride int, ids []uint32, out []uint32, _ int) { f(a, slab, stride, ids, out) }
	}
	ref := func(g func(a, b []uint8) uint32) func(a, b []uint8, dim int) uint32 {
		return func(a, b []uint8, _ int) uint32 { return g(a, b) }
	}
	testByteBatch(t, 21, []int{1, 15, 16, 63, 64, 65, 255, 256, 257, 784}, []int{0, 4, 37}, func(n int) int { return n },
		[]byteBatchKernel{{"L2SqrU8Batch", u8(L2SqrU8Batch), ref(l2U8Generic)}, {"DotU8Batch", u8(DotU8Batch), ref(dotU8Generic)}})
}

func TestU4Batch(t *testing.T) {
	testByteBatch(t, 22, []int{1, 2, 3, 31, 32, 33, 127, 128, 129, 255, 784, 785}, []int{0, 3}, func(dim int) int { return (dim + 1) / 2 },
		[]byteBatchKernel{{"L2SqrU4Batch", L2SqrU4Batch, l2U4Generic}, {"DotU4Batch", DotU4Batch, dotU4Generic}})
}

func TestU8BatchBounds(t *testing.T) {
	slab := make([]uint8, 3*8)
	a := make([]uint8, 8)
	out := make([]uint32, 2)
	mustPanic(t, "row past the slab", func() { L2SqrU8Batch(a, slab, 8, []uint32{3}, out) })
	mustPanic(t, "short out", func() { DotU8Batch(a, slab, 8, []uint32{0, 1, 2}, out) })
	mustPanic(t, "stride below the row", func() { L2SqrU8Batch(a, slab, 4, []uint32{0}, out) })
	mustPanic(t, "u4 row past the slab", func() { L2SqrU4Batch(a, slab, 8, []uint32{3}, out, 16) })
	mustPanic(t, "u4 short out", func() { DotU4Batch(a, slab, 8, []uint32{0, 1, 2}, out, 16) })
	mustPanic(t, "u4 short query", func() { L2SqrU4Batch(a, slab, 8, []uint32{0}, out, 17) })
	mustPanic(t, "u4 stride below the row", func() { DotU4Batch(a, slab, 4, []uint32{0}, out, 16) })
}
