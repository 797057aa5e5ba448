package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// The fp16 batch kernels: a float32 query against fp16 rows picked by id, eight rows per
// pass (AVX-512). A one-row kernel is bound by the latency of the rows it reads from memory
// one after another; eight rows in flight keep eight streams of misses going, and the query
// vector is loaded once per eight rows. Every row is summed in the same order whatever the
// group (two accumulators over blocks of 32 elements, one more vector into the first, the
// masked tail into the second, then a fixed fold), so a distance does not depend on how the
// batch was grouped and a one-id batch gives the same value.

// halfGroupRows is the rows per pass; halfPfLines caps the lines of each row prefetched: the
// first group's rows whole before any is measured, then the next group's while one is measured.
// Requesting the whole rows, not their first lines, took a 20-row batch from a 94 MB slab
// (784 dimensions) from 2.5 to 1.9 us; prefetching two groups ahead was slower.
const (
	halfGroupRows = 8
	halfPfLines   = 32
)

// f16DistRows computes the kernel of the float32 query at pq against the fp16 rows at p over
// n elements (pq, p and n are clobbered) and returns one XMM per row, the result in lane 0.
func f16DistRows(metric int, pq Register, p []Register, n Register) []VecVirtual {
	const width = 16 // float32 lanes per ZMM; a row vector is 32 bytes of fp16
	rows := len(p)
	acc := make([][2]VecVirtual, rows)
	for k := range acc {
		for u := range acc[k] {
			acc[k][u] = zero(c.ZMM())
		}
	}
	step := func(u int, x VecVirtual, src func(k int) Op) {
		for k := 0; k < rows; k++ {
			v := c.ZMM()
			c.VCVTPH2PS(src(k), v)
			if metric == mIP {
				c.VFMADD231PS(v, x, acc[k][u])
				continue
			}
			c.VSUBPS(v, x, v)
			c.VFMADD231PS(v, v, acc[k][u])
		}
	}
	advance := func(elems int) {
		c.ADDQ(U32(uint32(4*elems)), pq)
		for k := 0; k < rows; k++ {
			c.ADDQ(U32(uint32(2*elems)), p[k])
		}
		c.SUBQ(U32(uint32(elems)), n)
	}
	lblock, lsingle, ltail, ldone := lbl("f16b_block"), lbl("f16b_single"), lbl("f16b_tail"), lbl("f16b_done")
	c.Label(lblock)
	c.CMPQ(n, U32(2*width))
	c.JL(LabelRef(lsingle))
	for u := 0; u < 2; u++ {
		x := c.ZMM()
		c.VMOVUPS(mem(pq, 4*width*u), x)
		step(u, x, func(k int) Op { return mem(p[k], 2*width*u) })
	}
	advance(2 * width)
	c.JMP(LabelRef(lblock))

	c.Label(lsingle)
	c.CMPQ(n, U32(width))
	c.JL(LabelRef(ltail))
	{
		x := c.ZMM()
		c.VMOVUPS(mem(pq, 0), x)
		step(0, x, func(k int) Op { return mem(p[k], 0) })
		advance(width)
	}
	c.Label(ltail)
	c.TESTQ(n, n)
	c.JZ(LabelRef(ldone))
	{
		// masked loads: lanes past n read as zero in both operands
		m := c.GP32()
		c.MOVL(U32(0xffffffff), m)
		c.BZHIL(n.(GPVirtual).As32(), m, m)
		km := c.K()
		c.KMOVW(m, km)
		x := c.ZMM()
		c.VMOVUPS_Z(mem(pq, 0), km, x)
		raw := make([]VecVirtual, rows)
		for k := 0; k < rows; k++ {
			raw[k] = c.YMM()
			c.VMOVDQU16_Z(mem(p[k], 0), km, raw[k])
		}
		step(1, x, func(k int) Op { return raw[k] })
	}
	c.Label(ldone)
	out := make([]VecVirtual, rows)
	for k := 0; k < rows; k++ {
		a := acc[k][0]
		c.VADDPS(acc[k][1], a, a)
		y := c.YMM()
		c.VEXTRACTF64X4(U8(1), a, y)
		c.VADDPS(y, a.AsY(), y)
		r := c.XMM()
		c.VEXTRACTF32X4(U8(1), y, r)
		c.VADDPS(r, y.AsX(), r)
		hsumPS4(r)
		out[k] = r
	}
	return out
}

// halfPrefetch prefetches the first lines (at most halfPfLines, as many as n fp16 elements
// span) of the rows ids[first..first+rows-1] that exist (first+k < cnt).
func halfPrefetch(ids Register, first, rows int, slab, stride, n, cnt Register) {
	lines := c.GP64()
	c.MOVQ(n, lines)
	c.ADDQ(U32(31), lines)
	c.SHRQ(U8(5), lines)
	capped := lbl("f16b_pfcap")
	c.CMPQ(lines, U32(halfPfLines))
	c.JLE(LabelRef(capped))
	c.MOVQ(U32(halfPfLines), lines)
	c.Label(capped)
	lpfdone := lbl("f16b_pfdone")
	for k := 0; k < rows; k++ {
		c.CMPQ(cnt, U32(uint32(first+k)))
		c.JLE(LabelRef(lpfdone))
		pf, l := c.GP64(), c.GP64()
		c.MOVL(mem(ids, 4*(first+k)), pf.As32())
		c.IMULQ(stride, pf)
		c.ADDQ(slab, pf)
		c.MOVQ(lines, l)
		loop, end := lbl("f16b_pf"), lbl("f16b_pf_end")
		c.Label(loop)
		c.TESTQ(l, l)
		c.JZ(LabelRef(end))
		c.PREFETCHT0(mem(pf, 0))
		c.ADDQ(U32(64), pf)
		c.DECQ(l)
		c.JMP(LabelRef(loop))
		c.Label(end)
	}
	c.Label(lpfdone)
}

// halfBatchKernels emits l2F16Batch<sfx> and ipF16Batch<sfx> (AVX-512).
func halfBatchKernels(sfx string) {
	for metric := mL2; metric <= mIP; metric++ {
		mn := metricName[metric]
		name := mn + "F16Batch" + sfx
		text(name, "func(q *float32, n int, slab *uint16, stride int, ids *uint32, out *float32, cnt int)",
			fmt.Sprintf("%s sets out[i] to the %s kernel of q[:n] and the fp16 row at slab[ids[i]*stride:] (stride in bytes) for i < cnt,", name, mn),
			"eight rows per pass (the first eight rows prefetched whole, then the next eight during each pass), the rest one at a time; every row is summed",
			"in the same order whatever the grouping. Preconditions: every row lies inside slab; out has cnt entries. Any n >= 0.")
		const R = halfGroupRows
		// the first group's rows are requested whole before any is measured
		halfPrefetch(ld("ids"), 0, R, ld("slab"), ld("stride"), ld("n"), ld("cnt"))
		lgroup, lgdone := lbl("f16b_group"), lbl("f16b_gdone")
		c.Label(lgroup)
		{
			cnt := ld("cnt")
			c.CMPQ(cnt, U32(R))
			c.JL(LabelRef(lgdone))
			halfPrefetch(ld("ids"), R, R, ld("slab"), ld("stride"), ld("n"), cnt)
		}
		p := make([]Register, R)
		{
			ids, slab, stride := ld("ids"), ld("slab"), ld("stride")
			for k := range p {
				p[k] = c.GP64()
				c.MOVL(mem(ids, 4*k), p[k].(GPVirtual).As32())
				c.IMULQ(stride, p[k])
				c.ADDQ(slab, p[k])
			}
			c.ADDQ(U32(4*R), ids)
			c.Store(ids, c.Param("ids"))
		}
		res := f16DistRows(metric, ld("q"), p, ld("n"))
		{
			out := ld("out")
			for k, r := range res {
				c.VMOVSS(r, mem(out, 4*k))
			}
			c.ADDQ(U32(4*R), out)
			c.Store(out, c.Param("out"))
			cnt := ld("cnt")
			c.SUBQ(U32(R), cnt)
			c.Store(cnt, c.Param("cnt"))
		}
		c.JMP(LabelRef(lgroup))
		c.Label(lgdone)

		// the rest, one row at a time, the next row's first lines prefetched
		lloop, lend := lbl("f16b_one"), lbl("f16b_end")
		c.Label(lloop)
		{
			cnt := ld("cnt")
			c.TESTQ(cnt, cnt)
			c.JZ(LabelRef(lend))
			halfPrefetch(ld("ids"), 1, 1, ld("slab"), ld("stride"), ld("n"), cnt)
		}
		{
			ids := ld("ids")
			pb := c.GP64()
			c.MOVL(mem(ids, 0), pb.As32())
			c.IMULQ(ld("stride"), pb)
			c.ADDQ(ld("slab"), pb)
			c.ADDQ(U32(4), ids)
			c.Store(ids, c.Param("ids"))
			r := f16DistRows(metric, ld("q"), []Register{pb}, ld("n"))
			out := ld("out")
			c.VMOVSS(r[0], mem(out, 0))
			c.ADDQ(U32(4), out)
			c.Store(out, c.Param("out"))
			cnt := ld("cnt")
			c.DECQ(cnt)
			c.Store(cnt, c.Param("cnt"))
		}
		c.JMP(LabelRef(lloop))
		c.Label(lend)
		c.VZEROUPPER()
		c.RET()
	}
}
