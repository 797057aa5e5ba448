package simd

import (
	"math"
)

// L2Sqr returns the squared Euclidean distance between a and head(b, len(a)).
// It panics if len(b) < len(a).
func L2Sqr(a, b []float32) float32 { return k.l2(a, head(b, len(a))) }

// InnerProduct returns the dot product of a and head(b, len(a)).
// It panics if len(b) < len(a).
func InnerProduct(a, b []float32) float32 { return k.ip(a, head(b, len(a))) }

// L2SqrBatch sets out[i] = L2Sqr(q, row ids[i]) for every i < len(ids), where
// row r is slab[r*stride : r*stride+len(q)]. The next row is prefetched while
// the current one is computed. It panics if a row lies outside slab, if
// stride < 0 or if len(out) < len(ids).
func L2SqrBatch(q []float32, slab []float32, stride int, ids []uint32, out []float32) {
	checkBatch(len(q), len(slab), stride, ids)
	k.l2Batch(q, slab, stride, ids, head(out, len(ids)))
}

// InnerProductBatch is L2SqrBatch for the inner product.
func InnerProductBatch(q []float32, slab []float32, stride int, ids []uint32, out []float32) {
	checkBatch(len(q), len(slab), stride, ids)
	k.ipBatch(q, slab, stride, ids, head(out, len(ids)))
}

// L2SqrRows sets out[i] = L2Sqr(q, slab[i*stride:]) for i < len(out): a
// brute-force scan over contiguous rows. It panics if a row lies outside slab.
func L2SqrRows(q []float32, slab []float32, stride int, out []float32) {
	checkRows(len(q), len(slab), stride, len(out))
	k.l2Rows(q, slab, stride, out)
}

// InnerProductRows is L2SqrRows for the inner product.
func InnerProductRows(q []float32, slab []float32, stride int, out []float32) {
	checkRows(len(q), len(slab), stride, len(out))
	k.ipRows(q, slab, stride, out)
}

// head returns s[:n], panicking if len(s) < n (plain reslicing would
// silently reach into the capacity beyond len).
func head[T any](s []T, n int) []T {
	if len(s) < n {
		panic("simd: slice shorter than required length")
	}
	return s[:n]
}

// checkBatch panics unless every row id addresses len(q)=n elements inside slab.
func checkBatch(n, slabLen, stride int, ids []uint32) {
	if stride < 0 {
		panic("simd: negative stride")
	}
	if len(ids) == 0 {
		return
	}
	var mx uint32
	for _, id := range ids {
		mx = max(mx, id)
	}
	if n > slabLen || (stride > 0 && int(mx) > (slabLen-n)/stride) {
		panic("simd: row id out of range of slab")
	}
}

// checkBatchOut is checkBatch for kernels writing one result per id into out (outLen long).
func checkBatchOut(n, slabLen, stride int, ids []uint32, outLen int) {
	if stride >= 0 && outLen < len(ids) {
		panic("simd: slice shorter than required length")
	}
	checkBatch(n, slabLen, stride, ids)
}

func checkRows(n, slabLen, stride, rows int) {
	if stride < 0 {
		panic("simd: negative stride")
	}
	if rows == 0 {
		return
	}
	if n > slabLen || (stride > 0 && rows-1 > (slabLen-n)/stride) {
		panic("simd: rows out of range of slab")
	}
}

// F32ToF16 converts src to IEEE 754 half precision in head(dst, len(src)) with
// round-to-nearest-even (F16C where present). Overflow gives ±Inf; NaN stays
// NaN. It panics if len(dst) < len(src).
func F32ToF16(dst []uint16, src []float32) { k.f32ToF16(head(dst, len(src)), src) }

// F16ToF32 widens IEEE half values in src to head(dst, len(src)) (exact).
func F16ToF32(dst []float32, src []uint16) { k.f16ToF32(head(dst, len(src)), src) }

// F32ToBF16 converts src to bfloat16 in head(dst, len(src)) with
// round-to-nearest-even; subnormals are rounded, not flushed; NaN stays NaN.
func F32ToBF16(dst []uint16, src []float32) { k.f32ToBF16(head(dst, len(src)), src) }

// BF16ToF32 widens bfloat16 values in src to head(dst, len(src)) (exact).
func BF16ToF32(dst []float32, src []uint16) { k.bf16ToF32(head(dst, len(src)), src) }

// L2SqrF16 returns the squared L2 distance between the float32 query q and
// the fp16 code head(c, len(q)).
func L2SqrF16(q []float32, c []uint16) float32 { return k.l2F16(q, head(c, len(q))) }

// InnerProductF16 returns the dot product of q and the fp16 code head(c, len(q)).
func InnerProductF16(q []float32, c []uint16) float32 { return k.ipF16(q, head(c, len(q))) }

// L2SqrBF16 returns the squared L2 distance between q and the bf16 code head(c, len(q)).
func L2SqrBF16(q []float32, c []uint16) float32 { return k.l2BF16(q, head(c, len(q))) }

// InnerProductBF16 returns the dot product of q and the bf16 code head(c, len(q)).
func InnerProductBF16(q []float32, c []uint16) float32 { return k.ipBF16(q, head(c, len(q))) }

// L2SqrInt8 returns sum (a[i]-b[i])^2 over len(a) elements, in int32 with
// wrap-around (exact for len(a) < 33025).
func L2SqrInt8(a, b []int8) int32 { return k.l2Int8(a, head(b, len(a))) }

// InnerProductInt8 returns sum a[i]*b[i] over len(a) elements in int32.
func InnerProductInt8(a, b []int8) int32 { return k.ipInt8(a, head(b, len(a))) }

// SQ8L2Sqr returns the squared L2 distance between q and the SQ8 code, whose
// dimension j decodes to lo[j] + code[j]/255*diff[j]. code, lo and diff must
// hold at least len(q) entries.
func SQ8L2Sqr(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	return k.sq8L2(q, head(code, n), head(lo, n), head(diff, n))
}

// SQ8InnerProduct returns the dot product of q and the decoded SQ8 code.
func SQ8InnerProduct(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	return k.sq8IP(q, head(code, n), head(lo, n), head(diff, n))
}

// SQ8L2SqrScaled returns the squared L2 distance between q and the SQ8 code
// whose dimension j decodes to lo[j] + code[j]*scale[j] (scale = diff/255,
// computed once per quantizer). code, lo and scale must hold len(q) entries.
func SQ8L2SqrScaled(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	return k.sq8L2S(q, head(code, n), head(lo, n), head(scale, n))
}

// SQ8InnerProductScaled returns the dot product of q and the SQ8 code
// decoded as in SQ8L2SqrScaled.
func SQ8InnerProductScaled(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	return k.sq8IPS(q, head(code, n), head(lo, n), head(scale, n))
}

// SQ4L2SqrScaled is SQ4L2Sqr with dimension j decoding to
// lo[j] + code_j*scale[j] (scale = diff/15). code must hold (len(q)+1)/2 bytes.
func SQ4L2SqrScaled(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	return k.sq4L2S(q, head(code, (n+1)/2), head(lo, n), head(scale, n))
}

// SQ4InnerProductScaled is SQ4InnerProduct with the decoding of SQ4L2SqrScaled.
func SQ4InnerProductScaled(q []float32, code []uint8, lo, scale []float32) float32 {
	n := len(q)
	return k.sq4IPS(q, head(code, (n+1)/2), head(lo, n), head(scale, n))
}

// SQ4L2Sqr returns the squared L2 distance between q and the SQ4 code: two
// codes per byte, dimension j in byte j/2 (low nibble for even j), decoding
// to lo[j] + code_j/15*diff[j]. code must hold (len(q)+1)/2 bytes.
func SQ4L2Sqr(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	return k.sq4L2(q, head(code, (n+1)/2), head(lo, n), head(diff, n))
}

// SQ4InnerProduct returns the dot product of q and the decoded SQ4 code.
func SQ4InnerProduct(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	return k.sq4IP(q, head(code, (n+1)/2), head(lo, n), head(diff, n))
}

// DotU8 returns sum a[i]*b[i] over len(a) bytes, modulo 2^32 (VNNI VPDPBUSD
// where present).
func DotU8(a, b []uint8) uint32 { return k.dotU8(a, head(b, len(a))) }

// L2SqrU8 returns sum (a[i]-b[i])^2 over len(a) bytes, modulo 2^32.
func L2SqrU8(a, b []uint8) uint32 { return k.l2U8(a, head(b, len(a))) }

// DotU4 returns the dot product of dim packed 4-bit values (SQ4 layout: value
// j in byte j/2, low nibble for even j). For odd dim the high nibble of the
// last byte is ignored. a and b must hold (dim+1)/2 bytes.
func DotU4(a, b []uint8, dim int) uint32 {
	nb := (dim + 1) / 2
	return k.dotU4(head(a, nb), head(b, nb), dim)
}

// L2SqrU4 returns the squared L2 distance of dim packed 4-bit values.
func L2SqrU4(a, b []uint8, dim int) uint32 {
	nb := (dim + 1) / 2
	return k.l2U4(head(a, nb), head(b, nb), dim)
}

// Hamming returns the number of differing bits, popcount(a[i] xor b[i]),
// over len(a) words (VPOPCNTQ where present).
func Hamming(a, b []uint64) int { return k.hamming(a, head(b, len(a))) }

// PopcountAnd returns sum popcount(a[i] & b[i]) over len(a) words.
func PopcountAnd(a, b []uint64) int { return k.popcountAnd(a, head(b, len(a))) }

// LookupAccumulate32 computes PQ fast-scan distances for a block of 32
// vectors: codes[s*16+i] packs the 4-bit code of vector i (low nibble) and of
// vector i+16 (high nibble) for sub-quantizer s < m, lut[s*16+c] is the uint8
// contribution of centroid c, and out[i] becomes the uint16 sum (wrapping)
// over s of lut[s*16+code(s,i)]. codes and lut must hold 16*m bytes.
func LookupAccumulate32(codes []uint8, lut []uint8, m int, out *[32]uint16) {
	if m < 0 {
		panic("simd: negative m")
	}
	k.lookupAccumulate32(head(codes, 16*m), head(lut, 16*m), m, out)
}

// Normalize scales v in place to unit Euclidean length and returns its
// original norm. A zero vector is left unchanged (and 0 returned); a vector
// whose norm is NaN is left unchanged.
func Normalize(v []float32) float32 {
	s := k.ip(v, v)
	if s == 0 || s != s {
		return s
	}
	var norm float64
	if math.IsInf(float64(s), 0) {
		// float32 sum of squares overflowed; redo in float64.
		var s64 float64
		for _, x := range v {
			s64 += float64(x) * float64(x)
		}
		norm = math.Sqrt(s64)
	} else {
		norm = math.Sqrt(float64(s))
	}
	inv := float32(1 / norm)
	if inv == 0 || math.IsInf(float64(inv), 0) {
		for i := range v {
			v[i] = float32(float64(v[i]) / norm)
		}
	} else {
		for i := range v {
			v[i] *= inv
		}
	}
	return float32(norm)
}
