package simd

// Row (flat-scan) forms of the code kernels: one call computes a block of
// contiguous rows, prefetching row i+1 while row i is computed. Row i of a
// slab starts at element i*stride (stride counted in elements of the code
// type: uint16 for fp16/bf16, bytes for SQ8 and uint8 codes) and holds
// len(q) (or len(a)) elements; every function panics if a row lies outside
// the slab, if stride < 0, or if a per-dimension slice is shorter than the
// query.

// L2SqrF16Rows sets out[i] = L2SqrF16(q, codes[i*stride:]) for i < len(out).
func L2SqrF16Rows(q []float32, codes []uint16, stride int, out []float32) {
	checkRows(len(q), len(codes), stride, len(out))
	k.l2F16Rows(q, codes, stride, out)
}

// InnerProductF16Rows sets out[i] = InnerProductF16(q, codes[i*stride:]) for i < len(out).
func InnerProductF16Rows(q []float32, codes []uint16, stride int, out []float32) {
	checkRows(len(q), len(codes), stride, len(out))
	k.ipF16Rows(q, codes, stride, out)
}

// L2SqrBF16Rows sets out[i] = L2SqrBF16(q, codes[i*stride:]) for i < len(out).
func L2SqrBF16Rows(q []float32, codes []uint16, stride int, out []float32) {
	checkRows(len(q), len(codes), stride, len(out))
	k.l2BF16Rows(q, codes, stride, out)
}

// InnerProductBF16Rows sets out[i] = InnerProductBF16(q, codes[i*stride:]) for i < len(out).
func InnerProductBF16Rows(q []float32, codes []uint16, stride int, out []float32) {
	checkRows(len(q), len(codes), stride, len(out))
	k.ipBF16Rows(q, codes, stride, out)
}

// SQ8L2SqrRows sets out[i] = SQ8L2SqrScaled(q, codes[i*stride:], lo, scale)
// for i < len(out); stride is in bytes.
func SQ8L2SqrRows(q []float32, codes []uint8, stride int, lo, scale, out []float32) {
	n := len(q)
	checkRows(n, len(codes), stride, len(out))
	k.sq8L2Rows(q, codes, stride, head(lo, n), head(scale, n), out)
}

// SQ8InnerProductRows sets out[i] = SQ8InnerProductScaled(q, codes[i*stride:], lo, scale)
// for i < len(out); stride is in bytes.
func SQ8InnerProductRows(q []float32, codes []uint8, stride int, lo, scale, out []float32) {
	n := len(q)
	checkRows(n, len(codes), stride, len(out))
	k.sq8IPRows(q, codes, stride, head(lo, n), head(scale, n), out)
}

// DotU8Rows sets out[i] = DotU8(a, codes[i*stride:]) for i < len(out);
// stride is in bytes.
func DotU8Rows(a, codes []uint8, stride int, out []uint32) {
	checkRows(len(a), len(codes), stride, len(out))
	k.dotU8Rows(a, codes, stride, out)
}

// L2SqrU8Rows sets out[i] = L2SqrU8(a, codes[i*stride:]) for i < len(out);
// stride is in bytes.
func L2SqrU8Rows(a, codes []uint8, stride int, out []uint32) {
	checkRows(len(a), len(codes), stride, len(out))
	k.l2U8Rows(a, codes, stride, out)
}

// SQ8L2SqrResidual returns sum (r[j] - code[j]*scale[j])^2 over j < len(r).
// With r = q - lo prepared once per query it equals SQ8L2SqrScaled(q, code,
// lo, scale) and reads two float streams instead of three (the fast form
// for a per-query distance computer). code and scale must hold len(r) entries.
func SQ8L2SqrResidual(r []float32, code []uint8, scale []float32) float32 {
	n := len(r)
	return k.sq8L2R(r, head(code, n), head(scale, n))
}

// SQ8L2SqrResidualRows sets out[i] = SQ8L2SqrResidual(r, codes[i*stride:], scale)
// for i < len(out); stride is in bytes.
func SQ8L2SqrResidualRows(r []float32, codes []uint8, stride int, scale, out []float32) {
	n := len(r)
	checkRows(n, len(codes), stride, len(out))
	k.sq8L2RRows(r, codes, stride, head(scale, n), out)
}

// SQ8L2SqrResidualBatch sets out[i] = SQ8L2SqrResidual(r, slab[ids[i]*stride:], scale) for
// i < len(ids): the rows a graph search measures, in one call, with whole rows prefetched
// ahead where the level has a batch form (AVX-512), else row by row with the next row's first
// line prefetched. It panics if a row lies outside slab or scale or out is short.
func SQ8L2SqrResidualBatch(r []float32, slab []uint8, stride int, scale []float32, ids []uint32, out []float32) {
	n := len(r)
	checkU8Batch(n, len(slab), stride, ids)
	scale, out = head(scale, n), head(out, len(ids))
	if k.sq8L2RBatch != nil {
		k.sq8L2RBatch(r, slab, stride, scale, ids, out)
		return
	}
	for i, id := range ids {
		if i+1 < len(ids) {
			prefetchByte(slab, int(ids[i+1])*stride)
		}
		off := int(id) * stride
		out[i] = k.sq8L2R(r, slab[off:off+n], scale)
	}
}

// SQ4L2SqrBatch sets out[i] = SQ4L2Sqr(q, slab[ids[i]*stride:], lo, diff) for i < len(ids):
// packed 4-bit rows ((len(q)+1)/2 bytes) by id in one call, whole rows prefetched ahead where
// the level has a batch form (AVX-512), else row by row with the next row's first line
// prefetched. It panics if a row lies outside slab or lo, diff or out is short.
func SQ4L2SqrBatch(q []float32, slab []uint8, stride int, lo, diff []float32, ids []uint32, out []float32) {
	sq4Batch(k.sq4L2Batch, k.sq4L2, q, slab, stride, lo, diff, ids, out)
}

// SQ4InnerProductBatch is SQ4L2SqrBatch for SQ4InnerProduct.
func SQ4InnerProductBatch(q []float32, slab []uint8, stride int, lo, diff []float32, ids []uint32, out []float32) {
	sq4Batch(k.sq4IPBatch, k.sq4IP, q, slab, stride, lo, diff, ids, out)
}

func sq4Batch(batch func(q []float32, slab []uint8, stride int, lo, diff []float32, ids []uint32, out []float32),
	one func(q []float32, code []uint8, lo, diff []float32) float32,
	q []float32, slab []uint8, stride int, lo, diff []float32, ids []uint32, out []float32) {
	n := len(q)
	nb := (n + 1) / 2
	checkU8Batch(nb, len(slab), stride, ids)
	lo, diff, out = head(lo, n), head(diff, n), head(out, len(ids))
	if batch != nil {
		batch(q, slab, stride, lo, diff, ids, out)
		return
	}
	for i, id := range ids {
		if i+1 < len(ids) {
			prefetchByte(slab, int(ids[i+1])*stride)
		}
		off := int(id) * stride
		out[i] = one(q, slab[off:off+nb], lo, diff)
	}
}

// DotF32U8Batch is SQ8L2SqrResidualBatch for DotF32U8.
func DotF32U8Batch(w []float32, slab []uint8, stride int, ids []uint32, out []float32) {
	n := len(w)
	checkU8Batch(n, len(slab), stride, ids)
	out = head(out, len(ids))
	if k.dotF32U8Batch != nil {
		k.dotF32U8Batch(w, slab, stride, ids, out)
		return
	}
	for i, id := range ids {
		if i+1 < len(ids) {
			prefetchByte(slab, int(ids[i+1])*stride)
		}
		off := int(id) * stride
		out[i] = k.dotF32U8(w, slab[off:off+n])
	}
}

// DotF32U8 returns sum w[j]*code[j] over j < len(w). With w = q*scale
// prepared once per query, SQ8InnerProductScaled(q, code, lo, scale) equals
// InnerProduct(q, lo) + DotF32U8(w, code) up to rounding, from one float
// stream. code must hold len(w) bytes.
func DotF32U8(w []float32, code []uint8) float32 {
	return k.dotF32U8(w, head(code, len(w)))
}

// DotF32U8Rows sets out[i] = DotF32U8(w, codes[i*stride:]) for i < len(out);
// stride is in bytes.
func DotF32U8Rows(w []float32, codes []uint8, stride int, out []float32) {
	checkRows(len(w), len(codes), stride, len(out))
	k.dotF32U8Rows(w, codes, stride, out)
}
