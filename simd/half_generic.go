package simd

import "math"

// f32ToF16One converts one float32 to IEEE 754 binary16 with
// round-to-nearest-even, matching VCVTPS2PH with imm8=0: overflow gives
// infinity, NaN keeps the sign and the top payload bits and is made quiet.
func f32ToF16One(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is the correct rounding (up to infinity)
	}
	return sign | uint16(h)
}

// f16ToF32One widens one binary16 value exactly; NaNs are made quiet like VCVTPH2PS.
func f16ToF32One(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		if mant == 0 {
			return math.Float32frombits(sign | 0x7f800000)
		}
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	case exp == 0:
		v := float32(mant) * (1.0 / (1 << 24)) // exact: subnormal halves are multiples of 2^-24
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// f32ToBF16One narrows to bfloat16 with round-to-nearest-even; NaN stays NaN
// (quiet bit forced) and subnormals are rounded, not flushed.
func f32ToBF16One(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}

func bf16ToF32One(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

func f32ToF16Generic(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		dst[i] = f32ToF16One(f)
	}
}

func f16ToF32Generic(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = f16ToF32One(h)
	}
}

func f32ToBF16Generic(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		dst[i] = f32ToBF16One(f)
	}
}

func bf16ToF32Generic(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = bf16ToF32One(h)
	}
}

func l2F16Generic(q []float32, c []uint16) float32 {
	c = c[:len(q)]
	var s float32
	for i, x := range q {
		d := x - f16ToF32One(c[i])
		s += d * d
	}
	return s
}

func ipF16Generic(q []float32, c []uint16) float32 {
	c = c[:len(q)]
	var s float32
	for i, x := range q {
		s += x * f16ToF32One(c[i])
	}
	return s
}

func l2BF16Generic(q []float32, c []uint16) float32 {
	c = c[:len(q)]
	var s float32
	for i, x := range q {
		d := x - bf16ToF32One(c[i])
		s += d * d
	}
	return s
}

func ipBF16Generic(q []float32, c []uint16) float32 {
	c = c[:len(q)]
	var s float32
	for i, x := range q {
		s += x * bf16ToF32One(c[i])
	}
	return s
}
