// Command asmgen generates the amd64 assembly kernels of package simd with avo.
//
// It writes, into the directory given by -dir (default ../.., i.e. simd/):
//
//	kernels_avx2_amd64.s   + kernels_avx2_amd64.go   (AVX2 + FMA + F16C)
//	kernels_avx512_amd64.s + kernels_avx512_amd64.go (AVX-512 F/BW/DQ/VL, VNNI, VPOPCNTDQ)
//
// including the LVQ (lvq.go) and RaBitQ (rabitq.go) kernels of each level.
//
// The generated header names a fixed command line (not os.Args), so output is
// byte-identical wherever it is run; check.sh relies on that.
//
// Every kernel states its preconditions in its doc comment; the Go wrappers in
// package simd enforce them.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/ir"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/pass"
	"github.com/mmcloughlin/avo/printer"
	. "github.com/mmcloughlin/avo/reg"
)

// c is the context of the file being generated.
var c *build.Context

var labelSeq int

// lbl returns a label name unique within the generated file.
func lbl(s string) string {
	labelSeq++
	return fmt.Sprintf("%s_%d", s, labelSeq)
}

func main() {
	dir := flag.String("dir", "../..", "output directory (package simd)")
	flag.Parse()
	gen(*dir, "avx2", genAVX2)
	gen(*dir, "avx512", genAVX512)
}

func gen(dir, isa string, body func()) {
	c = build.NewContext()
	labelSeq = 0
	c.ConstraintExpr("!purego")
	body()
	f, err := c.Result()
	if err != nil {
		log.Fatalf("%s: %v", isa, err)
	}
	if err := pass.Compile.Execute(f); err != nil {
		log.Fatalf("%s: %v", isa, err)
	}
	cfg := printer.Config{
		Argv: []string{"go", "run", ".", "(simd/internal/asmgen)"},
		Pkg:  "simd",
	}
	for _, out := range []struct {
		name string
		p    printer.Printer
	}{
		{"kernels_" + isa + "_amd64.s", printer.NewGoAsm(cfg)},
		{"kernels_" + isa + "_amd64.go", printer.NewStubs(cfg)},
	} {
		b, err := out.p.Print(f)
		if err != nil {
			log.Fatalf("%s: %v", out.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, out.name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

// text starts a NOSPLIT, noescape function.
func text(name, sig string, doc ...string) {
	c.Function(name)
	c.Attributes(build.NOSPLIT)
	c.SignatureExpr(sig)
	c.Doc(doc...)
	c.Pragma("noescape")
}

func mem(base Register, disp int) Mem { return Mem{Base: base, Disp: disp} }

func ld(name string) Register { return c.Load(c.Param(name), c.GP64()) }

// raw emits an instruction avo's database lacks (VPDPBUSD) with explicit liveness.
func vpdpbusd(signed, unsigned Op, acc Register) {
	c.Instruction(&ir.Instruction{
		Opcode:   "VPDPBUSD",
		Operands: []Op{signed, unsigned, acc},
		Inputs:   []Op{signed, unsigned, acc},
		Outputs:  []Op{acc},
		ISA:      []string{"AVX512_VNNI"},
	})
}

// bcast32 returns a vector register with the 32-bit constant v in every lane.
func bcast32(v uint32, zmm bool) VecVirtual {
	r := c.GP32()
	c.MOVL(U32(v), r)
	if zmm {
		z := c.ZMM()
		c.VPBROADCASTD(r, z)
		return z
	}
	x := c.XMM()
	c.VMOVD(r, x)
	y := c.YMM()
	c.VPBROADCASTD(x, y)
	return y
}

func zero(v VecVirtual) VecVirtual {
	c.VPXORD(v, v, v)
	return v
}

func zeroY(v VecVirtual) VecVirtual {
	c.VPXOR(v, v, v)
	return v
}

// hsumPS4 leaves the sum of the four float32 lanes of x in lane 0.
func hsumPS4(x VecVirtual) {
	t := c.XMM()
	c.VPERMILPS(U8(0x4e), x, t)
	c.VADDPS(t, x, x)
	c.VPERMILPS(U8(0xb1), x, t)
	c.VADDPS(t, x, x)
}

// hsumD4 returns a GP32 holding the sum of the four int32 lanes of x.
func hsumD4(x VecVirtual) Register {
	t := c.XMM()
	c.VPSHUFD(U8(0x4e), x, t)
	c.VPADDD(t, x, x)
	c.VPSHUFD(U8(0xb1), x, t)
	c.VPADDD(t, x, x)
	r := c.GP32()
	c.VMOVD(x, r)
	return r
}

// ---------------------------------------------------------------------------
// float32 distances

const (
	mL2 = iota
	mIP
)

var metricName = [...]string{"l2", "ip"}

func f32Kernels(sfx string) {
	zmm := sfx == "AVX512"
	// dist is the one-row case of the grouped kernel (same summation order).
	dist := func(metric int, pa, pb, n, pf Register) VecVirtual {
		return f32DistRows(metric, zmm, pa, []Register{pb}, n, pf)[0]
	}
	for metric := mL2; metric <= mIP; metric++ {
		mn := metricName[metric]
		text(mn+"F32"+sfx, "func(a, b *float32, n int) float32",
			fmt.Sprintf("%sF32%s returns the float32 %s kernel over a[:n], b[:n]. Any n >= 0.", mn, sfx, mn))
		pa, pb, n := ld("a"), ld("b"), ld("n")
		r := dist(metric, pa, pb, n, nil)
		c.VZEROUPPER()
		c.Store(r, c.ReturnIndex(0))
		c.RET()

		// Batch over row ids: groups of groupRows(zmm) rows (the next group prefetched), then
		// the remaining rows one at a time (the next row prefetched in step).
		text(mn+"F32Batch"+sfx, "func(q *float32, n int, slab *float32, stride int, ids *uint32, out *float32, cnt int)",
			fmt.Sprintf("%sF32Batch%s sets out[i] = %s(q[:n], slab[ids[i]*stride:][:n]) for i < cnt.", mn, sfx, mn),
			"Preconditions: every row lies inside slab; out has cnt entries. Rows go in groups",
			"(next group prefetched), the rest one at a time (next row prefetched).")
		{
			groupsFirst(metric, zmm, true)
			n, slab, stride, ids, out, cnt := ld("n"), ld("slab"), ld("stride"), ld("ids"), ld("out"), ld("cnt")
			lloop, lend, lnext := lbl("batch_loop"), lbl("batch_end"), lbl("batch_next")
			c.Label(lloop)
			c.TESTQ(cnt, cnt)
			c.JZ(LabelRef(lend))
			pb := c.GP64()
			c.MOVL(mem(ids, 0), pb.As32())
			c.IMULQ(stride, pb)
			c.ADDQ(slab, pb)
			pf := c.GP64()
			c.MOVQ(pb, pf)
			c.CMPQ(cnt, U32(1))
			c.JE(LabelRef(lnext))
			c.MOVL(mem(ids, 4), pf.As32())
			c.IMULQ(stride, pf)
			c.ADDQ(slab, pf)
			c.Label(lnext)
			c.PREFETCHT0(Mem{Base: pf, Index: n, Scale: 4, Disp: -4})
			pa := c.Load(c.Param("q"), c.GP64())
			nn := c.GP64()
			c.MOVQ(n, nn)
			r := dist(metric, pa, pb, nn, pf)
			c.VMOVSS(r, mem(out, 0))
			c.ADDQ(U32(4), ids)
			c.ADDQ(U32(4), out)
			c.DECQ(cnt)
			c.JMP(LabelRef(lloop))
			c.Label(lend)
			c.VZEROUPPER()
			c.RET()
		}

		text(mn+"F32Rows"+sfx, "func(q *float32, n int, slab *float32, stride int, out *float32, cnt int)",
			fmt.Sprintf("%sF32Rows%s sets out[i] = %s(q[:n], slab[i*stride:][:n]) for i < cnt.", mn, sfx, mn),
			"Preconditions: every row lies inside slab; out has cnt entries. Rows go in groups,",
			"the rest one at a time (next row prefetched).")
		{
			groupsFirst(metric, zmm, false)
			n, row, stride, out, cnt := ld("n"), ld("slab"), ld("stride"), ld("out"), ld("cnt")
			lloop, lend, lnext := lbl("rows_loop"), lbl("rows_end"), lbl("rows_next")
			c.Label(lloop)
			c.TESTQ(cnt, cnt)
			c.JZ(LabelRef(lend))
			pb, pf := c.GP64(), c.GP64()
			c.MOVQ(row, pb)
			c.MOVQ(row, pf)
			c.CMPQ(cnt, U32(1))
			c.JE(LabelRef(lnext))
			c.ADDQ(stride, pf)
			c.Label(lnext)
			c.PREFETCHT0(Mem{Base: pf, Index: n, Scale: 4, Disp: -4})
			pa := c.Load(c.Param("q"), c.GP64())
			nn := c.GP64()
			c.MOVQ(n, nn)
			r := dist(metric, pa, pb, nn, pf)
			c.VMOVSS(r, mem(out, 0))
			c.ADDQ(stride, row)
			c.ADDQ(U32(4), out)
			c.DECQ(cnt)
			c.JMP(LabelRef(lloop))
			c.Label(lend)
			c.VZEROUPPER()
			c.RET()
		}
	}
}

// ---------------------------------------------------------------------------
// conversions

func convKernels(sfx string, zmm bool) {
	W := 8
	if zmm {
		W = 16
	}
	vec := func() VecVirtual {
		if zmm {
			return c.ZMM()
		}
		return c.YMM()
	}
	loop := func(srcStep, dstStep int, body func(src, dst Register)) {
		dst, src, n := ld("dst"), ld("src"), ld("n")
		l, ld := lbl("conv"), lbl("conv_done")
		c.Label(l)
		c.TESTQ(n, n)
		c.JZ(LabelRef(ld))
		body(src, dst)
		c.ADDQ(U32(srcStep*W), src)
		c.ADDQ(U32(dstStep*W), dst)
		c.SUBQ(U32(W), n)
		c.JMP(LabelRef(l))
		c.Label(ld)
		c.VZEROUPPER()
		c.RET()
	}
	pre := fmt.Sprintf("Precondition: n %% %d == 0, dst and src hold n elements.", W)

	text("f32ToF16"+sfx, "func(dst *uint16, src *float32, n int)", "f32ToF16"+sfx+" converts with round-to-nearest-even (VCVTPS2PH). "+pre)
	loop(4, 2, func(src, dst Register) {
		v := vec()
		c.VMOVUPS(mem(src, 0), v)
		c.VCVTPS2PH(U8(0), v, mem(dst, 0))
	})
	text("f16ToF32"+sfx, "func(dst *float32, src *uint16, n int)", "f16ToF32"+sfx+" widens IEEE half to float32 (VCVTPH2PS). "+pre)
	loop(2, 4, func(src, dst Register) {
		v := vec()
		c.VCVTPH2PS(mem(src, 0), v)
		c.VMOVUPS(v, mem(dst, 0))
	})
	text("bf16ToF32"+sfx, "func(dst *float32, src *uint16, n int)", "bf16ToF32"+sfx+" widens bfloat16 to float32 (shift left 16). "+pre)
	loop(2, 4, func(src, dst Register) {
		v := vec()
		c.VPMOVZXWD(mem(src, 0), v)
		c.VPSLLD(U8(16), v, v)
		c.VMOVUPS(v, mem(dst, 0))
	})
	text("f32ToBF16"+sfx, "func(dst *uint16, src *float32, n int)", "f32ToBF16"+sfx+" narrows float32 to bfloat16 with round-to-nearest-even; NaN stays NaN (quiet bit set). "+pre)
	one, c7fff, c40 := bcast32(1, zmm), bcast32(0x7fff, zmm), bcast32(0x40, zmm)
	loop(4, 2, func(src, dst Register) {
		x, t, nan := vec(), vec(), vec()
		c.VMOVUPS(mem(src, 0), x)
		c.VPSRLD(U8(16), x, t)
		if zmm {
			c.VPANDD(one, t, t)
		} else {
			c.VPAND(one, t, t)
		}
		c.VPADDD(c7fff, t, t)
		c.VPADDD(x, t, t)
		c.VPSRLD(U8(16), t, t)
		c.VPSRLD(U8(16), x, nan)
		if zmm {
			c.VPORD(c40, nan, nan)
		} else {
			c.VPOR(c40, nan, nan)
		}
		if zmm {
			k := c.K()
			c.VCMPPS(U8(3), x, x, k)
			c.VMOVDQA32(nan, k, t)
			c.VPMOVDW(t, mem(dst, 0))
		} else {
			m := c.YMM()
			c.VCMPPS(U8(3), x, x, m)
			c.VBLENDVPS(m, nan, t, t)
			c.VPACKUSDW(t, t, t)
			c.VPERMQ(U8(0x08), t, t)
			c.VMOVDQU(t.AsX(), mem(dst, 0))
		}
	})
}

// ---------------------------------------------------------------------------
// integer kernels

// int8AVX2: n % 16 == 0.
func int8Kernels(sfx string, zmm bool) {
	for metric := mL2; metric <= mIP; metric++ {
		mn := metricName[metric]
		name := mn + "Int8" + sfx
		pre := "Precondition: n % 16 == 0."
		if zmm {
			pre = "Any n >= 0 (masked tail)."
		}
		text(name, "func(a, b *int8, n int) int32", name+" returns the int8 "+mn+" kernel over a[:n], b[:n] with int32 wrap-around. "+pre)
		pa, pb, n := ld("a"), ld("b"), ld("n")
		W := 16
		vec := c.YMM
		if zmm {
			W = 32
			vec = c.ZMM
		}
		var acc [4]VecVirtual
		for i := range acc {
			acc[i] = vec()
			if zmm {
				zero(acc[i])
			} else {
				zeroY(acc[i])
			}
		}
		step := func(a VecVirtual, x, y VecVirtual) {
			if metric == mL2 {
				c.VPSUBW(y, x, x)
				c.VPMADDWD(x, x, x)
			} else {
				c.VPMADDWD(y, x, x)
			}
			c.VPADDD(x, a, a)
		}
		l4, l1, ltail, ldone := lbl("i8_4"), lbl("i8_1"), lbl("i8_tail"), lbl("i8_done")
		c.Label(l4)
		c.CMPQ(n, U32(4*W))
		c.JL(LabelRef(l1))
		for i := 0; i < 4; i++ {
			x, y := vec(), vec()
			c.VPMOVSXBW(mem(pa, W*i), x)
			c.VPMOVSXBW(mem(pb, W*i), y)
			step(acc[i], x, y)
		}
		c.ADDQ(U32(4*W), pa)
		c.ADDQ(U32(4*W), pb)
		c.SUBQ(U32(4*W), n)
		c.JMP(LabelRef(l4))
		c.Label(l1)
		c.CMPQ(n, U32(W))
		c.JL(LabelRef(ltail))
		x, y := vec(), vec()
		c.VPMOVSXBW(mem(pa, 0), x)
		c.VPMOVSXBW(mem(pb, 0), y)
		step(acc[0], x, y)
		c.ADDQ(U32(W), pa)
		c.ADDQ(U32(W), pb)
		c.SUBQ(U32(W), n)
		c.JMP(LabelRef(l1))
		c.Label(ltail)
		if zmm {
			c.TESTQ(n, n)
			c.JZ(LabelRef(ldone))
			m := c.GP32()
			c.MOVL(U32(0xffffffff), m)
			c.BZHIL(n.(GPVirtual).As32(), m, m)
			k := c.K()
			c.KMOVD(m, k)
			ya, yb := c.YMM(), c.YMM()
			c.VMOVDQU8_Z(mem(pa, 0), k, ya)
			c.VMOVDQU8_Z(mem(pb, 0), k, yb)
			x, y := vec(), vec()
			c.VPMOVSXBW(ya, x)
			c.VPMOVSXBW(yb, y)
			step(acc[1], x, y)
		}
		c.Label(ldone)
		r := reduceD(acc[:], zmm)
		c.VZEROUPPER()
		c.Store(r, c.ReturnIndex(0))
		c.RET()
	}
}

// reduceD sums int32 lanes of all accumulators into a GP32.
func reduceD(acc []VecVirtual, zmm bool) Register {
	for i := 1; i < len(acc); i++ {
		c.VPADDD(acc[i], acc[0], acc[0])
	}
	y := acc[0].AsY().(VecVirtual)
	if zmm {
		y = c.YMM()
		c.VEXTRACTI64X4(U8(1), acc[0], y)
		c.VPADDD(y, acc[0].AsY(), y)
	}
	x := c.XMM()
	if zmm {
		c.VEXTRACTI32X4(U8(1), y, x)
	} else {
		c.VEXTRACTI128(U8(1), y, x)
	}
	c.VPADDD(x, y.AsX(), x)
	return hsumD4(x)
}

// reduceQ sums int64 lanes of a zmm into a GP64.
func reduceQ(z VecVirtual) Register {
	y := c.YMM()
	c.VEXTRACTI64X4(U8(1), z, y)
	c.VPADDQ(y, z.AsY(), y)
	x := c.XMM()
	c.VEXTRACTI32X4(U8(1), y, x)
	c.VPADDQ(x, y.AsX(), x)
	t := c.XMM()
	c.VPSHUFD(U8(0x4e), x, t)
	c.VPADDQ(t, x, x)
	r := c.GP64()
	c.VMOVQ(x, r)
	return r
}

// u8DistAVX2 returns the uint8 kernel over n bytes at pa, pb (all
// clobbered) in a GP32: zero-extend to words, VPMADDWD. n % 16 == 0.
func u8DistAVX2(metric int, pa, pb, n Register) Register {
	var acc [4]VecVirtual
	for i := range acc {
		acc[i] = zeroY(c.YMM())
	}
	step := func(a VecVirtual, i int) {
		x, y := c.YMM(), c.YMM()
		c.VPMOVZXBW(mem(pa, 16*i), x)
		c.VPMOVZXBW(mem(pb, 16*i), y)
		if metric == mL2 {
			c.VPSUBW(y, x, x)
			c.VPMADDWD(x, x, x)
		} else {
			c.VPMADDWD(y, x, x)
		}
		c.VPADDD(x, a, a)
	}
	l4, l1, ldone := lbl("u8_4"), lbl("u8_1"), lbl("u8_done")
	c.Label(l4)
	c.CMPQ(n, U32(64))
	c.JL(LabelRef(l1))
	for i := 0; i < 4; i++ {
		step(acc[i], i)
	}
	c.ADDQ(U32(64), pa)
	c.ADDQ(U32(64), pb)
	c.SUBQ(U32(64), n)
	c.JMP(LabelRef(l4))
	c.Label(l1)
	c.TESTQ(n, n)
	c.JZ(LabelRef(ldone))
	step(acc[0], 0)
	c.ADDQ(U32(16), pa)
	c.ADDQ(U32(16), pb)
	c.SUBQ(U32(16), n)
	c.JMP(LabelRef(l1))
	c.Label(ldone)
	return reduceD(acc[:], false)
}

var u8Name = [...]string{mL2: "l2U8", mIP: "dotU8"}

// u8Kernels emits the single-pair and row forms of the uint8 kernels.
func u8Kernels(sfx string, dist func(metric int, pa, pb, n Register) Register, pre string) {
	for metric := mL2; metric <= mIP; metric++ {
		name := u8Name[metric] + sfx
		text(name, "func(a, b *uint8, n int) uint32", name+" returns the uint8 kernel over a[:n], b[:n] (uint32 wrap-around). "+pre)
		r := dist(metric, ld("a"), ld("b"), ld("n"))
		c.VZEROUPPER()
		c.Store(r, c.ReturnIndex(0))
		c.RET()

		rname := u8Name[metric] + "Rows" + sfx
		text(rname, "func(a, codes *uint8, n, stride int, out *uint32, cnt int)",
			rname+" sets out[i] to the uint8 kernel over a[:n] and codes[i*stride:][:n] for i < cnt, prefetching row i+1. "+pre)
		n, stride := ld("n"), ld("stride")
		rowsLoop(n, stride, 4, func(row, out Register) {
			pb, nn := c.GP64(), c.GP64()
			c.MOVQ(row, pb)
			c.MOVQ(n, nn)
			r := dist(metric, ld("a"), pb, nn)
			c.MOVL(r, mem(out, 0))
		})
	}
}

// u8DistVNNI returns the uint8 kernel over n bytes at pa, pb (clobbered) in
// a GP32 using VPDPBUSD; any n (masked tail).
// a.b = sum a*(b-128) + 128*sum(a); (a-b)^2 = d*(d-128) + 128*d with d = |a-b|.
func u8DistVNNI(metric int, pa, pb, n Register) Register {
	c80 := bcast32(0x80808080, true)
	zr := zero(c.ZMM())
	var acc [4]VecVirtual
	for i := range acc {
		acc[i] = zero(c.ZMM())
	}
	sad := zero(c.ZMM())
	step := func(a VecVirtual, x, y Op) {
		u, s := c.ZMM(), c.ZMM()
		if metric == mL2 {
			c.VMOVDQU64(x, u)
			c.VPMINUB(y, u, s)
			c.VPMAXUB(y, u, u)
			c.VPSUBB(s, u, u)
			c.VPXORD(c80, u, s)
		} else {
			c.VMOVDQU64(x, u)
			c.VPXORD(y, c80, s)
		}
		vpdpbusd(s, u, a)
		t := c.ZMM()
		c.VPSADBW(zr, u, t)
		c.VPADDQ(t, sad, sad)
	}
	l4, l1, ltail, ldone := lbl("u8_4"), lbl("u8_1"), lbl("u8_tail"), lbl("u8_done")
	c.Label(l4)
	c.CMPQ(n, U32(256))
	c.JL(LabelRef(l1))
	for i := 0; i < 4; i++ {
		step(acc[i], mem(pa, 64*i), mem(pb, 64*i))
	}
	c.ADDQ(U32(256), pa)
	c.ADDQ(U32(256), pb)
	c.SUBQ(U32(256), n)
	c.JMP(LabelRef(l4))
	c.Label(l1)
	c.CMPQ(n, U32(64))
	c.JL(LabelRef(ltail))
	step(acc[0], mem(pa, 0), mem(pb, 0))
	c.ADDQ(U32(64), pa)
	c.ADDQ(U32(64), pb)
	c.SUBQ(U32(64), n)
	c.JMP(LabelRef(l1))
	c.Label(ltail)
	c.TESTQ(n, n)
	c.JZ(LabelRef(ldone))
	k := byteMask(n)
	xa, xb := c.ZMM(), c.ZMM()
	c.VMOVDQU8_Z(mem(pa, 0), k, xa)
	c.VMOVDQU8_Z(mem(pb, 0), k, xb)
	step(acc[1], xa, xb)
	c.Label(ldone)
	d := reduceD(acc[:], true)
	s := reduceQ(sad)
	c.SHLQ(U8(7), s)
	c.ADDL(s.(GPVirtual).As32(), d)
	return d
}

var u4Name = [...]string{mL2: "l2U4", mIP: "dotU4"}

// u4 kernels over nb bytes of packed nibbles (2*nb values).
func u4Kernels(sfx string, zmm bool) {
	for metric := mL2; metric <= mIP; metric++ {
		name := u4Name[metric] + sfx
		pre := "Precondition: nb % 16 == 0."
		if zmm {
			pre = "Any nb >= 0 (masked tail)."
		}
		text(name, "func(a, b *uint8, nb int) uint32", name+" returns the packed-nibble kernel over the 2*nb values in a[:nb], b[:nb]. "+pre)
		r := u4Dist(metric, zmm, ld("a"), ld("b"), ld("nb"))
		c.VZEROUPPER()
		c.Store(r, c.ReturnIndex(0))
		c.RET()
	}
}

// u4DistVNNI is u4Dist on 512-bit vectors with a masked tail: any n.
func u4DistVNNI(metric int, pa, pb, n Register) Register { return u4Dist(metric, true, pa, pb, n) }

// u4Dist returns the packed-nibble kernel over the n bytes at pa, pb (all three clobbered)
// in a GP32: VPDPBUSD on 512-bit vectors (any n, masked tail) when zmm, else VPMADDUBSW on
// 256-bit ones (n % 16 == 0).
func u4Dist(metric int, zmm bool, pa, pb, n Register) Register {
	{
		W := 32
		vec := c.YMM
		if zmm {
			W = 64
			vec = c.ZMM
		}
		c0f := bcast32(0x0f0f0f0f, zmm)
		var ones VecVirtual
		if !zmm {
			ones = bcast32(0x00010001, false)
		}
		acc := [2]VecVirtual{vec(), vec()}
		for _, a := range acc {
			if zmm {
				zero(a)
			} else {
				zeroY(a)
			}
		}
		and := func(x, y, z VecVirtual) {
			if zmm {
				c.VPANDD(x, y, z)
			} else {
				c.VPAND(x, y, z)
			}
		}
		step := func(x, y Op) {
			a, b := vec(), vec()
			if zmm {
				c.VMOVDQU64(x, a)
				c.VMOVDQU64(y, b)
			} else {
				c.VMOVDQU(x, a)
				c.VMOVDQU(y, b)
			}
			alo, ahi, blo, bhi := vec(), vec(), vec(), vec()
			and(c0f, a, alo)
			c.VPSRLW(U8(4), a, ahi)
			and(c0f, ahi, ahi)
			and(c0f, b, blo)
			c.VPSRLW(U8(4), b, bhi)
			and(c0f, bhi, bhi)
			if metric == mL2 {
				c.VPSUBB(blo, alo, alo)
				c.VPABSB(alo, alo)
				c.VPSUBB(bhi, ahi, ahi)
				c.VPABSB(ahi, ahi)
				blo, bhi = alo, ahi
			}
			if zmm {
				vpdpbusd(blo, alo, acc[0])
				vpdpbusd(bhi, ahi, acc[1])
			} else {
				c.VPMADDUBSW(blo, alo, alo)
				c.VPMADDUBSW(bhi, ahi, ahi)
				c.VPADDW(ahi, alo, alo)
				c.VPMADDWD(ones, alo, alo)
				c.VPADDD(alo, acc[0], acc[0])
			}
		}
		l1, ltail, ldone := lbl("u4_1"), lbl("u4_tail"), lbl("u4_done")
		c.Label(l1)
		c.CMPQ(n, U32(W))
		c.JL(LabelRef(ltail))
		step(mem(pa, 0), mem(pb, 0))
		c.ADDQ(U32(W), pa)
		c.ADDQ(U32(W), pb)
		c.SUBQ(U32(W), n)
		c.JMP(LabelRef(l1))
		c.Label(ltail)
		if zmm {
			c.TESTQ(n, n)
			c.JZ(LabelRef(ldone))
			k := byteMask(n)
			xa, xb := c.ZMM(), c.ZMM()
			c.VMOVDQU8_Z(mem(pa, 0), k, xa)
			c.VMOVDQU8_Z(mem(pb, 0), k, xb)
			step(xa, xb)
		} else {
			// One 16-byte step (nb % 32 == 16). VEX.128 results have their
			// upper lanes zeroed, so they add into the 256-bit accumulator.
			c.TESTQ(n, n)
			c.JZ(LabelRef(ldone))
			a, b := c.XMM(), c.XMM()
			c.VMOVDQU(mem(pa, 0), a)
			c.VMOVDQU(mem(pb, 0), b)
			alo, ahi, blo, bhi := c.XMM(), c.XMM(), c.XMM(), c.XMM()
			m := c0f.AsX()
			c.VPAND(m, a, alo)
			c.VPSRLW(U8(4), a, ahi)
			c.VPAND(m, ahi, ahi)
			c.VPAND(m, b, blo)
			c.VPSRLW(U8(4), b, bhi)
			c.VPAND(m, bhi, bhi)
			if metric == mL2 {
				c.VPSUBB(blo, alo, alo)
				c.VPABSB(alo, alo)
				c.VPSUBB(bhi, ahi, ahi)
				c.VPABSB(ahi, ahi)
				blo, bhi = alo, ahi
			}
			c.VPMADDUBSW(blo, alo, alo)
			c.VPMADDUBSW(bhi, ahi, ahi)
			c.VPADDW(ahi, alo, alo)
			c.VPMADDWD(ones.AsX(), alo, alo)
			c.VPADDD(alo.AsY(), acc[0], acc[0])
		}
		c.Label(ldone)
		return reduceD(acc[:], zmm)
	}
}

// ---------------------------------------------------------------------------
// bits

func popcntScalar() {
	for _, op := range []string{"hamming", "popcountAnd"} {
		name := op + "POPCNT"
		text(name, "func(a, b *uint64, n int) int", name+" returns the popcount of a[i] op b[i] over n words using scalar POPCNTQ. Any n >= 0.")
		pa, pb, n := ld("a"), ld("b"), ld("n")
		var acc [4]Register
		for i := range acc {
			acc[i] = c.GP64()
			c.XORQ(acc[i], acc[i])
		}
		word := func(a Register, disp int) {
			t := c.GP64()
			c.MOVQ(mem(pa, disp), t)
			if op == "hamming" {
				c.XORQ(mem(pb, disp), t)
			} else {
				c.ANDQ(mem(pb, disp), t)
			}
			c.POPCNTQ(t, t)
			c.ADDQ(t, a)
		}
		l4, l1, ldone := lbl("pc4"), lbl("pc1"), lbl("pc_done")
		c.Label(l4)
		c.CMPQ(n, U32(4))
		c.JL(LabelRef(l1))
		for i := 0; i < 4; i++ {
			word(acc[i], 8*i)
		}
		c.ADDQ(U32(32), pa)
		c.ADDQ(U32(32), pb)
		c.SUBQ(U32(4), n)
		c.JMP(LabelRef(l4))
		c.Label(l1)
		c.TESTQ(n, n)
		c.JZ(LabelRef(ldone))
		word(acc[0], 0)
		c.ADDQ(U32(8), pa)
		c.ADDQ(U32(8), pb)
		c.DECQ(n)
		c.JMP(LabelRef(l1))
		c.Label(ldone)
		c.ADDQ(acc[1], acc[0])
		c.ADDQ(acc[3], acc[2])
		c.ADDQ(acc[2], acc[0])
		c.Store(acc[0], c.ReturnIndex(0))
		c.RET()
	}
}

func popcntVPOPCNTQ() {
	for _, op := range []string{"hamming", "popcountAnd"} {
		name := op + "VPOPCNTQ"
		text(name, "func(a, b *uint64, n int) int", name+" returns the popcount of a[i] op b[i] over n words using VPOPCNTQ. Any n >= 0.")
		pa, pb, n := ld("a"), ld("b"), ld("n")
		var acc [4]VecVirtual
		for i := range acc {
			acc[i] = zero(c.ZMM())
		}
		step := func(a VecVirtual, x, y Op) {
			t := c.ZMM()
			c.VMOVDQU64(x, t)
			if op == "hamming" {
				c.VPXORQ(y, t, t)
			} else {
				c.VPANDQ(y, t, t)
			}
			c.VPOPCNTQ(t, t)
			c.VPADDQ(t, a, a)
		}
		l4, l1, ltail, ldone := lbl("vpc4"), lbl("vpc1"), lbl("vpc_tail"), lbl("vpc_done")
		c.Label(l4)
		c.CMPQ(n, U32(32))
		c.JL(LabelRef(l1))
		for i := 0; i < 4; i++ {
			step(acc[i], mem(pa, 64*i), mem(pb, 64*i))
		}
		c.ADDQ(U32(256), pa)
		c.ADDQ(U32(256), pb)
		c.SUBQ(U32(32), n)
		c.JMP(LabelRef(l4))
		c.Label(l1)
		c.CMPQ(n, U32(8))
		c.JL(LabelRef(ltail))
		step(acc[0], mem(pa, 0), mem(pb, 0))
		c.ADDQ(U32(64), pa)
		c.ADDQ(U32(64), pb)
		c.SUBQ(U32(8), n)
		c.JMP(LabelRef(l1))
		c.Label(ltail)
		c.TESTQ(n, n)
		c.JZ(LabelRef(ldone))
		m := c.GP32()
		c.MOVL(U32(0xff), m)
		c.BZHIL(n.(GPVirtual).As32(), m, m)
		k := c.K()
		c.KMOVB(m, k)
		xa, xb := c.ZMM(), c.ZMM()
		c.VMOVDQU64_Z(mem(pa, 0), k, xa)
		c.VMOVDQU64_Z(mem(pb, 0), k, xb)
		step(acc[1], xa, xb)
		c.Label(ldone)
		c.VPADDQ(acc[1], acc[0], acc[0])
		c.VPADDQ(acc[3], acc[2], acc[2])
		c.VPADDQ(acc[2], acc[0], acc[0])
		r := reduceQ(acc[0])
		c.VZEROUPPER()
		c.Store(r, c.ReturnIndex(0))
		c.RET()
	}
}

// ---------------------------------------------------------------------------
// PQ fast-scan lookup

func lookupKernel(sfx string, zmm bool) {
	per := 2
	if zmm {
		per = 4
	}
	name := "lookupAccumulate32" + sfx
	text(name, "func(codes *uint8, lut *uint8, m int, out *[32]uint16)",
		fmt.Sprintf("%s stores into out the uint16 sums of lut over m sub-quantizers of a 32-vector block (VPSHUFB). Precondition: m %% %d == 0.", name, per))
	codes, lut, m, out := ld("codes"), ld("lut"), ld("m"), ld("out")
	vec := c.YMM
	if zmm {
		vec = c.ZMM
	}
	c0f := bcast32(0x0f0f0f0f, zmm)
	zr := vec()
	var acc [4]VecVirtual
	for i := range acc {
		acc[i] = vec()
	}
	if zmm {
		zero(zr)
		for _, a := range acc {
			zero(a)
		}
	} else {
		zeroY(zr)
		for _, a := range acc {
			zeroY(a)
		}
	}
	l, ldone := lbl("lut"), lbl("lut_done")
	c.Label(l)
	c.TESTQ(m, m)
	c.JZ(LabelRef(ldone))
	cd, lt, lo, hi := vec(), vec(), vec(), vec()
	if zmm {
		c.VMOVDQU64(mem(codes, 0), cd)
		c.VMOVDQU64(mem(lut, 0), lt)
		c.VPANDD(c0f, cd, lo)
		c.VPSRLW(U8(4), cd, hi)
		c.VPANDD(c0f, hi, hi)
	} else {
		c.VMOVDQU(mem(codes, 0), cd)
		c.VMOVDQU(mem(lut, 0), lt)
		c.VPAND(c0f, cd, lo)
		c.VPSRLW(U8(4), cd, hi)
		c.VPAND(c0f, hi, hi)
	}
	c.VPSHUFB(lo, lt, lo)
	c.VPSHUFB(hi, lt, hi)
	for i, r := range []VecVirtual{lo, lo, hi, hi} {
		t := vec()
		if i%2 == 0 {
			c.VPUNPCKLBW(zr, r, t)
		} else {
			c.VPUNPCKHBW(zr, r, t)
		}
		c.VPADDW(t, acc[i], acc[i])
	}
	c.ADDQ(U32(16*per), codes)
	c.ADDQ(U32(16*per), lut)
	c.SUBQ(U32(per), m)
	c.JMP(LabelRef(l))
	c.Label(ldone)
	for i, a := range acc {
		y := a.AsY().(VecVirtual)
		if zmm {
			y = c.YMM()
			c.VEXTRACTI64X4(U8(1), a, y)
			c.VPADDW(y, a.AsY(), y)
		}
		x := c.XMM()
		if zmm {
			c.VEXTRACTI32X4(U8(1), y, x)
		} else {
			c.VEXTRACTI128(U8(1), y, x)
		}
		c.VPADDW(x, y.AsX(), x)
		c.VMOVDQU(x, mem(out, 16*i))
	}
	c.VZEROUPPER()
	c.RET()
}

// ---------------------------------------------------------------------------

func genAVX2() {
	f32Kernels("AVX2")
	codeKernels("AVX2", false)
	sqPreparedKernels("AVX2", false)
	convKernels("AVX2", false)
	int8Kernels("AVX2", false)
	u8Kernels("AVX2", u8DistAVX2, "Precondition: n % 16 == 0.")
	u4Kernels("AVX2", false)
	popcntScalar()
	lookupKernel("AVX2", false)
	lvqKernels(false)
	lvqPackedKernel(false)
	maskedSumKernel(false)
	axpyKernel("AVX2")
	f16ColKernels("AVX2", false)

	text("prefetchT0", "func(p uintptr)", "prefetchT0 issues PREFETCHT0 on the cache line holding p; it never faults.")
	p := ld("p")
	c.PREFETCHT0(mem(p, 0))
	c.RET()
	prefetchRows()
}

// prefetchRows emits prefetchRowsT0, which requests the rows of a list of ids in one call:
// a call from Go costs more than the PREFETCHT0 it wraps, and a graph hop requests up to
// max_degree rows.
func prefetchRows() {
	text("prefetchRowsT0", "func(base uintptr, ids *uint32, n int, stride int, limit int, mid int, last int)",
		"prefetchRowsT0 issues PREFETCHT0 on p = base + ids[i]*stride, on p + 64*j for 0 < j <= mid, and on p + last",
		"when last > 0, for every i < n whose ids[i]*stride is at most limit (unsigned); it never faults.")
	base, ids, n := ld("base"), ld("ids"), ld("n")
	stride, limit := ld("stride"), ld("limit")
	mid, last := ld("mid"), ld("last")
	i, off, p, k := c.GP64(), c.GP64(), c.GP64(), c.GP64()
	loop, lines, tail, next, done := lbl("rows_loop"), lbl("rows_lines"), lbl("rows_tail"), lbl("rows_next"), lbl("rows_done")
	c.XORQ(i, i)
	c.Label(loop)
	c.CMPQ(i, n)
	c.JGE(LabelRef(done))
	c.MOVL(Mem{Base: ids, Index: i, Scale: 4}, off.As32())
	c.IMULQ(stride, off)
	c.CMPQ(off, limit)
	c.JA(LabelRef(next))
	c.PREFETCHT0(Mem{Base: base, Index: off, Scale: 1})
	c.MOVQ(off, p)
	c.MOVQ(mid, k)
	c.Label(lines)
	c.TESTQ(k, k)
	c.JZ(LabelRef(tail))
	c.ADDQ(U32(64), p)
	c.PREFETCHT0(Mem{Base: base, Index: p, Scale: 1})
	c.DECQ(k)
	c.JMP(LabelRef(lines))
	c.Label(tail)
	c.TESTQ(last, last)
	c.JZ(LabelRef(next))
	c.ADDQ(last, off)
	c.PREFETCHT0(Mem{Base: base, Index: off, Scale: 1})
	c.Label(next)
	c.INCQ(i)
	c.JMP(LabelRef(loop))
	c.Label(done)
	c.RET()
}

func genAVX512() {
	f32Kernels("AVX512")
	codeKernels("AVX512", true)
	sqPreparedKernels("AVX512", true)
	convKernels("AVX512", true)
	int8Kernels("AVX512", true)
	u8Kernels("VNNI", u8DistVNNI, "Any n >= 0 (masked tail).")
	u4Kernels("VNNI", true)
	popcntVPOPCNTQ()
	lookupKernel("AVX512", true)
	lvqKernels(true)
	lvq4qKernels()
	lvqPackedKernel(true)
	maskedSumKernel(true)
	maskedSumPlanesKernel()
	maskedSumPlanesBatchKernel()
	axpyKernel("AVX512")
	popcountPlanes4Kernel()
	popcountPlanes4BatchKernel()
	batchKernels(u8Name, "uint8", "VNNI", u8DistVNNI, "Any n >= 0 (masked tail).")
	batchKernels(u4Name, "packed-nibble", "VNNI", u4DistVNNI, "n counts bytes (2*n values). Any n >= 0 (masked tail).")
	halfBatchKernels("AVX512")
	f16ColKernels("AVX512", true)
	levelsKernels()
}
