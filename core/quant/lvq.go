package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	for _, v := range []struct {
		name   string
		b1, b2 int
	}{{"lvq8", 8, 0}, {"lvq4", 4, 0}, {"lvq4x4", 4, 4}, {"lvq4x8", 4, 8}, {"lvq8x8", 8, 8}} {
		Register(v.name, func(dim int, m metric.Kind, o Options) (Quantizer, error) {
			q, err := NewLVQ(dim, m, v.b1, v.b2)
			if err == nil {
				q.byL2 = cosineByL2(m, o)
			}
			return q, err
		})
	}
}

// TwoStage is implemented by quantizers whose codes hold a cheap primary part for graph
// traversal and a precise part for reranking: the two-level LVQ quantizers (lvq4x4, lvq4x8,
// lvq8x8) and leanvec.
//
// NewComputer of a TwoStage quantizer computes the precise distance (all levels of a
// two-level LVQ code; the secondary code of leanvec), so an index that ignores TwoStage still
// returns precise results, only slower. An index that uses it:
//
//   - traverses with NewPrimaryComputer over the same slab of codes (rows of CodeSize bytes),
//     which reads only the first PrimaryCodeSize bytes of each row; or keeps a separate dense
//     store of Primary() codes for traversal (Primary().Encode writes exactly those first
//     PrimaryCodeSize bytes, and its computers take rows of Primary().CodeSize() bytes);
//   - reranks every candidate of its search buffer with NewComputer and returns those
//     distances.
//
// Train, MarshalBinary and UnmarshalBinary belong to the TwoStage quantizer; Primary() shares
// its state and need not be serialised separately. The one-level lvq8 and lvq4 satisfy the
// interface too, with PrimaryCodeSize() == CodeSize(): nothing cheaper to traverse with.
type TwoStage interface {
	Quantizer
	// Primary returns the quantizer of the traversal codes. It shares this quantizer's state.
	Primary() Quantizer
	// PrimaryCodeSize returns the length of the primary prefix of each code.
	PrimaryCodeSize() int
	// NewPrimaryComputer returns a computer of the primary (traversal) distance over rows of
	// this quantizer's codes.
	NewPrimaryComputer() Computer
}

// LVQ is locally-adaptive vector quantization: vectors are shifted by the dataset mean
// learned in Train, and each vector keeps its own scale and bias (IEEE half, rounded before
// encoding) with unsigned b1-bit codes: dimension j decodes to mean_j + bias + scale*c_j,
// scale = (max-min)/(2^b1-1) over the shifted vector. A two-level quantizer (b2 > 0) adds
// b2-bit residual codes with step scale/(2^b2-1) and offset -scale/2 and no constants of
// their own, so the code decodes like a one-level code with a step 2^b2-1 times finer.
//
// Codes are laid out as simd's LVQ rows (lvq.go there): scale, bias, primary codes (8-bit, or
// 4-bit blocked), residual codes. Distances keep the query in float32: l2 against the
// mean-shifted query, ip as scale*<q,c> + bias*sum(q) + <q,mean>. NewComputer uses every
// level; NewPrimaryComputer only the first (the traversal distance of a two-level code).
//
// Precision is that of the half constants: vectors whose shifted values reach beyond 65504,
// or whose range is below about 2^-24*(2^b1-1), are encoded coarsely.
type LVQ struct {
	name   string
	dim    int
	metric metric.Kind
	b1, b2 int
	n1, n2 int // bytes of the primary and residual codes
	st     *lvqState
	// byL2: cosine codes measured by half their squared distance (cosineByL2); set for the
	// registered quantizers, not for leanvec's codes of projected vectors
	byL2 bool
}

// lvqState is the learned state, shared by a two-level quantizer and its Primary view.
type lvqState struct {
	mean    []float32
	trained bool
}

// NewLVQ returns an LVQ quantizer with b1-bit primary codes (4 or 8) and b2-bit residual
// codes (0 for none, 4 or 8).
func NewLVQ(dim int, m metric.Kind, b1, b2 int) (*LVQ, error) {
	if dim <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "lvq: dim %d must be positive", dim)
	}
	if (b1 != 4 && b1 != 8) || (b2 != 0 && b2 != 4 && b2 != 8) {
		return nil, api.Errorf(api.InvalidArgument, "lvq: code widths %d/%d are not supported", b1, b2)
	}
	name := fmt.Sprintf("lvq%d", b1)
	if b2 > 0 {
		name = fmt.Sprintf("lvq%dx%d", b1, b2)
	}
	return &LVQ{
		name: name, dim: dim, metric: m, b1: b1, b2: b2,
		n1: simd.LVQCodeBytes(dim, b1), n2: lvqResidualBytes(dim, b2),
		st: &lvqState{mean: make([]float32, dim)},
	}, nil
}

func lvqResidualBytes(dim, b2 int) int {
	if b2 == 0 {
		return 0
	}
	return simd.LVQCodeBytes(dim, b2)
}

// Name implements Quantizer.
func (q *LVQ) Name() string { return q.name }

// Dim implements Quantizer.
func (q *LVQ) Dim() int { return q.dim }

// Metric implements Quantizer.
func (q *LVQ) Metric() metric.Kind { return q.metric }

// CodeSize implements Quantizer: 4 bytes of constants and the codes of every level.
func (q *LVQ) CodeSize() int { return 4 + q.n1 + q.n2 }

// NeedTrain implements Quantizer: the mean is learned.
func (q *LVQ) NeedTrain() bool { return true }

// Trained implements Quantizer.
func (q *LVQ) Trained() bool { return q.st.trained }

// Mean returns the learned dataset mean (not a copy; do not modify).
func (q *LVQ) Mean() []float32 { return q.st.mean }

// Levels returns the bits of the primary and residual codes (0 for none).
func (q *LVQ) Levels() (primary, residual int) { return q.b1, q.b2 }

// Train implements Quantizer: it learns the mean of the finite values of each dimension over
// all n vectors.
func (q *LVQ) Train(vectors []float32, n int) error {
	if n <= 0 {
		return api.Errorf(api.InvalidArgument, "%s: training needs at least one vector, got %d", q.name, n)
	}
	if len(vectors) < n*q.dim {
		return api.Errorf(api.InvalidArgument, "%s: %d values do not hold %d vectors of dim %d", q.name, len(vectors), n, q.dim)
	}
	copy(q.st.mean, lvqMean(vectors, n, q.dim))
	q.st.trained = true
	return nil
}

// lvqMean returns the mean of the finite values of each dimension (0 where there are none).
func lvqMean(vectors []float32, n, dim int) []float32 {
	sum := make([]float64, dim)
	cnt := make([]int, dim)
	for i := 0; i < n; i++ {
		for j, v := range vectors[i*dim : (i+1)*dim] {
			if lvqFinite(v) {
				sum[j] += float64(v)
				cnt[j]++
			}
		}
	}
	out := make([]float32, dim)
	for j := range out {
		if cnt[j] > 0 {
			out[j] = float32(sum[j] / float64(cnt[j]))
		}
	}
	return out
}

func lvqFinite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

// lvqMaxHalf is the largest finite IEEE half.
const lvqMaxHalf = 65504

// lvqHalf rounds v to the nearest IEEE half (clamped to the finite range; NaN gives the
// lowest); up rounds positive values up instead, so that the range they cover is never short.
// It returns the half and its value.
func lvqHalf(v float32, up bool) (uint16, float32) {
	if !(v >= -lvqMaxHalf) {
		v = -lvqMaxHalf
	}
	v = min(v, lvqMaxHalf)
	h := lvqToHalf(v)
	f := lvqFromHalf(h)
	if up && f < v && h < 0x7bff {
		h++ // the next half up, for positive v
		f = lvqFromHalf(h)
	}
	return h, f
}

// lvqToHalf converts a finite f to IEEE half with round-to-nearest-even (as VCVTPS2PH does).
func lvqToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	if b&0x7fffffff > 0x7f800000 {
		return sign | 0x7e00
	}
	e := int(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if e >= 31 {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is the correct rounding
	}
	return sign | uint16(h)
}

// lvqFromHalf widens an IEEE half exactly.
func lvqFromHalf(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	e := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch e {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0:
		v := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (e+112)<<23 | mant<<13)
}

// lvqRound returns t rounded to the nearest integer clamped to [0, top]; NaN gives 0.
func lvqRound(t float32, top int) uint8 {
	t += 0.5
	if !(t > 0) {
		return 0
	}
	if t >= float32(top) {
		return uint8(top)
	}
	return uint8(t)
}

// lvqPut stores code v of dimension j of an n-dimensional code of bits bits.
func lvqPut(dst []byte, bits, n, j int, v uint8) {
	if bits == 8 {
		dst[j] = v
		return
	}
	blk := j &^ 31
	w := j - blk
	h := 16
	if r := n - blk; r < 32 {
		h = (r + 1) / 2
	}
	if w < h {
		dst[blk/2+w] = dst[blk/2+w]&0xf0 | v
	} else {
		dst[blk/2+w-h] = dst[blk/2+w-h]&0x0f | v<<4
	}
}

// lvqGet returns code j of an n-dimensional code of bits bits.
func lvqGet(c []byte, bits, n, j int) uint8 {
	if bits == 8 {
		return c[j]
	}
	blk := j &^ 31
	w := j - blk
	h := 16
	if r := n - blk; r < 32 {
		h = (r + 1) / 2
	}
	if w < h {
		return c[blk/2+w] & 15
	}
	return c[blk/2+w-h] >> 4
}

// Encode implements Quantizer. It never fails: non-finite values encode as the vector's
// minimum, and constants beyond the half range are clamped.
func (q *LVQ) Encode(dst []byte, v []float32) {
	lvqEncode(dst[:q.CodeSize()], v[:q.dim], q.st.mean, q.b1, q.b2)
}

// lvqEncode writes the LVQ code of v - mean into dst (len(dst) == the code size).
func lvqEncode(dst []byte, v, mean []float32, b1, b2 int) {
	n := len(v)
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for j, x := range v {
		if y := x - mean[j]; lvqFinite(y) {
			lo, hi = min(lo, y), max(hi, y)
		}
	}
	if lo > hi { // no finite value
		lo, hi = 0, 0
	}
	top1 := 1<<b1 - 1
	hs, s := lvqHalf((hi-lo)/float32(top1), true)
	hb, b := lvqHalf(lo, false)
	binary.LittleEndian.PutUint16(dst, hs)
	binary.LittleEndian.PutUint16(dst[2:], hb)
	var inv float32
	if s > 0 {
		inv = 1 / s
	}
	n1 := simd.LVQCodeBytes(n, b1)
	c1 := dst[4 : 4+n1]
	clear(c1)
	for j, x := range v {
		lvqPut(c1, b1, n, j, lvqRound((x-mean[j]-b)*inv, top1))
	}
	if b2 == 0 {
		return
	}
	top2 := 1<<b2 - 1
	step := s / float32(top2)
	var inv2 float32
	if step > 0 {
		inv2 = 1 / step
	}
	base := b - s*0.5
	c2 := dst[4+n1:]
	clear(c2)
	for j, x := range v {
		t := float32(lvqGet(c1, b1, n, j))*s + base
		lvqPut(c2, b2, n, j, lvqRound((x-mean[j]-t)*inv2, top2))
	}
}

// Decode implements Quantizer: every level plus the mean.
func (q *LVQ) Decode(dst []float32, code []byte) {
	lvqDecode(dst[:q.dim], code[:q.CodeSize()], q.st.mean, q.b1, q.b2)
}

// lvqHeader returns the scale and bias at the head of an LVQ code.
func lvqHeader(code []byte) (scale, bias float32) {
	return lvqFromHalf(binary.LittleEndian.Uint16(code)), lvqFromHalf(binary.LittleEndian.Uint16(code[2:]))
}

// lvqDecode writes mean + the decoding of code into dst, in the kernels' arithmetic.
func lvqDecode(dst []float32, code []byte, mean []float32, b1, b2 int) {
	n := len(dst)
	s, b := lvqHeader(code)
	n1 := simd.LVQCodeBytes(n, b1)
	c1 := code[4 : 4+n1]
	if b2 == 0 {
		for j := range dst {
			dst[j] = mean[j] + (float32(lvqGet(c1, b1, n, j))*s + b)
		}
		return
	}
	step := s / float32(int(1)<<b2-1)
	base := b - s*0.5
	c2 := code[4+n1:]
	for j := range dst {
		t := float32(lvqGet(c1, b1, n, j))*s + base
		dst[j] = mean[j] + (float32(lvqGet(c2, b2, n, j))*step + t)
	}
}

// NewComputer implements Quantizer: distances use every level of the codes.
func (q *LVQ) NewComputer() Computer { return withByteQuery(q.newComputer(q.CodeSize(), q.b2)) }

// newComputer returns a computer over rows of stride bytes that uses the primary level and,
// if b2 > 0, the residual level.
func (q *LVQ) newComputer(stride, b2 int) *lvqComputer {
	return &lvqComputer{
		dim: q.dim, b1: q.b1, b2: b2, stride: stride, ip: q.metric.UsesInnerProduct() && !q.byL2, half: q.byL2,
		mean: q.st.mean, q: make([]float32, q.dim),
	}
}

// withByteQuery gives a computer of one-level 4-bit codes (lvq4, and the primary level of
// lvq4x4 and lvq4x8) the byte query where its kernels run in assembly, and returns c.
// LeanVec's LVQ primaries keep the float query: at their usual length (160 dimensions) the
// byte kernels measure no faster, and the query's rounding would only add error.
func withByteQuery(c *lvqComputer) *lvqComputer {
	if c.b1 == 4 && c.b2 == 0 && simd.LVQ4QFast() {
		c.q4 = simd.NewLVQ4Query(c.dim)
	}
	return c
}

// Primary implements TwoStage for two-level quantizers: a one-level quantizer sharing this
// one's mean, whose codes are the first PrimaryCodeSize bytes of this one's. For a one-level
// quantizer it returns q itself.
func (q *LVQ) Primary() Quantizer {
	if q.b2 == 0 {
		return q
	}
	return &LVQ{name: fmt.Sprintf("lvq%d", q.b1), dim: q.dim, metric: q.metric, b1: q.b1, n1: q.n1, st: q.st, byL2: q.byL2}
}

// PrimaryCodeSize implements TwoStage.
func (q *LVQ) PrimaryCodeSize() int { return 4 + q.n1 }

// NewPrimaryComputer implements TwoStage: distances of the primary level only, over rows of
// CodeSize bytes.
func (q *LVQ) NewPrimaryComputer() Computer { return withByteQuery(q.newComputer(q.CodeSize(), 0)) }

// lvqTag heads the serialized state: tag, dim, b1, b2, then the mean as float32.
const lvqTag = "LVQ1"

// MarshalBinary implements Quantizer. An untrained quantizer has an empty state (so that an
// empty index saves); UnmarshalBinary rejects it, as indexes restore only trained state.
func (q *LVQ) MarshalBinary() ([]byte, error) {
	if !q.st.trained {
		return nil, nil
	}
	out := make([]byte, 0, 16+4*q.dim)
	out = append(out, lvqTag...)
	out = binary.LittleEndian.AppendUint32(out, uint32(q.dim))
	out = binary.LittleEndian.AppendUint32(out, uint32(q.b1))
	out = binary.LittleEndian.AppendUint32(out, uint32(q.b2))
	for _, v := range q.st.mean {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out, nil
}

// UnmarshalBinary implements Quantizer. Any input that is not exactly a state written by
// MarshalBinary for the same dim and code widths is INVALID_BINARY and changes nothing.
func (q *LVQ) UnmarshalBinary(data []byte) error {
	want := 16 + 4*q.dim
	if len(data) != want {
		return api.Errorf(api.InvalidBinary, "%s: state of %d bytes, want %d", q.name, len(data), want)
	}
	if string(data[:4]) != lvqTag {
		return api.Errorf(api.InvalidBinary, "%s: state has tag %q, want %q", q.name, data[:4], lvqTag)
	}
	d, b1, b2 := binary.LittleEndian.Uint32(data[4:]), binary.LittleEndian.Uint32(data[8:]), binary.LittleEndian.Uint32(data[12:])
	if d != uint32(q.dim) || b1 != uint32(q.b1) || b2 != uint32(q.b2) {
		return api.Errorf(api.InvalidBinary, "%s: state is for dim %d with %d/%d-bit codes, want dim %d with %d/%d", q.name, d, b1, b2, q.dim, q.b1, q.b2)
	}
	mean := make([]float32, q.dim)
	for j := range mean {
		v := math.Float32frombits(binary.LittleEndian.Uint32(data[16+4*j:]))
		if !lvqFinite(v) {
			return api.Errorf(api.InvalidBinary, "%s: state holds a non-finite mean in dimension %d", q.name, j)
		}
		mean[j] = v
	}
	copy(q.st.mean, mean)
	q.st.trained = true
	return nil
}

// lvqComputer computes distances to LVQ rows of stride bytes (stride may exceed the code size
// when the codes are part of a larger row).
type lvqComputer struct {
	dim    int
	b1, b2 int // b2 == 0: primary level only
	stride int
	ip     bool
	half   bool // cosine by l2: the squared distance halved
	mean   []float32
	q      []float32 // ip: the query; l2: the query minus the mean
	qsum   float32   // ip: sum of q
	qmean  float32   // ip: <q, mean>
	// q4, for one-level 4-bit codes where the byte-query kernels run in assembly, is q
	// rounded to bytes: a row then costs one integer pass over its codes (about 2.4x
	// faster at 784 dimensions than widening them to floats).
	q4 *simd.LVQ4Query
}

func (c *lvqComputer) SetQuery(q []float32) {
	q = q[:c.dim]
	if !c.ip {
		for j, x := range q {
			c.q[j] = x - c.mean[j]
		}
		if c.q4 != nil {
			c.q4.Set(c.q)
		}
		return
	}
	copy(c.q, q)
	var s, m float64
	for j, x := range q {
		s += float64(x)
		m += float64(x) * float64(c.mean[j])
	}
	c.qsum, c.qmean = float32(s), float32(m)
	if c.q4 != nil {
		c.q4.Set(c.q)
	}
}

func (c *lvqComputer) Distance(code []byte) float32 {
	if c.q4 != nil {
		var out [1]float32
		c.DistanceBatch(code, lvqRowZero[:], out[:])
		return out[0]
	}
	switch {
	case c.ip && c.b2 == 0:
		return 1 - (simd.LVQInnerProduct(c.q, c.qsum, code, c.b1) + c.qmean)
	case c.ip:
		return 1 - (simd.LVQ2InnerProduct(c.q, c.qsum, code, c.b1, c.b2) + c.qmean)
	}
	var d float32
	if c.b2 == 0 {
		d = simd.LVQL2Sqr(c.q, code, c.b1)
	} else {
		d = simd.LVQ2L2Sqr(c.q, code, c.b1, c.b2)
	}
	if c.half {
		return d / 2
	}
	return d
}

func (c *lvqComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	switch {
	case c.q4 != nil && c.ip:
		simd.LVQ4QInnerProductBatch(c.q4, slab, c.stride, ids, out)
	case c.q4 != nil:
		simd.LVQ4QL2SqrBatch(c.q4, slab, c.stride, ids, out)
		c.finishL2(out[:len(ids)])
		return
	case c.ip && c.b2 == 0:
		simd.LVQInnerProductBatch(c.q, c.qsum, slab, c.stride, ids, out, c.b1)
	case c.ip:
		simd.LVQ2InnerProductBatch(c.q, c.qsum, slab, c.stride, ids, out, c.b1, c.b2)
	case c.b2 == 0:
		simd.LVQL2SqrBatch(c.q, slab, c.stride, ids, out, c.b1)
		c.finishL2(out[:len(ids)])
		return
	default:
		simd.LVQ2L2SqrBatch(c.q, slab, c.stride, ids, out, c.b1, c.b2)
		c.finishL2(out[:len(ids)])
		return
	}
	c.finishIP(out[:len(ids)])
}

func (c *lvqComputer) DistanceRows(slab []byte, out []float32) {
	switch {
	case c.q4 != nil:
		simd.LVQ4QRows(c.q4, !c.ip, slab, c.stride, out)
		if !c.ip {
			c.finishL2(out)
			return
		}
	case c.ip && c.b2 == 0:
		simd.LVQInnerProductRows(c.q, c.qsum, slab, c.stride, out, c.b1)
	case c.ip:
		simd.LVQ2InnerProductRows(c.q, c.qsum, slab, c.stride, out, c.b1, c.b2)
	case c.b2 == 0:
		simd.LVQL2SqrRows(c.q, slab, c.stride, out, c.b1)
		c.finishL2(out)
		return
	default:
		simd.LVQ2L2SqrRows(c.q, slab, c.stride, out, c.b1, c.b2)
		c.finishL2(out)
		return
	}
	c.finishIP(out)
}

// lvqRowZero is the id list of a single row.
var lvqRowZero = [1]uint32{0}

// finishL2 halves the squared distances of cosine measured by l2 (cosineByL2).
func (c *lvqComputer) finishL2(out []float32) {
	if c.half {
		halve(out)
	}
}

// finishIP turns <q, code> into 1 - <q, x> with x = code + mean.
func (c *lvqComputer) finishIP(out []float32) {
	for i, v := range out {
		out[i] = 1 - (v + c.qmean)
	}
}

// lvqFloats reinterprets b (4-byte aligned) as float32s.
func lvqFloats(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}
