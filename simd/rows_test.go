package simd

import (
	"math"
	"testing"
)

// sqCase is a random SQ problem of n dimensions; code holds n bytes (the SQ4
// kernels use its first (n+1)/2), every slice starts unaligned.
type sqCase struct {
	q, lo, diff, scale4, scale8 []float32
	code                        []uint8
}

func newSQCase(r interface {
	Float32() float32
	Uint32() uint32
}, n int, extremes bool) sqCase {
	mk := func(scale float32, off int) []float32 {
		v := make([]float32, n+off)
		for i := range v {
			v[i] = (r.Float32()*2 - 1) * scale
		}
		return v[off:]
	}
	c := sqCase{q: mk(3, 1), lo: mk(1, 2), diff: mk(2, 3)}
	c.scale8, c.scale4 = make([]float32, n), make([]float32, n)
	for i := range c.diff {
		c.diff[i] = float32(math.Abs(float64(c.diff[i])))
		c.scale8[i], c.scale4[i] = c.diff[i]/255, c.diff[i]/15
	}
	code := make([]uint8, n+1)
	for i := range code {
		code[i] = uint8(r.Uint32())
		if extremes {
			code[i] = 255 * uint8(i&1)
		}
	}
	c.code = code[1:]
	return c
}

// decoded returns the decoded SQ8 and SQ4 vectors (scaled decoding).
func (c sqCase) decoded() (d8, d4 []float32) {
	d8, d4 = make([]float32, len(c.q)), make([]float32, len(c.q))
	for j := range d8 {
		d8[j] = c.lo[j] + float32(c.code[j])*c.scale8[j]
		d4[j] = c.lo[j] + float32(nibble(c.code, j))*c.scale4[j]
	}
	return
}

func TestSQScaled(t *testing.T) {
	r := newRand(11)
	forLevels(t, func(t *testing.T) {
		for _, n := range testLengths {
			c := newSQCase(r, n, n%5 == 0)
			d8, d4 := c.decoded()
			check := func(name string, got, want float32, mag float64) {
				t.Helper()
				if !closeTo(got, want, mag, tolFor(n)) {
					t.Fatalf("%s n=%d: got %g want %g", name, n, got, want)
				}
			}
			// the decoded value is rounded once (FMA) in assembly, twice in the reference
			check("SQ8L2SqrScaled", SQ8L2SqrScaled(c.q, c.code, c.lo, c.scale8), sq8L2ScaledGeneric(c.q, c.code, c.lo, c.scale8), magL2(c.q, d8)+magIP(c.q, d8)*4)
			check("SQ8InnerProductScaled", SQ8InnerProductScaled(c.q, c.code, c.lo, c.scale8), sq8IPScaledGeneric(c.q, c.code, c.lo, c.scale8), magIP(c.q, d8)*4)
			check("SQ4L2SqrScaled", SQ4L2SqrScaled(c.q, c.code, c.lo, c.scale4), sq4L2ScaledGeneric(c.q, c.code, c.lo, c.scale4), magL2(c.q, d4)+magIP(c.q, d4)*4)
			check("SQ4InnerProductScaled", SQ4InnerProductScaled(c.q, c.code, c.lo, c.scale4), sq4IPScaledGeneric(c.q, c.code, c.lo, c.scale4), magIP(c.q, d4)*4)
			// prepared forms: r = q - lo, w = q*scale
			rr, w := make([]float32, n), make([]float32, n)
			u := make([]float32, n) // the codes as floats
			for j := range rr {
				rr[j], w[j], u[j] = c.q[j]-c.lo[j], c.q[j]*c.scale8[j], float32(c.code[j])
			}
			check("SQ8L2SqrResidual", SQ8L2SqrResidual(rr, c.code, c.scale8), sq8L2ResidualGeneric(rr, c.code, c.scale8), magL2(c.q, d8)+magIP(c.q, d8)*4)
			check("SQ8L2SqrResidual vs Scaled", SQ8L2SqrResidual(rr, c.code, c.scale8), SQ8L2SqrScaled(c.q, c.code, c.lo, c.scale8), magL2(c.q, d8)+magIP(c.q, d8)*4)
			check("DotF32U8", DotF32U8(w, c.code), dotF32U8Generic(w, c.code), magIP(w, u))
			check("DotF32U8 vs Scaled", InnerProduct(c.q, c.lo)+DotF32U8(w, c.code), SQ8InnerProductScaled(c.q, c.code, c.lo, c.scale8), magIP(c.q, d8)*4+magIP(c.q, c.lo))
			// the scaled and diff forms decode to (nearly) the same values
			check("SQ8 scaled vs diff", SQ8L2SqrScaled(c.q, c.code, c.lo, c.scale8), sq8L2Generic(c.q, c.code, c.lo, c.diff), magL2(c.q, d8)+magIP(c.q, d8)*8)
		}
	})
}

// rowLengths: every length up to 40, then unroll boundaries up to 1025.
var rowLengths = func() []int {
	var ls []int
	for _, n := range testLengths {
		if n <= 40 || n > 70 {
			ls = append(ls, n)
		}
	}
	return append(ls, 63, 64, 65)
}()

func TestCodeRows(t *testing.T) {
	r := newRand(12)
	const sentinel = float32(-12345)
	forLevels(t, func(t *testing.T) {
		for _, n := range rowLengths {
			for _, pad := range []int{0, 3} {
				stride := n + pad
				const maxRows = 5
				q := randF32(r, n+1, 2)[1:]
				x := randF32(r, maxRows*stride+n+1, 2)
				f16 := make([]uint16, len(x))
				F32ToF16(f16, x)
				bf16 := make([]uint16, len(x))
				F32ToBF16(bf16, x)
				f16, bf16 = f16[1:], bf16[1:]
				c := newSQCase(r, n, false)
				u8 := make([]uint8, maxRows*stride+n+1)
				for i := range u8 {
					u8[i] = uint8(r.Uint32())
				}
				u8 = u8[1:]
				ua := make([]uint8, n+1)[1:]
				for i := range ua {
					ua[i] = uint8(r.Uint32())
				}
				for _, rows := range []int{0, 1, 2, maxRows} {
					out := make([]float32, rows+1)
					outU := make([]uint32, rows+1)
					type fcase struct {
						name string
						run  func(out []float32)
						want func(i int) (float32, float64)
					}
					half := func(name string, f func([]float32, []uint16, int, []float32), ref func([]float32, []uint16) float32, codes []uint16, widen func([]float32, []uint16), ip bool) fcase {
						return fcase{name, func(out []float32) { f(q, codes, stride, out) }, func(i int) (float32, float64) {
							row := codes[i*stride : i*stride+n]
							xf := make([]float32, n)
							widen(xf, row)
							mag := magL2(q, xf)
							if ip {
								mag = magIP(q, xf)
							}
							return ref(q, row), mag
						}}
					}
					sq := func(name string, f func([]float32, []uint8, int, []float32, []float32, []float32), ref func([]float32, []uint8, []float32, []float32) float32, ip bool) fcase {
						return fcase{name, func(out []float32) { f(q, u8, stride, c.lo, c.scale8, out) }, func(i int) (float32, float64) {
							row := u8[i*stride : i*stride+n]
							d := make([]float32, n)
							for j := range d {
								d[j] = c.lo[j] + float32(row[j])*c.scale8[j]
							}
							mag := magIP(q, d) * 4
							if !ip {
								mag += magL2(q, d)
							}
							return ref(q, row, c.lo, c.scale8), mag
						}}
					}
					for _, fc := range []fcase{
						half("L2SqrF16Rows", L2SqrF16Rows, l2F16Generic, f16, f16ToF32Generic, false),
						half("InnerProductF16Rows", InnerProductF16Rows, ipF16Generic, f16, f16ToF32Generic, true),
						half("L2SqrBF16Rows", L2SqrBF16Rows, l2BF16Generic, bf16, bf16ToF32Generic, false),
						half("InnerProductBF16Rows", InnerProductBF16Rows, ipBF16Generic, bf16, bf16ToF32Generic, true),
						sq("SQ8L2SqrRows", SQ8L2SqrRows, sq8L2ScaledGeneric, false),
						sq("SQ8InnerProductRows", SQ8InnerProductRows, sq8IPScaledGeneric, true),
						{"SQ8L2SqrResidualRows", func(out []float32) { SQ8L2SqrResidualRows(q, u8, stride, c.scale8, out) }, func(i int) (float32, float64) {
							row := u8[i*stride : i*stride+n]
							d := make([]float32, n)
							for j := range d {
								d[j] = float32(row[j]) * c.scale8[j]
							}
							return sq8L2ResidualGeneric(q, row, c.scale8), magL2(q, d) + 4*magIP(q, d)
						}},
						{"DotF32U8Rows", func(out []float32) { DotF32U8Rows(q, u8, stride, out) }, func(i int) (float32, float64) {
							row := u8[i*stride : i*stride+n]
							d := make([]float32, n)
							for j := range d {
								d[j] = float32(row[j])
							}
							return dotF32U8Generic(q, row), magIP(q, d)
						}},
					} {
						out[rows] = sentinel
						fc.run(out[:rows])
						for i := 0; i < rows; i++ {
							want, mag := fc.want(i)
							if !closeTo(out[i], want, mag, tolFor(n)) {
								t.Fatalf("%s n=%d stride=%d row %d/%d: got %g want %g", fc.name, n, stride, i, rows, out[i], want)
							}
						}
						if out[rows] != sentinel {
							t.Fatalf("%s wrote past len(out)", fc.name)
						}
					}
					for _, uc := range []struct {
						name string
						f    func(a, codes []uint8, stride int, out []uint32)
						ref  func(a, b []uint8) uint32
					}{{"DotU8Rows", DotU8Rows, dotU8Generic}, {"L2SqrU8Rows", L2SqrU8Rows, l2U8Generic}} {
						outU[rows] = 0xdeadbeef
						uc.f(ua, u8, stride, outU[:rows])
						for i := 0; i < rows; i++ {
							if want := uc.ref(ua, u8[i*stride:i*stride+n]); outU[i] != want {
								t.Fatalf("%s n=%d stride=%d row %d: got %d want %d", uc.name, n, stride, i, outU[i], want)
							}
						}
						if outU[rows] != 0xdeadbeef {
							t.Fatalf("%s wrote past len(out)", uc.name)
						}
					}
				}
			}
		}
	})
}

func TestCodeRowsBounds(t *testing.T) {
	q := make([]float32, 8)
	out := make([]float32, 3)
	f16 := make([]uint16, 3*8)
	u8 := make([]uint8, 3*8)
	lo := make([]float32, 8)
	mustPanic(t, "f16 rows past end", func() { L2SqrF16Rows(q, f16, 9, out) })
	mustPanic(t, "bf16 negative stride", func() { InnerProductBF16Rows(q, f16, -1, out) })
	mustPanic(t, "sq8 rows past end", func() { SQ8L2SqrRows(q, u8, 9, lo, lo, out) })
	mustPanic(t, "sq8 short scale", func() { SQ8InnerProductRows(q, u8, 8, lo, lo[:7], out) })
	mustPanic(t, "u8 rows past end", func() { DotU8Rows(u8[:8], u8, 9, make([]uint32, 3)) })
	mustPanic(t, "sq8 scaled short code", func() { SQ8L2SqrScaled(q, u8[:7], lo, lo) })
	mustPanic(t, "sq4 scaled short code", func() { SQ4InnerProductScaled(q, u8[:3], lo, lo) })
	mustPanic(t, "residual short scale", func() { SQ8L2SqrResidual(q, u8, lo[:7]) })
	mustPanic(t, "residual rows past end", func() { SQ8L2SqrResidualRows(q, u8, 9, lo, out) })
	mustPanic(t, "dot short code", func() { DotF32U8(q, u8[:7]) })
	mustPanic(t, "dot rows past end", func() { DotF32U8Rows(q, u8, 9, out) })
	// exact fit is fine
	L2SqrF16Rows(q, f16, 8, out)
	SQ8L2SqrRows(q, u8, 8, lo, lo, out)
	L2SqrU8Rows(u8[:8], u8, 8, make([]uint32, 3))
}
