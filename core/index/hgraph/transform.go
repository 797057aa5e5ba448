package hgraph

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
)

// SetLeanVecTransform hands explicit LeanVec matrices to the leanvec quantizers of the index
// (the base one and, with use_reorder, a leanvec precise one), so that training uses t instead
// of learning a transform. It is allowed only on an empty index whose leanvec quantizers are
// untrained; without a leanvec quantizer it is UNSUPPORTED_INDEX_OPERATION. The dense primary
// store is filled from the base codes as vectors are added, so it is encoded with t from the
// first vector on; the quantizer state (and with it t) is what Save writes.
func (x *Index) SetLeanVecTransform(t *quant.Transform) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	var lvs []*quant.LeanVec
	for _, q := range []quant.Quantizer{x.base, x.precise} {
		if lv, ok := q.(*quant.LeanVec); ok {
			lvs = append(lvs, lv)
		}
	}
	if len(lvs) == 0 {
		return api.Errorf(api.UnsupportedIndexOperation, "hgraph: leanvec matrices need a leanvec quantizer (base_quantization_type or precise_quantization_type \"leanvec\"), the base is %q", x.base.Name())
	}
	if x.labels.Total() > 0 {
		return api.Errorf(api.WrongStatus, "hgraph: leanvec matrices are set before vectors are added, the index holds %d", x.labels.Total())
	}
	for _, lv := range lvs {
		if lv.Trained() {
			return api.Errorf(api.WrongStatus, "hgraph: leanvec matrices are set before training, the index is trained")
		}
	}
	for _, lv := range lvs {
		if err := lv.SetTransform(t); err != nil {
			return api.Wrap(api.InvalidArgument, err, "hgraph: set leanvec matrices")
		}
	}
	// computers cached by searches and builds read the quantizer state when made; start afresh
	x.resetPools()
	return nil
}
