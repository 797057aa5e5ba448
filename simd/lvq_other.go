//go:build purego || !amd64

package simd

// Without assembly every LVQ kernel is its pure-Go reference.

func lvqIPBatch(bits int, q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32) {
	lvqIPBatchGeneric(bits, q, qsum, slab, stride, ids, out)
}

func lvqL2Batch(bits int, q []float32, slab []byte, stride int, ids []uint32, out []float32) {
	lvqL2BatchGeneric(bits, q, slab, stride, ids, out)
}

func lvq2IPBatch(b1, b2 int, q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32) {
	lvq2IPBatchGeneric(b1, b2, q, qsum, slab, stride, ids, out)
}

func lvq2L2Batch(b1, b2 int, q []float32, slab []byte, stride int, ids []uint32, out []float32) {
	lvq2L2BatchGeneric(b1, b2, q, slab, stride, ids, out)
}

func lvqPackedBatch(q []int16, p *LVQ8PackedParams, slab []byte, stride int, ids []uint32, out []float32) {
	lvqPackedBatchGeneric(q, p, slab, stride, ids, out)
}
