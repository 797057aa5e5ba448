//go:build !purego

package simd

import "unsafe"

// lvq4qBatch runs lvq4qL2VNNI / lvq4qIPVNNI (AVX-512 VNNI) when the active
// level has them, else the pure-Go reference. Arguments are checked.
func lvq4qBatch(q *LVQ4Query, l2 bool, slab []byte, stride int, ids []uint32, out []float32) {
	if !k.lvq4q {
		lvq4qGeneric(q, l2, slab, stride, ids, out)
		return
	}
	nb := LVQCodeBytes(q.n, 4)
	ps, pi, po := unsafe.SliceData(slab), unsafe.SliceData(ids), unsafe.SliceData(out)
	if l2 {
		lvq4qL2VNNI(unsafe.SliceData(q.s), nb, &q.k[0], ps, stride, pi, po, len(ids), 4+nb)
		return
	}
	lvq4qIPVNNI(unsafe.SliceData(q.s), nb, &q.k[0], ps, stride, pi, po, len(ids), 4+nb)
}

// floatRangeSum returns the smallest value, the largest and the sum of v (len(v) >= 1):
// rangeSumF32AVX512 where the byte-query kernels run (AVX-512), else the pure-Go loop.
func floatRangeSum(v []float32) (lo, hi, sum float32) {
	if k.lvq4q {
		return rangeSumF32AVX512(unsafe.SliceData(v), len(v))
	}
	return floatRangeSumGeneric(v)
}
