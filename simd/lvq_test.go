package simd

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// forLVQLevels runs body once per supported level with the LVQ kernels of
// that level selected, and restores the start-up level afterwards.
func forLVQLevels(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	orig := Level()
	defer func() {
		SetLevel(orig)
	}()
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		t.Run(l, body)
	}
}

// lvqRow is a random LVQ row of n dimensions with its decoded values.
type lvqRow struct {
	bytes []byte
	x     []float64 // decoded, as the kernels define it
}

// randLVQRow builds a row with random half scale and bias and random codes;
// b2 == 0 makes a one-level row.
func randLVQRow(r *rand.Rand, n, b1, b2 int) lvqRow {
	s := f16ToF32One(f32ToF16One(r.Float32()*0.1 + 1e-3))
	b := f16ToF32One(f32ToF16One(r.Float32()*4 - 2))
	row := make([]byte, 4, 4+LVQCodeBytes(n, b1)+LVQCodeBytes(n, b2))
	binary.LittleEndian.PutUint16(row, f32ToF16One(s))
	binary.LittleEndian.PutUint16(row[2:], f32ToF16One(b))
	c1, c2 := randCodes(r, n, b1), randCodes(r, n, b2)
	row = append(row, packCodes(c1, b1)...)
	row = append(row, packCodes(c2, b2)...)
	x := make([]float64, n)
	for j := range x {
		if b2 == 0 {
			x[j] = float64(s)*float64(c1[j]) + float64(b)
			continue
		}
		step := float64(s / float32(int(1)<<b2-1))
		x[j] = float64(b-s*0.5) + float64(s)*float64(c1[j]) + step*float64(c2[j])
	}
	return lvqRow{bytes: row, x: x}
}

func randCodes(r *rand.Rand, n, bits int) []uint8 {
	if bits == 0 {
		return nil
	}
	c := make([]uint8, n)
	for j := range c {
		c[j] = uint8(r.IntN(1 << bits))
	}
	return c
}

func packCodes(c []uint8, bits int) []byte {
	switch bits {
	case 0:
		return nil
	case 8:
		return append([]byte(nil), c...)
	}
	out := make([]byte, LVQCodeBytes(len(c), 4))
	LVQPack4(out, c)
	return out
}

// lvqWant returns the float64 inner product or squared distance of q and x
// and the magnitude of its terms, which bounds the rounding error.
func lvqWant(q []float32, x []float64, ip bool) (want, mag float64) {
	for j, v := range q {
		if ip {
			want += float64(v) * x[j]
			mag += math.Abs(float64(v) * x[j])
			continue
		}
		d := float64(v) - x[j]
		want += d * d
		a := math.Abs(float64(v)) + math.Abs(x[j])
		mag += a * a
	}
	return want, mag
}

func sum32(q []float32) float32 {
	var s float64
	for _, v := range q {
		s += float64(v)
	}
	return float32(s)
}

var lvqCombos = []struct{ b1, b2 int }{{8, 0}, {4, 0}, {8, 8}, {4, 8}, {4, 4}, {8, 4}}

// lvqCall runs the single-row kernel of the combination.
func lvqCall(q []float32, row []byte, b1, b2 int, ip bool) float32 {
	qs := sum32(q)
	switch {
	case b2 == 0 && ip:
		return LVQInnerProduct(q, qs, row, b1)
	case b2 == 0:
		return LVQL2Sqr(q, row, b1)
	case ip:
		return LVQ2InnerProduct(q, qs, row, b1, b2)
	}
	return LVQ2L2Sqr(q, row, b1, b2)
}

func TestLVQKernels(t *testing.T) {
	forLVQLevels(t, func(t *testing.T) {
		r := newRand(7)
		for _, cb := range lvqCombos {
			for _, n := range testLengths {
				q := randF32(r, n, 3)
				row := randLVQRow(r, n, cb.b1, cb.b2)
				for _, ip := range []bool{true, false} {
					got := lvqCall(q, row.bytes, cb.b1, cb.b2, ip)
					want, mag := lvqWant(q, row.x, ip)
					if math.Abs(float64(got)-want) > 2e-6*mag+1e-6 {
						t.Fatalf("%dx%d n=%d ip=%v: got %v, want %v (mag %v)", cb.b1, cb.b2, n, ip, got, want, mag)
					}
				}
			}
		}
	})
}

// TestLVQExtremes uses the largest codes and wide half constants, where an
// error in widening or in the nibble split shows at once.
func TestLVQExtremes(t *testing.T) {
	forLVQLevels(t, func(t *testing.T) {
		for _, cb := range lvqCombos {
			for _, n := range []int{1, 31, 32, 33, 47, 64, 100} {
				c1 := make([]uint8, n)
				c2 := make([]uint8, n)
				for j := range c1 {
					c1[j] = uint8(1<<cb.b1 - 1)
					if cb.b2 > 0 {
						c2[j] = uint8(1<<cb.b2 - 1)
					}
				}
				row := make([]byte, 4)
				binary.LittleEndian.PutUint16(row, f32ToF16One(300))
				binary.LittleEndian.PutUint16(row[2:], f32ToF16One(-60000))
				row = append(row, packCodes(c1, cb.b1)...)
				row = append(row, packCodes(c2, cb.b2)...)
				q := make([]float32, n)
				for j := range q {
					q[j] = float32(j%5) - 2
				}
				x := make([]float64, n)
				for j := range x {
					if cb.b2 == 0 {
						x[j] = 300*float64(c1[j]) - 60000
					} else {
						x[j] = -60000 - 150 + 300*float64(c1[j]) + float64(float32(300)/float32(int(1)<<cb.b2-1))*float64(c2[j])
					}
				}
				for _, ip := range []bool{true, false} {
					got := lvqCall(q, row, cb.b1, cb.b2, ip)
					want, mag := lvqWant(q, x, ip)
					if math.Abs(float64(got)-want) > 2e-6*mag+1e-6 {
						t.Fatalf("%dx%d n=%d ip=%v: got %v, want %v", cb.b1, cb.b2, n, ip, got, want)
					}
				}
			}
		}
	})
}

// TestLVQBatch checks batch and row scans against the single-row kernels:
// random ids with repeats, a stride wider than the row, and sentinels after
// the output.
func TestLVQBatch(t *testing.T) {
	forLVQLevels(t, func(t *testing.T) {
		r := newRand(11)
		for _, cb := range lvqCombos {
			for _, n := range []int{1, 7, 16, 31, 32, 33, 96, 100, 160, 784} {
				rowLen := 4 + LVQCodeBytes(n, cb.b1) + LVQCodeBytes(n, cb.b2)
				stride := rowLen + 5
				const rows = 1100 // more than one chunk of the row scans
				slab := make([]byte, rows*stride)
				for i := 0; i < rows; i++ {
					copy(slab[i*stride:], randLVQRow(r, n, cb.b1, cb.b2).bytes)
				}
				slab = slab[:(rows-1)*stride+rowLen] // the last row ends the slab
				q := randF32(r, n, 2)
				qs := sum32(q)
				ids := make([]uint32, 37)
				for i := range ids {
					ids[i] = uint32(r.IntN(rows))
				}
				ids[0], ids[1] = rows-1, rows-1
				for _, ip := range []bool{true, false} {
					out := make([]float32, len(ids)+3)
					for i := len(ids); i < len(out); i++ {
						out[i] = -7
					}
					all := make([]float32, rows)
					switch {
					case cb.b2 == 0 && ip:
						LVQInnerProductBatch(q, qs, slab, stride, ids, out, cb.b1)
						LVQInnerProductRows(q, qs, slab, stride, all, cb.b1)
					case cb.b2 == 0:
						LVQL2SqrBatch(q, slab, stride, ids, out, cb.b1)
						LVQL2SqrRows(q, slab, stride, all, cb.b1)
					case ip:
						LVQ2InnerProductBatch(q, qs, slab, stride, ids, out, cb.b1, cb.b2)
						LVQ2InnerProductRows(q, qs, slab, stride, all, cb.b1, cb.b2)
					default:
						LVQ2L2SqrBatch(q, slab, stride, ids, out, cb.b1, cb.b2)
						LVQ2L2SqrRows(q, slab, stride, all, cb.b1, cb.b2)
					}
					for i, id := range ids {
						want := lvqCall(q, slab[int(id)*stride:], cb.b1, cb.b2, ip)
						if out[i] != want || all[id] != want {
							t.Fatalf("%dx%d n=%d ip=%v row %d: batch %v, rows %v, single %v", cb.b1, cb.b2, n, ip, id, out[i], all[id], want)
						}
					}
					for i := len(ids); i < len(out); i++ {
						if out[i] != -7 {
							t.Fatalf("%dx%d n=%d: batch wrote past its ids", cb.b1, cb.b2, n)
						}
					}
				}
			}
		}
	})
}

func TestLVQPack4(t *testing.T) {
	r := newRand(3)
	for _, n := range testLengths {
		c := randCodes(r, n, 4)
		p := make([]byte, LVQCodeBytes(n, 4))
		LVQPack4(p, c)
		if n%32 != 0 && n%2 == 1 && p[len(p)-1]>>4 != 0 {
			t.Fatalf("n=%d: unused high nibble is not zero", n)
		}
		// a full block puts dimension i low and i+16 high in byte i
		if n >= 32 && (p[3]&15 != c[3] || p[3]>>4 != c[19]) {
			t.Fatalf("n=%d: block layout broken", n)
		}
		u := make([]uint8, n)
		LVQUnpack4(u, p)
		for j := range c {
			if u[j] != c[j] {
				t.Fatalf("n=%d: dim %d unpacked %d, want %d", n, j, u[j], c[j])
			}
		}
	}
}

func TestLVQPanics(t *testing.T) {
	q := make([]float32, 16)
	row := make([]byte, 4+16)
	cases := map[string]func(){
		"bits":       func() { LVQL2Sqr(q, row, 3) },
		"short row":  func() { LVQL2Sqr(q, row[:19], 8) },
		"short 2row": func() { LVQ2L2Sqr(q, row, 8, 4) },
		"id":         func() { LVQL2SqrBatch(q, row, 20, []uint32{1}, make([]float32, 1), 8) },
		"out":        func() { LVQL2SqrBatch(q, row, 20, []uint32{0, 0}, make([]float32, 1), 8) },
		"stride":     func() { LVQL2SqrBatch(q, row, -1, []uint32{0}, make([]float32, 1), 8) },
		"rows":       func() { LVQInnerProductRows(q, 0, row, 20, make([]float32, 2), 8) },
		"pack":       func() { LVQPack4(make([]byte, 1), make([]uint8, 3)) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

// TestLVQNoAlloc makes sure single-row calls keep their scratch on the stack.
func TestLVQNoAlloc(t *testing.T) {
	q := make([]float32, 100)
	row := make([]byte, 4+100+50)
	n := testing.AllocsPerRun(100, func() {
		sinkF = LVQL2Sqr(q, row, 8) + LVQ2InnerProduct(q, 1, row, 8, 4)
	})
	if n != 0 {
		t.Fatalf("%v allocations per call", n)
	}
}

func benchLVQLevels(b *testing.B, setup func(dim int) (int, func())) {
	orig := Level()
	defer func() {
		SetLevel(orig)
	}()
	for _, dim := range []int{96, 128, 160, 784, 960} {
		bytes, op := setup(dim)
		for _, l := range Levels() {
			b.Run(fmt.Sprintf("dim=%d/impl=%s", dim, l), func(b *testing.B) {
				SetLevel(l)
				b.SetBytes(int64(bytes))
				for b.Loop() {
					op()
				}
			})
		}
	}
}

// benchLVQSlab returns 4096 random rows, so batches mostly miss the cache.
func benchLVQSlab(dim, b1, b2 int) ([]byte, int) {
	r := newRand(uint64(dim))
	stride := 4 + LVQCodeBytes(dim, b1) + LVQCodeBytes(dim, b2)
	const rows = 4096
	slab := make([]byte, rows*stride)
	for i := 0; i < rows; i++ {
		copy(slab[i*stride:], randLVQRow(r, dim, b1, b2).bytes)
	}
	return slab, stride
}

func benchIDs() []uint32 {
	r := newRand(1)
	ids := make([]uint32, 64)
	for i := range ids {
		ids[i] = uint32(r.IntN(4096))
	}
	return ids
}

// BenchmarkLVQ8L2SqrBatch and friends: 64 random rows of 4096 per op; bytes
// are those of the rows read.
func BenchmarkLVQ8L2SqrBatch(b *testing.B) { benchLVQBatch(b, 8, 0, false) }

func BenchmarkLVQ8InnerProductBatch(b *testing.B) { benchLVQBatch(b, 8, 0, true) }

func BenchmarkLVQ4L2SqrBatch(b *testing.B) { benchLVQBatch(b, 4, 0, false) }

func BenchmarkLVQ4InnerProductBatch(b *testing.B) { benchLVQBatch(b, 4, 0, true) }

func BenchmarkLVQ4x8L2SqrBatch(b *testing.B) { benchLVQBatch(b, 4, 8, false) }

func BenchmarkLVQ8x8InnerProductBatch(b *testing.B) { benchLVQBatch(b, 8, 8, true) }

func benchLVQBatch(b *testing.B, b1, b2 int, ip bool) {
	benchLVQLevels(b, func(dim int) (int, func()) {
		slab, stride := benchLVQSlab(dim, b1, b2)
		q := randF32(newRand(2), dim, 1)
		ids := benchIDs()
		out := make([]float32, len(ids))
		bytes := len(ids) * stride
		switch {
		case b2 == 0 && ip:
			return bytes, func() { LVQInnerProductBatch(q, 1, slab, stride, ids, out, b1) }
		case b2 == 0:
			return bytes, func() { LVQL2SqrBatch(q, slab, stride, ids, out, b1) }
		case ip:
			return bytes, func() { LVQ2InnerProductBatch(q, 1, slab, stride, ids, out, b1, b2) }
		}
		return bytes, func() { LVQ2L2SqrBatch(q, slab, stride, ids, out, b1, b2) }
	})
}

// BenchmarkLVQ8L2Sqr is one row in cache: the kernel's own speed.
func BenchmarkLVQ8L2Sqr(b *testing.B) {
	benchLVQLevels(b, func(dim int) (int, func()) {
		r := newRand(5)
		row := randLVQRow(r, dim, 8, 0).bytes
		q := randF32(r, dim, 1)
		return len(row), func() { sinkF = LVQL2Sqr(q, row, 8) }
	})
}

// BenchmarkLVQ4InnerProduct is one 4-bit row in cache.
func BenchmarkLVQ4InnerProduct(b *testing.B) {
	benchLVQLevels(b, func(dim int) (int, func()) {
		r := newRand(5)
		row := randLVQRow(r, dim, 4, 0).bytes
		q := randF32(r, dim, 1)
		return len(row), func() { sinkF = LVQInnerProduct(q, 1, row, 4) }
	})
}
