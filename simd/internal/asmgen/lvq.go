package main

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ---------------------------------------------------------------------------
// LVQ kernels (package simd's lvq.go describes the row layout).
//
// A row is a 4-byte header (fp16 scale, fp16 bias) followed by the primary
// codes and, for two levels, the residual codes at byte offset roff. 8-bit
// codes are one byte per dimension; 4-bit codes go in blocks of 32
// dimensions in 16 bytes, byte j holding dimension j in its low nibble and
// dimension 16+j in its high one (a final partial block of r dimensions
// splits at h = (r+1)/2 instead of 16).
//
// Every kernel is one instance of lvqKernel, chosen by lvqSpec: the loop
// over row ids (prefetching rows ahead), the loads that widen codes into
// float32 lanes, the per-metric arithmetic and the reduction are written
// once below.

// lvqSpec selects one LVQ kernel.
type lvqSpec struct {
	zmm    bool
	metric int // mL2 or mIP
	b1, b2 int // bits of the primary and residual codes; b2 == 0: one level
}

func (s lvqSpec) sfx() string {
	if s.zmm {
		return "AVX512"
	}
	return "AVX2"
}

// name is the stub's name, e.g. lvqIP8AVX512 or lvq2L248AVX2.
func (s lvqSpec) name() string {
	m := map[int]string{mL2: "L2", mIP: "IP"}[s.metric]
	if s.b2 == 0 {
		return fmt.Sprintf("lvq%s%d%s", m, s.b1, s.sfx())
	}
	return fmt.Sprintf("lvq2%s%d%d%s", m, s.b1, s.b2, s.sfx())
}

func (s lvqSpec) sig() string {
	sig := "func(q *float32, n int, "
	if s.metric == mIP {
		sig += "qsum float32, "
	}
	sig += "slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int"
	if s.b2 != 0 {
		sig += ", roff int"
	}
	return sig + ")"
}

// lanes is the float32 lanes of one vector.
func (s lvqSpec) lanes() int {
	if s.zmm {
		return 16
	}
	return 8
}

// nibbles reports whether either level has 4-bit codes.
func (s lvqSpec) nibbles() bool { return s.b1 == 4 || s.b2 == 4 }

// block is the dimensions of one loop step without unrolling: 32 when a
// level has 4-bit codes (one nibble block), else one vector.
func (s lvqSpec) block() int {
	if s.nibbles() {
		return 32
	}
	return s.lanes()
}

// codeBytes is the bytes of dims dimensions of b-bit codes (dims a multiple
// of 32 for 4-bit codes).
func codeBytes(dims, b int) int { return dims * b / 8 }

func (s lvqSpec) vec() VecVirtual {
	if s.zmm {
		return c.ZMM()
	}
	return c.YMM()
}

func (s lvqSpec) zero(v VecVirtual) VecVirtual {
	if s.zmm {
		return zero(v)
	}
	c.VXORPS(v, v, v)
	return v
}

// lvqChunk is one vector of dimensions in a loop step: its widened codes
// (c2 nil for one level), the byte offset of its query lanes from the query
// cursor and the accumulator it goes to (L2 and one-level IP).
type lvqChunk struct {
	c1, c2 VecVirtual
	qoff   int
	acc    int
}

// lvqRow holds the per-row registers of a kernel.
type lvqRow struct {
	p1, p2      Register   // primary, residual code cursors
	pq, left    Register   // query cursor, dimensions left
	scale, bias VecVirtual // X views: scale, bias (two levels: bias - scale/2)
	step        VecVirtual // two levels: scale / (2^b2 - 1)
	vs, vb, vst VecVirtual // L2: broadcasts of scale, bias, step
	mask15      VecVirtual // 4-bit codes: 15 in every lane
	acc         []VecVirtual
}

// widen loads the codes of the dimensions [d, d+lanes) of a step that starts
// at code cursor p (b-bit codes) and, for 4-bit codes, the pair dimensions
// [d+16, d+16+lanes) from the same bytes; it returns one or two float32
// vectors. pair asks for both halves of a nibble block (8-bit codes then
// load both ranges too).
func (s lvqSpec) widen(r *lvqRow, p Register, b, d int, pair bool) []VecVirtual {
	if b == 8 {
		lo := s.vec()
		c.VPMOVZXBD(mem(p, d), lo)
		out := []VecVirtual{lo}
		if pair {
			hi := s.vec()
			c.VPMOVZXBD(mem(p, d+16), hi)
			out = append(out, hi)
		}
		return out
	}
	// 4-bit: bytes (d%32) .. of the block at byte d/32*16.
	off := d/32*16 + d%32
	hi, lo := s.vec(), s.vec()
	c.VPMOVZXBD(mem(p, off), hi)
	s.and(r.mask15, hi, lo)
	c.VPSRLD(U8(4), hi, hi)
	return []VecVirtual{lo, hi}
}

func (s lvqSpec) and(a, b, dst VecVirtual) {
	if s.zmm {
		c.VPANDD(a, b, dst)
	} else {
		c.VPAND(a, b, dst)
	}
}

func cvt(vs ...VecVirtual) {
	for _, v := range vs {
		if v != nil {
			c.VCVTDQ2PS(v, v)
		}
	}
}

// step emits one loop step of u units from the cursors: it loads and
// converts the codes and accumulates them.
// A unit is block() dimensions. For 4-bit levels a unit is a nibble block
// taken in pairs of vectors (dimensions d and d+16); otherwise each unit is
// one vector.
func (s lvqSpec) step(r *lvqRow, u int) {
	var out []lvqChunk
	if !s.nibbles() {
		w := s.lanes()
		for j := 0; j < u; j++ {
			ch := lvqChunk{qoff: 4 * w * j, acc: j}
			ch.c1 = s.widen(r, r.p1, 8, w*j, false)[0]
			if s.b2 != 0 {
				ch.c2 = s.widen(r, r.p2, 8, w*j, false)[0]
			}
			out = append(out, ch)
		}
		// Load everything first, then convert (as many loads in flight as possible).
		for _, ch := range out {
			cvt(ch.c1, ch.c2)
		}
		s.compute(r, out)
		return
	}
	for blk := 0; blk < u; blk++ {
		for d := 0; d < 16; d += s.lanes() {
			base := 32*blk + d
			a := s.widen(r, r.p1, s.b1, base, true)
			var b []VecVirtual
			if s.b2 != 0 {
				b = s.widen(r, r.p2, s.b2, base, true)
			}
			lo := lvqChunk{c1: a[0], qoff: 4 * base, acc: 0}
			hi := lvqChunk{c1: a[1], qoff: 4 * (base + 16), acc: 1}
			if b != nil {
				lo.c2, hi.c2 = b[0], b[1]
			}
			cvt(lo.c1, hi.c1, lo.c2, hi.c2)
			out = append(out, lo, hi)
			// Pairs are computed as they are loaded (AVX2 runs short of registers).
			s.compute(r, out[len(out)-2:])
		}
	}
}

// compute accumulates chunks into the row's accumulators.
func (s lvqSpec) compute(r *lvqRow, chs []lvqChunk) {
	q := func(ch lvqChunk) Mem { return mem(r.pq, ch.qoff) }
	acc := func(ch lvqChunk) VecVirtual { return r.acc[ch.acc%len(r.acc)] }
	switch {
	case s.metric == mIP && s.b2 == 0:
		for _, ch := range chs {
			c.VFMADD231PS(q(ch), ch.c1, acc(ch))
		}
	case s.metric == mIP:
		// acc 0 sums q*c1, acc 1 sums q*c2.
		for _, ch := range chs {
			c.VFMADD231PS(q(ch), ch.c1, r.acc[0])
		}
		for _, ch := range chs {
			c.VFMADD231PS(q(ch), ch.c2, r.acc[1])
		}
	case s.b2 == 0:
		// x = scale*c + bias; acc += (x - q)^2.
		for _, ch := range chs {
			c.VFMADD213PS(r.vb, r.vs, ch.c1)
		}
		for _, ch := range chs {
			c.VSUBPS(q(ch), ch.c1, ch.c1)
		}
		for _, ch := range chs {
			c.VFMADD231PS(ch.c1, ch.c1, acc(ch))
		}
	default:
		// x = scale*c1 + bias2 + step*c2; acc += (x - q)^2.
		for _, ch := range chs {
			c.VFMADD213PS(r.vb, r.vs, ch.c1)
			c.VFMADD231PS(r.vst, ch.c2, ch.c1)
			c.VSUBPS(q(ch), ch.c1, ch.c1)
			c.VFMADD231PS(ch.c1, ch.c1, acc(ch))
		}
	}
}

// advance moves the cursors past dims dimensions.
func (s lvqSpec) advance(r *lvqRow, dims int) {
	c.ADDQ(U32(codeBytes(dims, s.b1)), r.p1)
	if s.b2 != 0 {
		c.ADDQ(U32(codeBytes(dims, s.b2)), r.p2)
	}
	c.ADDQ(U32(4*dims), r.pq)
	c.SUBQ(U32(dims), r.left)
}

// unrolls lists the loop steps, in units of block(), largest first: the
// first runs as a loop, each later one at most once.
func (s lvqSpec) unrolls() []int {
	switch {
	case s.b2 != 0 || s.nibbles():
		return []int{1}
	case s.zmm:
		return []int{4, 2, 1}
	}
	return []int{2, 1}
}

// accs is the number of accumulators.
func (s lvqSpec) accs() int {
	switch {
	case s.b2 != 0 && s.metric == mL2 && !s.nibbles():
		return 1
	case s.b2 != 0 || s.nibbles():
		return 2
	}
	return s.unrolls()[0]
}

// whole reports whether the kernel takes whole blocks only (n > 0, a
// multiple of block()): everything but the one-level AVX-512 kernels, which
// take any n with a masked tail.
func (s lvqSpec) whole() bool { return !(s.zmm && s.b2 == 0) }

func (s lvqSpec) doc() []string {
	name := s.name()
	var d []string
	if s.b2 == 0 {
		d = append(d, fmt.Sprintf("%s: one-level %d-bit LVQ rows ids[i] of slab (row at slab+ids[i]*stride,", name, s.b1),
			"header at offset 0, codes at offset 4) against q[:n], for i < cnt.")
		if s.metric == mIP {
			d = append(d, "Stores scale*<q,c> + bias*qsum in out[i].")
		} else {
			d = append(d, "Stores sum_j (q_j - (scale*c_j + bias))^2 in out[i].")
		}
	} else {
		d = append(d, fmt.Sprintf("%s: two-level LVQ rows (%d-bit primary codes at row offset 4, %d-bit", name, s.b1, s.b2),
			"residual codes at roff) ids[i] of slab against q[:n], for i < cnt, step = scale/(2^b2-1).")
		if s.metric == mIP {
			d = append(d, "Stores scale*<q,c1> + step*<q,c2> + (bias-scale/2)*qsum in out[i].")
		} else {
			d = append(d, "Stores sum_j (q_j - x_j)^2 in out[i], x = scale*c1 + step*c2 + bias - scale/2.")
		}
	}
	d = append(d, fmt.Sprintf("Rows are prefetched %d ahead (plen bytes from their start).", lvqAhead),
		"Preconditions: cnt >= 0, every row lies inside slab, out has cnt entries;")
	if s.whole() {
		d = append(d, fmt.Sprintf("n > 0 and n %% %d == 0 (the caller adds the tail).", s.block()))
	} else {
		d = append(d, "any n >= 0 (masked tail).")
	}
	return d
}

// lvqKernel emits one LVQ kernel.
func lvqKernel(s lvqSpec) {
	text(s.name(), s.sig(), s.doc()...)
	r := &lvqRow{}
	var qsum VecVirtual
	if s.metric == mIP {
		qsum = c.XMM()
		c.VMOVSS(paramAddr("qsum"), qsum)
	}
	if s.nibbles() {
		r.mask15 = bcast32(15, s.zmm)
	}
	var lev, half VecVirtual
	if s.b2 != 0 {
		lev, half = c.XMM(), c.XMM()
		t := c.GP32()
		c.MOVL(U32(math.Float32bits(float32(int(1)<<s.b2-1))), t)
		c.VMOVD(t, lev)
		t = c.GP32()
		c.MOVL(U32(math.Float32bits(0.5)), t)
		c.VMOVD(t, half)
	}
	n := ld("n")
	// Tail masks (one-level AVX-512): k1 the lanes of the last partial vector
	// (8-bit) or of its low nibbles, k2 of its high nibbles (4-bit).
	var k1, k2 Register
	if !s.whole() {
		if s.b1 == 8 {
			k1 = bzhiMask(n, 15)
		} else {
			rr := c.GP32()
			c.MOVL(n.(GPVirtual).As32(), rr)
			c.ANDL(U32(31), rr)
			h := c.GP32()
			c.MOVL(rr, h)
			c.INCL(h)
			c.SHRL(U8(1), h)
			k1 = bzhiMask(h, -1)
			c.SUBL(h, rr)
			k2 = bzhiMask(rr, -1)
		}
	}
	lp, row := lvqLoopStart("lvq")

	r.scale, r.bias = lvqHeader(row)
	if s.b2 != 0 {
		r.step = c.XMM()
		c.VDIVSS(lev, r.scale, r.step)
		t := c.XMM()
		c.VMULSS(half, r.scale, t)
		c.VSUBSS(t, r.bias, r.bias)
	}
	if s.metric == mL2 {
		r.vs, r.vb = s.vec(), s.vec()
		c.VBROADCASTSS(r.scale, r.vs)
		c.VBROADCASTSS(r.bias, r.vb)
		if s.b2 != 0 {
			r.vst = s.vec()
			c.VBROADCASTSS(r.step, r.vst)
		}
	}
	r.p1 = c.GP64()
	c.LEAQ(mem(row, 4), r.p1)
	if s.b2 != 0 {
		r.p2 = c.Load(c.Param("roff"), c.GP64())
		c.ADDQ(row, r.p2)
	}
	r.pq = ld("q")
	r.left = c.GP64()
	c.MOVQ(n, r.left)
	for i := 0; i < s.accs(); i++ {
		r.acc = append(r.acc, s.zero(s.vec()))
	}

	// Whole steps.
	lsum := lbl("lvq_sum")
	if s.whole() && len(s.unrolls()) == 1 {
		// n is a positive multiple of the step: a do-while loop.
		l := lbl("lvq_blk")
		c.Label(l)
		s.step(r, 1)
		s.advance(r, s.block())
		c.JNZ(LabelRef(l))
	} else {
		ltail := lbl("lvq_tail")
		for i, u := range s.unrolls() {
			dims := u * s.block()
			l, next := lbl("lvq_step"), lbl("lvq_step")
			if i == len(s.unrolls())-1 {
				next = ltail
			}
			c.Label(l)
			c.CMPQ(r.left, U32(dims))
			c.JL(LabelRef(next))
			s.step(r, u)
			s.advance(r, dims)
			if i == 0 {
				c.JMP(LabelRef(l))
			}
			if next != ltail {
				c.Label(next)
			}
		}
		c.Label(ltail)
		if !s.whole() {
			c.TESTQ(r.left, r.left)
			c.JZ(LabelRef(lsum))
			s.maskedTail(r, k1, k2)
		}
	}

	// Reduce and store.
	c.Label(lsum)
	var res VecVirtual
	if s.metric == mIP && s.b2 != 0 {
		x1 := hsumPS(r.acc[0], s.zmm)
		x2 := hsumPS(r.acc[1], s.zmm)
		c.VMULSS(r.scale, x1, x1)
		c.VFMADD231SS(r.step, x2, x1)
		c.VFMADD231SS(qsum, r.bias, x1)
		res = x1
	} else {
		for w := 1; w < len(r.acc); w *= 2 {
			for i := 0; i+w < len(r.acc); i += 2 * w {
				c.VADDPS(r.acc[i+w], r.acc[i], r.acc[i])
			}
		}
		res = hsumPS(r.acc[0], s.zmm)
		if s.metric == mIP {
			c.VMULSS(r.scale, res, res)
			c.VFMADD231SS(qsum, r.bias, res)
		}
	}
	lp.end(res)
}

// lvqLoop is the loop over row ids of a by-id LVQ kernel.
type lvqLoop struct {
	ids, out, cnt Register
	lrow, ldone   string
}

// lvqLoopStart loads the loop's arguments (slab, stride, ids, out, cnt, plen), returns at once
// when there are no rows, requests the first lvqAhead rows and emits the loop's head: the
// current row's address, returned, and the request of the row lvqAhead on. The labels are
// prefix_row and prefix_done.
func lvqLoopStart(prefix string) (*lvqLoop, Register) {
	slab, stride, ids, out, cnt, plen := ld("slab"), ld("stride"), ld("ids"), ld("out"), ld("cnt"), ld("plen")
	lp := &lvqLoop{ids: ids, out: out, cnt: cnt, lrow: lbl(prefix + "_row"), ldone: lbl(prefix + "_done")}
	c.TESTQ(cnt, cnt)
	c.JZ(LabelRef(lp.ldone))
	for k := 0; k < lvqAhead; k++ { // the first rows: all their lines before any is measured
		prefetchRowAt(k, ids, slab, stride, cnt, plen)
	}
	c.Label(lp.lrow)
	row := c.GP64()
	c.MOVL(mem(ids, 0), row.As32())
	c.IMULQ(stride, row)
	c.ADDQ(slab, row)
	prefetchRowAt(lvqAhead, ids, slab, stride, cnt, plen)
	return lp, row
}

// end stores the row's result (lane 0 of res) and closes the loop and the function.
func (lp *lvqLoop) end(res VecVirtual) {
	c.VMOVSS(res, mem(lp.out, 0))
	c.ADDQ(U32(4), lp.ids)
	c.ADDQ(U32(4), lp.out)
	c.DECQ(lp.cnt)
	c.JNZ(LabelRef(lp.lrow))
	c.Label(lp.ldone)
	c.VZEROUPPER()
	c.RET()
}

// maskedTail adds the last r.left (0 < left < block()) dimensions of a
// one-level AVX-512 kernel with masked loads (masked-off lanes read as 0,
// never fault). For L2 the accumulation is masked too, since bias - 0 is not 0.
func (s lvqSpec) maskedTail(r *lvqRow, k1, k2 Register) {
	if s.b1 == 8 {
		v := c.ZMM()
		c.VPMOVZXBD_Z(mem(r.p1, 0), k1, v)
		cvt(v)
		qv := c.ZMM()
		if s.metric == mIP {
			c.VMOVUPS_Z(mem(r.pq, 0), k1, qv)
			c.VFMADD231PS(qv, v, r.acc[0])
			return
		}
		c.VFMADD213PS(r.vb, r.vs, v)
		c.VMOVUPS_Z(mem(r.pq, 0), k1, qv)
		c.VSUBPS(qv, v, v)
		c.VFMADD231PS(v, v, k1, r.acc[0])
		return
	}
	h := c.GP64()
	c.LEAQ(Mem{Base: r.left, Disp: 1}, h)
	c.SHRQ(U8(1), h)
	hi, lo := c.ZMM(), c.ZMM()
	c.VPMOVZXBD_Z(mem(r.p1, 0), k1, hi)
	c.VPANDD(r.mask15, hi, lo)
	c.VPSRLD(U8(4), hi, hi)
	cvt(lo, hi)
	if s.metric == mL2 {
		c.VFMADD213PS(r.vb, r.vs, lo)
		c.VFMADD213PS(r.vb, r.vs, hi)
	}
	qlo, qhi := c.ZMM(), c.ZMM()
	c.VMOVUPS_Z(mem(r.pq, 0), k1, qlo)
	c.VMOVUPS_Z(Mem{Base: r.pq, Index: h, Scale: 4}, k2, qhi)
	if s.metric == mIP {
		c.VFMADD231PS(qlo, lo, r.acc[0])
		c.VFMADD231PS(qhi, hi, r.acc[1])
		return
	}
	c.VSUBPS(qlo, lo, lo)
	c.VSUBPS(qhi, hi, hi)
	c.VFMADD231PS(lo, lo, k1, r.acc[0])
	c.VFMADD231PS(hi, hi, k2, r.acc[1])
}

// lvqHeader loads the header of the LVQ row at row: scale in lane 0 of an XMM register (and
// bias in lane 1 of it), bias in lane 0 of another.
func lvqHeader(row Register) (scale, bias VecVirtual) {
	scale = c.XMM()
	t := c.GP32()
	c.MOVL(mem(row, 0), t)
	c.VMOVD(t, scale)
	c.VCVTPH2PS(scale, scale)
	bias = c.XMM()
	c.VMOVSHDUP(scale, bias)
	return scale, bias
}

// byteMask returns a mask register with the low n (< 64, clobbered) bits set: the bytes of
// a masked 64-byte load.
func byteMask(n Register) Register {
	m := c.GP64()
	c.MOVQ(I32(-1), m)
	c.BZHIQ(n, m, m)
	k := c.K()
	c.KMOVQ(m, k)
	return k
}

// bzhiMask returns a mask register with the low (x & and) bits set (and < 0:
// all of x, which must be below 16).
func bzhiMask(x Register, and int) Register {
	cntReg := c.GP32()
	c.MOVL(x.(GPVirtual).As32(), cntReg)
	if and >= 0 {
		c.ANDL(U32(and), cntReg)
	}
	m := c.GP32()
	c.MOVL(U32(0xffffffff), m)
	c.BZHIL(cntReg, m, m)
	k := c.K()
	c.KMOVW(m, k)
	return k
}

// lvqAhead is how many rows ahead the LVQ batch kernels prefetch: graph search measures a
// neighbour list's rows in an order the hardware prefetcher cannot guess, so several rows'
// lines are kept in flight while one is measured.
const lvqAhead = 8

// prefetchRowAt prefetches the plen bytes of row ids[k] when cnt > k:
// one PREFETCHT0 per 64 bytes and one on its last byte.
func prefetchRowAt(k int, ids, slab, stride, cnt, plen Register) {
	lnopf, lpf := lbl("lvq_nopf"), lbl("lvq_pf")
	c.CMPQ(cnt, U32(uint32(k)))
	c.JLE(LabelRef(lnopf))
	nx := c.GP64()
	c.MOVL(mem(ids, 4*k), nx.As32())
	c.IMULQ(stride, nx)
	c.ADDQ(slab, nx)
	off := c.GP64()
	c.XORL(off.As32(), off.As32())
	c.Label(lpf)
	c.PREFETCHT0(Mem{Base: nx, Index: off, Scale: 1})
	c.ADDQ(U32(64), off)
	c.CMPQ(off, plen)
	c.JL(LabelRef(lpf))
	c.PREFETCHT0(Mem{Base: nx, Index: plen, Scale: 1, Disp: -1})
	c.Label(lnopf)
}

// hsumPS returns an XMM view of v holding the sum of v's float32 lanes in
// lane 0 (v is clobbered).
func hsumPS(v VecVirtual, zmm bool) VecVirtual {
	y := v.AsY().(VecVirtual)
	x := v.AsX().(VecVirtual)
	t := c.XMM()
	if zmm {
		ty := c.YMM()
		c.VEXTRACTF64X4(U8(1), v, ty)
		c.VADDPS(ty, y, y)
		c.VEXTRACTF32X4(U8(1), y, t)
	} else {
		c.VEXTRACTF128(U8(1), y, t)
	}
	c.VADDPS(t, x, x)
	hsumPS4(x)
	return x
}

// paramAddr is the frame address of a scalar parameter.
func paramAddr(name string) Mem {
	b, err := c.Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

func lvqKernels(zmm bool) {
	for _, b1 := range []int{8, 4} {
		for _, m := range []int{mIP, mL2} {
			lvqKernel(lvqSpec{zmm: zmm, metric: m, b1: b1})
		}
	}
	for _, bb := range [][2]int{{8, 8}, {4, 8}, {4, 4}, {8, 4}} {
		for _, m := range []int{mIP, mL2} {
			lvqKernel(lvqSpec{zmm: zmm, metric: m, b1: bb[0], b2: bb[1]})
		}
	}
}

// ---------------------------------------------------------------------------
// Byte-query LVQ-4 kernels (package simd's lvq4q.go describes the query).
//
// The query comes as int8 entries s_j with q_j ~ mid + step*s_j, laid out like
// the codes: for every 64 code bytes, 64 entries for their low nibbles and 64
// for their high ones, zero where a nibble holds no dimension. One pass of
// VPDPBUSD over a row's codes gives D = sum s_j*c_j, C2 = sum c_j^2 and (by
// VPSADBW) C = sum c_j, and the row's result follows from its header:
//
//	dot = mid*C + step*D                       (~ sum q_j*c_j)
//	ip  = scale*dot + bias*qsum
//	l2  = qq + bias*(n*bias - 2*qsum) + scale*(scale*C2 + 2*(bias*C - dot))

// lvq4qKernel emits lvq4qL2VNNI or lvq4qIPVNNI.
func lvq4qKernel(metric int) {
	name := map[int]string{mL2: "lvq4qL2VNNI", mIP: "lvq4qIPVNNI"}[metric]
	what := "scale*dot + bias*qsum"
	if metric == mL2 {
		what = "the squared L2 distance to the decoded row"
	}
	text(name, "func(q *int8, nb int, k *float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)",
		name+": one-level 4-bit LVQ rows ids[i] of slab (row at slab+ids[i]*stride, header at offset 0,",
		"nb code bytes at offset 4) against the byte query q (128 entries per 64 code bytes, padded",
		"with zeros to whole 64-byte steps), for i < cnt. k holds mid, step, qq, qsum, n and 2*qsum;",
		"out[i] is "+what+".",
		fmt.Sprintf("Rows are prefetched %d ahead (plen bytes from their start). Any nb >= 0 (masked tail).", lvqAhead))
	c0f := bcast32(0x0f0f0f0f, true)
	zr := zero(c.ZMM())
	nb := ld("nb")
	t := c.GP64()
	c.MOVQ(nb, t)
	c.ANDQ(U32(63), t)
	kt := byteMask(t)
	lp, row := lvqLoopStart("lvq4q")

	scale, bias := lvqHeader(row)

	p, pq, left := c.GP64(), ld("q"), c.GP64()
	c.LEAQ(mem(row, 4), p)
	c.MOVQ(nb, left)
	var accD, accC2 [2]VecVirtual
	for i := range accD {
		accD[i] = zero(c.ZMM())
		accC2[i] = zero(c.ZMM())
	}
	accC := zero(c.ZMM())
	step := func(codes VecVirtual) {
		lo, hi := c.ZMM(), c.ZMM()
		c.VPANDD(c0f, codes, lo)
		c.VPSRLW(U8(4), codes, hi)
		c.VPANDD(c0f, hi, hi)
		// The query entries are signed, the codes (0..15) taken as unsigned.
		vpdpbusd(mem(pq, 0), lo, accD[0])
		vpdpbusd(mem(pq, 64), hi, accD[1])
		vpdpbusd(lo, lo, accC2[0])
		vpdpbusd(hi, hi, accC2[1])
		s := c.ZMM()
		c.VPADDB(lo, hi, s)
		c.VPSADBW(zr, s, s)
		c.VPADDQ(s, accC, accC)
	}
	blockLoop("lvq4q", left, 64, func() {
		x := c.ZMM()
		c.VMOVDQU64(mem(p, 0), x)
		step(x)
		c.ADDQ(U32(64), p)
		c.ADDQ(U32(128), pq)
	}, func() {
		x := c.ZMM()
		c.VMOVDQU8_Z(mem(p, 0), kt, x)
		step(x)
	})
	rd := reduceD(accD[:], true)
	rc2 := reduceD(accC2[:], true)
	rc := reduceQ(accC)
	fd, fc, fc2 := c.XMM(), c.XMM(), c.XMM()
	c.VXORPS(fd, fd, fd)
	c.VXORPS(fc, fc, fc)
	c.VXORPS(fc2, fc2, fc2)
	c.VCVTSI2SSL(rd, fd, fd)
	c.VCVTSI2SSQ(rc, fc, fc)
	c.VCVTSI2SSL(rc2, fc2, fc2)
	kp := ld("k")
	dot := c.XMM()
	c.VMULSS(mem(kp, 0), fc, dot)      // mid*C
	c.VFMADD231SS(mem(kp, 4), fd, dot) // + step*D
	res := c.XMM()
	if metric == mIP {
		c.VMULSS(scale, dot, res)
		c.VFMADD231SS(mem(kp, 12), bias, res)
		lp.end(res)
		return
	}
	t1 := c.XMM()
	c.VMULSS(bias, fc, t1)
	c.VSUBSS(dot, t1, t1)
	c.VADDSS(t1, t1, t1)
	c.VFMADD231SS(scale, fc2, t1)
	c.VMULSS(scale, t1, res)
	t2 := c.XMM()
	c.VMULSS(mem(kp, 16), bias, t2)
	c.VSUBSS(mem(kp, 20), t2, t2)
	c.VFMADD231SS(bias, t2, res)
	c.VADDSS(mem(kp, 8), res, res)
	lp.end(res)
}

func lvq4qKernels() {
	rangeKernel()
	lvq4qKernel(mL2)
	lvq4qKernel(mIP)
}

// rangeKernel emits rangeSumF32AVX512: the smallest, the largest and the sum of n >= 1 floats.
func rangeKernel() {
	text("rangeSumF32AVX512", "func(v *float32, n int) (lo, hi, sum float32)",
		"rangeSumF32AVX512 returns the smallest, the largest and the sum of v[:n], n >= 1 (masked tail).")
	p, n := ld("v"), ld("n")
	lo, hi := c.ZMM(), c.ZMM()
	c.VBROADCASTSS(mem(p, 0), lo)
	c.VMOVAPS(lo, hi)
	sum := zero(c.ZMM())
	blockLoop("range", n, 16, func() {
		c.VMINPS(mem(p, 0), lo, lo)
		c.VMAXPS(mem(p, 0), hi, hi)
		c.VADDPS(mem(p, 0), sum, sum)
		c.ADDQ(U32(64), p)
	}, func() {
		k := bzhiMask(n, -1)
		t := c.ZMM()
		c.VMOVUPS_Z(mem(p, 0), k, t)
		c.VMINPS(t, lo, k, lo)
		c.VMAXPS(t, hi, k, hi)
		c.VADDPS(t, sum, sum) // the masked-off lanes were loaded as zero
	})
	c.Store(hsumPS(sum, true), c.ReturnIndex(2))
	for _, v := range []struct {
		z  VecVirtual
		op func(a, b, d Op)
	}{{lo, func(a, b, d Op) { c.VMINPS(a, b, d) }}, {hi, func(a, b, d Op) { c.VMAXPS(a, b, d) }}} {
		y := c.YMM()
		c.VEXTRACTF64X4(U8(1), v.z, y)
		v.op(y, v.z.AsY(), y)
		x := c.XMM()
		c.VEXTRACTF128(U8(1), y, x)
		v.op(x, y.AsX(), x)
		t := c.XMM()
		c.VPERMILPS(U8(0x4e), x, t)
		v.op(t, x, x)
		c.VPERMILPS(U8(0xb1), x, t)
		v.op(t, x, x)
		if v.z == lo {
			c.Store(x, c.ReturnIndex(0))
		} else {
			c.Store(x, c.ReturnIndex(1))
		}
	}
	c.VZEROUPPER()
	c.RET()
}

// blockLoop emits a loop over the left elements still to do, width at a time: whole handles
// (and steps its pointers past) one block of width, after which left drops by width; tail
// handles the last partial block when one is left. name prefixes the labels.
func blockLoop(name string, left Register, width int, whole, tail func()) {
	l, ltail, ldone := lbl(name+"_loop"), lbl(name+"_tail"), lbl(name+"_done")
	c.Label(l)
	c.CMPQ(left, U32(width))
	c.JL(LabelRef(ltail))
	whole()
	c.SUBQ(U32(width), left)
	c.JMP(LabelRef(l))
	c.Label(ltail)
	c.TESTQ(left, left)
	c.JZ(LabelRef(ldone))
	tail()
	c.Label(ldone)
}
