package simd

import "testing"

func TestU8Batch(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		r := newRand(21)
		for _, n := range []int{1, 15, 16, 63, 64, 65, 255, 256, 257, 784} {
			for _, pad := range []int{0, 4, 37} {
				stride, rows := n+pad, 11
				slab := make([]uint8, stride*rows)
				for i := range slab {
					slab[i] = uint8(r.Uint32())
				}
				a := make([]uint8, n)
				for i := range a {
					a[i] = uint8(r.Uint32())
				}
				for _, cnt := range []int{0, 1, 2, 3, 9} {
					ids := make([]uint32, cnt)
					for i := range ids {
						ids[i] = uint32(r.IntN(rows))
					}
					for _, fc := range []struct {
						name string
						f    func(a, slab []uint8, stride int, ids []uint32, out []uint32)
						ref  func(a, b []uint8) uint32
					}{{"L2SqrU8Batch", L2SqrU8Batch, l2U8Generic}, {"DotU8Batch", DotU8Batch, dotU8Generic}} {
						out := make([]uint32, cnt+1)
						out[cnt] = 0xdeadbeef
						fc.f(a, slab, stride, ids, out[:cnt])
						for i, id := range ids {
							off := int(id) * stride
							if want := fc.ref(a, slab[off:off+n]); out[i] != want {
								t.Fatalf("%s n=%d stride=%d row %d: got %d want %d", fc.name, n, stride, i, out[i], want)
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

func TestU8BatchBounds(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	slab := make([]uint8, 3*8)
	a := make([]uint8, 8)
	out := make([]uint32, 2)
	mustPanic("row past the slab", func() { L2SqrU8Batch(a, slab, 8, []uint32{3}, out) })
	mustPanic("short out", func() { DotU8Batch(a, slab, 8, []uint32{0, 1, 2}, out) })
	mustPanic("stride below the row", func() { L2SqrU8Batch(a, slab, 4, []uint32{0}, out) })
	mustPanic("u4 row past the slab", func() { L2SqrU4Batch(a, slab, 8, []uint32{3}, out, 16) })
	mustPanic("u4 short out", func() { DotU4Batch(a, slab, 8, []uint32{0, 1, 2}, out, 16) })
	mustPanic("u4 short query", func() { L2SqrU4Batch(a, slab, 8, []uint32{0}, out, 17) })
	mustPanic("u4 stride below the row", func() { DotU4Batch(a, slab, 4, []uint32{0}, out, 16) })
}

func TestU4Batch(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		r := newRand(22)
		for _, dim := range []int{1, 2, 3, 31, 32, 33, 127, 128, 129, 255, 784, 785} {
			nb := (dim + 1) / 2
			for _, pad := range []int{0, 3} {
				stride, rows := nb+pad, 7
				slab := make([]uint8, stride*rows)
				for i := range slab {
					slab[i] = uint8(r.Uint32()) // an odd dim's unused high nibble is random too
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
					for _, fc := range []struct {
						name string
						f    func(a, slab []uint8, stride int, ids []uint32, out []uint32, dim int)
						ref  func(a, b []uint8, dim int) uint32
					}{{"L2SqrU4Batch", L2SqrU4Batch, l2U4Generic}, {"DotU4Batch", DotU4Batch, dotU4Generic}} {
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
