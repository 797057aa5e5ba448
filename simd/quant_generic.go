package simd

// Scalar-quantizer references: value_j = lo[j] + code_j/255*diff[j] (SQ8) or
// code_j/15 (SQ4, dim j in byte j/2, low nibble for even j).

func sq8L2Generic(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	code, lo, diff = code[:n], lo[:n], diff[:n]
	var s float32
	for j, x := range q {
		d := x - (lo[j] + float32(code[j])/255*diff[j])
		s += d * d
	}
	return s
}

func sq8IPGeneric(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	code, lo, diff = code[:n], lo[:n], diff[:n]
	var s float32
	for j, x := range q {
		s += x * (lo[j] + float32(code[j])/255*diff[j])
	}
	return s
}

func nibble(code []uint8, j int) uint8 {
	return code[j>>1] >> (uint(j&1) * 4) & 0x0f
}

func sq4L2Generic(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	code, lo, diff = code[:(n+1)/2], lo[:n], diff[:n]
	var s float32
	for j, x := range q {
		d := x - (lo[j] + float32(nibble(code, j))/15*diff[j])
		s += d * d
	}
	return s
}

func sq4IPGeneric(q []float32, code []uint8, lo, diff []float32) float32 {
	n := len(q)
	code, lo, diff = code[:(n+1)/2], lo[:n], diff[:n]
	var s float32
	for j, x := range q {
		s += x * (lo[j] + float32(nibble(code, j))/15*diff[j])
	}
	return s
}

// Integer-domain references. Sums wrap around like the assembly (mod 2^32).

func l2Int8Generic(a, b []int8) int32 {
	b = b[:len(a)]
	var s int32
	for i, x := range a {
		d := int32(x) - int32(b[i])
		s += d * d
	}
	return s
}

func ipInt8Generic(a, b []int8) int32 {
	b = b[:len(a)]
	var s int32
	for i, x := range a {
		s += int32(x) * int32(b[i])
	}
	return s
}

func dotU8Generic(a, b []uint8) uint32 {
	b = b[:len(a)]
	var s uint32
	for i, x := range a {
		s += uint32(x) * uint32(b[i])
	}
	return s
}

func l2U8Generic(a, b []uint8) uint32 {
	b = b[:len(a)]
	var s uint32
	for i, x := range a {
		d := int32(x) - int32(b[i])
		s += uint32(d * d)
	}
	return s
}

func dotU4Generic(a, b []uint8, dim int) uint32 {
	var s uint32
	for j := 0; j < dim; j++ {
		s += uint32(nibble(a, j)) * uint32(nibble(b, j))
	}
	return s
}

func l2U4Generic(a, b []uint8, dim int) uint32 {
	var s uint32
	for j := 0; j < dim; j++ {
		d := int32(nibble(a, j)) - int32(nibble(b, j))
		s += uint32(d * d)
	}
	return s
}
