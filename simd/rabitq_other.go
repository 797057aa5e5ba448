//go:build purego || !amd64

package simd

// Without assembly MaskedSum and PopcountPlanes4 are their pure-Go references.

func maskedSum(q []float32, bits []byte) float32 { return maskedSumGeneric(q, bits) }

func popcountPlanes4(a, q []uint64) (int, int) { return popcountPlanes4Generic(a, q) }

func prefetchByte(slab []byte, off int) {}

func maskedSumPlanes(q []float32, bits []byte, plane, planes int) float32 {
	return maskedSumPlanesGeneric(q, bits, plane, planes)
}

func maskedSumPlanesRows(q []float32, slab []byte, stride, plane, planes, span int, ids []uint32, out []float32) {
	maskedSumPlanesRowsGeneric(q, slab, stride, plane, planes, span, ids, out)
}

func popcountPlanes4Rows(q []uint64, slab []byte, stride, plane, planes, span int, ids []uint32, weighted, ones []int64) {
	popcountPlanes4RowsGeneric(q, slab, stride, plane, planes, ids, weighted, ones)
}
