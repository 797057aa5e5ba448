package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// orthonormal returns k random orthonormal vectors of dim dimensions as rows.
func orthonormal(r *rand.Rand, k, dim int) [][]float64 {
	out := make([][]float64, 0, k)
	for len(out) < k {
		v := make([]float64, dim)
		for j := range v {
			v[j] = r.NormFloat64()
		}
		for _, u := range out {
			var d float64
			for j := range v {
				d += v[j] * u[j]
			}
			for j := range v {
				v[j] -= d * u[j]
			}
		}
		var n float64
		for _, x := range v {
			n += x * x
		}
		n = math.Sqrt(n)
		for j := range v {
			v[j] /= n
		}
		out = append(out, v)
	}
	return out
}

// planted returns n vectors offset + sum_i z_i*sd_i*basis_i + noise: variance sd_i^2 along the
// planted directions and noise^2 in every direction.
func planted(r *rand.Rand, n int, basis [][]float64, sd []float64, offset []float64, noise float64) []float32 {
	dim := len(basis[0])
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		x := make([]float64, dim)
		copy(x, offset)
		for b, u := range basis {
			z := r.NormFloat64() * sd[b]
			for j := range x {
				x[j] += z * u[j]
			}
		}
		for j := range x {
			out[i*dim+j] = float32(x[j] + noise*r.NormFloat64())
		}
	}
	return out
}

func TestLeanVecOptions(t *testing.T) {
	q, err := New("leanvec", 33, metric.L2, DefaultOptions())
	require.NoError(t, err)
	lv := q.(*LeanVec)
	assert.Equal(t, 17, lv.ReducedDim())
	p, s, tr := lv.Kinds()
	assert.Equal(t, []string{"lvq8", "fp16", "pca"}, []string{p, s, tr})
	assert.Equal(t, 4+17, lv.PrimaryCodeSize())
	assert.Equal(t, 24+68, lv.CodeSize())

	o := DefaultOptions()
	o.Extra = map[string]any{"leanvec_dims": 8.0, "leanvec_primary": "lvq4", "leanvec_secondary": "lvq8", "leanvec_training": "ood", "pq_dim": 4.0}
	q, err = New("leanvec", 33, metric.L2, o)
	require.NoError(t, err)
	lv = q.(*LeanVec)
	assert.Equal(t, 8, lv.ReducedDim())
	p, s, tr = lv.Kinds()
	assert.Equal(t, []string{"lvq4", "lvq8", "ood"}, []string{p, s, tr})
	assert.Equal(t, 4+4+4, lv.PrimaryCodeSize(), "lvq4 code, then ||x||^2 for ood l2")

	o = DefaultOptions()
	o.LeanVecDims, o.LeanVecPrimary = 5, "fp32"
	o.Extra = map[string]any{"leanvec_dims": 9, "leanvec_primary": "fp16"}
	lv, err = NewLeanVec(33, metric.IP, o)
	require.NoError(t, err)
	assert.Equal(t, 5, lv.ReducedDim(), "typed fields win")
	p, _, _ = lv.Kinds()
	assert.Equal(t, "fp32", p)

	for key, v := range map[string]any{
		"leanvec_dims": 34.0, "leanvec_primary": "pq", "leanvec_secondary": "lvq4", "leanvec_training": "svd",
	} {
		o := DefaultOptions()
		o.Extra = map[string]any{key: v}
		_, err := New("leanvec", 33, metric.L2, o)
		require.Error(t, err, key)
		assert.Equal(t, api.InvalidArgument, api.CodeOf(err), key)
		assert.Contains(t, err.Error(), key)
	}
	for key, v := range map[string]any{"leanvec_dims": 2.5, "leanvec_primary": 3} {
		o := DefaultOptions()
		o.Extra = map[string]any{key: v}
		_, err := New("leanvec", 33, metric.L2, o)
		assert.Equal(t, api.InvalidArgument, api.CodeOf(err), key)
	}
	o = DefaultOptions()
	o.LeanVecDims = -1
	_, err = NewLeanVec(8, metric.L2, o)
	assert.Error(t, err)
}

// TestLearnPCAPlanted: the learned directions span the planted subspace and the mean is the
// offset.
func TestLearnPCAPlanted(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const dim, k, n = 40, 6, 3000
	basis := orthonormal(r, k, dim)
	offset := make([]float64, dim)
	for j := range offset {
		offset[j] = 3 + float64(j)/10
	}
	data := planted(r, n, basis, []float64{9, 8, 7, 6, 5, 4}, offset, 0.1)
	tr, err := LearnPCA(data, n, dim, k)
	require.NoError(t, err)
	require.True(t, tr.Same())
	for j := range offset {
		assert.InDelta(t, offset[j], tr.Mean[j], 0.5, "mean %d", j)
	}
	// sum of squared cosines between the planted and learned subspaces: k when they agree
	var capture float64
	for _, u := range basis {
		for c := 0; c < k; c++ {
			var d float64
			for j := range u {
				d += u[j] * float64(tr.Data[c*dim+j])
			}
			capture += d * d
		}
	}
	t.Logf("subspace capture %.4f of %d", capture, k)
	assert.Greater(t, capture, float64(k)-0.01)
	// rows are orthonormal
	for a := 0; a < k; a++ {
		for b := 0; b < k; b++ {
			var d float64
			for j := 0; j < dim; j++ {
				d += float64(tr.Data[a*dim+j]) * float64(tr.Data[b*dim+j])
			}
			want := 0.0
			if a == b {
				want = 1
			}
			assert.InDelta(t, want, d, 1e-4)
		}
	}
	_, err = LearnPCA(data, n, dim, dim+1)
	assert.Equal(t, api.InvalidArgument, api.CodeOf(err))
	_, err = LearnPCA(nil, 0, dim, 2)
	assert.Error(t, err)
}

// oodLoss evaluates ||X B A^T Q^T - X Q^T||_F^2 / (|X| |Q|) directly.
func oodLoss(x []float32, nx int, q []float32, nq, dim int, t *Transform) float64 {
	var sum float64
	y := make([]float32, t.Out)
	z := make([]float32, t.Out)
	scratch := make([]float32, dim)
	for i := 0; i < nx; i++ {
		xv := x[i*dim : (i+1)*dim]
		t.ProjectData(y, xv, scratch)
		for k := 0; k < nq; k++ {
			qv := q[k*dim : (k+1)*dim]
			t.ProjectQuery(z, qv, scratch, false)
			var exact, approx float64
			for j := range xv {
				exact += float64(xv[j]) * float64(qv[j])
			}
			for j := range y {
				approx += float64(y[j]) * float64(z[j])
			}
			// a centred pca transform adds <q, mean> back
			for j := range qv {
				approx += float64(qv[j]) * float64(t.Mean[j])
			}
			sum += (approx - exact) * (approx - exact)
		}
	}
	return sum / float64(nx*nq)
}

// TestLearnOOD: the loss decreases from the first step, stays below the loss of the PCA
// transform on queries unlike the data, and learning stops by the rule.
func TestLearnOOD(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const dim, d, n, nq = 24, 4, 2000, 400
	basis := orthonormal(r, 12, dim)
	// data: most variance along basis 0..3, some along 4..7; queries: along 4..7 and 8..11
	data := planted(r, n, basis[:8], []float64{10, 9, 8, 7, 2, 2, 2, 2}, make([]float64, dim), 0.3)
	queries := planted(r, nq, append(basis[4:8:8], basis[8:]...), []float64{5, 5, 5, 5, 3, 3, 3, 3}, make([]float64, dim), 0.3)
	tr, losses, err := LearnOOD(data, n, queries, nq, dim, d)
	require.NoError(t, err)
	require.NotEmpty(t, losses)
	require.LessOrEqual(t, len(losses), leanvecOODSteps)
	if len(losses) < leanvecOODSteps {
		last := len(losses) - 1
		require.Less(t, math.Abs(losses[last]-losses[last-1]), leanvecOODTol*math.Abs(losses[last-1]), "stopped by the tolerance")
	}
	best := losses[0]
	for _, l := range losses {
		best = min(best, l)
	}
	t.Logf("ood loss: first step %.4g, best %.4g after %d steps", losses[0], best, len(losses))
	assert.Less(t, best, losses[0])
	assert.False(t, tr.Same())

	ood := oodLoss(data[:200*dim], 200, queries[:100*dim], 100, dim, tr)
	pca, err := LearnPCA(data, n, dim, d)
	require.NoError(t, err)
	id := oodLoss(data[:200*dim], 200, queries[:100*dim], 100, dim, pca)
	t.Logf("inner-product error on the sample: ood %.4g, pca %.4g", ood, id)
	assert.Less(t, ood, id/2)

	_, _, err = LearnOOD(data, n, nil, 0, dim, d)
	assert.Equal(t, api.InvalidArgument, api.CodeOf(err))
}

// TestFrankWolfeVertex: the vertex is orthogonal-ish (all singular values 1) and minimises the
// linear function over a few random points of the ball.
func TestFrankWolfeVertex(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	g := mat.NewDense(7, 3, nil)
	for i := 0; i < 7; i++ {
		for j := 0; j < 3; j++ {
			g.Set(i, j, r.NormFloat64())
		}
	}
	var v mat.Dense
	require.NoError(t, fwVertex(&v, g))
	var svd mat.SVD
	require.True(t, svd.Factorize(&v, mat.SVDNone))
	for _, s := range svd.Values(nil) {
		assert.InDelta(t, 1, s, 1e-9)
	}
	val := mat.Sum(elemMul(g, &v))
	for k := 0; k < 20; k++ {
		p := mat.NewDense(7, 3, nil)
		for i := 0; i < 7; i++ {
			for j := 0; j < 3; j++ {
				p.Set(i, j, r.NormFloat64())
			}
		}
		var s mat.SVD
		s.Factorize(p, mat.SVDNone)
		p.Scale(1/s.Values(nil)[0], p)
		assert.LessOrEqual(t, val, mat.Sum(elemMul(g, p))+1e-12)
	}
}

func newTrainedLeanVec(t testing.TB, dim int, m metric.Kind, o Options, data []float32) *LeanVec {
	lv, err := NewLeanVec(dim, m, o)
	require.NoError(t, err)
	require.NoError(t, lv.Train(data, len(data)/dim))
	require.True(t, lv.Trained())
	return lv
}

// primaryReference computes the leanvec primary distance from decoded parts (with the query
// matrix the primary computer projects queries with).
func primaryReference(lv *LeanVec, m metric.Kind, q []float32, code []byte) float64 {
	tr := lv.tr
	if h := lv.queryMat().cols; h != nil {
		// queries are projected with the half copy of the query matrix (column-major)
		c := *tr
		c.Query = make([]float32, len(h))
		for j := 0; j < c.In; j++ {
			for r := 0; r < c.Out; r++ {
				c.Query[r*c.In+j] = lvqFromHalf(h[j*c.Out+r])
			}
		}
		tr = &c
	}
	y := make([]float32, lv.d)
	lv.prim.decode(y, code[:lv.pcode])
	z := make([]float32, lv.d)
	scratch := make([]float32, lv.dim)
	var qm, qq float64
	for j, x := range q {
		qm += float64(x) * float64(tr.Mean[j])
		qq += float64(x) * float64(x)
	}
	if lv.l2proj {
		tr.ProjectQuery(z, q, scratch, true)
		var dd, zz, full float64
		for j := range z {
			dd += math.Pow(float64(z[j])-float64(y[j]), 2)
			zz += float64(z[j]) * float64(z[j])
		}
		for j, x := range q {
			full += math.Pow(float64(x)-float64(tr.Mean[j]), 2)
		}
		return dd + max(0, full-zz)
	}
	tr.ProjectQuery(z, q, scratch, false)
	var zy float64
	for j := range z {
		zy += float64(z[j]) * float64(y[j])
	}
	if m.UsesInnerProduct() {
		return 1 - qm - zy
	}
	nx := float64(math.Float32frombits(binary.LittleEndian.Uint32(code[lvAlign4(lv.pcode):])))
	return qq + nx - 2*(qm+zy)
}

// TestLeanVecComputers checks, over every encoding pair, training and metric, the secondary
// computer against the metric on decoded vectors, the primary computer against its formula on
// decoded reduced vectors, the batch and row scans against single distances, and the Primary
// quantizer against the prefixes.
func TestLeanVecComputers(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const dim, k, n = 20, 5, 300
	basis := orthonormal(r, k, dim)
	offset := make([]float64, dim)
	for j := range offset {
		offset[j] = 1
	}
	data := planted(r, n+5, basis, []float64{3, 3, 2, 2, 1}, offset, 0.05)
	base, queries := data[:n*dim], data[n*dim:]
	for _, pk := range leanvecPrimaryKinds {
		for _, sk := range leanvecSecondaryKinds {
			for _, tk := range leanvecTrainings {
				for _, m := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
					t.Run(fmt.Sprintf("%s/%s/%s/%s", pk, sk, tk, m), func(t *testing.T) {
						b, qs := base, queries
						if m == metric.Cosine {
							b, qs = normalizedRows(base, dim), normalizedRows(queries, dim)
						}
						o := Options{LeanVecDims: k, LeanVecPrimary: pk, LeanVecSecondary: sk, LeanVecTraining: tk}
						lv := newTrainedLeanVec(t, dim, m, o, b)
						size := lv.CodeSize()
						require.Zero(t, size%4)
						slab := make([]byte, n*size)
						for i := 0; i < n; i++ {
							lv.Encode(slab[i*size:(i+1)*size], b[i*dim:(i+1)*dim])
						}
						prim := lv.Primary()
						ps := prim.CodeSize()
						require.Equal(t, lv.PrimaryCodeSize(), ps)
						pslab := make([]byte, n*ps)
						for i := 0; i < n; i++ {
							prim.Encode(pslab[i*ps:(i+1)*ps], b[i*dim:(i+1)*dim])
							require.Equal(t, slab[i*size:i*size+ps], pslab[i*ps:(i+1)*ps], "primary prefix")
						}
						full, pc, pv := lv.NewComputer(), lv.NewPrimaryComputer(), prim.NewComputer()
						dec := make([]float32, dim)
						ids := []uint32{0, uint32(n - 1), 17, 17}
						for qi := 0; qi < 5; qi++ {
							q := qs[qi*dim : (qi+1)*dim]
							full.SetQuery(q)
							pc.SetQuery(q)
							pv.SetQuery(q)
							rows, prows, vrows := make([]float32, n), make([]float32, n), make([]float32, n)
							full.DistanceRows(slab, rows)
							pc.DistanceRows(slab, prows)
							pv.DistanceRows(pslab, vrows)
							for i := 0; i < n; i++ {
								code := slab[i*size : (i+1)*size]
								lv.Decode(dec, code)
								want := metric.Reference(m, q, dec)
								if m == metric.Cosine {
									want = metric.Reference(metric.IP, q, dec)
								}
								got := full.Distance(code)
								require.InDelta(t, want, got, 1e-4*(1+math.Abs(float64(want))), "secondary row %d", i)
								require.Equal(t, got, rows[i])
								pw := primaryReference(lv, m, q, code)
								pg := pc.Distance(code)
								require.InDelta(t, pw, pg, 1e-4*(1+math.Abs(pw)), "primary row %d", i)
								require.Equal(t, pg, prows[i])
								require.Equal(t, pg, vrows[i], "Primary() computer")
							}
							out := make([]float32, len(ids))
							full.DistanceBatch(slab, ids, out)
							pout := make([]float32, len(ids))
							pc.DistanceBatch(slab, ids, pout)
							for i, id := range ids {
								require.Equal(t, rows[id], out[i])
								require.Equal(t, prows[id], pout[i])
							}
						}
					})
				}
			}
		}
	}
}

// TestLeanVecPrimaryApproximates: on data near a k-dimensional subspace the reduced distances
// are close to the true ones (ood, which does not centre, needs one more dimension for the
// mean).
func TestLeanVecPrimaryApproximates(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	const dim, k, n = 64, 8, 1000
	basis := orthonormal(r, k, dim)
	offset := make([]float64, dim)
	for j := range offset {
		offset[j] = 0.5
	}
	data := planted(r, n, basis, []float64{4, 4, 3, 3, 2, 2, 1, 1}, offset, 0.01)
	for _, m := range []metric.Kind{metric.L2, metric.IP} {
		for _, tk := range leanvecTrainings {
			d := k
			if tk == "ood" {
				d = k + 1
			}
			lv := newTrainedLeanVec(t, dim, m, Options{LeanVecDims: d, LeanVecPrimary: "fp32", LeanVecTraining: tk}, data)
			code := make([]byte, lv.CodeSize())
			pc := lv.NewPrimaryComputer()
			var worst, scale float64
			for i := 0; i < 50; i++ {
				q := data[i*dim : (i+1)*dim]
				pc.SetQuery(q)
				for j := 50; j < 100; j++ {
					x := data[j*dim : (j+1)*dim]
					lv.Encode(code, x)
					want := float64(metric.Reference(m, q, x))
					worst = max(worst, math.Abs(float64(pc.Distance(code))-want))
					scale += math.Abs(want) / 2500
				}
			}
			t.Logf("%s/%s: worst error of the primary distance %.3g of a mean distance %.3g", m, tk, worst, scale)
			assert.Less(t, worst, 0.01*scale, "%s/%s", m, tk)
		}
	}
}

func TestLeanVecSetTransform(t *testing.T) {
	const dim, d = 6, 2
	data := lvqData(50, dim, 4)
	lv, err := NewLeanVec(dim, metric.IP, Options{LeanVecDims: d})
	require.NoError(t, err)
	mean := make([]float32, dim)
	a := []float32{1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}
	b := []float32{0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0}
	err = lv.SetTransform(&Transform{In: dim, Out: d, Mean: mean, Data: a, Query: b})
	assert.Equal(t, api.InvalidArgument, api.CodeOf(err), "pca needs one matrix")
	assert.Error(t, lv.SetTransform(&Transform{In: dim, Out: 3, Mean: mean, Data: a, Query: a}))
	assert.Error(t, lv.SetTransform(&Transform{In: dim, Out: d, Mean: mean[:2], Data: a, Query: a}))
	require.NoError(t, lv.SetTransform(&Transform{In: dim, Out: d, Mean: mean, Data: a, Query: a}))
	require.NoError(t, lv.Train(data, 50))
	assert.Equal(t, a, lv.Transform().Data, "the given matrix is kept")
	assert.Equal(t, api.WrongStatus, api.CodeOf(lv.SetTransform(&Transform{In: dim, Out: d, Mean: mean, Data: a, Query: a})))

	ood, err := NewLeanVec(dim, metric.L2, Options{LeanVecDims: d, LeanVecTraining: "ood", LeanVecPrimary: "fp32"})
	require.NoError(t, err)
	require.NoError(t, ood.SetTransform(&Transform{In: dim, Out: d, Mean: mean, Data: a, Query: b}))
	require.NoError(t, ood.Train(data, 50))
	code := make([]byte, ood.CodeSize())
	x, q := data[:dim], data[dim:2*dim]
	ood.Encode(code, x)
	pc := ood.NewPrimaryComputer()
	pc.SetQuery(q)
	// ||q||^2 + ||x||^2 - 2 <(q2, q3), (x0, x1)>: the query matrix b picks q2, q3, the data
	// matrix a picks x0, x1
	var want float64
	for j := range x {
		want += float64(q[j])*float64(q[j]) + float64(x[j])*float64(x[j])
	}
	want -= 2 * (float64(q[2])*float64(x[0]) + float64(q[3])*float64(x[1]))
	assert.InDelta(t, want, pc.Distance(code), 1e-3*math.Abs(want))
}

func TestLeanVecSerialization(t *testing.T) {
	const dim = 16
	data := lvqData(200, dim, 6)
	for _, tk := range leanvecTrainings {
		for _, m := range []metric.Kind{metric.L2, metric.IP} {
			t.Run(tk+"/"+m.String(), func(t *testing.T) {
				o := Options{LeanVecDims: 5, LeanVecPrimary: "lvq4", LeanVecSecondary: "lvq8", LeanVecTraining: tk}
				lv := newTrainedLeanVec(t, dim, m, o, data)
				state, err := lv.MarshalBinary()
				require.NoError(t, err)
				again, err := NewLeanVec(dim, m, o)
				require.NoError(t, err)
				stale := again.NewComputer() // made before the state arrives
				empty, err := again.MarshalBinary()
				require.NoError(t, err)
				require.Empty(t, empty)
				require.NoError(t, again.UnmarshalBinary(state))
				c1, c2 := make([]byte, lv.CodeSize()), make([]byte, lv.CodeSize())
				q := data[dim : 2*dim]
				fresh := lv.NewComputer()
				fresh.SetQuery(q)
				stale.SetQuery(q)
				p1, p2 := lv.NewPrimaryComputer(), again.NewPrimaryComputer()
				p1.SetQuery(q)
				p2.SetQuery(q)
				for i := 0; i < 50; i++ {
					lv.Encode(c1, data[i*dim:(i+1)*dim])
					again.Encode(c2, data[i*dim:(i+1)*dim])
					require.Equal(t, c1, c2)
					require.Equal(t, fresh.Distance(c1), stale.Distance(c2))
					require.Equal(t, p1.Distance(c1), p2.Distance(c2))
				}
				// other configurations refuse the state
				for _, other := range []Options{
					{LeanVecDims: 4, LeanVecPrimary: "lvq4", LeanVecSecondary: "lvq8", LeanVecTraining: tk},
					{LeanVecDims: 5, LeanVecPrimary: "lvq8", LeanVecSecondary: "lvq8", LeanVecTraining: tk},
					{LeanVecDims: 5, LeanVecPrimary: "lvq4", LeanVecSecondary: "fp16", LeanVecTraining: tk},
				} {
					x, err := NewLeanVec(dim, m, other)
					require.NoError(t, err)
					assert.Equal(t, api.InvalidBinary, api.CodeOf(x.UnmarshalBinary(state)))
				}
				nan := append([]byte(nil), state...)
				binary.LittleEndian.PutUint32(nan[16+4*dim+8:], math.Float32bits(float32(math.Inf(1))))
				for what, bad := range map[string][]byte{
					"empty": nil, "short": state[:10], "truncated": state[:len(state)-1],
					"long": append(append([]byte(nil), state...), 1), "tag": append([]byte("LVN2"), state[4:]...), "inf": nan,
				} {
					x, _ := NewLeanVec(dim, m, o)
					err := x.UnmarshalBinary(bad)
					require.Error(t, err, what)
					assert.Equal(t, api.InvalidBinary, api.CodeOf(err), what)
					assert.False(t, x.Trained(), what)
				}
			})
		}
	}
}

// TestLeanVecHostile: untrained use, bad training input and non-finite vectors never panic.
func TestLeanVecHostile(t *testing.T) {
	const dim = 8
	lv, err := NewLeanVec(dim, metric.L2, Options{})
	require.NoError(t, err)
	code := make([]byte, lv.CodeSize())
	lv.Encode(code, make([]float32, dim))
	lv.Primary().Encode(code, make([]float32, dim))
	c := lv.NewPrimaryComputer()
	c.SetQuery(make([]float32, dim))
	_ = c.Distance(code)
	require.Error(t, lv.Train(nil, 0))
	require.Error(t, lv.Train(make([]float32, 7), 1))
	require.Error(t, lv.TrainWithQueries(make([]float32, 8), 1, nil, 2))
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	data := lvqData(40, dim, 1)
	data[3], data[dim+2] = nan, inf
	require.NoError(t, lv.Train(data, 40))
	for _, v := range [][]float32{
		{nan, nan, nan, nan, nan, nan, nan, nan},
		{inf, -inf, 1e30, -1e30, 0, 0, 0, 0},
	} {
		lv.Encode(code, v)
		c.SetQuery(v)
		_ = c.Distance(code)
	}
	_, err = lv.Primary().MarshalBinary()
	require.NoError(t, err)
	assert.Error(t, lv.Primary().UnmarshalBinary([]byte{1}))
}

// TestLeanVecConcurrent encodes and searches from several goroutines at once (run with -race).
func TestLeanVecConcurrent(t *testing.T) {
	const dim = 32
	data := lvqData(400, dim, 2)
	lv := newTrainedLeanVec(t, dim, metric.L2, Options{LeanVecDims: 8}, data)
	size := lv.CodeSize()
	slab := make([]byte, 400*size)
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < 400; i += 4 {
				lv.Encode(slab[i*size:(i+1)*size], data[i*dim:(i+1)*dim])
			}
		}(w)
	}
	wg.Wait()
	want := make([]float32, 400)
	c := lv.NewPrimaryComputer()
	c.SetQuery(data[:dim])
	c.DistanceRows(slab, want)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := lv.NewPrimaryComputer()
			c.SetQuery(data[:dim])
			got := make([]float32, 400)
			c.DistanceRows(slab, got)
			assert.Equal(t, want, got)
		}()
	}
	wg.Wait()
}

func FuzzLeanVecUnmarshal(f *testing.F) {
	data := lvqData(30, 6, 3)
	lv, _ := NewLeanVec(6, metric.IP, Options{LeanVecDims: 2, LeanVecTraining: "ood"})
	_ = lv.Train(data, 30)
	good, _ := lv.MarshalBinary()
	f.Add(good)
	f.Add([]byte(leanvecTag))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, _ := NewLeanVec(6, metric.IP, Options{LeanVecDims: 2, LeanVecTraining: "ood"})
		if x.UnmarshalBinary(b) == nil {
			code := make([]byte, x.CodeSize())
			x.Encode(code, data[:6])
			c := x.NewPrimaryComputer()
			c.SetQuery(data[6:12])
			_ = c.Distance(code)
		}
	})
}
