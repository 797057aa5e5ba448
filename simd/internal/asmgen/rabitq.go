package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/attr"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ---------------------------------------------------------------------------
// RaBitQ bit-code kernels (package simd's rabitq.go describes the bit
// layout: dimension i is bit i%8 of byte i/8).

// maskedSumKernel emits maskedSum<sfx>(q, n, bits): the sum of the q[i],
// i < n, whose bit is set. One step is a vector of lanes() dimensions; the
// main loop runs four steps into four accumulators, then single steps into
// the first.
func maskedSumKernel(zmm bool) {
	name, w, pre := "maskedSumAVX2", 8, "n % 8 == 0"
	if zmm {
		name, w, pre = "maskedSumAVX512", 16, "n % 16 == 0"
	}
	text(name, "func(q *float32, n int, bits *byte) float32",
		name+" returns the sum of q[i] over the i < n whose bit (bit i%8 of bits[i/8]) is set.",
		"Precondition: "+pre+" (the caller adds the tail); bits holds n/8 bytes.")
	vec := func() VecVirtual {
		if zmm {
			return c.ZMM()
		}
		return c.YMM()
	}
	var bitsel VecVirtual
	if !zmm {
		// Lane j of a code byte broadcast to every lane is selected by bit j.
		sel := c.StaticGlobal("bitsel")
		c.DataAttributes(attr.RODATA | attr.NOPTR)
		for j := 0; j < 8; j++ {
			c.AddDatum(4*j, U32(1<<j))
		}
		bitsel = c.YMM()
		c.VMOVDQU(sel, bitsel)
	}
	q, n, bits := ld("q"), ld("n"), ld("bits")
	acc := make([]VecVirtual, 4)
	for i := range acc {
		acc[i] = vec()
		c.VXORPS(acc[i], acc[i], acc[i])
	}
	// add accumulates the w dimensions of step j of the bits at bits into a.
	add := func(ks []Register, j int, a VecVirtual) {
		if zmm {
			c.VADDPS(mem(q, 4*w*j), a, ks[j], a)
			return
		}
		t := c.GP32()
		c.MOVBLZX(mem(bits, j), t)
		x := c.XMM()
		c.VMOVD(t, x)
		m := c.YMM()
		c.VPBROADCASTD(x, m)
		c.VPAND(bitsel, m, m)
		c.VPCMPEQD(bitsel, m, m)
		c.VANDPS(mem(q, 4*w*j), m, m)
		c.VADDPS(m, a, a)
	}
	masks := func(steps int) []Register {
		if !zmm {
			return make([]Register, steps)
		}
		if steps == 1 {
			k := c.K()
			c.KMOVW(mem(bits, 0), k)
			return []Register{k}
		}
		k0 := c.K()
		c.KMOVQ(mem(bits, 0), k0)
		ks := []Register{k0}
		for j := 1; j < steps; j++ {
			k := c.K()
			c.KSHIFTRQ(U8(16*j), k0, k)
			ks = append(ks, k)
		}
		return ks
	}
	l4, l1, lred := lbl("msum_loop4"), lbl("msum_loop1"), lbl("msum_reduce")
	c.Label(l4)
	c.CMPQ(n, U32(4*w))
	c.JL(LabelRef(l1))
	ks := masks(4)
	for j := 0; j < 4; j++ {
		add(ks, j, acc[j])
	}
	c.ADDQ(U32(16*w), q)
	c.ADDQ(U32(w/2), bits)
	c.SUBQ(U32(4*w), n)
	c.JMP(LabelRef(l4))
	c.Label(l1)
	c.CMPQ(n, U32(w))
	c.JL(LabelRef(lred))
	add(masks(1), 0, acc[0])
	c.ADDQ(U32(4*w), q)
	c.ADDQ(U32(w/8), bits)
	c.SUBQ(U32(w), n)
	c.JMP(LabelRef(l1))
	c.Label(lred)
	c.VADDPS(acc[1], acc[0], acc[0])
	c.VADDPS(acc[3], acc[2], acc[2])
	c.VADDPS(acc[2], acc[0], acc[0])
	r := hsumPS(acc[0], zmm)
	c.VZEROUPPER()
	c.Store(r, c.ReturnIndex(0))
	c.RET()
}

// popcountPlanes4Kernel emits popcountPlanes4AVX512 (AVX512_VPOPCNTDQ):
// eight words a step, the last step masked.
func popcountPlanes4Kernel() {
	text("popcountPlanes4AVX512", "func(a *uint64, q *uint64, w int) (weighted int, ones int)",
		"popcountPlanes4AVX512 returns sum_j 2^j*popcount(a[:w] & q[j*w:(j+1)*w]) over the four",
		"query planes j < 4, and popcount(a[:w]). Precondition: w >= 1.")
	// one code plane: the batch kernels' body with planes 1
	plane, planes := c.GP64(), c.GP64()
	c.XORQ(plane, plane)
	c.MOVQ(U32(1), planes)
	rw, ro := popcountPlanesBody(ld("a"), ld("q"), ld("w"), plane, planes)
	c.VZEROUPPER()
	c.Store(rw, c.Return("weighted"))
	c.Store(ro, c.Return("ones"))
	c.RET()
}

// maskedSumPlanesKernel emits maskedSumPlanesAVX512(q, n, bits, plane, planes): the sum over
// the planes b < planes of 2^b times the masked sum of q[:n] under plane b (the bytes at
// bits+b*plane), which is the inner product of q with a B-bit code held as B bit planes.
func maskedSumPlanesKernel() {
	text("maskedSumPlanesAVX512", "func(q *float32, n int, bits *byte, plane int, planes int) float32",
		"maskedSumPlanesAVX512 returns sum_{b<planes} 2^b * sum of q[i] over the i < n whose bit is set",
		"in plane b (bit i%8 of bits[b*plane+i/8]).",
		"Precondition: n % 16 == 0, planes >= 1; each plane holds n/8 bytes.")
	r := maskedSumPlanesBody(ld("q"), ld("n"), ld("bits"), ld("plane"), ld("planes"))
	c.VZEROUPPER()
	c.Store(r, c.ReturnIndex(0))
	c.RET()
}

// maskedSumPlanesBatchKernel emits maskedSumPlanesBatchAVX512: maskedSumPlanesAVX512 of the
// rows slab[ids[i]*stride:] for i < cnt into out[i], the first span bytes of the rows of
// ids[i+1..i+u8BatchAhead] prefetched (the first rows' all before any is measured).
func maskedSumPlanesBatchKernel() {
	name := "maskedSumPlanesBatchAVX512"
	text(name, "func(q *float32, n int, slab *byte, stride int, plane int, planes int, span int, ids *uint32, out *float32, cnt int)",
		name+" sets out[i] = maskedSumPlanesAVX512(q, n, slab+ids[i]*stride, plane, planes) for i < cnt,",
		fmt.Sprintf("prefetching the first span bytes of the rows of ids[i+1..i+%d].", u8BatchAhead),
		"Precondition: n % 16 == 0, planes >= 1, span >= 1.")
	byIDLoop(func() Register { return ld("span") }, func(row Register, outs []Register) {
		r := maskedSumPlanesBody(ld("q"), ld("n"), row, ld("plane"), ld("planes"))
		c.VMOVSS(r, mem(outs[0], 0))
	}, out{"out", 4})
}

// maskedSumPlanesBody emits the sum of maskedSumPlanesAVX512 (q, n and bits are advanced) and
// returns an XMM holding it in lane 0. A step of eight (then four, then one) blocks of 16
// dimensions runs the planes bottom up: each block's lanes whose bit is set in the plane get
// q times the plane's weight 2^b (a masked FMA; the weight doubles from plane to plane, exactly)
// in an accumulator of its own, so the step's blocks are independent chains.
func maskedSumPlanesBody(q, n, bits, plane, planes Register) VecVirtual {
	const w = 16
	acc := make([]VecVirtual, 8)
	for i := range acc {
		acc[i] = zero(c.ZMM())
	}
	one := c.GP32()
	c.MOVL(U32(0x3f800000), one) // float32 1.0
	scale := c.ZMM()
	p, cnt := c.GP64(), c.GP64()
	// step runs the plane loop over blocks blocks of the step at q and bits
	step := func(name string, blocks int) {
		c.VPBROADCASTD(one, scale)
		c.MOVQ(bits, p)
		c.MOVQ(planes, cnt)
		l := lbl(name)
		c.Label(l)
		for j := 0; j < blocks; j++ {
			k := c.K()
			c.KMOVW(mem(p, 2*j), k)
			c.VFMADD231PS(mem(q, 4*w*j), scale, k, acc[j])
		}
		c.VADDPS(scale, scale, scale)
		c.ADDQ(plane, p)
		c.DECQ(cnt)
		c.JNZ(LabelRef(l))
		c.ADDQ(U32(4*w*blocks), q)
		c.ADDQ(U32(w/8*blocks), bits)
		c.SUBQ(U32(w*blocks), n)
	}
	l8, l4, l1, lred := lbl("msp_loop8"), lbl("msp_loop4"), lbl("msp_loop1"), lbl("msp_reduce")
	c.Label(l8)
	c.CMPQ(n, U32(8*w))
	c.JL(LabelRef(l4))
	step("msp_planes8", 8)
	c.JMP(LabelRef(l8))
	c.Label(l4)
	c.CMPQ(n, U32(4*w))
	c.JL(LabelRef(l1))
	step("msp_planes4", 4)
	c.Label(l1)
	c.CMPQ(n, U32(w))
	c.JL(LabelRef(lred))
	step("msp_planes1", 1)
	c.JMP(LabelRef(l1))
	c.Label(lred)
	for h := 4; h >= 1; h /= 2 {
		for j := 0; j < h; j++ {
			c.VADDPS(acc[j+h], acc[j], acc[j])
		}
	}
	return hsumPS(acc[0], true)
}

// popcountPlanes4BatchKernel emits popcountPlanes4BatchAVX512 (AVX512_VPOPCNTDQ): for the rows
// slab[ids[i]*stride:] of B-bit codes held as planes bit planes of plane bytes (w words used),
// weighted[i] = sum_b 2^b * sum_j 2^j*popcount(plane b & q plane j) and ones[i] = sum_b 2^b *
// popcount(plane b), the first span bytes of the rows of ids[i+1..i+u8BatchAhead] prefetched.
func popcountPlanes4BatchKernel() {
	name := "popcountPlanes4BatchAVX512"
	text(name, "func(q *uint64, w int, slab *byte, stride int, plane int, planes int, span int, ids *uint32, weighted *int64, ones *int64, cnt int)",
		name+" sets weighted[i] = sum_{b<planes} 2^b * sum_{j<4} 2^j*popcount(P_b & q[j*w:(j+1)*w]) and",
		"ones[i] = sum_b 2^b * popcount(P_b), P_b the w words at slab+ids[i]*stride+b*plane, for i < cnt,",
		fmt.Sprintf("prefetching the first span bytes of the rows of ids[i+1..i+%d].", u8BatchAhead),
		"Precondition: w >= 1, planes >= 1, span >= 1.")
	byIDLoop(func() Register { return ld("span") }, func(row Register, outs []Register) {
		rw, ro := popcountPlanesBody(row, ld("q"), ld("w"), ld("plane"), ld("planes"))
		c.MOVQ(rw, mem(outs[0], 0))
		c.MOVQ(ro, mem(outs[1], 0))
	}, out{"weighted", 8}, out{"ones", 8})
}

// popcountPlanesBody emits the two sums of popcountPlanes4BatchAVX512 for the row at row and
// returns them in GP registers (weighted, ones). The planes go top first, the per-lane counts
// doubled before each (Horner's rule over the code's bits); the words of a plane go eight a
// step, the last step masked.
func popcountPlanesBody(row, qbase, w, plane, planes Register) (Register, Register) {
	pstride := c.GP64()
	c.MOVQ(w, pstride)
	c.SHLQ(U8(3), pstride)
	cnt := make([]VecVirtual, 4)
	for j := range cnt {
		cnt[j] = zero(c.ZMM())
	}
	ones := zero(c.ZMM())
	p, pc := c.GP64(), c.GP64()
	c.MOVQ(planes, p)
	c.DECQ(p)
	c.IMULQ(plane, p)
	c.ADDQ(row, p)
	c.MOVQ(planes, pc)
	a, q, q3, ww := c.GP64(), c.GP64(), c.GP64(), c.GP64()
	lplane, lstep, lfull := lbl("pp4p_plane"), lbl("pp4p_step"), lbl("pp4p_full")
	c.Label(lplane)
	for j := range cnt {
		c.VPADDQ(cnt[j], cnt[j], cnt[j])
	}
	c.VPADDQ(ones, ones, ones)
	c.MOVQ(p, a)
	c.MOVQ(qbase, q)
	c.LEAQ(Mem{Base: qbase, Index: pstride, Scale: 2}, q3)
	c.ADDQ(pstride, q3)
	c.MOVQ(w, ww)
	planesAt := []Mem{
		mem(q, 0),
		{Base: q, Index: pstride, Scale: 1},
		{Base: q, Index: pstride, Scale: 2},
		mem(q3, 0),
	}
	c.Label(lstep)
	m := c.GP64()
	c.MOVQ(U32(0xff), m)
	c.CMPQ(ww, U32(8))
	c.JGE(LabelRef(lfull))
	c.MOVQ(U32(0xffffffff), m)
	c.BZHIQ(ww, m, m)
	c.Label(lfull)
	k := c.K()
	c.KMOVB(m.As32(), k)
	x := c.ZMM()
	c.VMOVDQU64_Z(mem(a, 0), k, x)
	t := c.ZMM()
	c.VPOPCNTQ(x, t)
	c.VPADDQ(t, ones, ones)
	for j := range planesAt {
		t := c.ZMM()
		c.VPANDQ_Z(planesAt[j], x, k, t)
		c.VPOPCNTQ(t, t)
		c.VPADDQ(t, cnt[j], cnt[j])
	}
	c.ADDQ(U32(64), a)
	c.ADDQ(U32(64), q)
	c.ADDQ(U32(64), q3)
	c.SUBQ(U32(8), ww)
	c.JG(LabelRef(lstep))
	c.SUBQ(plane, p)
	c.DECQ(pc)
	c.JNZ(LabelRef(lplane))

	// weighted = c0 + 2 c1 + 4 c2 + 8 c3
	for j := 1; j < 4; j++ {
		c.VPSLLQ(U8(j), cnt[j], cnt[j])
	}
	c.VPADDQ(cnt[1], cnt[0], cnt[0])
	c.VPADDQ(cnt[3], cnt[2], cnt[2])
	c.VPADDQ(cnt[2], cnt[0], cnt[0])
	return reduceQ(cnt[0]), reduceQ(ones)
}
