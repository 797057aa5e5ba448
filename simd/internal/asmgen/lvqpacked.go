package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ---------------------------------------------------------------------------
// Packed LVQ-8 kernels (package simd's lvqpacked.go describes the row layout).
//
// A packed row is fp16 scale, fp16 bias, a float32 aux, then 8-bit codes
// padded with zeros to a multiple of 32. The query is int16, padded the same
// way, so the inner loop is integer: codes widened to 16 bits, multiplied in
// pairs with the query (VPMADDWD) and summed in int32 lanes; the row's
// constants are applied once to the sum.

// lvqPackedName is the stub's name.
func lvqPackedName(zmm bool) string {
	if zmm {
		return "lvqPk8AVX512"
	}
	return "lvqPk8AVX2"
}

// lvqPackedKernel emits the packed LVQ-8 batch kernel of one level.
func lvqPackedKernel(zmm bool) {
	name := lvqPackedName(zmm)
	text(name, "func(q *int16, n int, par *float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)",
		name+": packed LVQ-8 rows ids[i] of slab (row at slab+ids[i]*stride: fp16 scale, fp16 bias,",
		"float32 aux at offset 4, codes at offset 8) against the int16 query q[:n], for i < cnt.",
		"With D = sum_j q_j*c_j, stores par[0] + par[1]*aux + par[2]*scale*D + par[3]*bias in out[i].",
		fmt.Sprintf("Rows are prefetched %d ahead (plen bytes from their start).", lvqAhead),
		"Preconditions: cnt >= 0, every row lies inside slab, out has cnt entries, n > 0 and",
		"n % 32 == 0, |q_j| <= 32767 and n <= 4096 (no int32 lane of either accumulator overflows).")
	par := ld("par")
	base, auxW, sW, bW := c.XMM(), c.XMM(), c.XMM(), c.XMM()
	c.VMOVSS(mem(par, 0), base)
	c.VMOVSS(mem(par, 4), auxW)
	c.VMOVSS(mem(par, 8), sW)
	c.VMOVSS(mem(par, 12), bW)
	n := ld("n")
	lp, row := lvqLoopStart("lvqpk")

	vec := func() VecVirtual {
		if zmm {
			return c.ZMM()
		}
		return c.YMM()
	}
	acc0, acc1 := vec(), vec()
	if zmm {
		zero(acc0)
		zero(acc1)
	} else {
		zeroY(acc0)
		zeroY(acc1)
	}
	p, pq, left := c.GP64(), ld("q"), c.GP64()
	c.LEAQ(mem(row, 8), p)
	c.MOVQ(n, left)
	// step accumulates the codes [d, d+w) (w = lanes of 16 bits) into acc.
	w := 16
	if zmm {
		w = 32
	}
	step := func(d int, acc VecVirtual) {
		v := vec()
		c.VPMOVZXBW(mem(p, d), v)
		c.VPMADDWD(mem(pq, 2*d), v, v)
		c.VPADDD(v, acc, acc)
	}
	// The loop takes 2w dimensions a pass, then one step of w when w remain
	// (n is a multiple of 32, so for AVX2 it is always a whole number of passes).
	lloop, ltail, lsum := lbl("lvqpk_loop"), lbl("lvqpk_tail"), lbl("lvqpk_sum")
	c.Label(lloop)
	c.CMPQ(left, U32(2*w))
	c.JL(LabelRef(ltail))
	step(0, acc0)
	step(w, acc1)
	c.ADDQ(U32(2*w), p)
	c.ADDQ(U32(4*w), pq)
	c.SUBQ(U32(2*w), left)
	c.JMP(LabelRef(lloop))
	c.Label(ltail)
	if zmm {
		c.TESTQ(left, left)
		c.JZ(LabelRef(lsum))
		step(0, acc0)
	}
	c.Label(lsum)
	// Each accumulator's lanes are exact; their sum could pass 2^31 near n = 4096, so the
	// accumulators are added as floats.
	c.VCVTDQ2PS(acc0, acc0)
	c.VCVTDQ2PS(acc1, acc1)
	c.VADDPS(acc1, acc0, acc0)
	dot := hsumPS(acc0, zmm)

	hdr, bias, aux, res := c.XMM(), c.XMM(), c.XMM(), c.XMM()
	{
		t := c.GP32()
		c.MOVL(mem(row, 0), t)
		c.VMOVD(t, hdr)
		c.VCVTPH2PS(hdr, hdr)
	}
	c.VMOVSHDUP(hdr, bias)
	c.VMOVSS(mem(row, 4), aux)
	c.VMULSS(hdr, dot, dot)
	c.VMOVAPS(base, res)
	c.VFMADD231SS(auxW, aux, res)
	c.VFMADD231SS(sW, dot, res)
	c.VFMADD231SS(bW, bias, res)
	lp.end(res)
}
