package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// u8BatchAhead is how many rows ahead the byte batch kernels prefetch whole rows. Graph
// search reads rows in an order the hardware prefetcher cannot guess, and a row of sq8 or sq4
// codes spans several lines; the prefetched rows stay in flight while the current one is measured.
const u8BatchAhead = 8

// batchKernels emits the by-id forms of the byte kernels named by names (uint8 or packed
// nibbles, whose distance dist measures n bytes): out[i] is the kernel over a[:n] and
// slab[ids[i]*stride:][:n], whole rows prefetched u8BatchAhead ahead.
func batchKernels(names [2]string, what, sfx string, dist func(metric int, pa, pb, n Register) Register, pre string) {
	for metric := mL2; metric <= mIP; metric++ {
		name := names[metric] + "Batch" + sfx
		text(name, "func(a, slab *uint8, n, stride int, ids *uint32, out *uint32, cnt int)",
			name+" sets out[i] to the "+what+" kernel over a[:n] and slab[ids[i]*stride:][:n] for i < cnt, prefetching the rows of ids[i+1..i+"+fmt.Sprint(u8BatchAhead)+"]. "+pre)
		// the first rows: all their lines before any is measured
		{
			ids, cnt := ld("ids"), ld("cnt")
			for k := 0; k < u8BatchAhead; k++ {
				skip := lbl("u8b_pf0")
				c.CMPQ(cnt, U32(uint32(k)))
				c.JLE(LabelRef(skip))
				pf := c.GP64()
				c.MOVL(mem(ids, 4*k), pf.As32())
				c.IMULQ(ld("stride"), pf)
				c.ADDQ(ld("slab"), pf)
				prefetchRow(pf, ld("n"))
				c.Label(skip)
			}
		}
		ids, out, cnt := ld("ids"), ld("out"), ld("cnt")
		lloop, lend, lnopf := lbl("u8b_loop"), lbl("u8b_end"), lbl("u8b_nopf")
		c.Label(lloop)
		c.TESTQ(cnt, cnt)
		c.JZ(LabelRef(lend))
		c.CMPQ(cnt, U32(uint32(u8BatchAhead)))
		c.JLE(LabelRef(lnopf))
		{
			pf := c.GP64()
			c.MOVL(mem(ids, 4*u8BatchAhead), pf.As32())
			c.IMULQ(ld("stride"), pf)
			c.ADDQ(ld("slab"), pf)
			prefetchRow(pf, ld("n"))
		}
		c.Label(lnopf)
		pb := c.GP64()
		c.MOVL(mem(ids, 0), pb.As32())
		c.IMULQ(ld("stride"), pb)
		c.ADDQ(ld("slab"), pb)
		r := dist(metric, ld("a"), pb, ld("n"))
		c.MOVL(r, mem(out, 0))
		c.ADDQ(U32(4), ids)
		c.ADDQ(U32(4), out)
		c.DECQ(cnt)
		c.JMP(LabelRef(lloop))
		c.Label(lend)
		c.VZEROUPPER()
		c.RET()
	}
}
