package simd

import (
	"encoding/binary"
	"math/bits"
)

// maskedSumPlanesGeneric is the reference of MaskedSumPlanes: the planes' masked sums by
// maskedSum (the active level's kernel), combined top plane first by Horner's rule.
func maskedSumPlanesGeneric(q []float32, bits []byte, plane, planes int) float32 {
	nb := (len(q) + 7) / 8
	var s float32
	for b := planes - 1; b >= 0; b-- {
		s = 2*s + maskedSum(q, bits[b*plane:b*plane+nb])
	}
	return s
}

// popcountPlanes4RowsGeneric is the reference of PopcountPlanes4Rows (rows checked by the
// caller).
func popcountPlanes4RowsGeneric(q []uint64, slab []byte, stride, plane, planes int, ids []uint32, weighted, ones []int64) {
	w := len(q) / 4
	for i, id := range ids {
		row := slab[int(id)*stride:]
		var tw, to int64
		for b := planes - 1; b >= 0; b-- {
			var pw, po int
			for j := 0; j < w; j++ {
				a := binary.LittleEndian.Uint64(row[b*plane+8*j:])
				po += bits.OnesCount64(a)
				for l := 0; l < 4; l++ {
					pw += bits.OnesCount64(a&q[l*w+j]) << l
				}
			}
			tw, to = 2*tw+int64(pw), 2*to+int64(po)
		}
		weighted[i], ones[i] = tw, to
	}
}

// maskedSumGeneric is the reference of MaskedSum; len(bits) >= (len(q)+7)/8.
func maskedSumGeneric(q []float32, bits []byte) float32 {
	var s0, s1, s2, s3 float32
	n := len(q)
	i := 0
	for ; i+8 <= n; i += 8 {
		b := bits[i>>3]
		if b == 0 {
			continue
		}
		w := q[i : i+8 : i+8]
		s0 += w[0]*float32(b&1) + w[4]*float32(b>>4&1)
		s1 += w[1]*float32(b>>1&1) + w[5]*float32(b>>5&1)
		s2 += w[2]*float32(b>>2&1) + w[6]*float32(b>>6&1)
		s3 += w[3]*float32(b>>3&1) + w[7]*float32(b>>7)
	}
	for ; i < n; i++ {
		if bits[i>>3]>>(i&7)&1 != 0 {
			s0 += q[i]
		}
	}
	return (s0 + s1) + (s2 + s3)
}

// popcountPlanes4Generic is the reference of PopcountPlanes4; len(q) >= 4*len(a).
func popcountPlanes4Generic(a, q []uint64) (weighted, ones int) {
	w := len(a)
	q0, q1, q2, q3 := q[:w], q[w:2*w], q[2*w:3*w], q[3*w:4*w]
	var c0, c1, c2, c3 int
	for i, x := range a {
		ones += bits.OnesCount64(x)
		c0 += bits.OnesCount64(x & q0[i])
		c1 += bits.OnesCount64(x & q1[i])
		c2 += bits.OnesCount64(x & q2[i])
		c3 += bits.OnesCount64(x & q3[i])
	}
	return c0 + 2*c1 + 4*c2 + 8*c3, ones
}
