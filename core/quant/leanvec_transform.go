package quant

import (
	"math"
	"runtime"

	"gonum.org/v1/gonum/mat"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

// Transform is a learned linear map from In to Out dimensions with separate matrices for data
// and queries (LeanVec). A data vector x maps to Data·(x - Mean); a query q maps to
// Query·(q - Mean) for l2 with Data == Query, and to Query·q otherwise, so that
// <q, x> ≈ <q, Mean> + <Query·q, Data·(x - Mean)>.
//
// LeanVec-ID (LearnPCA) centres on the mean of all vectors and uses the top principal directions
// of a centred sample for both matrices; LeanVec-OOD (LearnOOD) learns the two matrices from
// sample queries without centring (Mean is zero).
type Transform struct {
	In, Out int
	// Mean holds In values (zero for LeanVec-OOD).
	Mean []float32
	// Data is the Out×In data matrix, row-major.
	Data []float32
	// Query is the Out×In query matrix, row-major. LearnPCA makes it the same slice as Data.
	Query []float32
}

// Same reports whether the data and query matrices are one matrix (LeanVec-ID).
func (t *Transform) Same() bool {
	return len(t.Data) == len(t.Query) && (len(t.Data) == 0 || &t.Data[0] == &t.Query[0])
}

// check validates the shapes and values of t.
func (t *Transform) check() error {
	if t.In <= 0 || t.Out <= 0 || t.Out > t.In {
		return api.Errorf(api.InvalidArgument, "leanvec: transform from %d to %d dimensions", t.In, t.Out)
	}
	if len(t.Mean) != t.In || len(t.Data) != t.In*t.Out || len(t.Query) != t.In*t.Out {
		return api.Errorf(api.InvalidArgument, "leanvec: transform %d->%d needs a mean of %d and matrices of %d values, got %d, %d, %d",
			t.In, t.Out, t.In, t.In*t.Out, len(t.Mean), len(t.Data), len(t.Query))
	}
	for _, a := range [][]float32{t.Mean, t.Data, t.Query} {
		for _, v := range a {
			if !lvqFinite(v) {
				return api.Errorf(api.InvalidArgument, "leanvec: transform holds a non-finite value")
			}
		}
	}
	return nil
}

// project sets dst[r] = <m row r, x - centre> (centre nil: no shift); scratch holds In values.
func (t *Transform) project(dst []float32, m, x, centre, scratch []float32) {
	if centre != nil {
		for j, v := range x[:t.In] {
			scratch[j] = v - centre[j]
		}
		x = scratch[:t.In]
	}
	// the grouped kernel measures several rows per pass, each summed as InnerProduct would
	simd.InnerProductRows(x[:t.In], m[:t.Out*t.In], t.In, dst[:t.Out])
}

// ProjectData writes the reduced data vector Data·(x - Mean) into dst (len Out); scratch holds
// In values.
func (t *Transform) ProjectData(dst, x, scratch []float32) {
	t.project(dst, t.Data, x, t.Mean, scratch)
}

// ProjectQuery writes Query·(q - Mean) (centre) or Query·q into dst.
func (t *Transform) ProjectQuery(dst, q, scratch []float32, centre bool) {
	if centre {
		t.project(dst, t.Query, q, t.Mean, scratch)
		return
	}
	t.project(dst, t.Query, q, nil, scratch)
}

// leanvecSampleRows caps the rows the transforms learn from: the first rows of the training set
// (the first up to 100 000, so the sample is deterministic; non-finite rows are skipped).
const leanvecSampleRows = 100000

// finiteRows returns the indexes of the first up to limit rows whose values are all finite.
func finiteRows(vectors []float32, n, dim, limit int) []int {
	out := make([]int, 0, min(n, limit))
	for i := 0; i < n && len(out) < limit; i++ {
		ok := true
		for _, v := range vectors[i*dim : (i+1)*dim] {
			if !lvqFinite(v) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// gram returns the dim×dim matrix sum over rows of (x - centre)(x - centre)^T, in float64 and
// scaled by 1/len(rows) (centre nil: no shift). The products run on the float32 dot-product
// kernel over blocks of rows held by column, accumulated in float64 between blocks and spread
// over the cores.
func gram(vectors []float32, dim int, rows []int, centre []float32) (*mat.SymDense, error) {
	const blk = 256
	out := make([]float64, dim*dim)
	cols := make([]float32, dim*blk)
	workers := max(1, min(runtime.GOMAXPROCS(0), dim))
	for lo := 0; lo < len(rows); lo += blk {
		m := min(blk, len(rows)-lo)
		for r := 0; r < m; r++ {
			x := vectors[rows[lo+r]*dim : (rows[lo+r]+1)*dim]
			for a, v := range x {
				if centre != nil {
					v -= centre[a]
				}
				cols[a*blk+r] = v
			}
		}
		err := parallel.Run(workers, func(w int) error {
			for a := w; a < dim; a += workers {
				ca := cols[a*blk : a*blk+m]
				row := out[a*dim : (a+1)*dim]
				for b := a; b < dim; b++ {
					row[b] += float64(simd.InnerProduct(ca, cols[b*blk:b*blk+m]))
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	scale := 1 / float64(max(1, len(rows)))
	for a := 0; a < dim; a++ {
		for b := a; b < dim; b++ {
			v := out[a*dim+b] * scale
			out[a*dim+b], out[b*dim+a] = v, v
		}
	}
	return mat.NewSymDense(dim, out), nil
}

// topEigenvectors returns the eigenvectors of the d largest eigenvalues of s as the columns of
// a dim×d matrix.
func topEigenvectors(s *mat.SymDense, d int) (*mat.Dense, error) {
	var es mat.EigenSym
	if !es.Factorize(s, true) {
		return nil, api.Errorf(api.InternalError, "leanvec: eigendecomposition did not converge")
	}
	var vecs mat.Dense
	es.VectorsTo(&vecs)
	n, _ := vecs.Dims()
	out := mat.NewDense(n, d, nil)
	for c := 0; c < d; c++ { // eigenvalues ascend
		for r := 0; r < n; r++ {
			out.Set(r, c, vecs.At(r, n-1-c))
		}
	}
	return out, nil
}

// rowsOf returns the transpose of the dim×d matrix m as a d×dim row-major float32 slice.
func rowsOf(m mat.Matrix) []float32 {
	dim, d := m.Dims()
	out := make([]float32, d*dim)
	for c := 0; c < d; c++ {
		for r := 0; r < dim; r++ {
			out[c*dim+r] = float32(m.At(r, c))
		}
	}
	return out
}

// LearnPCA learns LeanVec-ID: the mean of all n vectors (finite values) and the top d principal
// directions of the first up to 100 000 finite rows, centred; data matrix = query matrix.
func LearnPCA(vectors []float32, n, dim, d int) (*Transform, error) {
	if err := checkLearn(vectors, n, dim, d); err != nil {
		return nil, err
	}
	mean := lvqMean(vectors, n, dim)
	rows := finiteRows(vectors, n, dim, leanvecSampleRows)
	if len(rows) == 0 {
		return nil, api.Errorf(api.InvalidArgument, "leanvec: no finite training vector")
	}
	g, err := gram(vectors, dim, rows, mean)
	if err != nil {
		return nil, err
	}
	m, err := topEigenvectors(g, d)
	if err != nil {
		return nil, err
	}
	data := rowsOf(m)
	return &Transform{In: dim, Out: d, Mean: mean, Data: data, Query: data}, nil
}

func checkLearn(vectors []float32, n, dim, d int) error {
	if n <= 0 || len(vectors) < n*dim {
		return api.Errorf(api.InvalidArgument, "leanvec: training needs vectors: %d values for %d vectors of dim %d", len(vectors), n, dim)
	}
	if d <= 0 || d > dim {
		return api.Errorf(api.InvalidArgument, "leanvec: leanvec_dims %d must be in [1, %d]", d, dim)
	}
	return nil
}

// OOD learning limits: at most 500 Frank-Wolfe steps, stopping when the loss changes by less
// than 1e-3 of itself.
const (
	leanvecOODSteps = 500
	leanvecOODTol   = 1e-3
)

// LearnOOD learns LeanVec-OOD matrices from the first up to 100 000 finite data rows X and
// the finite rows of the sample queries Q: block-coordinate Frank-Wolfe over the spectral-norm
// ball ||M||_2 <= 1 of each matrix on the loss ||X B A^T Q^T - X Q^T||_F^2 (B the In×Out data
// matrix, A the query matrix), with X^T X and Q^T Q computed once, step 1/(t+1), at most 500
// steps, stopping at a relative change of 1e-3. Both matrices start at the top principal
// directions of X^T X; the iterate with the lowest loss is returned with the loss after each
// step (scaled by 1/(|X| |Q|)). There is no centring: Mean is zero.
func LearnOOD(vectors []float32, n int, queries []float32, nq, dim, d int) (*Transform, []float64, error) {
	if err := checkLearn(vectors, n, dim, d); err != nil {
		return nil, nil, err
	}
	if nq <= 0 || len(queries) < nq*dim {
		return nil, nil, api.Errorf(api.InvalidArgument, "leanvec: ood training needs queries: %d values for %d queries of dim %d", len(queries), nq, dim)
	}
	xr := finiteRows(vectors, n, dim, leanvecSampleRows)
	qr := finiteRows(queries, nq, dim, leanvecSampleRows)
	if len(xr) == 0 || len(qr) == 0 {
		return nil, nil, api.Errorf(api.InvalidArgument, "leanvec: no finite training vector or query")
	}
	xtx, err := gram(vectors, dim, xr, nil)
	if err != nil {
		return nil, nil, err
	}
	qtq, err := gram(queries, dim, qr, nil)
	if err != nil {
		return nil, nil, err
	}
	a0, err := topEigenvectors(xtx, d)
	if err != nil {
		return nil, nil, err
	}
	a, b, losses, err := frankWolfe(xtx, qtq, a0, leanvecOODSteps, leanvecOODTol)
	if err != nil {
		return nil, nil, err
	}
	return &Transform{In: dim, Out: d, Mean: make([]float32, dim), Data: rowsOf(b), Query: rowsOf(a)}, losses, nil
}

// frankWolfe minimises ||X B A^T Q^T - X Q^T||_F^2 given xtx = X^T X and qtq = Q^T Q, from
// A = B = init, and returns the best (A, B) with the loss after each step.
func frankWolfe(xtx, qtq *mat.SymDense, init *mat.Dense, steps int, tol float64) (a, b *mat.Dense, losses []float64, err error) {
	dim, _ := init.Dims()
	a, b = mat.DenseCopyOf(init), mat.DenseCopyOf(init)
	var qa, xb, atqa, btxb, g, t1, v mat.Dense
	qa.Mul(qtq, a)
	xb.Mul(xtx, b)
	atqa.Mul(a.T(), &qa)
	btxb.Mul(b.T(), &xb)
	var c3 float64 // tr(Q^T Q X^T X)
	for i := 0; i < dim; i++ {
		for j := 0; j < dim; j++ {
			c3 += qtq.At(i, j) * xtx.At(i, j)
		}
	}
	loss := func() float64 {
		// tr(A^T QtQ A B^T XtX B) - 2 tr(A^T QtQ XtX B) + tr(QtQ XtX)
		return mat.Sum(elemMul(&atqa, &btxb)) - 2*mat.Sum(elemMul(&qa, &xb)) + c3
	}
	bestA, bestB := mat.DenseCopyOf(a), mat.DenseCopyOf(b)
	best := loss()
	for t := 0; t < steps; t++ {
		gamma := 1 / float64(t+1)
		// A step: gradient / 2 = QtQ A (B^T XtX B) - QtQ XtX B
		g.Mul(&qa, &btxb)
		t1.Mul(qtq, &xb)
		g.Sub(&g, &t1)
		if err := fwVertex(&v, &g); err != nil {
			return nil, nil, nil, err
		}
		a.Scale(1-gamma, a)
		v.Scale(gamma, &v)
		a.Add(a, &v)
		qa.Mul(qtq, a)
		atqa.Mul(a.T(), &qa)
		// B step: gradient / 2 = XtX B (A^T QtQ A) - XtX QtQ A
		g.Mul(&xb, &atqa)
		t1.Mul(xtx, &qa)
		g.Sub(&g, &t1)
		if err := fwVertex(&v, &g); err != nil {
			return nil, nil, nil, err
		}
		b.Scale(1-gamma, b)
		v.Scale(gamma, &v)
		b.Add(b, &v)
		xb.Mul(xtx, b)
		btxb.Mul(b.T(), &xb)
		l := loss()
		losses = append(losses, l)
		if l < best {
			best = l
			bestA.Copy(a)
			bestB.Copy(b)
		}
		if t > 0 && math.Abs(l-losses[t-1]) < tol*math.Abs(losses[t-1]) {
			break
		}
	}
	return bestA, bestB, losses, nil
}

// fwVertex sets v to the minimiser of <g, S> over the spectral-norm unit ball: -U V^T for the
// thin SVD g = U S V^T.
func fwVertex(v *mat.Dense, g *mat.Dense) error {
	var svd mat.SVD
	if !svd.Factorize(g, mat.SVDThin) {
		return api.Errorf(api.InternalError, "leanvec: SVD did not converge")
	}
	var u, w mat.Dense
	svd.UTo(&u)
	svd.VTo(&w)
	v.Reset()
	v.Mul(&u, w.T())
	v.Scale(-1, v)
	return nil
}

func elemMul(x, y *mat.Dense) *mat.Dense {
	var out mat.Dense
	out.MulElem(x, y)
	return &out
}
