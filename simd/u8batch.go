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
