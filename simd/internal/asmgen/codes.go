package main

import (
	"fmt"
	"math"
	"strings"

	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// ---------------------------------------------------------------------------
// float32 query against encoded codes (fp16, bf16, sq8, sq4).

type codeKind struct {
	name     string
	unit     int // bytes of code per element, times 2 (sq4 is 1)
	sq       bool
	scaleInv float32
}

var (
	kindF16  = codeKind{"F16", 4, false, 0}
	kindBF16 = codeKind{"BF16", 4, false, 0}
	kindSQ8  = codeKind{"SQ8", 2, true, 1.0 / 255}
	kindSQ4  = codeKind{"SQ4", 1, true, 1.0 / 15}
)

// codeSpec selects one float32-query-against-code kernel.
type codeSpec struct {
	k      codeKind
	metric int
	zmm    bool
	// scaled: the sq step comes from a per-dimension scale slice
	// (value = lo + c*scale); otherwise from diff*scaleInv.
	scaled bool
	// form: sqFull (q, lo, scale), sqResid (L2 of r - c*scale, r = q - lo
	// prepared per query) or sqDot (sum w*c, w = q*scale prepared per query).
	form int
}

const (
	sqFull = iota
	sqResid
	sqDot
)

func (s codeSpec) width() int {
	if s.zmm {
		return 16
	}
	return 8
}

func (s codeSpec) vec() VecVirtual {
	if s.zmm {
		return c.ZMM()
	}
	return c.YMM()
}

// codeConsts are the loop-invariant vectors of a code kernel.
type codeConsts struct{ inv, c0f VecVirtual }

func codeSetup(s codeSpec) codeConsts {
	var k codeConsts
	if s.k.sq && !s.scaled {
		k.inv = bcast32(math.Float32bits(s.k.scaleInv), s.zmm)
	}
	if s.k == kindSQ4 {
		k.c0f = bcast32(0x0f0f0f0f, s.zmm)
	}
	return k
}

// codeWiden turns W codes at src (memory, or a register holding the raw
// code bytes) into W float32 lanes: the decoded value for fp16/bf16, the
// integer code for sq.
func codeWiden(s codeSpec, src Op, cst codeConsts) VecVirtual {
	v := s.vec()
	switch s.k {
	case kindF16:
		c.VCVTPH2PS(src, v)
	case kindBF16:
		c.VPMOVZXWD(src, v)
		c.VPSLLD(U8(16), v, v)
	case kindSQ8:
		c.VPMOVZXBD(src, v)
	case kindSQ4:
		x := c.XMM()
		if m, ok := src.(Mem); ok && !s.zmm {
			c.VMOVD(m, x) // 4 bytes: a 64-bit load could run past the code
			c.VPMOVZXBW(x, x)
		} else {
			c.VPMOVZXBW(src, x)
		}
		t := c.XMM()
		c.VPSLLW(U8(4), x, t)
		if s.zmm {
			c.VPORD(t, x, x)
			c.VPANDD(cst.c0f.AsX(), x, x)
		} else {
			c.VPOR(t, x, x)
			c.VPAND(cst.c0f.AsX(), x, x)
		}
		c.VPMOVZXBD(x, v)
	}
	if s.k.sq {
		c.VCVTDQ2PS(v, v)
	}
	return v
}

// codeStep accumulates W elements into acc. code is the raw code operand,
// q, lo and st (scale or diff) are float32 operands (memory or register).
func codeStep(s codeSpec, acc VecVirtual, code, q, lo, st Op, cst codeConsts) {
	v := codeWiden(s, code, cst)
	if !s.k.sq {
		if s.metric == mIP {
			c.VFMADD231PS(q, v, acc)
		} else {
			c.VSUBPS(q, v, v)
			c.VFMADD231PS(v, v, acc)
		}
		return
	}
	switch s.form {
	case sqDot:
		c.VFMADD231PS(q, v, acc)
		return
	case sqResid:
		d := s.vec()
		c.VMOVUPS(q, d)
		c.VFNMADD231PS(st, v, d)
		c.VFMADD231PS(d, d, acc)
		return
	}
	var step Op // multiplier of the integer code
	if s.scaled {
		step = st
	} else {
		c.VMULPS(st, v, v) // c*diff, then scaled by 1/levels below
		step = cst.inv
	}
	if s.metric == mIP {
		// v = c*step + lo; acc += q*v
		if _, isMem := step.(Mem); isMem {
			r := s.vec()
			c.VMOVUPS(step, r)
			step = r
		}
		c.VFMADD213PS(lo, step, v)
		c.VFMADD231PS(q, v, acc)
		return
	}
	// d = (q - lo) - c*step; acc += d*d
	d := s.vec()
	c.VMOVUPS(q, d)
	c.VSUBPS(lo, d, d)
	c.VFNMADD231PS(step, v, d)
	c.VFMADD231PS(d, d, acc)
}

// codePtrs are the running pointers of one code kernel call (all clobbered).
type codePtrs struct{ q, code, lo, st, n Register }

// codeDist computes one distance over n elements and returns an XMM holding
// it in lane 0. AVX2 requires n % 8 == 0; AVX-512 takes any n (masked tail).
func codeDist(s codeSpec, p codePtrs, cst codeConsts) VecVirtual {
	W := s.width()
	var acc [4]VecVirtual
	for i := range acc {
		acc[i] = s.vec()
		c.VXORPS(acc[i], acc[i], acc[i])
	}
	cb := W * s.k.unit / 2 // code bytes per vector of W elements
	fmem := func(r Register, i int) Op {
		if r == nil {
			return nil
		}
		return mem(r, 4*W*i)
	}
	step := func(a VecVirtual, i int) {
		codeStep(s, a, mem(p.code, cb*i), fmem(p.q, i), fmem(p.lo, i), fmem(p.st, i), cst)
	}
	advance := func(u int) {
		c.ADDQ(U32(4*W*u), p.q)
		c.ADDQ(U32(cb*u), p.code)
		if p.lo != nil {
			c.ADDQ(U32(4*W*u), p.lo)
		}
		if p.st != nil {
			c.ADDQ(U32(4*W*u), p.st)
		}
		c.SUBQ(U32(W*u), p.n)
	}
	l4, l1, ltail, ldone := lbl("code4"), lbl("code1"), lbl("code_tail"), lbl("code_done")
	c.Label(l4)
	c.CMPQ(p.n, U32(4*W))
	c.JL(LabelRef(l1))
	for i := 0; i < 4; i++ {
		step(acc[i], i)
	}
	advance(4)
	c.JMP(LabelRef(l4))
	c.Label(l1)
	c.CMPQ(p.n, U32(W))
	c.JL(LabelRef(ltail))
	step(acc[0], 0)
	advance(1)
	c.JMP(LabelRef(l1))
	c.Label(ltail)
	if s.zmm {
		c.TESTQ(p.n, p.n)
		c.JZ(LabelRef(ldone))
		// Masked loads: lanes past n read as zero (q, lo and the step are
		// zero there, so whatever code they decode to contributes nothing).
		m := c.GP32()
		c.MOVL(U32(0xffffffff), m)
		c.BZHIL(p.n.(GPVirtual).As32(), m, m)
		kf := c.K()
		c.KMOVW(m, kf)
		var raw VecVirtual
		switch s.k {
		case kindF16, kindBF16:
			raw = c.YMM()
			c.VMOVDQU16_Z(mem(p.code, 0), kf, raw)
		case kindSQ8:
			raw = c.XMM()
			c.VMOVDQU8_Z(mem(p.code, 0), kf, raw)
		case kindSQ4:
			nb := c.GP32()
			c.MOVL(p.n.(GPVirtual).As32(), nb)
			c.INCL(nb)
			c.SHRL(U8(1), nb)
			mb := c.GP32()
			c.MOVL(U32(0xffffffff), mb)
			c.BZHIL(nb, mb, mb)
			kb := c.K()
			c.KMOVW(mb, kb)
			raw = c.XMM()
			c.VMOVDQU8_Z(mem(p.code, 0), kb, raw)
		}
		load := func(r Register) Op {
			if r == nil {
				return nil
			}
			z := c.ZMM()
			c.VMOVUPS_Z(mem(r, 0), kf, z)
			return z
		}
		codeStep(s, acc[1], raw, load(p.q), load(p.lo), load(p.st), cst)
	}
	c.Label(ldone)
	c.VADDPS(acc[1], acc[0], acc[0])
	c.VADDPS(acc[3], acc[2], acc[2])
	c.VADDPS(acc[2], acc[0], acc[0])
	y := acc[0].AsY().(VecVirtual)
	if s.zmm {
		y = c.YMM()
		c.VEXTRACTF64X4(U8(1), acc[0], y)
		c.VADDPS(y, acc[0].AsY(), y)
	}
	r := c.XMM()
	if s.zmm {
		c.VEXTRACTF32X4(U8(1), y, r)
	} else {
		c.VEXTRACTF128(U8(1), y, r)
	}
	c.VADDPS(r, y.AsX(), r)
	hsumPS4(r)
	return r
}

// prefetchRow issues one PREFETCHT0 per 64 bytes of the nbytes at p.
func prefetchRow(p, nbytes Register) {
	off := c.GP64()
	c.XORQ(off, off)
	l, ld := lbl("pf"), lbl("pf_done")
	c.Label(l)
	c.CMPQ(off, nbytes)
	c.JAE(LabelRef(ld))
	c.PREFETCHT0(Mem{Base: p, Index: off, Scale: 1})
	c.ADDQ(U32(64), off)
	c.JMP(LabelRef(l))
	c.Label(ld)
}

// rowsLoop emits the loop over cnt contiguous rows shared by every *Rows
// kernel: row i starts at codes + i*strideBytes; before row i is computed,
// row i+1 (rowBytes of it) is prefetched. body computes the row at the given
// pointer and stores its result at out; outSize is the result's size.
func rowsLoop(rowBytes, strideBytes Register, outSize int, body func(row, out Register)) {
	row, out, cnt := ld("codes"), ld("out"), ld("cnt")
	lloop, lend, lnext := lbl("rows_loop"), lbl("rows_end"), lbl("rows_next")
	c.Label(lloop)
	c.TESTQ(cnt, cnt)
	c.JZ(LabelRef(lend))
	pf := c.GP64()
	c.MOVQ(row, pf)
	c.CMPQ(cnt, U32(1))
	c.JE(LabelRef(lnext))
	c.ADDQ(strideBytes, pf)
	c.Label(lnext)
	prefetchRow(pf, rowBytes)
	body(row, out)
	c.ADDQ(strideBytes, row)
	c.ADDQ(U32(outSize), out)
	c.DECQ(cnt)
	c.JMP(LabelRef(lloop))
	c.Label(lend)
	c.VZEROUPPER()
	c.RET()
}

func codeKernels(sfx string, zmm bool) {
	pre := "Precondition: n % 8 == 0."
	if zmm {
		pre = "Any n >= 0 (masked tail)."
	}
	for _, k := range []codeKind{kindF16, kindBF16, kindSQ8, kindSQ4} {
		for _, scaled := range []bool{false, true} {
			if scaled && !k.sq {
				continue
			}
			for metric := mL2; metric <= mIP; metric++ {
				s := codeSpec{k: k, metric: metric, zmm: zmm, scaled: scaled}
				mn := metricName[metric]
				tag := k.name
				if scaled {
					tag += "S"
				}
				name := mn + tag + sfx
				if k.sq {
					what := "lo + c*diff/levels"
					if scaled {
						what = "lo + c*scale"
					}
					text(name, "func(q *float32, code *uint8, lo, scale *float32, n int) float32",
						fmt.Sprintf("%s returns the %s distance between q[:n] and the %s code (value %s). %s", name, mn, k.name, what, pre))
				} else {
					text(name, "func(q *float32, code *uint16, n int) float32",
						fmt.Sprintf("%s returns the %s distance between q[:n] and the %s code. %s", name, mn, k.name, pre))
				}
				cst := codeSetup(s)
				p := codePtrs{q: ld("q"), code: ld("code"), n: ld("n")}
				if k.sq {
					p.lo, p.st = ld("lo"), ld("scale")
				}
				r := codeDist(s, p, cst)
				c.VZEROUPPER()
				c.Store(r, c.ReturnIndex(0))
				c.RET()

				// By id (sq4 at zmm): whole rows of (n+1)/2 bytes prefetched u8BatchAhead ahead.
				if k == kindSQ4 && !scaled && zmm {
					sq4BatchKernel(s, mn+tag+"Batch"+sfx, mn, pre)
				}
				// Row forms: fp16/bf16 and scaled sq8.
				if k == kindSQ4 || (k.sq && !scaled) {
					continue
				}
				rname := mn + tag + "Rows" + sfx
				if k.sq {
					text(rname, "func(q *float32, codes *uint8, lo, scale *float32, n, stride int, out *float32, cnt int)",
						fmt.Sprintf("%s sets out[i] to the %s distance between q[:n] and the %s code at codes[i*stride:] (stride in bytes) for i < cnt, prefetching row i+1. %s", rname, mn, k.name, pre))
				} else {
					text(rname, "func(q *float32, codes *uint16, n, stride int, out *float32, cnt int)",
						fmt.Sprintf("%s sets out[i] to the %s distance between q[:n] and the %s code at codes[i*stride:] (stride in elements) for i < cnt, prefetching row i+1. %s", rname, mn, k.name, pre))
				}
				cst = codeSetup(s)
				n, stride := ld("n"), ld("stride")
				rowBytes := c.GP64()
				c.MOVQ(n, rowBytes)
				if !k.sq {
					c.SHLQ(U8(1), stride)
					c.SHLQ(U8(1), rowBytes)
				}
				rowsLoop(rowBytes, stride, 4, func(row, out Register) {
					p := codePtrs{q: ld("q"), code: c.GP64(), n: c.GP64()}
					c.MOVQ(row, p.code)
					c.MOVQ(n, p.n)
					if k.sq {
						p.lo, p.st = ld("lo"), ld("scale")
					}
					r := codeDist(s, p, cst)
					c.VMOVSS(r, mem(out, 0))
				})
			}
		}
	}
}

// sqPreparedKernels emits the SQ8 kernels over per-query prepared vectors:
// l2SQ8R (sum (r - c*scale)^2) and dotF32U8 (sum w*c), single and rows.
func sqPreparedKernels(sfx string, zmm bool) {
	pre := "Precondition: n % 8 == 0."
	if zmm {
		pre = "Any n >= 0 (masked tail)."
	}
	for _, form := range []int{sqResid, sqDot} {
		s := codeSpec{k: kindSQ8, metric: mL2, zmm: zmm, scaled: true, form: form}
		name, sig, rsig, doc := "l2SQ8R"+sfx, "func(r *float32, code *uint8, scale *float32, n int) float32",
			"func(r *float32, codes *uint8, scale *float32, n, stride int, out *float32, cnt int)",
			"sum (r[j] - code[j]*scale[j])^2"
		if form == sqDot {
			s.metric = mIP
			name, sig, rsig, doc = "dotF32U8"+sfx, "func(w *float32, code *uint8, n int) float32",
				"func(w *float32, codes *uint8, n, stride int, out *float32, cnt int)",
				"sum w[j]*code[j]"
		}
		qn := map[int]string{sqResid: "r", sqDot: "w"}[form]
		text(name, sig, fmt.Sprintf("%s returns %s over j < n. %s", name, doc, pre))
		p := codePtrs{q: ld(qn), code: ld("code"), n: ld("n")}
		if form == sqResid {
			p.st = ld("scale")
		}
		r := codeDist(s, p, codeConsts{})
		c.VZEROUPPER()
		c.Store(r, c.ReturnIndex(0))
		c.RET()

		rname := strings.Replace(name, sfx, "Rows"+sfx, 1)
		text(rname, rsig, fmt.Sprintf("%s sets out[i] to %s for the code at codes[i*stride:] (stride in bytes), i < cnt, prefetching row i+1. %s", rname, doc, pre))
		n, stride := ld("n"), ld("stride")
		rowsLoop(n, stride, 4, func(row, out Register) {
			p := codePtrs{q: ld(qn), code: c.GP64(), n: c.GP64()}
			c.MOVQ(row, p.code)
			c.MOVQ(n, p.n)
			if form == sqResid {
				p.st = ld("scale")
			}
			r := codeDist(s, p, codeConsts{})
			c.VMOVSS(r, mem(out, 0))
		})

		if !zmm {
			continue
		}
		// by id: whole rows prefetched u8BatchAhead ahead, as the byte batch kernels do
		bname := strings.Replace(name, sfx, "Batch"+sfx, 1)
		bsig := "func(r *float32, slab *uint8, scale *float32, n, stride int, ids *uint32, out *float32, cnt int)"
		if form == sqDot {
			bsig = "func(w *float32, slab *uint8, n, stride int, ids *uint32, out *float32, cnt int)"
		}
		text(bname, bsig, fmt.Sprintf("%s sets out[i] to %s for the code at slab[ids[i]*stride:] (stride in bytes), i < cnt, prefetching the rows of ids[i+1..i+%d]. %s", bname, doc, u8BatchAhead, pre))
		byIDLoop(func() Register { return ld("n") }, func(row Register, outs []Register) {
			bp := codePtrs{q: ld(qn), code: row, n: ld("n")}
			if form == sqResid {
				bp.st = ld("scale")
			}
			c.VMOVSS(codeDist(s, bp, codeConsts{}), mem(outs[0], 0))
		}, out{"out", 4})
	}
}

// sq4BatchKernel emits name(q, slab, lo, scale, n, stride, ids, out, cnt): out[i] is the sq4
// kernel of spec s between q[:n] and the code at slab[ids[i]*stride:], i < cnt, the (n+1)/2
// bytes of the rows of ids[i+1..i+u8BatchAhead] prefetched.
func sq4BatchKernel(s codeSpec, name, mn, pre string) {
	text(name, "func(q *float32, slab *uint8, lo, scale *float32, n, stride int, ids *uint32, out *float32, cnt int)",
		fmt.Sprintf("%s sets out[i] to the %s distance between q[:n] and the sq4 code at slab[ids[i]*stride:] (stride in bytes) for i < cnt, prefetching the rows of ids[i+1..i+%d]. %s", name, mn, u8BatchAhead, pre))
	cst := codeSetup(s)
	span := func() Register { // (n+1)/2 bytes
		r := ld("n")
		c.INCQ(r)
		c.SHRQ(U8(1), r)
		return r
	}
	byIDLoop(span, func(row Register, outs []Register) {
		p := codePtrs{q: ld("q"), code: row, n: ld("n"), lo: ld("lo"), st: ld("scale")}
		c.VMOVSS(codeDist(s, p, cst), mem(outs[0], 0))
	}, out{"out", 4})
}
