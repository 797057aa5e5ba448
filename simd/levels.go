package simd

// UniformLevels writes the level of each value of src to head(dst, len(src)) and returns the
// sum of the levels: the encoding of a uniform scalar quantizer with range [lo, lo+top/inv].
// A value x goes to level trunc(min(t, top)) with t = (x-lo)*inv + 0.5, each step rounded to
// float32, and to 0 when t <= 0 or t is NaN. top is the highest level and must be below 256.
func UniformLevels(dst []uint8, src []float32, lo, inv, top float32) uint32 {
	return k.levelsU8(head(dst, len(src)), src, lo, inv, top)
}

// UniformLevels4 is UniformLevels for levels below 16 (top <= 15) packed two a byte into
// head(dst, (len(src)+1)/2), the low nibble for even indices; an odd last level takes a byte
// of its own, high nibble zero.
func UniformLevels4(dst []uint8, src []float32, lo, inv, top float32) uint32 {
	return k.levelsU4(head(dst, (len(src)+1)/2), src, lo, inv, min(top, 15))
}

// UniformLevel is the level of one value x (see UniformLevels): the rounding every scalar
// quantizer of the engine applies, per dimension or with one range for all.
func UniformLevel(x, lo, inv, top float32) uint8 {
	t := (x-lo)*inv + 0.5
	if !(t > 0) {
		return 0
	}
	return uint8(min(t, top))
}

func levelsU8Generic(dst []uint8, src []float32, lo, inv, top float32) uint32 {
	dst = dst[:len(src)]
	var sum uint32
	for j, x := range src {
		c := UniformLevel(x, lo, inv, top)
		dst[j] = c
		sum += uint32(c)
	}
	return sum
}

func levelsU4Generic(dst []uint8, src []float32, lo, inv, top float32) uint32 {
	dst = dst[:(len(src)+1)/2]
	var sum uint32
	j := 0
	for ; j+1 < len(src); j += 2 {
		a, b := UniformLevel(src[j], lo, inv, top), UniformLevel(src[j+1], lo, inv, top)
		dst[j/2] = a | b<<4
		sum += uint32(a) + uint32(b)
	}
	if j < len(src) {
		a := UniformLevel(src[j], lo, inv, top)
		dst[j/2] = a
		sum += uint32(a)
	}
	return sum
}
