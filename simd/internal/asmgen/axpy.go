package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// axpyKernel emits axpyF32<sfx>(dst, x, a, n): dst[i] += a*x[i] for i < n, n a multiple of the
// vector width, four vectors a step, then one.
func axpyKernel(sfx string) {
	zmm := sfx == "AVX512"
	w := 8
	if zmm {
		w = 16
	}
	name := "axpyF32" + sfx
	text(name, "func(dst, x *float32, a float32, n int)",
		name+" adds a*x[i] to dst[i] for i < n.",
		"Precondition: n is a multiple of the vector width (8 or 16).")
	vec := func() VecVirtual {
		if zmm {
			return c.ZMM()
		}
		return c.YMM()
	}
	dst, x, n := ld("dst"), ld("x"), ld("n")
	av := vec()
	c.VBROADCASTSS(paramAddr("a"), av)
	l4, l1, lend := lbl("axpy_loop4"), lbl("axpy_loop1"), lbl("axpy_end")
	c.Label(l4)
	c.CMPQ(n, U32(4*w))
	c.JL(LabelRef(l1))
	for j := 0; j < 4; j++ {
		v := vec()
		c.VMOVUPS(mem(dst, 4*w*j), v)
		c.VFMADD231PS(mem(x, 4*w*j), av, v)
		c.VMOVUPS(v, mem(dst, 4*w*j))
	}
	c.ADDQ(U32(16*w), dst)
	c.ADDQ(U32(16*w), x)
	c.SUBQ(U32(4*w), n)
	c.JMP(LabelRef(l4))
	c.Label(l1)
	c.CMPQ(n, U32(w))
	c.JL(LabelRef(lend))
	v := vec()
	c.VMOVUPS(mem(dst, 0), v)
	c.VFMADD231PS(mem(x, 0), av, v)
	c.VMOVUPS(v, mem(dst, 0))
	c.ADDQ(U32(4*w), dst)
	c.ADDQ(U32(4*w), x)
	c.SUBQ(U32(w), n)
	c.JMP(LabelRef(l1))
	c.Label(lend)
	c.VZEROUPPER()
	c.RET()
}
