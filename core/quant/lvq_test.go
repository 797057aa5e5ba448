package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

var lvqNames = []string{"lvq8", "lvq4", "lvq4x4", "lvq4x8", "lvq8x8"}

// lvqData returns n clustered vectors with an offset mean, so that centring matters.
func lvqData(n, dim int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([]float32, 8*dim)
	for i := range centres {
		centres[i] = float32(r.NormFloat64()*2 + 5)
	}
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := centres[r.IntN(8)*dim:]
		for j := 0; j < dim; j++ {
			out[i*dim+j] = c[j] + float32(r.NormFloat64())
		}
	}
	return out
}

func newTrainedLVQ(t testing.TB, name string, dim int, m metric.Kind, data []float32) *LVQ {
	q, err := New(name, dim, m, DefaultOptions())
	require.NoError(t, err)
	require.True(t, q.NeedTrain())
	require.False(t, q.Trained())
	require.NoError(t, q.Train(data, len(data)/dim))
	require.True(t, q.Trained())
	return q.(*LVQ)
}

func TestLVQHalf(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 {
			continue // NaN payloads
		}
		var want [1]float32
		simd.F16ToF32(want[:], []uint16{uint16(h)})
		require.Equal(t, math.Float32bits(want[0]), math.Float32bits(lvqFromHalf(uint16(h))), "half %#x", h)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		f := float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(14)-8)))
		var want [1]uint16
		simd.F32ToF16(want[:], []float32{f})
		require.Equal(t, want[0], lvqToHalf(f), "float %g", f)
	}
	h, v := lvqHalf(1e9, false)
	assert.Equal(t, float32(lvqMaxHalf), v)
	assert.Equal(t, uint16(0x7bff), h)
	_, v = lvqHalf(float32(math.NaN()), false)
	assert.Equal(t, float32(-lvqMaxHalf), v)
	for _, x := range []float32{1e-3, 0.1234, 3.14159, 1000.3, 5e-7} {
		_, up := lvqHalf(x, true)
		assert.GreaterOrEqual(t, up, x)
		assert.Less(t, float64(up-x), float64(x)/1000+1e-7)
	}
}

func TestLVQRegistry(t *testing.T) {
	sizes := map[string]int{"lvq8": 4 + 37, "lvq4": 4 + 19, "lvq4x4": 4 + 19 + 19, "lvq4x8": 4 + 19 + 37, "lvq8x8": 4 + 37 + 37}
	for _, name := range lvqNames {
		q, err := New(name, 37, metric.L2, DefaultOptions())
		require.NoError(t, err)
		assert.Equal(t, name, q.Name())
		assert.Equal(t, sizes[name], q.CodeSize())
		_, two := q.(TwoStage)
		assert.True(t, two, name)
	}
	_, err := NewLVQ(8, metric.L2, 5, 0)
	assert.Equal(t, api.InvalidArgument, api.CodeOf(err))
	_, err = New("lvq8", 0, metric.L2, DefaultOptions())
	assert.Error(t, err)
}

// TestLVQEncodeError checks each dimension's error against the bound of the code: half a step
// (the primary step, or the residual step of a two-level code) plus the rounding of the bias
// to half precision.
func TestLVQEncodeError(t *testing.T) {
	const dim = 67
	data := lvqData(400, dim, 3)
	for _, name := range lvqNames {
		t.Run(name, func(t *testing.T) {
			q := newTrainedLVQ(t, name, dim, metric.L2, data)
			code := make([]byte, q.CodeSize())
			dec := make([]float32, dim)
			var mse float64
			for i := 0; i < 400; i++ {
				v := data[i*dim : (i+1)*dim]
				q.Encode(code, v)
				q.Decode(dec, code)
				s := lvqFromHalf(binary.LittleEndian.Uint16(code))
				b := lvqFromHalf(binary.LittleEndian.Uint16(code[2:]))
				lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
				for j := range v {
					lo, hi = min(lo, v[j]-q.Mean()[j]), max(hi, v[j]-q.Mean()[j])
				}
				require.GreaterOrEqual(t, s*float32(int(1)<<q.b1-1), hi-lo, "scale covers the range")
				step := s
				if q.b2 > 0 {
					step = s / float32(int(1)<<q.b2-1)
				}
				bound := float64(step)/2 + math.Abs(float64(lo-b)) + 1e-5*float64(hi-lo+1)
				for j := range v {
					e := math.Abs(float64(v[j] - dec[j]))
					require.LessOrEqual(t, e, bound, "row %d dim %d", i, j)
					mse += e * e
				}
			}
			t.Logf("rms error %.4g", math.Sqrt(mse/float64(400*dim)))
		})
	}
}

// TestLVQTwoLevelIsFinerOneLevel checks that a two-level code decodes onto the grid of a
// one-level code whose step is 2^b2-1 times finer, that its primary prefix is exactly the
// one-level code, and that the residual shrinks the error by about that factor.
func TestLVQTwoLevelIsFinerOneLevel(t *testing.T) {
	const dim = 64
	data := lvqData(300, dim, 5)
	for _, lv := range []struct{ two, one string }{{"lvq4x4", "lvq4"}, {"lvq4x8", "lvq4"}, {"lvq8x8", "lvq8"}} {
		t.Run(lv.two, func(t *testing.T) {
			two := newTrainedLVQ(t, lv.two, dim, metric.L2, data)
			one := newTrainedLVQ(t, lv.one, dim, metric.L2, data)
			prim := two.Primary()
			assert.Equal(t, lv.one, prim.Name())
			assert.Equal(t, one.CodeSize(), two.PrimaryCodeSize())
			assert.Equal(t, prim.CodeSize(), two.PrimaryCodeSize())
			c2 := make([]byte, two.CodeSize())
			c1 := make([]byte, one.CodeSize())
			cp := make([]byte, prim.CodeSize())
			d2 := make([]float32, dim)
			d1 := make([]float32, dim)
			var e1, e2 float64
			top2 := float64(int(1)<<two.b2 - 1)
			for i := 0; i < 300; i++ {
				v := data[i*dim : (i+1)*dim]
				two.Encode(c2, v)
				one.Encode(c1, v)
				prim.Encode(cp, v)
				require.Equal(t, c1, c2[:len(c1)], "the primary level is the one-level code")
				require.Equal(t, c1, cp)
				two.Decode(d2, c2)
				one.Decode(d1, c1)
				s := float64(lvqFromHalf(binary.LittleEndian.Uint16(c2)))
				b := float64(lvqFromHalf(binary.LittleEndian.Uint16(c2[2:])))
				step := s / top2
				for j := range v {
					// (x - mean - (bias - scale/2)) / step is an integer in [0, top1*top2 + top2]
					k := (float64(d2[j]-two.Mean()[j]) - (b - s/2)) / step
					require.InDelta(t, math.Round(k), k, 1e-2, "row %d dim %d on the fine grid", i, j)
					require.GreaterOrEqual(t, math.Round(k), 0.0)
					require.LessOrEqual(t, math.Round(k), float64(int(1)<<two.b1-1)*top2+top2)
					e1 += math.Pow(float64(v[j]-d1[j]), 2)
					e2 += math.Pow(float64(v[j]-d2[j]), 2)
				}
			}
			ratio := math.Sqrt(e1 / e2)
			t.Logf("rms error one-level / two-level = %.1f (step ratio %.0f)", ratio, top2)
			assert.Greater(t, ratio, top2/2)
		})
	}
}

// TestLVQComputer compares the computers with the metric applied to decoded vectors, and the
// batch and row scans with single distances.
func TestLVQComputer(t *testing.T) {
	for _, dim := range []int{1, 31, 64, 100} {
		data := lvqData(200, dim, uint64(dim))
		queries := lvqData(5, dim, 99)
		for _, name := range lvqNames {
			for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
				t.Run(fmt.Sprintf("%s/%s/dim=%d", name, m, dim), func(t *testing.T) {
					base, qs := data, queries
					if m == metric.Cosine {
						base, qs = normalizedRows(data, dim), normalizedRows(queries, dim)
					}
					q := newTrainedLVQ(t, name, dim, m, base)
					n := len(base) / dim
					slab := make([]byte, n*q.CodeSize())
					for i := 0; i < n; i++ {
						q.Encode(slab[i*q.CodeSize():], base[i*dim:(i+1)*dim])
					}
					computers := map[string]Computer{"full": q.NewComputer(), "primary": q.NewPrimaryComputer()}
					prim := q.Primary()
					pslab := make([]byte, n*prim.CodeSize())
					for i := 0; i < n; i++ {
						prim.Encode(pslab[i*prim.CodeSize():], base[i*dim:(i+1)*dim])
					}
					pc := prim.NewComputer()
					dec := make([]float32, dim)
					ids := []uint32{3, 0, uint32(n - 1), 7, 3}
					for qi := 0; qi < len(qs)/dim; qi++ {
						qv := qs[qi*dim : (qi+1)*dim]
						for kind, c := range computers {
							c.SetQuery(qv)
							rows := make([]float32, n)
							c.DistanceRows(slab, rows)
							for i := 0; i < n; i++ {
								code := slab[i*q.CodeSize() : (i+1)*q.CodeSize()]
								if kind == "full" {
									q.Decode(dec, code)
								} else {
									prim.Decode(dec, code[:prim.CodeSize()])
								}
								want := metric.Reference(m, qv, dec)
								if m == metric.Cosine {
									// half the squared distance, 1 - <q, x> on unit vectors (cosineByL2)
									want = metric.Reference(metric.L2, qv, dec) / 2
								}
								got := c.Distance(code)
								tol := 1e-4*(1+math.Abs(float64(want))) + byteQueryError(c, code, dec)
								require.InDelta(t, want, got, tol, "%s row %d", kind, i)
								require.Equal(t, got, rows[i], "%s row %d: rows scan", kind, i)
							}
							out := make([]float32, len(ids)+1)
							out[len(ids)] = 42
							c.DistanceBatch(slab, ids, out)
							for i, id := range ids {
								require.Equal(t, rows[id], out[i])
							}
							require.Equal(t, float32(42), out[len(ids)])
						}
						// the primary computer over full rows equals the Primary quantizer's own
						computers["primary"].SetQuery(qv)
						pc.SetQuery(qv)
						for i := 0; i < n; i++ {
							require.Equal(t, pc.Distance(pslab[i*prim.CodeSize():]), computers["primary"].Distance(slab[i*q.CodeSize():]))
						}
					}
				})
			}
		}
	}
}

func normalizedRows(v []float32, dim int) []float32 {
	out := append([]float32(nil), v...)
	for i := 0; i+dim <= len(out); i += dim {
		metric.Normalize(out[i : i+dim])
	}
	return out
}

func TestLVQSerialization(t *testing.T) {
	const dim = 20
	data := lvqData(50, dim, 8)
	for _, name := range lvqNames {
		t.Run(name, func(t *testing.T) {
			q := newTrainedLVQ(t, name, dim, metric.IP, data)
			state, err := q.MarshalBinary()
			require.NoError(t, err)
			again, err := New(name, dim, metric.IP, DefaultOptions())
			require.NoError(t, err)
			empty, err := again.MarshalBinary()
			require.NoError(t, err)
			assert.Empty(t, empty, "untrained state")
			require.NoError(t, again.UnmarshalBinary(state))
			require.True(t, again.Trained())
			c1, c2 := make([]byte, q.CodeSize()), make([]byte, q.CodeSize())
			for i := 0; i < 50; i++ {
				q.Encode(c1, data[i*dim:(i+1)*dim])
				again.Encode(c2, data[i*dim:(i+1)*dim])
				require.Equal(t, c1, c2)
			}

			fresh, _ := New(name, dim, metric.IP, DefaultOptions())
			nan := append([]byte(nil), state...)
			binary.LittleEndian.PutUint32(nan[16+4*3:], math.Float32bits(float32(math.NaN())))
			otherDim, _ := New(name, dim+1, metric.IP, DefaultOptions())
			for what, bad := range map[string][]byte{
				"empty": nil, "truncated": state[:len(state)-1], "long": append(append([]byte(nil), state...), 0),
				"tag": append([]byte("XVQ1"), state[4:]...), "nan": nan,
			} {
				err := fresh.UnmarshalBinary(bad)
				require.Error(t, err, what)
				assert.Equal(t, api.InvalidBinary, api.CodeOf(err), what)
				assert.False(t, fresh.Trained(), what)
			}
			assert.Equal(t, api.InvalidBinary, api.CodeOf(otherDim.UnmarshalBinary(state)))
			for _, other := range lvqNames {
				if other != name {
					o, _ := New(other, dim, metric.IP, DefaultOptions())
					assert.Error(t, o.UnmarshalBinary(state), "%s state into %s", name, other)
				}
			}
		})
	}
}

// TestLVQHostileValues: non-finite and huge inputs encode without panicking into codes that
// decode to finite values.
func TestLVQHostileValues(t *testing.T) {
	const dim = 9
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, name := range lvqNames {
		q, _ := New(name, dim, metric.L2, DefaultOptions())
		require.Error(t, q.Train(nil, 0))
		require.Error(t, q.Train(make([]float32, 5), 1))
		train := []float32{nan, 1, 2, 3, 4, 5, 6, 7, inf, 1, 1, 1, 1, 1, 1, 1, 1, 1}
		require.NoError(t, q.Train(train, 2))
		for _, v := range q.(*LVQ).Mean() {
			require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0))
		}
		code := make([]byte, q.CodeSize())
		dec := make([]float32, dim)
		for _, v := range [][]float32{
			{nan, nan, nan, nan, nan, nan, nan, nan, nan},
			{inf, -inf, 0, 1, 2, 3, 4, 5, 6},
			{1e30, -1e30, 0, 0, 0, 0, 0, 0, 0},
			{1e-30, 0, 0, 0, 0, 0, 0, 0, 0},
			{7, 7, 7, 7, 7, 7, 7, 7, 7},
		} {
			q.Encode(code, v)
			q.Decode(dec, code)
			for _, x := range dec {
				require.False(t, math.IsNaN(float64(x)) || math.IsInf(float64(x), 0), "%s %v -> %v", name, v, dec)
			}
		}
		// a vector equal to the mean has zero range: scale 0, decoded exactly
		seven := []float32{7, 7, 7, 7, 7, 7, 7, 7, 7}
		require.NoError(t, q.Train(seven, 1))
		q.Encode(code, seven)
		q.Decode(dec, code)
		require.Equal(t, seven, dec)
	}
}

func FuzzLVQUnmarshal(f *testing.F) {
	q, _ := NewLVQ(4, metric.L2, 4, 8)
	_ = q.Train([]float32{1, 2, 3, 4}, 1)
	good, _ := q.MarshalBinary()
	f.Add(good)
	f.Add([]byte("LVQ1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _ := NewLVQ(4, metric.L2, 4, 8)
		if p.UnmarshalBinary(b) == nil {
			code := make([]byte, p.CodeSize())
			p.Encode(code, []float32{1, 2, 3, 4})
		}
	})
}

// byteQueryError bounds what rounding the query to bytes adds to c's distance to code, whose
// decoding (mean included) is dec: zero unless c reads one-level 4-bit codes with the byte
// query. Each entry of the query moves by at most half its step, (max - min) / 254, and
// meets the code's value without the mean and the bias (twice in a squared distance, which
// cosine halves again).
func byteQueryError(c Computer, code []byte, dec []float32) float64 {
	lc, ok := c.(*lvqComputer)
	if !ok || lc.q4 == nil {
		return 0
	}
	step := float64(slices.Max(lc.q)-slices.Min(lc.q)) / 254
	_, bias := lvqHeader(code)
	var s float64
	for j, v := range dec {
		s += math.Abs(float64(v - lc.mean[j] - bias))
	}
	e := step / 2 * s
	if !lc.ip && !lc.half {
		e *= 2
	}
	return e*1.01 + 1e-6
}
