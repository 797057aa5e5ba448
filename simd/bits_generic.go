package simd

import "math/bits"

func hammingGeneric(a, b []uint64) int {
	b = b[:len(a)]
	n := 0
	for i, x := range a {
		n += bits.OnesCount64(x ^ b[i])
	}
	return n
}

func popcountAndGeneric(a, b []uint64) int {
	b = b[:len(a)]
	n := 0
	for i, x := range a {
		n += bits.OnesCount64(x & b[i])
	}
	return n
}

// lookupAddGeneric adds to out the contributions of sub-quantizers [m0, m).
func lookupAddGeneric(codes, lut []uint8, m0, m int, out *[32]uint16) {
	for s := m0; s < m; s++ {
		cs := codes[s*16 : s*16+16]
		ls := lut[s*16 : s*16+16]
		for i, cb := range cs {
			out[i] += uint16(ls[cb&0x0f])
			out[i+16] += uint16(ls[cb>>4])
		}
	}
}

func lookupAccumulate32Generic(codes, lut []uint8, m int, out *[32]uint16) {
	*out = [32]uint16{}
	lookupAddGeneric(codes, lut, 0, m, out)
}
