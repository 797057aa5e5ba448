package bruteforce

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
)

// SetLeanVecTransform hands explicit LeanVec matrices to the leanvec quantizer, so that
// training uses t instead of learning a transform. It is allowed only on an empty index whose
// quantizer is untrained; with another base_quantization_type it is
// UNSUPPORTED_INDEX_OPERATION. The transform is part of the quantizer state that Save writes.
func (x *Index) SetLeanVecTransform(t *quant.Transform) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	lv, ok := x.q.(*quant.LeanVec)
	if !ok {
		return api.Errorf(api.UnsupportedIndexOperation, "brute_force: leanvec matrices need base_quantization_type \"leanvec\", the index uses %q", x.q.Name())
	}
	if x.labels.Total() > 0 {
		return api.Errorf(api.WrongStatus, "brute_force: leanvec matrices are set before vectors are added, the index holds %d", x.labels.Total())
	}
	if lv.Trained() {
		return api.Errorf(api.WrongStatus, "brute_force: leanvec matrices are set before training, the index is trained")
	}
	if err := lv.SetTransform(t); err != nil {
		return api.Wrap(api.InvalidArgument, err, "brute_force: set leanvec matrices")
	}
	return nil
}
