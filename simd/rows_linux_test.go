package simd

import (
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// TestCodeGuardPage places codes and float operands so that each ends
// exactly where an unmapped page begins: a kernel whose tail reads past the
// end faults here.
func TestCodeGuardPage(t *testing.T) {
	mem, page := guardedPages(t)
	// floats returns a float32 slice of n ending at the second guard page.
	floats := func(n int) []float32 {
		return unsafe.Slice((*float32)(unsafe.Pointer(&mem[3*page-4*n])), n)
	}
	r := newRand(13)
	forLevels(t, func(t *testing.T) {
		for n := 1; n <= 40; n++ {
			c := newSQCase(r, n, false)
			// SQ8 code and u8 rows end at the first guard page.
			code := mem[page-n : page]
			copy(code, c.code)
			for _, f := range []func(q []float32, code []uint8, lo, scale []float32) float32{SQ8L2SqrScaled, SQ8InnerProductScaled, SQ8L2Sqr, SQ8InnerProduct} {
				q := floats(n)
				copy(q, c.q)
				f(q, code, c.lo, c.scale8)
				lo := floats(n)
				copy(lo, c.lo)
				f(c.q, code, lo, c.scale8)
				sc := floats(n)
				copy(sc, c.scale8)
				f(c.q, code, c.lo, sc)
			}
			{
				q := floats(n)
				copy(q, c.q)
				SQ8L2SqrResidual(q, code, c.scale8)
				DotF32U8(q, code)
				sc := floats(n)
				copy(sc, c.scale8)
				SQ8L2SqrResidual(c.q, code, sc)
			}
			out := make([]float32, 2)
			SQ8L2SqrResidualRows(c.q, mem[page-2*n:page], n, c.scale8, out)
			DotF32U8Rows(c.q, mem[page-2*n:page], n, out)
			SQ8L2SqrRows(c.q, mem[page-2*n:page], n, c.lo, c.scale8, out)
			outU := make([]uint32, 2)
			a := make([]uint8, n)
			DotU8Rows(a, mem[page-2*n:page], n, outU)
			L2SqrU8Rows(a, mem[page-2*n:page], n, outU)
			// SQ4: (n+1)/2 bytes.
			nb := (n + 1) / 2
			code4 := mem[page-nb : page]
			copy(code4, c.code[:nb])
			want := sq4L2ScaledGeneric(c.q, code4, c.lo, c.scale4)
			if got := SQ4L2SqrScaled(c.q, code4, c.lo, c.scale4); !closeTo(got, want, float64(want)+100, tolFor(n)) {
				t.Fatalf("SQ4L2SqrScaled n=%d: got %g want %g", n, got, want)
			}
			SQ4InnerProduct(c.q, code4, c.lo, c.diff)
			// fp16 / bf16 codes.
			h := unsafe.Slice((*uint16)(unsafe.Pointer(&mem[page-2*n])), n)
			F32ToF16(h, c.q)
			L2SqrF16(c.q, h)
			InnerProductBF16(c.q, h)
			hr := unsafe.Slice((*uint16)(unsafe.Pointer(&mem[page-4*n])), 2*n)
			L2SqrF16Rows(c.q, hr, n, out)
			InnerProductBF16Rows(c.q, hr, n, out)
		}
	})
}

// TestPrefetchRowsGuardPage requests rows of a slab that ends where an unmapped page begins,
// with ids inside it, at its end and far past it, from an id list that itself ends at an
// unmapped page: nothing faults and neither the slab nor the ids change.
func TestPrefetchRowsGuardPage(t *testing.T) {
	mem, page := guardedPages(t)
	slab := mem[:page]
	for i := range slab {
		slab[i] = byte(i * 7)
	}
	want := append([]byte(nil), slab...)
	for _, stride := range []int{1, 63, 64, 65, 128, 200, page, page + 1} {
		rows := page / stride
		list := []uint32{0, uint32(max(rows-1, 0)), uint32(rows), uint32(rows + 1), 1 << 20, ^uint32(0)}
		ids := unsafe.Slice((*uint32)(unsafe.Pointer(&mem[3*page-4*len(list)])), len(list))
		copy(ids, list)
		for n := 0; n <= len(ids); n++ {
			PrefetchRows(slab, ids[len(ids)-n:], stride)
			PrefetchRows(slab[:stride/2], ids[len(ids)-n:], stride) // shorter than a row
		}
		require.Equal(t, list, append([]uint32(nil), ids...), "stride %d", stride)
	}
	PrefetchRows(nil, []uint32{0, 1}, 64)
	PrefetchRows(slab, []uint32{0, 1}, 0)
	PrefetchRows(slab, []uint32{0, 1}, -64)
	require.Equal(t, want, []byte(slab))
}

// guardedPages maps four pages of which the second and the fourth are unmapped again
// (PROT_NONE), so that the first and the third end where a fault begins; it returns the
// mapping, unmapped when the test ends, and the page size. It skips the test when the
// mapping cannot be made.
func guardedPages(t *testing.T) ([]byte, int) {
	t.Helper()
	page := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 4*page, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skip("mmap:", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if syscall.Mprotect(mem[page:2*page], syscall.PROT_NONE) != nil || syscall.Mprotect(mem[3*page:], syscall.PROT_NONE) != nil {
		t.Skip("mprotect failed")
	}
	return mem, page
}
