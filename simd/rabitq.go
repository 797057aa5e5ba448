package simd

// Bit-mask kernels for RaBitQ codes.
//
// A bit code of n dimensions is a little-endian bit string: dimension i is bit i%8 of byte i/8.
// MaskedSum adds the float32 query coordinates whose bit is set, which is the inner product of
// the query with a {0,1} code; a B-bit code stored as B such planes gives its inner product
// as the sum over planes of 2^plane times the plane's masked sum.
//
// PopcountPlanes4 serves 4-bit queries held as four bit planes: it weighs the popcounts of a
// code plane ANDed with each query plane by 1, 2, 4, 8, which is the inner product of the
// {0,1} code with the 4-bit query levels.
//
// Implementations (rabitq_amd64.s, hand-written): MaskedSum in AVX-512 F (one 16-bit mask
// register per 16 dimensions, masked adds) and AVX2 (each code byte widened to an 8-lane mask)
// for whole blocks of 16 or 8 dimensions, with the short tail in the pure-Go reference;
// PopcountPlanes4 in AVX-512 VPOPCNTDQ (eight words per step, masked tail) where the CPU has it
// at the avx512 level; the pure-Go references (rabitq_generic.go) otherwise. The level follows
// Level() and SetLevel.

// MaskedSum returns the sum of q[i] over the i < len(q) whose bit is set in bits (bit i%8 of
// bits[i/8]). It panics if len(bits) < (len(q)+7)/8.
func MaskedSum(q []float32, bits []byte) float32 {
	return maskedSum(q, head(bits, (len(q)+7)/8))
}

// MaskedSumRows sets out[i] = MaskedSum(q, slab[ids[i]*stride+off:]) for every i < len(ids):
// the masked sums of one bit plane of many code rows. The next row is prefetched. It panics if
// a row's plane lies outside slab or len(out) < len(ids).
func MaskedSumRows(q []float32, slab []byte, stride, off int, ids []uint32, out []float32) {
	nb := (len(q) + 7) / 8
	if stride < 0 || off < 0 {
		panic("simd: negative stride or offset")
	}
	out = head(out, len(ids))
	if len(ids) == 0 {
		return
	}
	var mx uint32
	for _, id := range ids {
		mx = max(mx, id)
	}
	if off+nb > len(slab) || (stride > 0 && int(mx) > (len(slab)-off-nb)/stride) {
		panic("simd: row id out of range of slab")
	}
	for i, id := range ids {
		if i+1 < len(ids) {
			prefetchByte(slab, int(ids[i+1])*stride+off)
		}
		p := int(id)*stride + off
		out[i] = maskedSum(q, slab[p:p+nb])
	}
}

// PopcountPlanes4 returns, for a code plane a of w = len(a) words and the four planes of a
// 4-bit query q[0:w], q[w:2w], q[2w:3w], q[3w:4w] (level bit j in plane j), the weighted count
// sum_j 2^j·popcount(a & plane j) and popcount(a). It panics if len(q) < 4*len(a).
func PopcountPlanes4(a, q []uint64) (weighted, ones int) {
	return popcountPlanes4(a, head(q, 4*len(a)))
}
