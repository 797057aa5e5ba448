package simd

// Pure-Go references for the float32 kernels. They are deliberately simple:
// one accumulator, natural order.

func l2Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, x := range a {
		d := x - b[i]
		s += d * d
	}
	return s
}

func ipGeneric(a, b []float32) float32 {
	b = b[:len(a)]
	var s float32
	for i, x := range a {
		s += x * b[i]
	}
	return s
}

func batchWith(f func(a, b []float32) float32) func(q, slab []float32, stride int, ids []uint32, out []float32) {
	return func(q, slab []float32, stride int, ids []uint32, out []float32) {
		n := len(q)
		out = out[:len(ids)]
		for i, id := range ids {
			off := int(id) * stride
			out[i] = f(q, slab[off:off+n])
		}
	}
}

func rowsWith(f func(a, b []float32) float32) func(q, slab []float32, stride int, out []float32) {
	return func(q, slab []float32, stride int, out []float32) {
		n := len(q)
		for i := range out {
			off := i * stride
			out[i] = f(q, slab[off:off+n])
		}
	}
}
