package core

import (
	"math"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
)

// leanVecTransformSetter is implemented by engines with a leanvec quantizer (hgraph,
// brute_force): they hand an explicit transform to it before training.
type leanVecTransformSetter interface {
	SetLeanVecTransform(t *quant.Transform) error
}

// SetLeanVecMatrices makes the leanvec quantizer of the index use explicit LeanVec matrices
// instead of learning them, as SVS's LeanVecLoader does with data_matrix and query_matrix.
//
// dataMatrix and queryMatrix are reducedDim×Dim() matrices, row-major: row r holds the Dim()
// weights of reduced coordinate r (SVS's D×d matrices transposed), so a data vector x maps to
// dataMatrix·(x - mean) and a query q to queryMatrix·q (centred too where the leanvec distance
// needs it, see quant.LeanVec); reducedDim must equal the index's leanvec_dims. For cosine
// indexes the matrices apply to the normalised vectors. queryMatrix nil (or equal to dataMatrix) means one matrix for
// both, LeanVec-ID; different matrices are LeanVec-OOD and need leanvec_training "ood". mean
// holds Dim() values subtracted from data vectors before projection; nil means no centring
// (a zero mean, as LeanVec-OOD uses). The values are copied.
//
// It must be called on an empty, untrained index; the next Train, TrainWithQueries, Build or
// first Add then trains the rest of the quantizer (the primary and secondary encodings) with
// these matrices, and serialization keeps them. Errors: INVALID_ARGUMENT for a shape that does
// not fit or a NaN or infinite value, UNSUPPORTED_INDEX_OPERATION when the index has no
// leanvec quantizer, WRONG_STATUS when it is immutable, trained or holds vectors.
func (x *Index) SetLeanVecMatrices(dataMatrix, queryMatrix []float32, mean []float32, reducedDim int) error {
	if err := x.checkMutable("set leanvec matrices"); err != nil {
		return err
	}
	dim := x.create.Dim
	if reducedDim < 1 || reducedDim > dim {
		return api.Errorf(api.InvalidArgument, "set leanvec matrices: reduced_dim %d must be in [1, %d]", reducedDim, dim)
	}
	size := reducedDim * dim
	if len(dataMatrix) != size {
		return api.Errorf(api.InvalidArgument, "set leanvec matrices: data matrix holds %d values, need reduced_dim*dim = %d*%d = %d", len(dataMatrix), reducedDim, dim, size)
	}
	if queryMatrix != nil && len(queryMatrix) != size {
		return api.Errorf(api.InvalidArgument, "set leanvec matrices: query matrix holds %d values, need reduced_dim*dim = %d*%d = %d", len(queryMatrix), reducedDim, dim, size)
	}
	if mean != nil && len(mean) != dim {
		return api.Errorf(api.InvalidArgument, "set leanvec matrices: mean holds %d values, need dim = %d", len(mean), dim)
	}
	for _, a := range []struct {
		name string
		v    []float32
	}{{"data matrix", dataMatrix}, {"query matrix", queryMatrix}, {"mean", mean}} {
		for i, v := range a.v {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				if a.name == "mean" {
					return api.Errorf(api.InvalidArgument, "set leanvec matrices: mean has a NaN or infinite value at dimension %d", i)
				}
				return api.Errorf(api.InvalidArgument, "set leanvec matrices: %s has a NaN or infinite value at row %d, column %d", a.name, i/dim, i%dim)
			}
		}
	}
	setter, ok := x.eng().(leanVecTransformSetter)
	if !ok {
		return api.Errorf(api.UnsupportedIndexOperation, "set leanvec matrices: %s has no leanvec quantizer", x.name)
	}
	t := &quant.Transform{In: dim, Out: reducedDim, Mean: mean, Data: dataMatrix, Query: dataMatrix}
	if t.Mean == nil {
		t.Mean = make([]float32, dim)
	}
	if queryMatrix != nil && !equalFloats(queryMatrix, dataMatrix) {
		t.Query = queryMatrix
	}
	defer x.writing()()
	return setter.SetLeanVecTransform(t)
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
