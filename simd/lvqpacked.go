package simd

import (
	"encoding/binary"
	"math"
)

// Packed LVQ-8 rows are the traversal form of one-level 8-bit LVQ rows, read
// with an integer query:
//
//	bytes 0-1  scale (IEEE half), as in the LVQ row
//	bytes 2-3  bias (IEEE half), as in the LVQ row
//	bytes 4-7  aux (float32), a per-row constant the caller chooses (a norm)
//	bytes 8-   the n codes, zero-padded to LVQ8PackedLen(n) bytes
//
// The query is quantized once to int16 (LVQ8PackedQuery), zero-padded the same
// way, and a row costs one integer dot product D = sum_j q_j*c_j, exact in
// int32 lanes, plus four scalar operations: the kernels store
//
//	Base + AuxW*aux + SW*scale*D + BW*bias
//
// with the per-query constants of LVQ8PackedParams. Inner products and L2
// distances to the decoded row (scale*c_j + bias) are both of that form.

// LVQ8PackedMaxDim is the largest n packed rows take: the int32 lanes of the
// dot product cannot overflow below it.
const LVQ8PackedMaxDim = 4096

// lvq8PackedQueryMax is the largest magnitude of a quantized query entry.
const lvq8PackedQueryMax = 32767

// LVQ8PackedLen returns n rounded up to a multiple of 32: the padded length of
// the codes and of the query.
func LVQ8PackedLen(n int) int { return (n + 31) &^ 31 }

// LVQ8PackedRowBytes returns the bytes of a packed row of n dimensions.
func LVQ8PackedRowBytes(n int) int { return 8 + LVQ8PackedLen(n) }

// LVQ8PackedParams are the per-query constants of the packed kernels.
type LVQ8PackedParams struct {
	Base, AuxW, SW, BW float32
}

// PackLVQ8 writes the packed form of the one-level 8-bit LVQ row src (header
// and n codes) with aux into dst (len(dst) >= LVQ8PackedRowBytes(n)).
func PackLVQ8(dst, src []byte, n int, aux float32) {
	m := LVQ8PackedLen(n)
	dst = dst[:8+m]
	copy(dst[:4], src[:4])
	binary.LittleEndian.PutUint32(dst[4:], math.Float32bits(aux))
	copy(dst[8:8+n], src[4:4+n])
	clear(dst[8+n:])
}

// LVQ8PackedQuery quantizes q into dst (len(dst) >= LVQ8PackedLen(len(q)); the
// padding is zeroed) and returns the step: dst[j] is q_j/step rounded to the
// nearest integer (ties to even), the largest finite |q_j| at 32767. A query
// without a non-zero finite entry gets step 0 and zero entries; non-finite
// entries are zeroed.
func LVQ8PackedQuery(dst []int16, q []float32) float32 {
	dst = dst[:LVQ8PackedLen(len(q))]
	// The magnitudes are compared as bits: for non-negative floats the order is the same, and
	// the infinities and NaNs lie above the largest finite value.
	const maxFinite = 0x7f7fffff
	var top uint32
	for _, x := range q {
		if a := math.Float32bits(x) &^ (1 << 31); a <= maxFinite && a > top {
			top = a
		}
	}
	clear(dst[len(q):])
	if top == 0 {
		clear(dst)
		return 0
	}
	const hi = lvq8PackedQueryMax
	t := math.Float32frombits(top)
	inv := hi / t
	// Adding 1.5*2^23 leaves round-to-nearest-even(v) in the low mantissa bits for |v| < 2^22.
	const magic = 12582912
	const magicBits = 0x4b400000
	for j, x := range q {
		if math.Float32bits(x)&^(1<<31) > maxFinite {
			dst[j] = 0
			continue
		}
		r := int32(math.Float32bits(x*inv+magic)) - magicBits
		dst[j] = int16(max(-hi, min(hi, r)))
	}
	return t / hi
}

// LVQ8PackedBatch sets out[i] to the packed kernel of row ids[i] of slab (row r
// at slab[r*stride:]) against q, for i < len(ids). len(q) is the padded
// length, a positive multiple of 32 up to LVQ8PackedMaxDim; the entries of q
// must lie in [-32767, 32767] (as LVQ8PackedQuery makes them). It panics if a
// row lies outside slab, len(out) < len(ids) or q is malformed.
func LVQ8PackedBatch(q []int16, p *LVQ8PackedParams, slab []byte, stride int, ids []uint32, out []float32) {
	checkLVQ8PackedQuery(q)
	checkBatchOut(8+len(q), len(slab), stride, ids, len(out))
	if len(ids) == 0 {
		return
	}
	lvqPackedBatch(q, p, slab, stride, ids, out[:len(ids)])
}

// LVQ8PackedRows sets out[i] to the packed kernel of row i of slab, i < len(out).
func LVQ8PackedRows(q []int16, p *LVQ8PackedParams, slab []byte, stride int, out []float32) {
	checkLVQ8PackedQuery(q)
	checkLVQRows(8+len(q), len(slab), stride, len(out))
	for lo := 0; lo < len(out); lo += len(rowIDs) {
		m := min(len(rowIDs), len(out)-lo)
		lvqPackedBatch(q, p, slab[lo*stride:], stride, rowIDs[:m], out[lo:lo+m])
	}
}

// LVQ8Packed returns the packed kernel of one row (the batch kernel's bits).
func LVQ8Packed(q []int16, p *LVQ8PackedParams, row []byte) float32 {
	checkLVQ8PackedQuery(q)
	row = head(row, 8+len(q))
	var out [1]float32
	lvqPackedBatch(q, p, row, 0, zeroID[:], out[:])
	return out[0]
}

func checkLVQ8PackedQuery(q []int16) {
	if len(q) == 0 || len(q)%32 != 0 || len(q) > LVQ8PackedMaxDim {
		panic("simd: packed LVQ-8 query length must be a positive multiple of 32 up to LVQ8PackedMaxDim")
	}
}

// lvqPackedOne is the pure-Go packed kernel of one row.
func lvqPackedOne(q []int16, p *LVQ8PackedParams, row []byte) float32 {
	codes := row[8 : 8+len(q)]
	var d int64
	for j, x := range q {
		d += int64(x) * int64(codes[j])
	}
	s, b := lvqHeader(row)
	aux := math.Float32frombits(binary.LittleEndian.Uint32(row[4:]))
	return p.Base + p.AuxW*aux + p.SW*(s*float32(d)) + p.BW*b
}

func lvqPackedBatchGeneric(q []int16, p *LVQ8PackedParams, slab []byte, stride int, ids []uint32, out []float32) {
	for i, id := range ids {
		out[i] = lvqPackedOne(q, p, slab[int(id)*stride:])
	}
}
