package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// out is an output array parameter of a by-id kernel and the size of its elements.
type out struct {
	name string
	size int
}

// byIDLoop emits the loop of a kernel over the rows slab[ids[i]*stride:], i < cnt (parameters
// slab, stride, ids and cnt): the first span() bytes of the first u8BatchAhead rows are
// prefetched before any is measured, then each step prefetches the row u8BatchAhead ahead and
// calls body with a pointer to row ids[i] and the output pointers, which advance by their
// element sizes after it. span is called where a fresh register is needed.
func byIDLoop(span func() Register, body func(row Register, outs []Register), outs ...out) {
	{
		ids, cnt := ld("ids"), ld("cnt")
		for k := 0; k < u8BatchAhead; k++ {
			prefetchRowAt(k, ids, ld("slab"), ld("stride"), cnt, span())
		}
	}
	ids, cnt := ld("ids"), ld("cnt")
	ptrs := make([]Register, len(outs))
	for i, o := range outs {
		ptrs[i] = ld(o.name)
	}
	lloop, lend := lbl("byid_loop"), lbl("byid_end")
	c.Label(lloop)
	c.TESTQ(cnt, cnt)
	c.JZ(LabelRef(lend))
	prefetchRowAt(u8BatchAhead, ids, ld("slab"), ld("stride"), cnt, span())
	row := c.GP64()
	c.MOVL(mem(ids, 0), row.As32())
	c.IMULQ(ld("stride"), row)
	c.ADDQ(ld("slab"), row)
	body(row, ptrs)
	c.ADDQ(U32(4), ids)
	for i, o := range outs {
		c.ADDQ(U32(uint32(o.size)), ptrs[i])
	}
	c.DECQ(cnt)
	c.JMP(LabelRef(lloop))
	c.Label(lend)
	c.VZEROUPPER()
	c.RET()
}
