package quant

import (
	"fmt"
	"math"
	"math/rand"
	randv2 "math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

func rqOpts(bits, qbits, pca int, fht bool) CodebookOptions {
	o := DefaultCodebook()
	o.RaBitQBitsBase, o.RaBitQBitsQuery, o.PCADim, o.RaBitQUseFHT = bits, qbits, pca, fht
	return o
}

// normalizeRows normalises every row of v (dim values each) in place, as the index does for
// cosine.
func normalizeRows(v []float32, dim int) []float32 {
	for i := 0; i+dim <= len(v); i += dim {
		metric.Normalize(v[i : i+dim])
	}
	return v
}

func trainedRaBitQ(t testing.TB, dim int, m metric.Kind, o CodebookOptions, data []float32) *RaBitQ {
	t.Helper()
	q, err := NewRaBitQ(dim, m, o)
	require.NoError(t, err)
	require.NoError(t, q.Train(data, len(data)/dim))
	return q
}

func encodeAll(q Quantizer, data []float32) []byte {
	n := len(data) / q.Dim()
	slab := make([]byte, n*q.CodeSize())
	for i := 0; i < n; i++ {
		q.Encode(slab[i*q.CodeSize():(i+1)*q.CodeSize()], data[i*q.Dim():(i+1)*q.Dim()])
	}
	return slab
}

// TestRotations checks that both rotations keep norms and that inverse undoes apply, for
// powers of two and other dimensions.
func TestRotations(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, d := range []int{1, 2, 7, 16, 33, 100} {
		for _, fht := range []bool{false, true} {
			rot := newRotation(d, fht)
			require.NoError(t, trainRotation(rot, 11))
			x := make([]float32, d)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			y, z := make([]float32, d), make([]float32, d)
			rot.apply(y, x)
			rot.inverse(z, y)
			var nx, ny float64
			for i := range x {
				nx += float64(x[i] * x[i])
				ny += float64(y[i] * y[i])
				require.InDelta(t, x[i], z[i], 1e-4, "d=%d fht=%v", d, fht)
			}
			require.InDelta(t, nx, ny, 1e-4*nx, "d=%d fht=%v keeps the norm", d, fht)
		}
	}
}

// TestRaBitQEstimates checks, for each configuration, that the estimated distances are
// unbiased on average (the mean error is small against the mean absolute error) and that the
// lower bound holds for most pairs.
func TestRaBitQEstimates(t *testing.T) {
	const dim, n, nq = 64, 600, 20
	for _, tc := range []struct {
		bits, qbits, pca int
		fht              bool
		unbiased         bool
	}{
		{1, 32, 0, false, true},
		{1, 32, 0, true, true},
		{1, 4, 0, false, true},
		{2, 32, 0, false, true},
		{4, 32, 0, true, true},
		{8, 32, 0, false, true},
		{3, 4, 0, false, true},
		{1, 32, 40, false, false},
	} {
		for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
			name := fmt.Sprintf("%s/b%d/q%d/pca%d/fht%v", m, tc.bits, tc.qbits, tc.pca, tc.fht)
			t.Run(name, func(t *testing.T) {
				all := clustered(n+nq, dim, 8, 5)
				if m == metric.Cosine {
					normalizeRows(all, dim)
				}
				data, queries := all[:n*dim], all[n*dim:]
				q := trainedRaBitQ(t, dim, m, rqOpts(tc.bits, tc.qbits, tc.pca, tc.fht), data)
				slab := encodeAll(q, data)
				c := q.NewComputer()
				b := c.(Bounded)
				var bias, spread, scale, mean float64
				held, pairs := 0, 0
				batch := make([]float32, n)
				ids := make([]uint32, n)
				for i := range ids {
					ids[i] = uint32(i)
				}
				for i := 0; i < nq; i++ {
					qv := queries[i*dim : (i+1)*dim]
					c.SetQuery(qv)
					c.DistanceBatch(slab, ids, batch)
					for j := 0; j < n; j++ {
						code := slab[j*q.CodeSize() : (j+1)*q.CodeSize()]
						truth := metric.Reference(m, qv, data[j*dim:(j+1)*dim])
						est, lower := b.DistanceBound(code)
						require.InDelta(t, est, c.Distance(code), 1e-5*(1+math.Abs(float64(est))))
						require.InDelta(t, est-lower, c.(Margined).Margin(code), 1e-5*(1+math.Abs(float64(est))+math.Abs(float64(est-lower))))
						require.InDelta(t, est, batch[j], 1e-4*(1+math.Abs(float64(est))))
						bias += float64(est) - float64(truth)
						spread += math.Abs(float64(est) - float64(truth))
						scale += float64(truth) * float64(truth)
						mean += float64(truth)
						if lower <= truth*(1+1e-5)+1e-5 {
							held++
						}
						pairs++
					}
				}
				bias, spread, mean = bias/float64(pairs), spread/float64(pairs), mean/float64(pairs)
				scale = math.Sqrt(scale/float64(pairs) - mean*mean) // spread of the true distances
				frac := float64(held) / float64(pairs)
				t.Logf("mean error %.4g, mean |error| %.4g (%.3g of the distances' deviation), bound holds for %.4f", bias, spread, spread/scale, frac)
				if tc.unbiased {
					require.Less(t, math.Abs(bias), 0.2*spread+1e-6, "estimates are unbiased on average")
				}
				require.Less(t, spread/scale, 0.3/float64(tc.bits), "estimates are close")
				require.GreaterOrEqual(t, frac, 0.95, "the lower bound holds for most pairs")
			})
		}
	}
}

// lowRank returns n seeded vectors of dim dimensions around `clusters` centres, varying along
// rank shared directions (standard deviations decaying from 4) plus a little isotropic noise:
// clustered data of low intrinsic dimension, as real embeddings are.
func lowRank(n, dim, rank, clusters int, seed int64) []float32 {
	r := randv2.New(randv2.NewPCG(uint64(seed), 1))
	basis := orthonormal(r, rank, dim)
	sd := make([]float64, rank)
	for i := range sd {
		sd[i] = 4 / (1 + float64(i)/3)
	}
	centres := clustered(clusters, dim, clusters, seed+1)
	out := planted(r, n, basis, sd, make([]float64, dim), 0.1)
	for i := 0; i < n; i++ {
		c := centres[r.IntN(clusters)*dim:]
		for j := 0; j < dim; j++ {
			out[i*dim+j] += c[j]
		}
	}
	return out
}

// TestRaBitQRecall: codes ranked by estimate, the best few (5% of the rows for one bit)
// reranked exactly, find the true 10 nearest neighbours on clustered data of low intrinsic
// dimension.
func TestRaBitQRecall(t *testing.T) {
	const dim, n, nq, k = 96, 3000, 30, 10
	for _, tc := range []struct {
		m                 metric.Kind
		bits, qbits, cand int
	}{
		{metric.L2, 1, 32, 150}, {metric.IP, 1, 32, 150}, {metric.Cosine, 1, 32, 150},
		{metric.L2, 1, 4, 150}, {metric.L2, 4, 32, 30}, {metric.IP, 4, 4, 30},
	} {
		m, cand := tc.m, tc.cand
		t.Run(fmt.Sprintf("%s/b%d/q%d", m, tc.bits, tc.qbits), func(t *testing.T) {
			all := lowRank(n+nq, dim, 16, 12, 9)
			if m == metric.Cosine {
				normalizeRows(all, dim)
			}
			data, queries := all[:n*dim], all[n*dim:]
			q := trainedRaBitQ(t, dim, m, rqOpts(tc.bits, tc.qbits, 0, false), data)
			if tc.bits == 1 && tc.qbits == 32 {
				require.Equal(t, 28, q.CodeSize(), "96 bits and four factors")
			}
			slab := encodeAll(q, data)
			c := q.NewComputer()
			est := make([]float32, n)
			var recall float64
			for i := 0; i < nq; i++ {
				qv := queries[i*dim : (i+1)*dim]
				c.SetQuery(qv)
				c.DistanceRows(slab, est)
				order := make([]int, n)
				exact := make([]float32, n)
				for j := range order {
					order[j] = j
					exact[j] = metric.Reference(m, qv, data[j*dim:(j+1)*dim])
				}
				sort.Slice(order, func(a, b int) bool { return est[order[a]] < est[order[b]] })
				top := append([]int(nil), order[:cand]...)
				sort.Slice(top, func(a, b int) bool { return exact[top[a]] < exact[top[b]] })
				sort.Slice(order, func(a, b int) bool { return exact[order[a]] < exact[order[b]] })
				hit := 0
				for _, a := range top[:k] {
					for _, b := range order[:k] {
						if a == b {
							hit++
							break
						}
					}
				}
				recall += float64(hit) / k / nq
			}
			t.Logf("recall@%d after reranking %d: %.3f", k, cand, recall)
			require.GreaterOrEqual(t, recall, 0.95)
		})
	}
}

// TestRaBitQEncoders: the fast and the exact multi-bit encoders both align the code with the
// direction far better than one bit, and the exact one is never worse than the grid start.
func TestRaBitQEncoders(t *testing.T) {
	rng := rand.New(rand.NewSource(4))
	const d = 128
	o := make([]float64, d)
	u := make([]uint8, d)
	for trial := 0; trial < 20; trial++ {
		var n2 float64
		for i := range o {
			o[i] = rng.NormFloat64()
			n2 += o[i] * o[i]
		}
		for i := range o {
			o[i] /= math.Sqrt(n2)
		}
		align := func(b int) float64 {
			c := float64(int(1)<<b-1) / 2
			var ip, yn float64
			for i, x := range o {
				y := float64(u[i]) - c
				require.LessOrEqual(t, int(u[i]), int(1)<<b-1)
				ip += y * x
				yn += y * y
			}
			return ip / math.Sqrt(yn)
		}
		for _, b := range []int{2, 4, 8} {
			rqFastEncode(o, u, b, 6)
			fast := align(b)
			rqExactEncode(o, u, b)
			exact := align(b)
			rqFastEncode(o, u, b, 1)
			one := align(b)
			require.Greater(t, fast, 0.85, "b=%d", b)
			require.Greater(t, exact, 0.85, "b=%d", b)
			require.GreaterOrEqual(t, fast, one-1e-12, "more rounds never hurt")
			require.GreaterOrEqual(t, exact, fast-1e-9, "b=%d: the exact encoder is optimal", b)
			require.InDelta(t, exact, fast, 0.01, "b=%d: fast %.5f exact %.5f", b, fast, exact)
		}
	}
}

// TestRaBitQDecode: decoded 1-bit and 4-bit codes point the way of the input.
func TestRaBitQDecode(t *testing.T) {
	const dim, n = 48, 300
	data := clustered(n, dim, 4, 2)
	for _, bits := range []int{1, 4} {
		for _, pca := range []int{0, 32} {
			q := trainedRaBitQ(t, dim, metric.L2, rqOpts(bits, 32, pca, true), data)
			code := make([]byte, q.CodeSize())
			out := make([]float32, dim)
			var sum float64
			for i := 0; i < n; i++ {
				v := data[i*dim : (i+1)*dim]
				q.Encode(code, v)
				q.Decode(out, code)
				sum += float64(metric.Reference(metric.L2, v, out) / (metric.Reference(metric.L2, v, make([]float32, dim)) + 1e-9))
			}
			t.Logf("bits %d pca %d: mean relative squared error %.4f", bits, pca, sum/n)
			require.Less(t, sum/n, map[int]float64{1: 0.45, 4: 0.05}[bits])
		}
	}
}

// TestRaBitQSerialization: a round trip gives the same codes and distances; hostile states
// are INVALID_BINARY and change nothing.
func TestRaBitQSerialization(t *testing.T) {
	const dim, n = 40, 200
	data := clustered(n, dim, 4, 7)
	for _, o := range []CodebookOptions{rqOpts(1, 32, 0, false), rqOpts(2, 4, 0, true), rqOpts(1, 32, 24, false), rqOpts(3, 32, 24, true)} {
		for _, m := range []metric.Kind{metric.L2, metric.IP} {
			q := trainedRaBitQ(t, dim, m, o, data)
			blob, err := q.MarshalBinary()
			require.NoError(t, err)
			p, err := NewRaBitQ(dim, m, o)
			require.NoError(t, err)
			_, err = p.MarshalBinary()
			require.Equal(t, api.WrongStatus, api.CodeOf(err))
			require.NoError(t, p.UnmarshalBinary(blob))
			require.True(t, p.Trained())
			require.Equal(t, encodeAll(q, data), encodeAll(p, data))
			cq, cp := q.NewComputer(), p.NewComputer()
			cq.SetQuery(data[:dim])
			cp.SetQuery(data[:dim])
			code := encodeAll(q, data[dim:2*dim])
			require.Equal(t, cq.Distance(code), cp.Distance(code))

			fresh := func() *RaBitQ {
				r, err := NewRaBitQ(dim, m, o)
				require.NoError(t, err)
				return r
			}
			bad := map[string][]byte{
				"empty":     {},
				"truncated": blob[:len(blob)-1],
				"trailing":  append(append([]byte{}, blob...), 0),
				"tag":       append([]byte("XXXX"), blob[4:]...),
			}
			nan := append([]byte{}, blob...)
			copy(nan[20:], []byte{0, 0, 0xc0, 0x7f})
			bad["nan"] = nan
			dimBad := append([]byte{}, blob...)
			dimBad[4]++
			bad["dim"] = dimBad
			for name, b := range bad {
				r := fresh()
				err := r.UnmarshalBinary(b)
				require.Error(t, err, name)
				require.Equal(t, api.InvalidBinary, api.CodeOf(err), name)
				require.False(t, r.Trained(), name)
			}
			// a state of another configuration is refused
			other := o
			other.RaBitQUseFHT = !o.RaBitQUseFHT
			r, err := NewRaBitQ(dim, m, other)
			require.NoError(t, err)
			require.Equal(t, api.InvalidBinary, api.CodeOf(r.UnmarshalBinary(blob)))
		}
	}
}

// TestRaBitQOptions: bad options are INVALID_ARGUMENT through the registry.
func TestRaBitQOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(o *CodebookOptions)
	}{
		{"bits 9", func(o *CodebookOptions) { o.RaBitQBitsBase = 9 }},
		{"query bits 8", func(o *CodebookOptions) { o.RaBitQBitsQuery = 8 }},
		{"error rate", func(o *CodebookOptions) { o.RaBitQErrorRate = -1 }},
		{"error rate inf", func(o *CodebookOptions) { o.RaBitQErrorRate = math.Inf(1) }},
		{"rounds", func(o *CodebookOptions) { o.FastEncodeRounds = 33 }},
		{"pca", func(o *CodebookOptions) { o.PCADim = 17 }},
	} {
		opts := DefaultOptions()
		tc.edit(&opts.Codebook)
		_, err := New("rabitq", 16, metric.L2, opts)
		require.Error(t, err, tc.name)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.name)
	}
	q, err := New("rabitq", 784, metric.L2, DefaultOptions())
	require.NoError(t, err)
	require.True(t, q.NeedTrain())
	require.False(t, q.Trained())
	require.Equal(t, 116, q.CodeSize(), "784 bits in 98 bytes and four factors: 27x smaller than fp32")
	require.Error(t, q.Train(nil, 0))
}

func FuzzRaBitQUnmarshal(f *testing.F) {
	const dim = 12
	data := clustered(50, dim, 2, 1)
	for _, o := range []CodebookOptions{rqOpts(1, 32, 0, false), rqOpts(2, 32, 8, true)} {
		q := trainedRaBitQ(f, dim, metric.L2, o, data)
		blob, _ := q.MarshalBinary()
		f.Add(blob, o.PCADim > 0)
	}
	f.Add([]byte("RBQ1"), false)
	f.Fuzz(func(t *testing.T, b []byte, pca bool) {
		o := rqOpts(1, 32, 0, false)
		if pca {
			o = rqOpts(2, 32, 8, true)
		}
		q, err := NewRaBitQ(dim, metric.L2, o)
		require.NoError(t, err)
		if err := q.UnmarshalBinary(b); err != nil {
			require.Equal(t, api.InvalidBinary, api.CodeOf(err))
			require.False(t, q.Trained())
			return
		}
		code := make([]byte, q.CodeSize())
		q.Encode(code, data[:dim])
		c := q.NewComputer()
		c.SetQuery(data[dim : 2*dim])
		_ = c.Distance(code)
		out := make([]float32, dim)
		q.Decode(out, code)
	})
}

// TestFWHT compares the transform with its definition, H[i][j] = (-1)^popcount(i&j)/sqrt(n).
func TestFWHT(t *testing.T) {
	rng := rand.New(rand.NewSource(8))
	for _, n := range []int{1, 2, 4, 8, 16, 32, 64, 128} {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		want := make([]float64, n)
		for i := range want {
			for j, x := range v {
				s := 1.0
				if bitsOnes(i&j)%2 == 1 {
					s = -1
				}
				want[i] += s * float64(x) / math.Sqrt(float64(n))
			}
		}
		fwht(v)
		for i := range v {
			require.InDelta(t, want[i], v[i], 1e-4, "n=%d i=%d", n, i)
		}
	}
}

func bitsOnes(x int) int {
	c := 0
	for ; x != 0; x &= x - 1 {
		c++
	}
	return c
}

// TestRaBitQSetQueryCode checks that a stored code taken as the query (SetQueryCode) prepares
// what SetQuery of the decoded code prepares (the rotated unit query and the constants of the
// estimate), for both metrics, 1, 4 and 8 bits, float and 4-bit queries and both rotations, and
// with float queries the same estimates and bounds (a 4-bit query's dither is drawn from its
// exact bits, so its estimates differ by the quantization noise); with PCA it declines and
// changes nothing.
func TestRaBitQSetQueryCode(t *testing.T) {
	const dim, n = 40, 200
	data := clustered(n, dim, 4, 3)
	for _, m := range []metric.Kind{metric.L2, metric.IP} {
		for _, bits := range []int{1, 4, 8} {
			for _, qbits := range []int{32, 4} {
				for _, fht := range []bool{false, true} {
					q := trainedRaBitQ(t, dim, m, rqOpts(bits, qbits, 0, fht), data)
					slab := encodeAll(q, data)
					size := q.CodeSize()
					byCode := q.NewComputer().(*rabitqComputer)
					byVec := q.NewComputer().(*rabitqComputer)
					dec := make([]float32, dim)
					for _, p := range []int{0, 7, 123} {
						code := slab[p*size : (p+1)*size]
						require.True(t, byCode.SetQueryCode(code))
						q.Decode(dec, code)
						byVec.SetQuery(dec)
						require.InDeltaSlice(t, byVec.qn, byCode.qn, 1e-5)
						for _, pair := range [][2]float32{{byCode.cst, byVec.cst}, {byCode.k, byVec.k}, {byCode.kb, byVec.kb}} {
							require.InDelta(t, pair[1], pair[0], 1e-4*(1+math.Abs(float64(pair[1]))))
						}
						if qbits == 4 {
							continue
						}
						for r := 0; r < n; r += 9 {
							row := slab[r*size : (r+1)*size]
							a, la := byCode.DistanceBound(row)
							b, lb := byVec.DistanceBound(row)
							tol := 1e-3 * (1 + math.Abs(float64(b)))
							require.InDelta(t, b, a, tol, "%v bits %d qbits %d fht %v pivot %d row %d", m, bits, qbits, fht, p, r)
							require.InDelta(t, lb, la, tol+1e-3*math.Abs(float64(lb)), "bound")
						}
					}
				}
			}
		}
	}
	q := trainedRaBitQ(t, dim, metric.L2, rqOpts(4, 32, 16, true), data)
	slab := encodeAll(q, data)
	c := q.NewComputer().(*rabitqComputer)
	c.SetQuery(data[:dim])
	before := c.Distance(slab[q.CodeSize() : 2*q.CodeSize()])
	require.False(t, c.SetQueryCode(slab[:q.CodeSize()]), "PCA codes are decoded")
	require.Equal(t, before, c.Distance(slab[q.CodeSize():2*q.CodeSize()]))
}
