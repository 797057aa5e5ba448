package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The fp16 column kernels: z += Σ_j x[j]·col(j) over the nonzero x[j], the columns fp16 rows of
// a column-major matrix. A matrix-vector product in which the vector's zeros cost nothing and
// no horizontal sums are needed. accF16Cols<v> keeps v vectors of float32 sums in registers
// over all the columns, so z is read and written once. The vector is read a register at a
// time; its nonzero lanes, as a bit mask, are taken lowest first (one branch per lane taken
// and one per register, not one per entry), each adding its column to the sums.

// accCols returns the vector width in float32 lanes and the most accumulators one kernel keeps:
// AVX-512 16 lanes x 16 ZMM (256 outputs), AVX2 8 lanes x 12 YMM (96 outputs; 16 registers).
func accCols(zmm bool) (width, most int) {
	if zmm {
		return 16, 16
	}
	return 8, 12
}

// f16ColKernels emits accF16Cols1<sfx> .. accF16Cols<most><sfx>.
func f16ColKernels(sfx string, zmm bool) {
	width, most := accCols(zmm)
	for nv := 1; nv <= most; nv++ {
		name := fmt.Sprintf("accF16Cols%d%s", nv, sfx)
		text(name, "func(z *float32, cols *uint16, stride int, x *float32, n int)",
			fmt.Sprintf("%s adds x[j] times the fp16 column at cols[j*stride:] (stride in bytes) to z[:%d] for every j < n", name, width*nv),
			fmt.Sprintf("with x[j] != 0, in order of j. Precondition: the column of every nonzero x[j] holds at least %d values inside cols.", width*nv))
		vec := func() VecVirtual {
			if zmm {
				return c.ZMM()
			}
			return c.YMM()
		}
		z := ld("z")
		acc := make([]VecVirtual, nv)
		for v := range acc {
			acc[v] = vec()
			c.VMOVUPS(mem(z, 4*width*v), acc[v])
		}
		cols, stride, x, n := ld("cols"), ld("stride"), ld("x"), ld("n")
		zeros := vec()
		if zmm {
			zero(zeros)
		} else {
			zeroY(zeros)
		}
		lreg, lbit, lnext, ltail, ldone := lbl("acccols_reg"), lbl("acccols_bit"), lbl("acccols_next"), lbl("acccols_tail"), lbl("acccols_done")
		c.Label(lreg)
		c.CMPQ(n, U32(uint32(width)))
		c.JL(LabelRef(ltail))
		mask := c.GP32()
		{
			xv := vec()
			c.VMOVUPS(mem(x, 0), xv)
			if zmm {
				k := c.K()
				c.VCMPPS(U8(4), zeros, xv, k) // NEQ_UQ: nonzero (or NaN) lanes
				c.KMOVW(k, mask)
			} else {
				m := c.YMM()
				c.VCMPPS(U8(4), zeros, xv, m)
				c.VMOVMSKPS(m, mask)
			}
		}
		c.Label(lbit)
		c.TESTL(mask, mask)
		c.JZ(LabelRef(lnext))
		b := c.GP64()
		c.BSFL(mask, b.As32())
		t := c.GP32()
		c.LEAL(Mem{Base: mask, Disp: -1}, t)
		c.ANDL(t, mask)
		p := c.GP64()
		c.MOVQ(b, p)
		c.IMULQ(stride, p)
		c.ADDQ(cols, p)
		wv := vec()
		c.VBROADCASTSS(Mem{Base: x, Index: b, Scale: 4}, wv)
		for v := range acc {
			tv := vec()
			c.VCVTPH2PS(mem(p, 2*width*v), tv)
			c.VFMADD231PS(tv, wv, acc[v])
		}
		c.JMP(LabelRef(lbit))
		c.Label(lnext)
		c.ADDQ(U32(uint32(4*width)), x)
		{
			// the next register's columns start width columns on
			s := c.GP64()
			c.MOVQ(stride, s)
			shift := 3 // 8 lanes
			if zmm {
				shift = 4
			}
			c.SHLQ(U8(uint8(shift)), s)
			c.ADDQ(s, cols)
		}
		c.SUBQ(U32(uint32(width)), n)
		c.JMP(LabelRef(lreg))

		// the last n % width entries one at a time
		c.Label(ltail)
		c.TESTQ(n, n)
		c.JZ(LabelRef(ldone))
		{
			ladd, lskip := lbl("acccols_tadd"), lbl("acccols_tskip")
			sv := c.XMM()
			c.VMOVSS(mem(x, 0), sv)
			c.VUCOMISS(zeros.AsX(), sv) // equal: ZF=1, PF=0; unordered (NaN): ZF=PF=1
			c.JNE(LabelRef(ladd))
			c.JP(LabelRef(ladd))
			c.JMP(LabelRef(lskip))
			c.Label(ladd)
			wv := vec()
			c.VBROADCASTSS(mem(x, 0), wv)
			for v := range acc {
				tv := vec()
				c.VCVTPH2PS(mem(cols, 2*width*v), tv)
				c.VFMADD231PS(tv, wv, acc[v])
			}
			c.Label(lskip)
			c.ADDQ(U32(4), x)
			c.ADDQ(stride, cols)
			c.DECQ(n)
			c.JMP(LabelRef(ltail))
		}
		c.Label(ldone)
		for v := range acc {
			c.VMOVUPS(acc[v], mem(z, 4*width*v))
		}
		c.VZEROUPPER()
		c.RET()
	}
}
