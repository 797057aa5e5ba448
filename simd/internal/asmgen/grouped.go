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
// registers), AVX2 R = 2 (16).

// groupRows is R for the level.
func groupRows(zmm bool) int {
	if zmm {
		return 8
	}
	return 2
}

// accsPerRow is the number of accumulators per row: enough FMA chains in flight
// for a single row (FMA latency 4 cycles) and the same for every R, so that all
// forms sum in one order. AVX-512: 8 rows x 2 accumulators; AVX2 (16 registers):
// 2 rows x 4.
func accsPerRow(zmm bool) int {
	if zmm {
		return 2
	}
	return 4
}

// f32DistRows computes the float32 kernel of the query at pq against the rows at
// p[0..R-1] over n elements (pq, p and n are clobbered) and returns R/4 XMMs,
// lane k of XMM j holding the result of row 4j+k (R = 1 or 2: one XMM, results
// in lanes 0 and 1). zmm selects AVX-512 (any n, masked tail). On AVX2 a single row takes any n
// (scalar tail); several rows need n % 8 == 0.
//
// Every row is summed in the same order whatever R is: vectors go to the
// accumulators in turn (blocks of accsPerRow, then single vectors, then the
// masked tail), the accumulators are added in a fixed order and folded to four
// lanes, which are summed as (l0+l2)+(l1+l3). So a distance does not depend on how a batch was grouped, and
// the single-pair kernel (R = 1) agrees bit for bit with the batch forms.
//
// If pf is non-nil (R = 1 only), one PREFETCHT0 is issued per 64 bytes consumed,
// at pf advanced in step with the row.
func f32DistRows(metric int, zmm bool, pq Register, p []Register, n, pf Register) []VecVirtual {
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
	accs := accsPerRow(zmm)
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
	// step accumulates one vector of the query (x) against each row at displacement disp
	// into accumulator u.
	step := func(u int, x VecVirtual, disp int) {
		for k := 0; k < rows; k++ {
			a := acc[k][u]
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
		if pf != nil {
			c.ADDQ(U32(bytes), pf)
		}
		c.SUBQ(U32(elems), n)
	}
	prefetch := func(bytes int) {
		if pf == nil {
			return
		}
		for off := 0; off < bytes; off += 64 {
			c.PREFETCHT0(mem(pf, off))
		}
	}
	var s VecVirtual // AVX2 single row: scalar tail sum
	if !zmm && rows == 1 {
		s = c.XMM()
		c.VXORPS(s, s, s)
	}
	// tail handles the last n < width elements: AVX-512 masked, into accumulator u;
	// AVX2 (one row) a scalar loop into s.
	tail := func(u int) {
		if !zmm {
			if rows != 1 {
				return
			}
			loop, end := lbl("f32xr_stail"), lbl("f32xr_stail_end")
			c.Label(loop)
			c.TESTQ(n, n)
			c.JZ(LabelRef(end))
			xs := c.XMM()
			c.VMOVSS(mem(pq, 0), xs)
			if metric == mIP {
				c.VFMADD231SS(mem(p[0], 0), xs, s)
			} else {
				c.VSUBSS(mem(p[0], 0), xs, xs)
				c.VFMADD231SS(xs, xs, s)
			}
			c.ADDQ(U32(4), pq)
			c.ADDQ(U32(4), p[0])
			c.DECQ(n)
			c.JMP(LabelRef(loop))
			c.Label(end)
			return
		}
		skip := lbl("f32xr_notail")
		c.TESTQ(n, n)
		c.JZ(LabelRef(skip))
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
			a := acc[k][u]
			if metric == mIP {
				c.VFMADD231PS(xr, xq, a)
			} else {
				c.VSUBPS(xr, xq, xr)
				c.VFMADD231PS(xr, xr, a)
			}
		}
		c.Label(skip)
	}

	// Whole blocks of accs vectors, vector u of a block into accumulator u; then up to
	// accs-1 single vectors into accumulators 0, 1, ...; then the tail into the next one.
	lblock, ldone := lbl("f32xr_block"), lbl("f32xr_done")
	lsingles := lbl("f32xr_singles")
	c.Label(lblock)
	c.CMPQ(n, U32(accs*width))
	c.JL(LabelRef(lsingles))
	for u := 0; u < accs; u++ {
		x := newVec()
		c.VMOVUPS(mem(pq, u*vb), x)
		step(u, x, u*vb)
	}
	prefetch(accs * vb)
	advance(accs*vb, accs*width)
	c.JMP(LabelRef(lblock))

	c.Label(lsingles)
	tails := make([]string, accs)
	for u := range tails {
		tails[u] = lbl("f32xr_tail")
	}
	for u := 0; u < accs-1; u++ {
		c.CMPQ(n, U32(width))
		c.JL(LabelRef(tails[u]))
		x := newVec()
		c.VMOVUPS(mem(pq, 0), x)
		step(u, x, 0)
		prefetch(vb)
		advance(vb, width)
	}
	for u := accs - 1; u >= 0; u-- {
		c.Label(tails[u])
		if zmm || u == 0 {
			tail(u)
			c.JMP(LabelRef(ldone))
		}
	}
	c.Label(ldone)

	// Fold each row's accumulators to four lanes, then transpose-add groups of four rows.
	// (Only EVEX-encodable instructions: the AVX-512 form may be given X16-X31.)
	part := make([]VecVirtual, rows)
	for k := 0; k < rows; k++ {
		a := acc[k][0]
		for u := 1; u < accs; u += 2 {
			if u+1 < accs {
				c.VADDPS(acc[k][u+1], acc[k][u], acc[k][u])
			}
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
	if rows == 1 {
		r := part[0]
		if s != nil {
			c.VADDPS(s, r, r) // lane 0 only: s holds the scalar tail there, zeros elsewhere
		}
		hsumPS4(r) // (l0+l2)+(l1+l3), as the transposition below
		return []VecVirtual{r}
	}
	pair := func(a, b VecVirtual) VecVirtual {
		lo, hi := c.XMM(), c.XMM()
		c.VUNPCKLPS(b, a, lo) // a0 b0 a1 b1
		c.VUNPCKHPS(b, a, hi) // a2 b2 a3 b3
		c.VADDPS(hi, lo, lo)
		return lo
	}
	if rows == 2 {
		lo := pair(part[0], part[1]) // a0+a2 b0+b2 a1+a3 b1+b3
		hi := c.XMM()
		c.VMOVHLPS(lo, lo, hi)
		c.VADDPS(hi, lo, lo)
		return []VecVirtual{lo}
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

// pfLines is how many cache lines of each next-group row are prefetched. The
// hardware prefetcher follows a row once its first lines were requested; on
// Fashion-MNIST graph search 2, 4 and 8 lines measured alike (within noise) and
// all about 15% above no prefetch, while in L1 each prefetch costs a load slot.
const pfLines = 4

func prefetchNext(rows int, ids, slab, stride, n Register) {
	// lines = min(ceil(n/16), pfLines)
	lines := c.GP64()
	c.MOVQ(n, lines)
	c.ADDQ(U32(15), lines)
	c.SHRQ(U8(4), lines)
	capped := lbl("pf_capped")
	c.CMPQ(lines, U32(uint32(pfLines)))
	c.JLE(LabelRef(capped))
	c.MOVQ(U32(uint32(pfLines)), lines)
	c.Label(capped)
	for k := 0; k < rows; k++ {
		pf, l := c.GP64(), c.GP64()
		c.MOVL(mem(ids, 4*(rows+k)), pf.As32())
		c.IMULQ(stride, pf)
		c.ADDQ(slab, pf)
		c.MOVQ(lines, l)
		loop := lbl("pf_rows")
		c.Label(loop)
		c.PREFETCHT0(mem(pf, 0))
		c.ADDQ(U32(64), pf)
		c.DECQ(l)
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
	res := f32DistRows(metric, zmm, ld("q"), p, ld("n"), nil)
	out := ld("out")
	for j, r := range res {
		if rows == 2 {
			c.VMOVSD(r, mem(out, 0))
		} else {
			c.VMOVUPS(r, mem(out, 16*j))
		}
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
