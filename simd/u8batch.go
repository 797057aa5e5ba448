package simd

// L2SqrU8Batch sets out[i] = L2SqrU8(a, slab[ids[i]*stride:][:len(a)]) for i < len(ids): the
// rows graph search measures, in one call, with whole rows prefetched ahead where the
// kernel has a batch form (VNNI). It panics if a row lies outside slab or out is short.
func L2SqrU8Batch(a, slab []uint8, stride int, ids []uint32, out []uint32) {
	checkU8Batch(len(a), len(slab), stride, ids)
	out = head(out, len(ids))
	if k.l2U8Batch != nil {
		k.l2U8Batch(a, slab, stride, ids, out)
		return
	}
	for i, id := range ids {
		off := int(id) * stride
		out[i] = k.l2U8(a, slab[off:off+len(a)])
	}
}

// DotU8Batch is L2SqrU8Batch for DotU8.
func DotU8Batch(a, slab []uint8, stride int, ids []uint32, out []uint32) {
	checkU8Batch(len(a), len(slab), stride, ids)
	out = head(out, len(ids))
	if k.dotU8Batch != nil {
		k.dotU8Batch(a, slab, stride, ids, out)
		return
	}
	for i, id := range ids {
		off := int(id) * stride
		out[i] = k.dotU8(a, slab[off:off+len(a)])
	}
}

func checkU8Batch(n, slabLen, stride int, ids []uint32) {
	if stride < n {
		panic("simd: stride shorter than a row")
	}
	checkBatch(n, slabLen, stride, ids)
}

// L2SqrU4Batch sets out[i] = L2SqrU4(a, slab[ids[i]*stride:], dim) for i < len(ids): the
// packed 4-bit rows (SQ4 layout, (dim+1)/2 bytes) graph search measures, in one call, with
// whole rows prefetched ahead where the kernel has a batch form (VNNI). It panics if a or a
// row is shorter than (dim+1)/2 bytes, a row lies outside slab or out is short.
func L2SqrU4Batch(a, slab []uint8, stride int, ids []uint32, out []uint32, dim int) {
	u4Batch(k.l2U4Batch, k.l2U4, a, slab, stride, ids, out, dim)
}

// DotU4Batch is L2SqrU4Batch for DotU4.
func DotU4Batch(a, slab []uint8, stride int, ids []uint32, out []uint32, dim int) {
	u4Batch(k.dotU4Batch, k.dotU4, a, slab, stride, ids, out, dim)
}

// u4Batch runs the batch kernel over the whole bytes of the rows (dim/2 of them) and adds
// the lone low nibble of an odd dim row by row, or measures row by row without a batch kernel.
func u4Batch(batch func(a, slab []uint8, stride int, ids []uint32, out []uint32), one func(a, b []uint8, dim int) uint32,
	a, slab []uint8, stride int, ids []uint32, out []uint32, dim int) {
	nb := (dim + 1) / 2
	a = head(a, nb)
	checkU8Batch(nb, len(slab), stride, ids)
	out = head(out, len(ids))
	if batch == nil || dim < 2 {
		for i, id := range ids {
			off := int(id) * stride
			out[i] = one(a, slab[off:off+nb], dim)
		}
		return
	}
	batch(a[:dim/2], slab, stride, ids, out)
	if dim%2 == 1 {
		for i, id := range ids {
			out[i] += one(a[dim/2:], slab[int(id)*stride+dim/2:][:1], 1)
		}
	}
}
