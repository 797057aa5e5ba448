package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// testLengths covers every length up to 70 and each unroll boundary (w-1, w,
// w+1 for w = 8..256 and the dims used by benchmarks), up to 1025.
var testLengths = func() []int {
	var ls []int
	for i := 0; i <= 70; i++ {
		ls = append(ls, i)
	}
	for _, n := range []int{95, 96, 97, 127, 128, 129, 255, 256, 257, 383, 384, 385, 511, 512, 513, 783, 784, 785, 959, 960, 961, 1023, 1024, 1025} {
		ls = append(ls, n)
	}
	return ls
}()

// forLevels runs body once per supported kernel level and restores the
// original level afterwards.
func forLevels(t *testing.T, body func(t *testing.T)) {
	t.Helper()
	orig := Level()
	defer SetLevel(orig)
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		t.Run(l, body)
	}
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// mustPanic fails the test when f returns without panicking.
func mustPanic(t *testing.T, name string, f func()) {
	t.Helper()
	defer func() {
		if recover() == nil {
			t.Errorf("%s: no panic", name)
		}
	}()
	f()
}

func randF32(r *rand.Rand, n int, scale float32) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = (r.Float32()*2 - 1) * scale
	}
	return v
}

// closeTo reports whether got matches want within rel*mag (mag: the sum of
// absolute values of the terms, which bounds the rounding error of any
// summation order).
func closeTo(got, want float32, mag float64, rel float64) bool {
	if got == want {
		return true
	}
	if math.IsNaN(float64(got)) || math.IsNaN(float64(want)) {
		return math.IsNaN(float64(got)) && math.IsNaN(float64(want))
	}
	return math.Abs(float64(got)-float64(want)) <= rel*mag+1e-30
}

// tolFor is the relative tolerance (against the sum of absolute terms) for
// an n-term float32 sum: the reference's sequential summation alone may err
// by (n-1)*2^-24 of that magnitude, and the fast path by less.
func tolFor(n int) float64 { return float64(n+8) * 1.2e-7 }

func magL2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s
}

func magIP(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i]) * float64(b[i]))
	}
	return s
}

func TestLevels(t *testing.T) {
	ls := Levels()
	if len(ls) == 0 || ls[0] != "generic" {
		t.Fatalf("Levels() = %v, want generic first", ls)
	}
	if Level() != ls[len(ls)-1] && os.Getenv("VSAG_SIMD") == "" {
		t.Errorf("Level() = %s, want best %s", Level(), ls[len(ls)-1])
	}
	if err := SetLevel("nonsense"); err == nil {
		t.Error("SetLevel(nonsense) succeeded")
	}
	t.Logf("levels %v, active %s", ls, Level())
}

// TestEnvLevel re-runs the test binary with VSAG_SIMD set and checks the
// level chosen at init.
func TestEnvLevel(t *testing.T) {
	if os.Getenv("VSAG_SIMD_CHILD") == "1" {
		fmt.Printf("LEVEL=%s\n", Level())
		return
	}
	best := Levels()[len(Levels())-1]
	for _, c := range []struct{ env, want string }{{"generic", "generic"}, {"bogus", best}, {best, best}} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestEnvLevel$")
		cmd.Env = append(os.Environ(), "VSAG_SIMD_CHILD=1", "VSAG_SIMD="+c.env)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		if !strings.Contains(string(out), "LEVEL="+c.want+"\n") {
			t.Errorf("VSAG_SIMD=%s: got %q, want level %s", c.env, out, c.want)
		}
	}
}

func TestFloat32(t *testing.T) {
	r := newRand(1)
	forLevels(t, func(t *testing.T) {
		for _, n := range testLengths {
			for _, scale := range []float32{1, 1e-20, 1e15} {
				for off := 0; off < 3; off++ {
					a := randF32(r, n+off, scale)[off:]
					b := randF32(r, n+3, scale)[3-off:]
					if got, want := L2Sqr(a, b), l2Generic(a, b[:n]); !closeTo(got, want, magL2(a, b), tolFor(n)) {
						t.Fatalf("L2Sqr n=%d scale=%g off=%d: got %g want %g", n, scale, off, got, want)
					}
					if got, want := InnerProduct(a, b), ipGeneric(a, b[:n]); !closeTo(got, want, magIP(a, b), tolFor(n)) {
						t.Fatalf("InnerProduct n=%d scale=%g off=%d: got %g want %g", n, scale, off, got, want)
					}
				}
			}
		}
		// zeros and identical vectors are exact
		z := make([]float32, 100)
		if L2Sqr(z, z) != 0 || InnerProduct(z, z) != 0 {
			t.Fatal("zero vectors")
		}
		// overflow gives +Inf, NaN propagates
		big := []float32{3e38, -3e38, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
		if v := L2Sqr(big, z); !math.IsInf(float64(v), 1) {
			t.Fatalf("overflow: %g", v)
		}
		nan := make([]float32, 40)
		nan[33] = float32(math.NaN())
		if v := L2Sqr(nan, z); !math.IsNaN(float64(v)) {
			t.Fatalf("NaN: %g", v)
		}
	})
}

func TestFloat32Batch(t *testing.T) {
	r := newRand(2)
	forLevels(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 128, 784, 1025} {
			for _, pad := range []int{0, 1, 5} {
				stride := n + pad
				rows := 20
				slab := randF32(r, rows*stride+n, 1)
				q := randF32(r, n+1, 1)[1:]
				for _, cnt := range []int{0, 1, 2, 3, 4, 5, 8, 9, 17} {
					ids := make([]uint32, cnt)
					for i := range ids {
						ids[i] = uint32(r.IntN(rows + 1))
					}
					out := make([]float32, cnt+1)
					const sentinel = float32(-12345)
					for _, ip := range []bool{false, true} {
						out[cnt] = sentinel
						f, ref := L2SqrBatch, l2Generic
						if ip {
							f, ref = InnerProductBatch, ipGeneric
						}
						f(q, slab, stride, ids, out)
						for i, id := range ids {
							row := slab[int(id)*stride : int(id)*stride+n]
							if want := ref(q, row); !closeTo(out[i], want, magL2(q, row)+magIP(q, row), tolFor(n)) {
								t.Fatalf("batch ip=%v n=%d stride=%d i=%d: got %g want %g", ip, n, stride, i, out[i], want)
							}
						}
						if out[cnt] != sentinel {
							t.Fatal("batch wrote past len(ids)")
						}
					}
					// contiguous rows
					rowsOut := make([]float32, min(cnt, rows)+1)
					nr := len(rowsOut) - 1
					for _, ip := range []bool{false, true} {
						rowsOut[nr] = sentinel
						f, ref := L2SqrRows, l2Generic
						if ip {
							f, ref = InnerProductRows, ipGeneric
						}
						f(q, slab, stride, rowsOut[:nr])
						for i := 0; i < nr; i++ {
							row := slab[i*stride : i*stride+n]
							if want := ref(q, row); !closeTo(rowsOut[i], want, magL2(q, row)+magIP(q, row), tolFor(n)) {
								t.Fatalf("rows ip=%v n=%d i=%d: got %g want %g", ip, n, i, rowsOut[i], want)
							}
						}
						if rowsOut[nr] != sentinel {
							t.Fatal("rows wrote past len(out)")
						}
					}
				}
			}
		}
	})
}

func TestBatchBounds(t *testing.T) {
	q := make([]float32, 8)
	slab := make([]float32, 8*4)
	out := make([]float32, 4)
	L2SqrBatch(q, slab, 8, []uint32{3, 0}, out) // last row fits exactly
	mustPanic(t, "id past end", func() { L2SqrBatch(q, slab, 8, []uint32{4}, out) })
	mustPanic(t, "huge id", func() { L2SqrBatch(q, slab, 8, []uint32{math.MaxUint32}, out) })
	mustPanic(t, "short out", func() { L2SqrBatch(q, slab, 8, []uint32{0, 1, 2, 3, 0}, out) })
	mustPanic(t, "negative stride", func() { L2SqrBatch(q, slab, -1, []uint32{0}, out) })
	mustPanic(t, "rows past end", func() { L2SqrRows(q, slab, 9, out) })
	mustPanic(t, "short b", func() { L2Sqr(q, q[:7]) })
	L2SqrRows(q, slab, 8, out)
}

// halfSpecials are float32 inputs at the edges of binary16 and bfloat16.
var halfSpecials = []float32{
	0, float32(math.Copysign(0, -1)), 1, -1, 65504, 65519.99, 65520, -65520, 1e10,
	float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()),
	math.Float32frombits(0x7f800001), math.Float32frombits(0xffc12345), // signalling / payload NaNs
	5.9604645e-08, 2.9802322e-08, 2.9802326e-08, 8.940697e-08, 6.097555e-05, 6.1035156e-05, 6.1035152e-05,
	1e-30, math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32,
	1.0009766, 1.0004883, 1.0014648, 3.3895314e+38, math.Float32frombits(0x7f7fffff), math.Float32frombits(0x3f808000),
	math.Float32frombits(0x3f818000), math.Float32frombits(0x00008000), math.Float32frombits(0x00018000),
}

func TestConversions(t *testing.T) {
	r := newRand(3)
	// Inputs: specials, random bit patterns (all classes), random ordinary values.
	src := append([]float32(nil), halfSpecials...)
	for i := 0; i < 4000; i++ {
		src = append(src, math.Float32frombits(r.Uint32()))
		src = append(src, (r.Float32()*2-1)*float32(math.Ldexp(1, r.IntN(40)-25)))
	}
	all16 := make([]uint16, 1<<16)
	for i := range all16 {
		all16[i] = uint16(i)
	}
	want16 := make([]uint16, len(src))
	wantBF := make([]uint16, len(src))
	f32ToF16Generic(want16, src)
	f32ToBF16Generic(wantBF, src)
	wantF := make([]float32, len(all16))
	wantBF32 := make([]float32, len(all16))
	f16ToF32Generic(wantF, all16)
	bf16ToF32Generic(wantBF32, all16)

	// the reference itself: spot checks against known encodings
	for _, c := range []struct {
		f float32
		h uint16
	}{{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65520, 0x7c00}, {5.9604645e-08, 0x0001}, {2.9802322e-08, 0}, {2.9802326e-08, 1}, {6.1035156e-05, 0x0400}, {1.0004883, 0x3c00}, {1.0014648, 0x3c02}} {
		if got := f32ToF16One(c.f); got != c.h {
			t.Errorf("f32ToF16One(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	for i := range all16 {
		h := uint16(i)
		f := f16ToF32One(h)
		if back := f32ToF16One(f); back != h && !(math.IsNaN(float64(f)) && back == h|0x0200) {
			t.Fatalf("f16 round trip %#04x -> %g -> %#04x", h, f, back)
		}
	}
	if f32ToBF16One(math.Float32frombits(0x3f808000)) != 0x3f80 || f32ToBF16One(math.Float32frombits(0x3f818000)) != 0x3f82 {
		t.Error("bf16 ties-to-even")
	}

	forLevels(t, func(t *testing.T) {
		for _, n := range testLengths {
			off := n % 3
			if n+off > len(src) {
				continue
			}
			s := src[off : off+n]
			got := make([]uint16, n+1)
			got[n] = 0xdead
			F32ToF16(got[:n], s)
			for i := range s {
				if got[i] != want16[off+i] {
					t.Fatalf("F32ToF16 n=%d i=%d (%g, %#08x): got %#04x want %#04x", n, i, s[i], math.Float32bits(s[i]), got[i], want16[off+i])
				}
			}
			F32ToBF16(got[:n], s)
			for i := range s {
				if got[i] != wantBF[off+i] {
					t.Fatalf("F32ToBF16 n=%d i=%d (%#08x): got %#04x want %#04x", n, i, math.Float32bits(s[i]), got[i], wantBF[off+i])
				}
			}
			if got[n] != 0xdead {
				t.Fatal("conversion wrote past the end")
			}
		}
		// whole arrays (long runs through the vector loops)
		got := make([]uint16, len(src))
		F32ToF16(got, src)
		for i := range got {
			if got[i] != want16[i] {
				t.Fatalf("F32ToF16 %#08x: got %#04x want %#04x", math.Float32bits(src[i]), got[i], want16[i])
			}
		}
		F32ToBF16(got, src)
		for i := range got {
			if got[i] != wantBF[i] {
				t.Fatalf("F32ToBF16 %#08x: got %#04x want %#04x", math.Float32bits(src[i]), got[i], wantBF[i])
			}
		}
		for _, off := range []int{0, 1, 3} {
			gotF := make([]float32, len(all16)-off)
			F16ToF32(gotF, all16[off:])
			for i := range gotF {
				if math.Float32bits(gotF[i]) != math.Float32bits(wantF[off+i]) {
					t.Fatalf("F16ToF32(%#04x) = %#08x want %#08x", all16[off+i], math.Float32bits(gotF[i]), math.Float32bits(wantF[off+i]))
				}
			}
			BF16ToF32(gotF, all16[off:])
			for i := range gotF {
				if math.Float32bits(gotF[i]) != math.Float32bits(wantBF32[off+i]) {
					t.Fatalf("BF16ToF32(%#04x) = %#08x", all16[off+i], math.Float32bits(gotF[i]))
				}
			}
		}
	})
}

func TestHalfDistances(t *testing.T) {
	r := newRand(4)
	forLevels(t, func(t *testing.T) {
		for _, n := range testLengths {
			off := n % 2
			q := randF32(r, n+off, 4)[off:]
			x := randF32(r, n+1, 4)
			c16 := make([]uint16, len(x))
			f32ToF16Generic(c16, x)
			cb := make([]uint16, len(x))
			f32ToBF16Generic(cb, x)
			xf := make([]float32, len(x))
			f16ToF32Generic(xf, c16)
			xb := make([]float32, len(x))
			bf16ToF32Generic(xb, cb)
			c16, cb, xf, xb = c16[1:], cb[1:], xf[1:], xb[1:]
			check := func(name string, got, want float32, mag float64) {
				if !closeTo(got, want, mag, tolFor(n)) {
					t.Fatalf("%s n=%d: got %g want %g", name, n, got, want)
				}
			}
			check("L2SqrF16", L2SqrF16(q, c16), l2F16Generic(q, c16), magL2(q, xf))
			check("InnerProductF16", InnerProductF16(q, c16), ipF16Generic(q, c16), magIP(q, xf))
			check("L2SqrBF16", L2SqrBF16(q, cb), l2BF16Generic(q, cb), magL2(q, xb))
			check("InnerProductBF16", InnerProductBF16(q, cb), ipBF16Generic(q, cb), magIP(q, xb))
		}
	})
}

func TestSQ(t *testing.T) {
	r := newRand(5)
	forLevels(t, func(t *testing.T) {
		for _, n := range testLengths {
			q := randF32(r, n, 3)
			lo := randF32(r, n, 1)
			diff := randF32(r, n, 2)
			for i := range diff {
				diff[i] = float32(math.Abs(float64(diff[i])))
			}
			code := make([]uint8, n+1)
			for i := range code {
				code[i] = uint8(r.Uint32())
			}
			if n%5 == 0 { // extremes
				for i := range code {
					code[i] = 255 * uint8(i&1)
				}
			}
			code = code[1:]
			dec8 := make([]float32, n)
			dec4 := make([]float32, n)
			for j := range dec8 {
				dec8[j] = lo[j] + float32(code[j])/255*diff[j]
				dec4[j] = lo[j] + float32(nibble(code, j))/15*diff[j]
			}
			check := func(name string, got, want float32, mag float64) {
				t.Helper()
				if !closeTo(got, want, mag, tolFor(n)) {
					t.Fatalf("%s n=%d: got %g want %g", name, n, got, want)
				}
			}
			// the decoded value is computed in a different order in assembly; allow one ulp per term
			check("SQ8L2Sqr", SQ8L2Sqr(q, code, lo, diff), sq8L2Generic(q, code, lo, diff), magL2(q, dec8)+magIP(q, dec8)*4)
			check("SQ8InnerProduct", SQ8InnerProduct(q, code, lo, diff), sq8IPGeneric(q, code, lo, diff), magIP(q, dec8)*4)
			check("SQ4L2Sqr", SQ4L2Sqr(q, code, lo, diff), sq4L2Generic(q, code, lo, diff), magL2(q, dec4)+magIP(q, dec4)*4)
			check("SQ4InnerProduct", SQ4InnerProduct(q, code, lo, diff), sq4IPGeneric(q, code, lo, diff), magIP(q, dec4)*4)
		}
	})
}

func TestIntegerKernels(t *testing.T) {
	r := newRand(6)
	forLevels(t, func(t *testing.T) {
		for _, n := range append(testLengths, 4095, 4096, 70000) {
			for pass := 0; pass < 3; pass++ {
				a := make([]uint8, n+2)
				b := make([]uint8, n+2)
				for i := range a {
					switch pass {
					case 0:
						a[i], b[i] = uint8(r.Uint32()), uint8(r.Uint32())
					case 1: // extremes
						a[i], b[i] = 255, uint8(255*(i&1))
					case 2:
						a[i], b[i] = 0x80, 0x7f
					}
				}
				a, b = a[1:n+1], b[2:]
				ai := make([]int8, len(a))
				bi := make([]int8, len(b))
				for i := range a {
					ai[i] = int8(a[i])
				}
				for i := range b {
					bi[i] = int8(b[i])
				}
				if pass == 1 {
					for i := range ai {
						ai[i], bi[i] = -128, int8(127*(i&1))
					}
				}
				if got, want := DotU8(a, b), dotU8Generic(a, b[:n]); got != want {
					t.Fatalf("DotU8 n=%d pass=%d: got %d want %d", n, pass, got, want)
				}
				if got, want := L2SqrU8(a, b), l2U8Generic(a, b[:n]); got != want {
					t.Fatalf("L2SqrU8 n=%d pass=%d: got %d want %d", n, pass, got, want)
				}
				if got, want := L2SqrInt8(ai, bi), l2Int8Generic(ai, bi[:n]); got != want {
					t.Fatalf("L2SqrInt8 n=%d pass=%d: got %d want %d", n, pass, got, want)
				}
				if got, want := InnerProductInt8(ai, bi), ipInt8Generic(ai, bi[:n]); got != want {
					t.Fatalf("InnerProductInt8 n=%d pass=%d: got %d want %d", n, pass, got, want)
				}
				// packed nibbles: dim values in (dim+1)/2 bytes; an odd dim's spare nibble is garbage
				dim := n
				nb := (dim + 1) / 2
				ua, ub := a[:nb], b[:nb]
				if got, want := DotU4(ua, ub, dim), dotU4Generic(ua, ub, dim); got != want {
					t.Fatalf("DotU4 dim=%d: got %d want %d", dim, got, want)
				}
				if got, want := L2SqrU4(ua, ub, dim), l2U4Generic(ua, ub, dim); got != want {
					t.Fatalf("L2SqrU4 dim=%d: got %d want %d", dim, got, want)
				}
			}
		}
	})
}

func TestBits(t *testing.T) {
	r := newRand(7)
	forLevels(t, func(t *testing.T) {
		for _, n := range testLengths {
			a := make([]uint64, n+1)
			b := make([]uint64, n+1)
			for i := range a {
				a[i], b[i] = r.Uint64(), r.Uint64()
				if i%7 == 0 {
					a[i], b[i] = ^uint64(0), 0
				}
			}
			a, b = a[1:], b[:n]
			if got, want := Hamming(a, b), hammingGeneric(a, b); got != want {
				t.Fatalf("Hamming n=%d: got %d want %d", n, got, want)
			}
			if got, want := PopcountAnd(a, b), popcountAndGeneric(a, b); got != want {
				t.Fatalf("PopcountAnd n=%d: got %d want %d", n, got, want)
			}
		}
	})
}

func TestLookupAccumulate32(t *testing.T) {
	r := newRand(8)
	forLevels(t, func(t *testing.T) {
		for m := 0; m <= 300; m += 1 + m/16 {
			codes := make([]uint8, 16*m+1)
			lut := make([]uint8, 16*m+1)
			for i := range codes {
				codes[i], lut[i] = uint8(r.Uint32()), uint8(r.Uint32())
				if m > 250 {
					lut[i] = 255 // forces uint16 wrap-around
				}
			}
			codes, lut = codes[1:], lut[:16*m]
			var got, want [32]uint16
			for i := range got {
				got[i] = 0xbeef // must be overwritten
			}
			LookupAccumulate32(codes, lut, m, &got)
			lookupAccumulate32Generic(codes, lut, m, &want)
			if got != want {
				t.Fatalf("m=%d: got %v want %v", m, got, want)
			}
		}
	})
}

func TestNormalize(t *testing.T) {
	r := newRand(9)
	forLevels(t, func(t *testing.T) {
		for _, n := range testLengths {
			for _, scale := range []float32{1, 1e-3, 1e25} {
				v := randF32(r, n, scale)
				orig := append([]float32(nil), v...)
				var want float64
				for _, x := range orig {
					want += float64(x) * float64(x)
				}
				want = math.Sqrt(want)
				got := Normalize(v)
				if n == 0 {
					if got != 0 {
						t.Fatal("empty")
					}
					continue
				}
				if math.Abs(float64(got)-want) > 1e-5*want {
					t.Fatalf("n=%d scale=%g: norm %g want %g", n, scale, got, want)
				}
				var s float64
				for _, x := range v {
					s += float64(x) * float64(x)
				}
				if math.Abs(s-1) > 1e-5 {
					t.Fatalf("n=%d scale=%g: |v|^2 = %g after Normalize", n, scale, s)
				}
			}
		}
		z := make([]float32, 10)
		if Normalize(z) != 0 {
			t.Fatal("zero vector norm")
		}
		for _, x := range z {
			if x != 0 {
				t.Fatal("zero vector changed")
			}
		}
	})
}

// A prefetch is a hint: it never faults (nil included) and never changes memory.
func TestPrefetch(t *testing.T) {
	x := make([]float32, 64)
	for i := range x {
		x[i] = float32(i) * 1.5
	}
	Prefetch(nil)
	for i := range x {
		Prefetch(unsafePointer(&x[i]))
	}
	for i := range x {
		if x[i] != float32(i)*1.5 {
			t.Fatalf("x[%d] = %v after prefetch", i, x[i])
		}
	}
}

// bytesToF32 decodes fuzz input into finite float32 values of moderate size.
func bytesToF32(data []byte) []float32 {
	v := make([]float32, 0, len(data)/2)
	for i := 0; i+1 < len(data); i += 2 {
		m := float32(int8(data[i]))
		e := int(data[i+1]%48) - 24
		v = append(v, m*float32(math.Ldexp(1, e)))
	}
	return v
}

func FuzzL2Sqr(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 130))
	f.Add([]byte("the quick brown fox jumps over the lazy dog, repeatedly, until the vector is long"))
	orig := Level()
	defer SetLevel(orig)
	f.Fuzz(func(t *testing.T, data []byte) {
		v := bytesToF32(data)
		n := len(v) / 2
		a, b := v[:n], v[n:]
		want, wantIP := l2Generic(a, b[:n]), ipGeneric(a, b[:n])
		for _, l := range Levels() {
			SetLevel(l)
			if got := L2Sqr(a, b); !closeTo(got, want, magL2(a, b), tolFor(n)) {
				t.Fatalf("%s L2Sqr n=%d: got %g want %g", l, n, got, want)
			}
			if got := InnerProduct(a, b); !closeTo(got, wantIP, magIP(a, b), tolFor(n)) {
				t.Fatalf("%s InnerProduct n=%d: got %g want %g", l, n, got, wantIP)
			}
		}
	})
}

func FuzzConvert(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x7f, 1, 0, 0x80, 0x7f, 0, 0, 0x80, 0xff})
	f.Add(make([]byte, 68))
	orig := Level()
	defer SetLevel(orig)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := make([]float32, len(data)/4)
		h := make([]uint16, len(data)/2)
		for i := range src {
			src[i] = math.Float32frombits(uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24)
		}
		for i := range h {
			h[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
		}
		w16, wbf := make([]uint16, len(src)), make([]uint16, len(src))
		f32ToF16Generic(w16, src)
		f32ToBF16Generic(wbf, src)
		wf, wb := make([]float32, len(h)), make([]float32, len(h))
		f16ToF32Generic(wf, h)
		bf16ToF32Generic(wb, h)
		g16, gf := make([]uint16, len(src)), make([]float32, len(h))
		for _, l := range Levels() {
			SetLevel(l)
			F32ToF16(g16, src)
			for i := range g16 {
				if g16[i] != w16[i] {
					t.Fatalf("%s F32ToF16(%#08x) = %#04x want %#04x", l, math.Float32bits(src[i]), g16[i], w16[i])
				}
			}
			F32ToBF16(g16, src)
			for i := range g16 {
				if g16[i] != wbf[i] {
					t.Fatalf("%s F32ToBF16(%#08x) = %#04x want %#04x", l, math.Float32bits(src[i]), g16[i], wbf[i])
				}
			}
			F16ToF32(gf, h)
			for i := range gf {
				if math.Float32bits(gf[i]) != math.Float32bits(wf[i]) {
					t.Fatalf("%s F16ToF32(%#04x)", l, h[i])
				}
			}
			BF16ToF32(gf, h)
			for i := range gf {
				if math.Float32bits(gf[i]) != math.Float32bits(wb[i]) {
					t.Fatalf("%s BF16ToF32(%#04x)", l, h[i])
				}
			}
		}
	})
}

// TestFloat32BatchMatchesPair: a distance does not depend on the batch form or
// on where in a batch the row falls (grouped rows sum in the pair kernel's order).
func TestFloat32BatchMatchesPair(t *testing.T) {
	r := newRand(7)
	forLevels(t, func(t *testing.T) {
		for _, n := range []int{1, 8, 15, 16, 24, 31, 32, 33, 100, 128, 784, 960, 1025} {
			const rows = 19
			slab := randF32(r, rows*n, 3)
			q := randF32(r, n, 3)
			ids := make([]uint32, 2*rows+3)
			for i := range ids {
				ids[i] = uint32(r.IntN(rows))
			}
			for _, ip := range []bool{false, true} {
				pair, batch, rowsF := L2Sqr, L2SqrBatch, L2SqrRows
				if ip {
					pair, batch, rowsF = InnerProduct, InnerProductBatch, InnerProductRows
				}
				out := make([]float32, len(ids))
				batch(q, slab, n, ids, out)
				for i, id := range ids {
					if want := pair(q, slab[int(id)*n:int(id+1)*n]); out[i] != want {
						t.Fatalf("ip=%v n=%d batch[%d] = %g, pair %g", ip, n, i, out[i], want)
					}
				}
				all := make([]float32, rows)
				rowsF(q, slab, n, all)
				for i := range all {
					if want := pair(q, slab[i*n:(i+1)*n]); all[i] != want {
						t.Fatalf("ip=%v n=%d rows[%d] = %g, pair %g", ip, n, i, all[i], want)
					}
				}
			}
		}
	})
}
