package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The fp16 column kernels: z += Σ_k w[k]·col(idx[k]), the columns fp16 rows of a column-major
// matrix. A matrix-vector product over the nonzero entries of the vector alone: the vector's
// zeros cost nothing, and the product needs no horizontal sums. accF16Cols<v> keeps v vectors
// of float32 sums in registers over all the columns, so z is read and written once.

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
		text(name, "func(z *float32, cols *uint16, stride int, idx *uint32, w *float32, cnt int)",
			fmt.Sprintf("%s adds w[k] times the fp16 column at cols[idx[k]*stride:] (stride in bytes) to z[:%d] for k < cnt,", name, width*nv),
			"the columns in order. Preconditions: every column holds at least "+fmt.Sprint(width*nv)+" values inside cols; cnt >= 0.")
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
		cols, stride, idx, w, cnt := ld("cols"), ld("stride"), ld("idx"), ld("w"), ld("cnt")
		loop, done := lbl("acccols_loop"), lbl("acccols_done")
		c.Label(loop)
		c.TESTQ(cnt, cnt)
		c.JZ(LabelRef(done))
		p := c.GP64()
		c.MOVL(mem(idx, 0), p.As32())
		c.IMULQ(stride, p)
		c.ADDQ(cols, p)
		wv := vec()
		c.VBROADCASTSS(mem(w, 0), wv)
		for v := range acc {
			t := vec()
			c.VCVTPH2PS(mem(p, 2*width*v), t)
			c.VFMADD231PS(t, wv, acc[v])
		}
		c.ADDQ(U32(4), idx)
		c.ADDQ(U32(4), w)
		c.DECQ(cnt)
		c.JMP(LabelRef(loop))
		c.Label(done)
		for v := range acc {
			c.VMOVUPS(acc[v], mem(z, 4*width*v))
		}
		c.VZEROUPPER()
		c.RET()
	}
}
