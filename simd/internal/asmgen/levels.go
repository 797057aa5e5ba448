package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// levelsKernels emits levelsU8AVX512 and levelsU4AVX512, the uniform scalar quantizer's
// encoding of float32 values to levels: t = (x-lo)*inv + 0.5 with each step rounded to float32
// (no fused multiply-add, so the levels equal the Go reference's bit for bit), 0 for NaN and
// t <= 0, else trunc(min(t, top)). Both return the sum of the levels; the 4-bit form packs two
// levels a byte, low nibble first.
func levelsKernels() {
	for _, bits := range []int{8, 4} {
		name, width := "levelsU8AVX512", 16
		doc := name + " writes the uniform levels of src[:n] to dst[:n] and returns their sum. Precondition: n % 16 == 0."
		if bits == 4 {
			name, width = "levelsU4AVX512", 32
			doc = name + " writes the uniform levels of src[:n] (each below 16), two a byte with the low nibble first, to dst[:n/2] and returns their sum. Precondition: n % 32 == 0."
		}
		text(name, "func(dst *uint8, src *float32, n int, lo, inv, top float32) uint32", doc)
		dst, src, n := ld("dst"), ld("src"), ld("n")
		bc := func(name string) VecVirtual {
			x := c.Load(c.Param(name), c.XMM())
			z := c.ZMM()
			c.VBROADCASTSS(x, z)
			return z
		}
		lo, inv, top := bc("lo"), bc("inv"), bc("top")
		half := bcast32(0x3f000000, true) // 0.5
		zeroV := zero(c.ZMM())
		acc := zero(c.ZMM())
		// levels returns the levels of the 16 values at src+off as int32 lanes, added to acc
		levels := func(off int) VecVirtual {
			t := c.ZMM()
			c.VMOVUPS(mem(src, off), t)
			c.VSUBPS(lo, t, t)
			c.VMULPS(inv, t, t)
			c.VADDPS(half, t, t)
			// MAXPS returns its second source when either is NaN: NaN and t <= 0 become 0
			c.VMAXPS(zeroV, t, t)
			c.VMINPS(top, t, t)
			c.VCVTTPS2DQ(t, t)
			c.VPADDD(t, acc, acc)
			return t
		}
		loop, done := lbl("lev"), lbl("lev_done")
		c.Label(loop)
		c.TESTQ(n, n)
		c.JZ(LabelRef(done))
		if bits == 8 {
			c.VPMOVDB(levels(0), mem(dst, 0))
		} else {
			// 32 levels to bytes, as 16 words of an even and an odd level; word | word>>4 holds
			// both nibbles in its low byte, which VPMOVWB keeps
			a, b := levels(0), levels(64)
			w := c.YMM()
			c.VPMOVDB(a, w.AsX())
			hi := c.XMM()
			c.VPMOVDB(b, hi)
			c.VINSERTI128(U8(1), hi, w, w)
			s := c.YMM()
			c.VPSRLW(U8(4), w, s)
			c.VPOR(s, w, w)
			c.VPMOVWB(w, mem(dst, 0))
		}
		c.ADDQ(U32(uint32(4*width)), src)
		c.ADDQ(U32(uint32(width*bits/8)), dst)
		c.SUBQ(U32(uint32(width)), n)
		c.JMP(LabelRef(loop))
		c.Label(done)
		r := reduceD([]VecVirtual{acc}, true)
		c.Store(r, c.ReturnIndex(0))
		c.VZEROUPPER()
		c.RET()
	}
}
