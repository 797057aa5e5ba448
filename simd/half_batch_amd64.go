//go:build !purego

package simd

import "unsafe"

// halfBatch receives checked arguments (len(ids) >= 1, rows inside codes, len(out) ==
// len(ids)).
func halfBatch(ip bool, q []float32, codes []uint16, stride int, ids []uint32, out []float32) {
	if k.fam != famAVX512 {
		halfBatchRows(ip, q, codes, stride, ids, out)
		return
	}
	pq, pc, pi, po := unsafe.SliceData(q), unsafe.SliceData(codes), unsafe.SliceData(ids), unsafe.SliceData(out)
	if ip {
		ipF16BatchAVX512(pq, len(q), pc, 2*stride, pi, po, len(ids))
		return
	}
	l2F16BatchAVX512(pq, len(q), pc, 2*stride, pi, po, len(ids))
}
