package main

import (
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// Several rows at a time.
//
// A single-pair float32 kernel loads both operands for every multiply-add, so it
// is bound by the load ports (two vector loads per FMA), not by the FMA units.
// The batch and row forms measure one query against many rows: processing R rows
// per pass loads each query vector once for R rows, (R+1)/R loads per FMA, which
// lets the kernel run close to the FMA peak. AVX-512 takes R = 8 (32 vector
// registers), AVX2 R = 4 (16).

// groupRows is R for the level.
func groupRows(zmm bool) int {
	if zmm {
		return 8
	}
	return 4
}

// f32DistRows computes the float32 kernel of the query at pq against the rows at
// p[0..R-1] over n elements (pq, p and n are clobbered) and returns R/4 XMMs,
// lane k of XMM j holding the result of row 4j+k. zmm selects AVX-512 (any n,
// masked tail); the AVX2 form requires n % 8 == 0.
func f32DistRows(metric int, zmm bool, pq Register, p []Register, n Register) []VecVirtual {
	width := 8 // float32 lanes per vector
	if zmm {
		width = 16
	}
	vb := 4 * width // bytes per vector
	newVec := func() VecVirtual {
		if zmm {
			return c.ZMM()
		}
		return c.YMM()
	}
	rows := len(p)
	// Two accumulators per row when there are few rows, so that enough FMA chains are
	// in flight to cover the FMA latency.
	accs := 1
	if rows <= 4 {
		accs = 2
	}
	acc := make([][]VecVirtual, rows)
	for k := range acc {
		acc[k] = make([]VecVirtual, accs)
		for u := range acc[k] {
			acc[k][u] = newVec()
			if zmm {
				zero(acc[k][u])
			} else {
				c.VXORPS(acc[k][u], acc[k][u], acc[k][u])
			}
		}
	}
	// step accumulates one vector of the query (x) against each row at displacement disp.
	step := func(u int, x VecVirtual, disp int) {
		for k := 0; k < rows; k++ {
			a := acc[k][u%accs]
			if metric == mIP {
				c.VFMADD231PS(mem(p[k], disp), x, a)
				continue
			}
			t := newVec()
			c.VSUBPS(mem(p[k], disp), x, t)
			c.VFMADD231PS(t, t, a)
		}
	}
	advance := func(bytes, elems int) {
		c.ADDQ(U32(bytes), pq)
		for k := 0; k < rows; k++ {
			c.ADDQ(U32(bytes), p[k])
		}
		c.SUBQ(U32(elems), n)
	}
	l2x, l1x, ltail, ldone := lbl("f32xr_2v"), lbl("f32xr_1v"), lbl("f32xr_tail"), lbl("f32xr_done")
	c.Label(l2x)
	c.CMPQ(n, U32(2*width))
	c.JL(LabelRef(l1x))
	for u := 0; u < 2; u++ {
		x := newVec()
		c.VMOVUPS(mem(pq, u*vb), x)
		step(u, x, u*vb)
	}
	advance(2*vb, 2*width)
	c.JMP(LabelRef(l2x))

	c.Label(l1x)
	c.CMPQ(n, U32(width))
	c.JL(LabelRef(ltail))
	x := newVec()
	c.VMOVUPS(mem(pq, 0), x)
	step(0, x, 0)
	advance(vb, width)

	c.Label(ltail)
	if zmm {
		c.TESTQ(n, n)
		c.JZ(LabelRef(ldone))
		m := c.GP32()
		c.MOVL(U32(0xffffffff), m)
		c.BZHIL(n.(GPVirtual).As32(), m, m)
		km := c.K()
		c.KMOVW(m, km)
		xq := c.ZMM()
		c.VMOVUPS_Z(mem(pq, 0), km, xq)
		for k := 0; k < rows; k++ {
			xr := c.ZMM()
			c.VMOVUPS_Z(mem(p[k], 0), km, xr)
			a := acc[k][accs-1]
			if metric == mIP {
				c.VFMADD231PS(xr, xq, a)
			} else {
				c.VSUBPS(xr, xq, xr)
				c.VFMADD231PS(xr, xr, a)
			}
		}
	}
	c.Label(ldone)

	// Fold each row's accumulators to four lanes, then transpose-add groups of four rows.
	// (Only EVEX-encodable instructions: the AVX-512 form may be given X16-X31.)
	part := make([]VecVirtual, rows)
	for k := 0; k < rows; k++ {
		a := acc[k][0]
		for u := 1; u < accs; u++ {
			c.VADDPS(acc[k][u], a, a)
		}
		y := a
		if zmm {
			y = c.YMM()
			c.VEXTRACTF64X4(U8(1), a, y)
			c.VADDPS(y, a.AsY(), y)
		}
		r := c.XMM()
		if zmm {
			c.VEXTRACTF32X4(U8(1), y, r)
		} else {
			c.VEXTRACTF128(U8(1), y, r)
		}
		c.VADDPS(r, y.AsX(), r)
		part[k] = r
	}
	pair := func(a, b VecVirtual) VecVirtual {
		lo, hi := c.XMM(), c.XMM()
		c.VUNPCKLPS(b, a, lo) // a0 b0 a1 b1
		c.VUNPCKHPS(b, a, hi) // a2 b2 a3 b3
		c.VADDPS(hi, lo, lo)
		return lo
	}
	var out []VecVirtual
	for j := 0; j < rows; j += 4 {
		s0, s1 := pair(part[j], part[j+1]), pair(part[j+2], part[j+3])
		u0, u1 := c.XMM(), c.XMM()
		c.VMOVLHPS(s1, s0, u0) // s0[0:2] s1[0:2]
		c.VMOVHLPS(s0, s1, u1) // s0[2:4] s1[2:4]
		c.VADDPS(u1, u0, u0)
		out = append(out, u0)
	}
	return out
}

// prefetchNext issues PREFETCHT0 on the first cache lines (up to pfLines)
// of each of the rows ids[rows..2*rows-1] of a batch: the next group, loaded while
// the current group is computed. n is the row length in float32 elements (> 0).
// pfLines is how many cache lines of each next-group row are prefetched. The
// hardware prefetcher follows a row once its first lines were requested; on
// Fashion-MNIST graph search 2, 4 and 8 lines measured alike (within noise) and
// all about 15% above no prefetch, while in L1 each prefetch costs a load slot.
const pfLines = 4

func prefetchNext(rows int, ids, slab, stride, n Register) {
	lines := c.GP64()
	for k := 0; k < rows; k++ {
		pf := c.GP64()
		c.MOVL(mem(ids, 4*(rows+k)), pf.As32())
		c.IMULQ(stride, pf)
		c.ADDQ(slab, pf)
		// lines = min(ceil(n/16), pfLines)
		c.MOVQ(n, lines)
		c.ADDQ(U32(15), lines)
		c.SHRQ(U8(4), lines)
		capped := lbl("pf_capped")
		c.CMPQ(lines, U32(uint32(pfLines)))
		c.JLE(LabelRef(capped))
		c.MOVQ(U32(uint32(pfLines)), lines)
		c.Label(capped)
		loop := lbl("pf_rows")
		c.Label(loop)
		c.PREFETCHT0(mem(pf, 0))
		c.ADDQ(U32(64), pf)
		c.DECQ(lines)
		c.JNZ(LabelRef(loop))
	}
}

// groupLoop emits the R-rows-at-a-time part of a batch (ids) or rows (contiguous)
// kernel: while cnt >= R it computes out[0..R-1] and advances. The loop state
// lives in the argument slots (ids or slab, out, cnt; stride is stored there in
// bytes) so that the R row pointers have registers of their own; the caller
// reloads its registers afterwards and finishes the remaining rows one at a time.
// n must be > 0 (and, for AVX2, a multiple of 8: the caller skips this otherwise).
func groupLoop(metric int, zmm, byID bool) {
	rows := groupRows(zmm)
	loop, done := lbl("group_loop"), lbl("group_done")
	c.Label(loop)
	{
		cnt := ld("cnt")
		c.CMPQ(cnt, U32(uint32(rows)))
		c.JL(LabelRef(done))
	}
	p := make([]Register, rows)
	{
		slab, stride := ld("slab"), ld("stride")
		if byID {
			ids := ld("ids")
			nopf := lbl("group_nopf")
			cnt := ld("cnt")
			c.CMPQ(cnt, U32(uint32(2*rows)))
			c.JL(LabelRef(nopf))
			prefetchNext(rows, ids, slab, stride, ld("n"))
			c.Label(nopf)
			for k := range p {
				p[k] = c.GP64()
				c.MOVL(mem(ids, 4*k), p[k].(GPVirtual).As32())
				c.IMULQ(stride, p[k])
				c.ADDQ(slab, p[k])
			}
			c.ADDQ(U32(uint32(4*rows)), ids)
			c.Store(ids, c.Param("ids"))
		} else {
			for k := range p {
				p[k] = c.GP64()
				if k == 0 {
					c.MOVQ(slab, p[k])
				} else {
					c.LEAQ(Mem{Base: p[k-1], Index: stride, Scale: 1}, p[k])
				}
			}
			next := c.GP64()
			c.LEAQ(Mem{Base: p[rows-1], Index: stride, Scale: 1}, next)
			c.Store(next, c.Param("slab"))
		}
	}
	res := f32DistRows(metric, zmm, ld("q"), p, ld("n"))
	out := ld("out")
	for j, r := range res {
		c.VMOVUPS(r, mem(out, 16*j))
	}
	c.ADDQ(U32(uint32(4*rows)), out)
	c.Store(out, c.Param("out"))
	cnt := ld("cnt")
	c.SUBQ(U32(uint32(rows)), cnt)
	c.Store(cnt, c.Param("cnt"))
	c.JMP(LabelRef(loop))
	c.Label(done)
}

// groupsFirst starts a batch or rows kernel: it stores the stride argument in
// bytes and, when n allows it, runs groupLoop. The one-row loop that follows
// reloads every argument.
func groupsFirst(metric int, zmm, byID bool) {
	stride := ld("stride")
	c.SHLQ(U8(2), stride)
	c.Store(stride, c.Param("stride"))
	n := ld("n")
	skip := lbl("groups_skip")
	c.TESTQ(n, n)
	c.JZ(LabelRef(skip))
	if !zmm {
		c.TESTQ(U32(7), n)
		c.JNZ(LabelRef(skip))
	}
	groupLoop(metric, zmm, byID)
	c.Label(skip)
}
