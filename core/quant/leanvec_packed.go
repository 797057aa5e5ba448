package quant

import (
	"encoding/binary"
	"math"

	"github.com/govsag/vsag/simd"
)

// PrimaryPacker is implemented by a TwoStage quantizer whose traversal codes have a faster
// form for a dense store of their own (hgraph's): PackPrimary turns a full code into a packed
// row, and PackedPrimary's computers read rows of its CodeSize bytes. Packed rows are derived
// from the codes, so they are never saved.
type PrimaryPacker interface {
	// PackedPrimary returns the quantizer of the packed rows, or nil when this configuration
	// has no packed form.
	PackedPrimary() Quantizer
	// PackPrimary writes the packed row of the full code into dst (PackedPrimary().CodeSize()
	// bytes).
	PackPrimary(dst, code []byte)
}

// PackedPrimaryOn enables leanvec's packed lvq8 traversal rows; tests and benchmarks turn it
// off to compare. It is read when an index sets up its stores.
var PackedPrimaryOn = true

// PackedPrimary implements PrimaryPacker: with lvq8 primary codes (up to
// simd.LVQ8PackedMaxDim reduced dimensions), the traversal reads packed LVQ-8 rows with the
// reduced query quantized to int16, an integer dot product per row (simd's lvqpacked.go). The
// row's aux is the squared norm of its decoded reduced vector (l2 with "pca"), ||x||^2 (l2 with
// "ood") or unused (ip).
func (lv *LeanVec) PackedPrimary() Quantizer {
	if !PackedPrimaryOn || lv.pkind != "lvq8" || lv.d > simd.LVQ8PackedMaxDim {
		return nil
	}
	return &leanVecPacked{leanVecPrimary{lv: lv}}
}

// PackPrimary implements PrimaryPacker.
func (lv *LeanVec) PackPrimary(dst, code []byte) {
	var aux float32
	switch {
	case lv.l2proj:
		s, b := lvqHeader(code)
		var sum float64
		for _, c := range code[4 : 4+lv.d] {
			x := float64(s*float32(c) + b)
			sum += x * x
		}
		aux = float32(sum)
	case lv.norms:
		aux = math.Float32frombits(binary.LittleEndian.Uint32(code[lvAlign4(lv.pcode):]))
	}
	simd.PackLVQ8(dst, code[:lv.pcode], lv.d, aux)
}

// leanVecPacked is the quantizer of leanvec's packed traversal rows. Its state is the leanvec's,
// so it shares the stateless methods of the primary quantizer.
type leanVecPacked struct{ leanVecPrimary }

func (p *leanVecPacked) Name() string  { return "leanvec_packed" }
func (p *leanVecPacked) CodeSize() int { return simd.LVQ8PackedRowBytes(p.lv.d) }

// Encode writes the packed row of v.
func (p *leanVecPacked) Encode(dst []byte, v []float32) {
	full := make([]byte, p.lv.size)
	p.lv.Encode(full, v)
	p.lv.PackPrimary(dst, full)
}

// Decode maps the packed row back as leanvec's primary quantizer decodes its prefix.
func (p *leanVecPacked) Decode(dst []float32, code []byte) {
	lv := p.lv
	row := make([]byte, lv.psize)
	copy(row[:4], code[:4])
	copy(row[4:4+lv.d], code[8:8+lv.d])
	p.leanVecPrimary.Decode(dst, row)
}

func (p *leanVecPacked) NewComputer() Computer {
	lv := p.lv
	lq := lv.prim.(lvLVQ).q
	return &lvPackedComputer{
		lv: lv, stride: p.CodeSize(), mean: lq.st.mean,
		z: make([]float32, lv.d), c: make([]float32, lv.dim), u: make([]float32, lv.d),
		q16: make([]int16, simd.LVQ8PackedLen(lv.d)),
	}
}

// lvPackedComputer gives the primary distances of lvPrimaryComputer over packed rows: the
// reduced query, less the lvq8 codec's mean for l2, is quantized to int16, and the codec's
// distance and leanvec's offset fold into the kernel's four constants.
type lvPackedComputer struct {
	lv      *LeanVec
	stride  int
	mean    []float32 // the lvq8 codec's mean
	z, c, u []float32
	q16     []int16
	par     simd.LVQ8PackedParams
}

func (c *lvPackedComputer) SetQuery(q []float32) {
	lv := c.lv
	add := lv.primaryQuery(c.z, c.c, q)
	var sum, sq, qmean float64
	if lv.l2proj {
		for j, x := range c.z {
			u := x - c.mean[j]
			c.u[j] = u
			sum += float64(u)
			sq += float64(u) * float64(u)
		}
	} else {
		for j, x := range c.z {
			c.u[j] = x
			sum += float64(x)
			qmean += float64(x) * float64(c.mean[j])
		}
	}
	step := simd.LVQ8PackedQuery(c.q16, c.u)
	switch {
	case lv.l2proj:
		// sum (u - x)^2 = ||u||^2 - 2(scale*<u,c> + bias*sum(u)) + ||x||^2, plus the offset
		c.par = simd.LVQ8PackedParams{Base: float32(sq) + add, AuxW: 1, SW: -2 * step, BW: -2 * float32(sum)}
	case lv.norms:
		// 2*(1 - <z, x + mean>) + ||x||^2 + offset
		c.par = simd.LVQ8PackedParams{Base: 2*(1-float32(qmean)) + add, AuxW: 1, SW: -2 * step, BW: -2 * float32(sum)}
	default:
		// 1 - <z, x + mean> + offset
		c.par = simd.LVQ8PackedParams{Base: 1 - float32(qmean) + add, SW: -step, BW: -float32(sum)}
	}
}

func (c *lvPackedComputer) Distance(code []byte) float32 {
	return simd.LVQ8Packed(c.q16, &c.par, code)
}

func (c *lvPackedComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	simd.LVQ8PackedBatch(c.q16, &c.par, slab, c.stride, ids, out)
}

func (c *lvPackedComputer) DistanceRows(slab []byte, out []float32) {
	simd.LVQ8PackedRows(c.q16, &c.par, slab, c.stride, out)
}
