//go:build purego || !amd64

package simd

func lvq4qBatch(q *LVQ4Query, l2 bool, slab []byte, stride int, ids []uint32, out []float32) {
	lvq4qGeneric(q, l2, slab, stride, ids, out)
}

func floatRangeSum(v []float32) (lo, hi, sum float32) { return floatRangeSumGeneric(v) }
