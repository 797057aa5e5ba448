package simd

// LVQ (locally-adaptive vector quantization) kernels.
//
// An LVQ row holds one vector, already shifted by the dataset mean:
//
//	bytes 0-1   scale, IEEE half, little-endian
//	bytes 2-3   bias, IEEE half, little-endian
//	bytes 4-    primary codes: LVQCodeBytes(n, b1) bytes
//	then        residual codes of a two-level row: LVQCodeBytes(n, b2) bytes
//
// Codes are unsigned. In a one-level row dimension j decodes to
// bias + scale*c_j. In a two-level row the residual level has step
// scale/(2^b2-1) and offset -scale/2, so dimension j decodes to
// (bias - scale/2) + scale*c1_j + scale/(2^b2-1)*c2_j: a one-level code with
// a finer step.
//
// 8-bit codes are one byte per dimension. 4-bit codes use a blocked layout so
// that one 16-byte load widened to 16 lanes yields, after a mask, 16
// dimensions and, after a shift, 16 more: dimensions go in blocks of 32,
// block k starting at byte 16k, and byte i of a full block holds dimension
// 32k+i in its low nibble and 32k+16+i in its high nibble. A final block of
// r < 32 dimensions takes h = (r+1)/2 bytes: byte i holds dimension 32k+i low
// and 32k+h+i high (zero when absent).
//
// The kernels take the query in float32 and never decode rows to memory.
// Batch kernels prefetch rows eight ahead (header and the codes they read) while
// computing the current one. Implementations (kernels_*_amd64.s, generated
// by simd/internal/asmgen/lvq.go): AVX-512 F kernels for every length
// (masked tails) and AVX2+FMA+F16C kernels for whole blocks, the tail in the
// pure-Go reference, for one level and for two; the pure-Go references in
// lvq_generic.go otherwise. They follow Level() and SetLevel like every
// other kernel.

// LVQCodeBytes returns the bytes of the codes of n dimensions at bits bits
// (8 or 4) per dimension.
func LVQCodeBytes(n, bits int) int {
	if bits == 4 {
		return (n + 1) / 2
	}
	return n
}

// LVQPack4 packs the 4-bit codes (low nibbles of codes; len(codes) is the
// dimension) into dst in the blocked layout. It panics if
// len(dst) < LVQCodeBytes(len(codes), 4).
func LVQPack4(dst []byte, codes []uint8) {
	n := len(codes)
	dst = head(dst, LVQCodeBytes(n, 4))
	for blk := 0; blk < n; blk += 32 {
		r := min(32, n-blk)
		h := (r + 1) / 2
		for i := 0; i < h; i++ {
			v := codes[blk+i] & 15
			if h+i < r {
				v |= codes[blk+h+i] << 4
			}
			dst[blk/2+i] = v
		}
	}
}

// LVQUnpack4 unpacks len(dst) 4-bit codes in the blocked layout from src.
// It panics if len(src) < LVQCodeBytes(len(dst), 4).
func LVQUnpack4(dst []uint8, src []byte) {
	n := len(dst)
	src = head(src, LVQCodeBytes(n, 4))
	for j := range dst {
		dst[j] = lvqNibble(src, n, j)
	}
}

func checkBits(bits int) {
	if bits != 4 && bits != 8 {
		panic("simd: LVQ code width must be 4 or 8 bits")
	}
}

// LVQInnerProduct returns <q, x>, x the decoding of the one-level row of
// len(q) dimensions with bits-bit codes (without the dataset mean); qsum must
// be the sum of q. It panics if row is shorter than 4+LVQCodeBytes(len(q), bits).
func LVQInnerProduct(q []float32, qsum float32, row []byte, bits int) float32 {
	checkBits(bits)
	row = head(row, 4+LVQCodeBytes(len(q), bits))
	var out [1]float32
	lvqIPBatch(bits, q, qsum, row, 0, zeroID[:], out[:])
	return out[0]
}

// LVQL2Sqr returns the squared L2 distance between q and the decoding of the
// one-level row.
func LVQL2Sqr(q []float32, row []byte, bits int) float32 {
	checkBits(bits)
	row = head(row, 4+LVQCodeBytes(len(q), bits))
	var out [1]float32
	lvqL2Batch(bits, q, row, 0, zeroID[:], out[:])
	return out[0]
}

// LVQInnerProductBatch sets out[i] = LVQInnerProduct(q, qsum, row ids[i]) for
// i < len(ids), where row r starts at slab[r*stride]. Only the header and the
// primary codes of a row are read, so it also scans the primary level of
// two-level rows. It panics if a row lies outside slab or len(out) < len(ids).
func LVQInnerProductBatch(q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32, bits int) {
	checkBits(bits)
	checkBatchOut(4+LVQCodeBytes(len(q), bits), len(slab), stride, ids, len(out))
	if len(ids) == 0 {
		return
	}
	lvqIPBatch(bits, q, qsum, slab, stride, ids, out[:len(ids)])
}

// LVQL2SqrBatch is LVQInnerProductBatch for the squared L2 distance.
func LVQL2SqrBatch(q []float32, slab []byte, stride int, ids []uint32, out []float32, bits int) {
	checkBits(bits)
	checkBatchOut(4+LVQCodeBytes(len(q), bits), len(slab), stride, ids, len(out))
	if len(ids) == 0 {
		return
	}
	lvqL2Batch(bits, q, slab, stride, ids, out[:len(ids)])
}

// LVQInnerProductRows sets out[i] to the inner product with row i of slab,
// i < len(out): a scan over contiguous rows.
func LVQInnerProductRows(q []float32, qsum float32, slab []byte, stride int, out []float32, bits int) {
	checkBits(bits)
	checkLVQRows(4+LVQCodeBytes(len(q), bits), len(slab), stride, len(out))
	for lo := 0; lo < len(out); lo += len(rowIDs) {
		m := min(len(rowIDs), len(out)-lo)
		lvqIPBatch(bits, q, qsum, slab[lo*stride:], stride, rowIDs[:m], out[lo:lo+m])
	}
}

// LVQL2SqrRows is LVQInnerProductRows for the squared L2 distance.
func LVQL2SqrRows(q []float32, slab []byte, stride int, out []float32, bits int) {
	checkBits(bits)
	checkLVQRows(4+LVQCodeBytes(len(q), bits), len(slab), stride, len(out))
	for lo := 0; lo < len(out); lo += len(rowIDs) {
		m := min(len(rowIDs), len(out)-lo)
		lvqL2Batch(bits, q, slab[lo*stride:], stride, rowIDs[:m], out[lo:lo+m])
	}
}

// LVQ2InnerProduct returns <q, x>, x the decoding of the two-level row of
// len(q) dimensions with b1-bit primary and b2-bit residual codes. It panics
// if row is shorter than 4+LVQCodeBytes(n, b1)+LVQCodeBytes(n, b2).
func LVQ2InnerProduct(q []float32, qsum float32, row []byte, b1, b2 int) float32 {
	checkBits(b1)
	checkBits(b2)
	row = head(row, lvq2RowBytes(len(q), b1, b2))
	var out [1]float32
	lvq2IPBatch(b1, b2, q, qsum, row, 0, zeroID[:], out[:])
	return out[0]
}

// LVQ2L2Sqr returns the squared L2 distance between q and the decoding of the
// two-level row.
func LVQ2L2Sqr(q []float32, row []byte, b1, b2 int) float32 {
	checkBits(b1)
	checkBits(b2)
	row = head(row, lvq2RowBytes(len(q), b1, b2))
	var out [1]float32
	lvq2L2Batch(b1, b2, q, row, 0, zeroID[:], out[:])
	return out[0]
}

// LVQ2InnerProductBatch sets out[i] = LVQ2InnerProduct(q, qsum, row ids[i]) for
// i < len(ids), row r starting at slab[r*stride].
func LVQ2InnerProductBatch(q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32, b1, b2 int) {
	checkBits(b1)
	checkBits(b2)
	checkBatchOut(lvq2RowBytes(len(q), b1, b2), len(slab), stride, ids, len(out))
	if len(ids) == 0 {
		return
	}
	lvq2IPBatch(b1, b2, q, qsum, slab, stride, ids, out[:len(ids)])
}

// LVQ2L2SqrBatch is LVQ2InnerProductBatch for the squared L2 distance.
func LVQ2L2SqrBatch(q []float32, slab []byte, stride int, ids []uint32, out []float32, b1, b2 int) {
	checkBits(b1)
	checkBits(b2)
	checkBatchOut(lvq2RowBytes(len(q), b1, b2), len(slab), stride, ids, len(out))
	if len(ids) == 0 {
		return
	}
	lvq2L2Batch(b1, b2, q, slab, stride, ids, out[:len(ids)])
}

// LVQ2InnerProductRows sets out[i] to the two-level inner product with row i
// of slab, i < len(out).
func LVQ2InnerProductRows(q []float32, qsum float32, slab []byte, stride int, out []float32, b1, b2 int) {
	checkBits(b1)
	checkBits(b2)
	checkLVQRows(lvq2RowBytes(len(q), b1, b2), len(slab), stride, len(out))
	for lo := 0; lo < len(out); lo += len(rowIDs) {
		m := min(len(rowIDs), len(out)-lo)
		lvq2IPBatch(b1, b2, q, qsum, slab[lo*stride:], stride, rowIDs[:m], out[lo:lo+m])
	}
}

// LVQ2L2SqrRows is LVQ2InnerProductRows for the squared L2 distance.
func LVQ2L2SqrRows(q []float32, slab []byte, stride int, out []float32, b1, b2 int) {
	checkBits(b1)
	checkBits(b2)
	checkLVQRows(lvq2RowBytes(len(q), b1, b2), len(slab), stride, len(out))
	for lo := 0; lo < len(out); lo += len(rowIDs) {
		m := min(len(rowIDs), len(out)-lo)
		lvq2L2Batch(b1, b2, q, slab[lo*stride:], stride, rowIDs[:m], out[lo:lo+m])
	}
}

func lvq2RowBytes(n, b1, b2 int) int { return 4 + LVQCodeBytes(n, b1) + LVQCodeBytes(n, b2) }

// zeroID is the id list of a single-row call.
var zeroID = [1]uint32{0}

// rowIDs is 0, 1, ..., len-1: the id list of a contiguous scan, shared read-only.
var rowIDs = func() []uint32 {
	ids := make([]uint32, 1024)
	for i := range ids {
		ids[i] = uint32(i)
	}
	return ids
}()

// checkLVQRows panics unless rows rows of rowLen bytes at stride lie in slab.
func checkLVQRows(rowLen, slabLen, stride, rows int) {
	if stride < 0 {
		panic("simd: negative stride")
	}
	if rows == 0 {
		return
	}
	if rowLen > slabLen || (stride > 0 && rows-1 > (slabLen-rowLen)/stride) {
		panic("simd: rows out of range of slab")
	}
}
