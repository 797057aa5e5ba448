package simd

import "encoding/binary"

// Pure-Go references of the LVQ kernels. They are always compiled, serve as
// the oracle in tests, run the short tails the AVX2 kernels leave, and are the
// only implementation with the purego tag or off amd64.

// lvqHeader returns the scale and bias stored as IEEE half in the first four
// bytes of an LVQ row.
func lvqHeader(row []byte) (scale, bias float32) {
	return f16ToF32One(binary.LittleEndian.Uint16(row)), f16ToF32One(binary.LittleEndian.Uint16(row[2:]))
}

// lvqNibble returns the 4-bit code of dimension j of an n-dimensional code in
// the blocked layout (see LVQPack4).
func lvqNibble(c []uint8, n, j int) uint8 {
	b, high := lvqNibbleAt(n, j)
	if high {
		return c[b] >> 4
	}
	return c[b] & 15
}

// lvqNibbleAt returns the byte of an n-dimensional 4-bit code that holds dimension j and
// whether it is that byte's high nibble (see LVQPack4).
func lvqNibbleAt(n, j int) (b int, high bool) {
	blk := j &^ 31
	w := j - blk
	h := 16
	if r := n - blk; r < 32 {
		h = (r + 1) / 2
	}
	if w < h {
		return blk/2 + w, false
	}
	return blk/2 + w - h, true
}

// lvqCode returns the code of dimension j of an n-dimensional code of bits
// bits (8 or 4).
func lvqCode(c []uint8, bits, n, j int) uint8 {
	if bits == 8 {
		return c[j]
	}
	return lvqNibble(c, n, j)
}

// lvqDotGeneric returns sum q[j]*c_j over the len(q) codes in c.
func lvqDotGeneric(q []float32, c []uint8, bits int) float32 {
	n := len(q)
	var s float32
	if bits == 8 {
		c = c[:n]
		for j, x := range q {
			s += x * float32(c[j])
		}
		return s
	}
	for j, x := range q {
		s += x * float32(lvqNibble(c, n, j))
	}
	return s
}

// lvqL2Generic returns sum (q[j] - (scale*c_j + bias))^2.
func lvqL2Generic(q []float32, c []uint8, bits int, scale, bias float32) float32 {
	n := len(q)
	var s float32
	for j, x := range q {
		d := x - (float32(lvqCode(c, bits, n, j))*scale + bias)
		s += d * d
	}
	return s
}

// lvq2L2Generic returns sum (q[j] - x_j)^2 where x_j = bias' + scale*c1_j +
// step*c2_j, the decoding of a two-level code with bias' = bias - scale/2.
func lvq2L2Generic(q []float32, c1 []uint8, b1 int, c2 []uint8, b2 int, scale, step, bias2 float32) float32 {
	n := len(q)
	var s float32
	for j, x := range q {
		t := float32(lvqCode(c1, b1, n, j))*scale + bias2
		t = float32(lvqCode(c2, b2, n, j))*step + t
		d := x - t
		s += d * d
	}
	return s
}

// lvqRowBytes returns the bytes of one-level row of n dimensions: header plus codes.
func lvqRowBytes(n, bits int) int { return 4 + LVQCodeBytes(n, bits) }

func lvqIPBatchGeneric(bits int, q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32) {
	nb := LVQCodeBytes(len(q), bits)
	for i, id := range ids {
		row := slab[int(id)*stride:]
		s, b := lvqHeader(row)
		out[i] = s*lvqDotGeneric(q, row[4:4+nb], bits) + b*qsum
	}
}

func lvqL2BatchGeneric(bits int, q []float32, slab []byte, stride int, ids []uint32, out []float32) {
	nb := LVQCodeBytes(len(q), bits)
	for i, id := range ids {
		row := slab[int(id)*stride:]
		s, b := lvqHeader(row)
		out[i] = lvqL2Generic(q, row[4:4+nb], bits, s, b)
	}
}

// lvq2Parts splits a two-level row into header values and code slices.
func lvq2Parts(row []byte, n, b1, b2 int) (scale, step, bias2 float32, c1, c2 []uint8) {
	s, b := lvqHeader(row)
	n1, n2 := LVQCodeBytes(n, b1), LVQCodeBytes(n, b2)
	step = s / float32(int(1)<<b2-1)
	return s, step, b - s*0.5, row[4 : 4+n1], row[4+n1 : 4+n1+n2]
}

func lvq2IPBatchGeneric(b1, b2 int, q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32) {
	for i, id := range ids {
		s, step, bias2, c1, c2 := lvq2Parts(slab[int(id)*stride:], len(q), b1, b2)
		out[i] = s*lvqDotGeneric(q, c1, b1) + step*lvqDotGeneric(q, c2, b2) + bias2*qsum
	}
}

func lvq2L2BatchGeneric(b1, b2 int, q []float32, slab []byte, stride int, ids []uint32, out []float32) {
	for i, id := range ids {
		s, step, bias2, c1, c2 := lvq2Parts(slab[int(id)*stride:], len(q), b1, b2)
		out[i] = lvq2L2Generic(q, c1, b1, c2, b2, s, step, bias2)
	}
}
