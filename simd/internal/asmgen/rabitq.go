package main

import (
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
	a, q, w := ld("a"), ld("q"), ld("w")
	pstride := c.GP64()
	c.MOVQ(w, pstride)
	c.SHLQ(U8(3), pstride)
	q3 := c.GP64()
	c.LEAQ(Mem{Base: q, Index: pstride, Scale: 2}, q3)
	c.ADDQ(pstride, q3)
	planes := []Mem{
		mem(q, 0),
		{Base: q, Index: pstride, Scale: 1},
		{Base: q, Index: pstride, Scale: 2},
		mem(q3, 0),
	}
	cnt := make([]VecVirtual, 4)
	for j := range cnt {
		cnt[j] = zero(c.ZMM())
	}
	ones := zero(c.ZMM())

	lstep, lfull := lbl("pp4_step"), lbl("pp4_full")
	c.Label(lstep)
	m := c.GP64()
	c.MOVQ(U32(0xff), m)
	c.CMPQ(w, U32(8))
	c.JGE(LabelRef(lfull))
	c.MOVQ(U32(0xffffffff), m)
	c.BZHIQ(w, m, m)
	c.Label(lfull)
	k := c.K()
	c.KMOVB(m.As32(), k)
	x := c.ZMM()
	c.VMOVDQU64_Z(mem(a, 0), k, x)
	t := c.ZMM()
	c.VPOPCNTQ(x, t)
	c.VPADDQ(t, ones, ones)
	for j := range planes {
		t := c.ZMM()
		c.VPANDQ_Z(planes[j], x, k, t)
		c.VPOPCNTQ(t, t)
		c.VPADDQ(t, cnt[j], cnt[j])
	}
	c.ADDQ(U32(64), a)
	c.ADDQ(U32(64), q)
	c.ADDQ(U32(64), q3)
	c.SUBQ(U32(8), w)
	c.JG(LabelRef(lstep))

	// weighted = c0 + 2 c1 + 4 c2 + 8 c3
	for j := 1; j < 4; j++ {
		c.VPSLLQ(U8(j), cnt[j], cnt[j])
	}
	c.VPADDQ(cnt[1], cnt[0], cnt[0])
	c.VPADDQ(cnt[3], cnt[2], cnt[2])
	c.VPADDQ(cnt[2], cnt[0], cnt[0])
	rw, ro := hsumQ(cnt[0]), hsumQ(ones)
	c.VZEROUPPER()
	c.Store(rw, c.Return("weighted"))
	c.Store(ro, c.Return("ones"))
	c.RET()
}

// hsumQ returns a GP64 holding the sum of the eight int64 lanes of z.
func hsumQ(z VecVirtual) Register {
	y := c.YMM()
	c.VEXTRACTI64X4(U8(1), z, y)
	c.VPADDQ(y, z.AsY(), y)
	x := c.XMM()
	c.VEXTRACTI64X2(U8(1), y, x)
	c.VPADDQ(x, y.AsX(), x)
	t := c.XMM()
	c.VPSHUFD(U8(0x4e), x, t)
	c.VPADDQ(t, x, x)
	r := c.GP64()
	c.VMOVQ(x, r)
	return r
}

// maskedSumPlanesKernel emits maskedSumPlanesAVX512(q, n, bits, plane, planes): the sum over
// the planes b < planes of 2^b times the masked sum of q[:n] under plane b (the bytes at
// bits+b*plane), which is the inner product of q with a B-bit code held as B bit planes. Each
// block of 16 dimensions is summed over the planes by Horner's rule, top plane first (double,
// then add the plane's masked lanes; doubling is exact), into four independent chains of four
// blocks; single blocks follow.
func maskedSumPlanesKernel() {
	const w = 16
	text("maskedSumPlanesAVX512", "func(q *float32, n int, bits *byte, plane int, planes int) float32",
		"maskedSumPlanesAVX512 returns sum_{b<planes} 2^b * sum of q[i] over the i < n whose bit is set",
		"in plane b (bit i%8 of bits[b*plane+i/8]).",
		"Precondition: n % 16 == 0, planes >= 1; each plane holds n/8 bytes.")
	q, n, bits, plane, planes := ld("q"), ld("n"), ld("bits"), ld("plane"), ld("planes")
	// top: the offset of the top plane, (planes-1)*plane
	top := c.GP64()
	c.MOVQ(planes, top)
	c.DECQ(top)
	c.IMULQ(plane, top)
	acc := make([]VecVirtual, 4)
	for i := range acc {
		acc[i] = zero(c.ZMM())
	}
	p, cnt := c.GP64(), c.GP64()
	// horner runs the plane loop for steps blocks into v (zeroed first)
	horner := func(name string, steps int, v []VecVirtual) {
		for j := 0; j < steps; j++ {
			zero(v[j])
		}
		c.LEAQ(Mem{Base: bits, Index: top, Scale: 1}, p)
		c.MOVQ(planes, cnt)
		l := lbl(name)
		c.Label(l)
		for j := 0; j < steps; j++ {
			c.VADDPS(v[j], v[j], v[j])
		}
		for j := 0; j < steps; j++ {
			k := c.K()
			c.KMOVW(mem(p, 2*j), k)
			c.VADDPS(mem(q, 4*w*j), v[j], k, v[j])
		}
		c.SUBQ(plane, p)
		c.DECQ(cnt)
		c.JNZ(LabelRef(l))
	}
	l4, l1, lred := lbl("msp_loop4"), lbl("msp_loop1"), lbl("msp_reduce")
	v := []VecVirtual{c.ZMM(), c.ZMM(), c.ZMM(), c.ZMM()}
	c.Label(l4)
	c.CMPQ(n, U32(4*w))
	c.JL(LabelRef(l1))
	horner("msp_planes4", 4, v)
	for j := 0; j < 4; j++ {
		c.VADDPS(v[j], acc[j], acc[j])
	}
	c.ADDQ(U32(16*w), q)
	c.ADDQ(U32(w/2), bits)
	c.SUBQ(U32(4*w), n)
	c.JMP(LabelRef(l4))
	c.Label(l1)
	c.CMPQ(n, U32(w))
	c.JL(LabelRef(lred))
	horner("msp_planes1", 1, v)
	c.VADDPS(v[0], acc[0], acc[0])
	c.ADDQ(U32(4*w), q)
	c.ADDQ(U32(w/8), bits)
	c.SUBQ(U32(w), n)
	c.JMP(LabelRef(l1))
	c.Label(lred)
	c.VADDPS(acc[1], acc[0], acc[0])
	c.VADDPS(acc[3], acc[2], acc[2])
	c.VADDPS(acc[2], acc[0], acc[0])
	r := hsumPS(acc[0], true)
	c.VZEROUPPER()
	c.Store(r, c.ReturnIndex(0))
	c.RET()
}
