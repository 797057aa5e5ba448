package quant

import (
	"encoding/binary"
	"math"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("sq8_uniform", func(dim int, m metric.Kind, o Options) (Quantizer, error) {
		return &sqUniform{name: "sq8_uniform", bits: 8, levels: 255, dim: dim, metric: m, byL2: cosineByL2(m, o), ownQuery: ownQueryRange(m, o), trunc: sq8UniformTruncRate}, nil
	})
}

// sq8UniformTruncRate is the fraction of values ignored (half at each end) when sq8_uniform
// learns its range: 256 levels afford a wide range, so only true outliers are cut.
const sq8UniformTruncRate = 0.001

// sqUniform is the scalar quantizer with one range [lo, lo+diff] for all dimensions
// ("sq8_uniform": a byte per dimension, "sq4_uniform": a nibble, low nibble for even
// dimensions). The range is learned from a sample of the training values with a fraction
// (sq4_uniform_trunc_rate for sq4_uniform, default 0.05) of the extreme values left outside it,
// half at each end; values outside are clamped. Value code_j decodes to lo + code_j*s with
// s = diff/levels. Each code carries the sum of its levels as a little-endian uint32 after the
// levels, for the inner product.
//
// Distances are computed in the integer domain: SetQuery encodes the query once, giving levels
// a_j, with the codes' range for l2 (and cosine, measured as half the l2 distance) and with a
// range of its own (qlo, qs: from the query's smallest to its largest value) for the inner
// product, and then
//
//	l2: s² · Σ(a_j - c_j)²
//	ip: 1 - (dim·qlo·lo + lo·qs·Σa + qlo·s·Σc + qs·s·Σ a_j c_j)
//
// which are exactly the distances between the quantized query q̂ (q̂_j = lo + a_j·s, or
// qlo + a_j·qs) and the decoded vector x̂. They differ from the distances between q itself and x̂
// by at most
//
//	l2: ‖q - q̂‖ · ‖q + q̂ - 2x̂‖    ip: ‖q - q̂‖ · ‖x̂‖   (Cauchy-Schwarz)
//
// where ‖q - q̂‖ ≤ sqrt(dim)·s/2 when q lies within the codes' range (components outside it are
// clamped and add their distance to the range; the inner product's own range holds the whole
// query).
type sqUniform struct {
	name   string
	bits   int
	levels int
	dim    int
	metric metric.Kind
	byL2   bool // cosine codes measured by half their squared distance (cosineByL2)
	// ownQuery quantizes an inner-product query over its own range rather than the codes'
	// (ownQueryRange)
	ownQuery bool
	trunc    float64 // fraction of the training values left outside the range, half at each end
	trained  bool
	lo       float32
	diff     float32
	inv      float32 // levels/diff, 0 for an empty range
}

func (q *sqUniform) Name() string        { return q.name }
func (q *sqUniform) Dim() int            { return q.dim }
func (q *sqUniform) Metric() metric.Kind { return q.metric }
func (q *sqUniform) NeedTrain() bool     { return true }
func (q *sqUniform) Trained() bool       { return q.trained }
func (q *sqUniform) CodeSize() int       { return q.levelBytes() + 4 }

// levelBytes is the size of the packed levels, before the sum.
func (q *sqUniform) levelBytes() int {
	if q.bits == 4 {
		return (q.dim + 1) / 2
	}
	return q.dim
}

func (q *sqUniform) tag() string {
	if q.bits == 4 {
		return "SQ4U"
	}
	return "SQ8U"
}

func (q *sqUniform) Train(vectors []float32, n int) error {
	if err := checkTrain(q.name, vectors, n, q.dim); err != nil {
		return err
	}
	rows := sampleRows(n, maxTrainValues/q.dim)
	vals := make([]float32, 0, len(rows)*q.dim)
	for _, r := range rows {
		vals = append(vals, vectors[r*q.dim:(r+1)*q.dim]...)
	}
	lo, hi := trimmedRange(vals, q.trunc/2)
	q.setState(lo, hi-lo)
	return nil
}

func (q *sqUniform) setState(lo, diff float32) {
	q.lo, q.diff, q.inv = lo, diff, invScale(diff, q.levels)
	q.trained = true
}

// encodeLevels writes the levels of v into dst and returns their sum (simd.UniformLevels;
// queries and stored vectors alike).
func (q *sqUniform) encodeLevels(dst []byte, v []float32) uint32 {
	v = v[:q.dim]
	if q.bits == 8 {
		return simd.UniformLevels(dst, v, q.lo, q.inv, 255)
	}
	return simd.UniformLevels4(dst, v, q.lo, q.inv, 15)
}

func (q *sqUniform) Encode(dst []byte, v []float32) {
	nb := q.levelBytes()
	sum := q.encodeLevels(dst[:nb], v)
	binary.LittleEndian.PutUint32(dst[nb:nb+4], sum)
}

func (q *sqUniform) Decode(dst []float32, code []byte) {
	dst = dst[:q.dim]
	s := q.diff / float32(q.levels)
	for j := range dst {
		var c uint8
		if q.bits == 8 {
			c = code[j]
		} else {
			c = nibble(code, j)
		}
		dst[j] = q.lo + float32(c)*s
	}
}

func (q *sqUniform) MarshalBinary() ([]byte, error) {
	if !q.trained {
		return nil, api.Errorf(api.WrongStatus, "%s: the quantizer is not trained", q.name)
	}
	return marshalState(q.tag(), q.dim, []float32{q.lo, q.diff}), nil
}

func (q *sqUniform) UnmarshalBinary(data []byte) error {
	st := make([]float32, 2)
	if err := unmarshalState(q.name, q.tag(), q.dim, data, st); err != nil {
		return err
	}
	if st[1] < 0 {
		return api.Errorf(api.InvalidBinary, "%s: negative range %g", q.name, st[1])
	}
	q.setState(st[0], st[1])
	return nil
}

func (q *sqUniform) NewComputer() Computer {
	return &sqUniformComputer{
		q: q, size: q.CodeSize(), nb: q.levelBytes(), ip: q.metric.UsesInnerProduct() && !q.byL2,
		a: make([]byte, q.levelBytes()),
	}
}

type sqUniformComputer struct {
	q    *sqUniform
	size int // bytes per code
	nb   int // bytes of levels per code
	ip   bool
	a    []byte // the query's levels
	acc  []uint32
	s2   float64 // the factor of the integer kernel's result: s² (l2), qs·s (ip)
	ls   float64 // the factor of a code's level sum: qlo·s
	base float64 // dim·qlo·lo + lo·qs·Σa
	qlo  float32 // the query's range: level a decodes to qlo + a·qs
	qs   float32
}

// SetQuery quantizes the query. Its levels share the codes' range (lo, s), so that the l2
// kernels can subtract them, except under ownQuery (the inner product), where the query takes a
// range of its own (qlo, qs) and the dot product of the decoded vectors expands to
//
//	Σ (qlo + a_j·qs)(lo + c_j·s) = dim·qlo·lo + lo·qs·Σa + qlo·s·Σc + qs·s·Σ a_j c_j
func (c *sqUniformComputer) SetQuery(v []float32) {
	q := c.q
	v = v[:q.dim]
	qlo, qdiff, qinv := q.lo, q.diff, q.inv
	if q.ownQuery {
		qlo, qdiff = queryRange(v)
		qinv = invScale(qdiff, q.levels)
	}
	var sumA uint32
	if q.bits == 8 {
		sumA = simd.UniformLevels(c.a, v, qlo, qinv, 255)
	} else {
		sumA = simd.UniformLevels4(c.a, v, qlo, qinv, 15)
	}
	s := float64(q.diff) / float64(q.levels)
	qs := float64(qdiff) / float64(q.levels)
	c.qlo, c.qs = qlo, float32(qs)
	c.s2 = qs * s
	if q.byL2 {
		c.s2 /= 2 // cosine by l2: half the squared distance
	}
	c.ls = float64(qlo) * s
	c.base = float64(q.dim)*float64(qlo)*float64(q.lo) + float64(q.lo)*qs*float64(sumA)
}

// queryRange returns the smallest value of v and the width of its range.
func queryRange(v []float32) (lo, diff float32) {
	if len(v) == 0 {
		return 0, 0
	}
	lo, hi := v[0], v[0]
	for _, x := range v[1:] {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi - lo
}

func (c *sqUniformComputer) Distance(code []byte) float32 {
	b := code[:c.size]
	if c.q.bits == 8 {
		if c.ip {
			dot := simd.DotU8(c.a, b[:c.nb])
			return c.ipDist(dot, b)
		}
		return float32(c.s2 * float64(simd.L2SqrU8(c.a, b[:c.nb])))
	}
	if c.ip {
		return c.ipDist(simd.DotU4(c.a, b[:c.nb], c.q.dim), b)
	}
	return float32(c.s2 * float64(simd.L2SqrU4(c.a, b[:c.nb], c.q.dim)))
}

// ipDist applies the scale and the corrections to the integer dot product of one code.
func (c *sqUniformComputer) ipDist(dot uint32, code []byte) float32 {
	sumC := binary.LittleEndian.Uint32(code[c.nb:])
	return float32(1 - (c.base + c.ls*float64(sumC) + c.s2*float64(dot)))
}

func (c *sqUniformComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	c.batch(slab, ids, out[:len(ids)])
}

func (c *sqUniformComputer) DistanceRows(slab []byte, out []float32) {
	if len(out) == 0 {
		return
	}
	_ = slab[len(out)*c.size-1]
	for i := range out {
		off := i * c.size
		out[i] = c.Distance(slab[off : off+c.size])
	}
}

// batch is DistanceBatch: the integer kernels (bytes or packed nibbles) over the rows by id
// in one call (whole rows prefetched ahead), then the scale and, for the inner product, the
// corrections.
func (c *sqUniformComputer) batch(slab []byte, ids []uint32, out []float32) {
	if cap(c.acc) < len(ids) {
		c.acc = make([]uint32, len(ids)+len(ids)/2)
	}
	acc := c.acc[:len(ids)]
	switch {
	case c.q.bits == 8 && c.ip:
		simd.DotU8Batch(c.a, slab, c.size, ids, acc)
	case c.q.bits == 8:
		simd.L2SqrU8Batch(c.a, slab, c.size, ids, acc)
	case c.ip:
		simd.DotU4Batch(c.a, slab, c.size, ids, acc, c.q.dim)
	default:
		simd.L2SqrU4Batch(c.a, slab, c.size, ids, acc, c.q.dim)
	}
	if !c.ip {
		for i, v := range acc {
			out[i] = float32(c.s2 * float64(v))
		}
		return
	}
	for i, id := range ids {
		off := int(id) * c.size
		out[i] = c.ipDist(acc[i], slab[off:off+c.size])
	}
}

// QueryError returns ‖q - q̂‖, the distance between query q (the vector last given to SetQuery)
// and the quantized query q̂ whose levels the computer measures codes with.
func (c *sqUniformComputer) QueryError(q []float32) float32 {
	q = q[:c.q.dim]
	if c.q.bits != 8 {
		var sum float32
		for j, x := range q {
			d := x - c.queryValue(j)
			sum += d * d
		}
		return float32(math.Sqrt(float64(sum)))
	}
	// four running sums over the levels in place: a search asks for it once per query, and
	// one sum through queryValue cost about 1.3 us a query at 784 dimensions
	a := c.a[:len(q)]
	qlo, qs := c.qlo, c.qs
	var s0, s1, s2, s3 float32
	j := 0
	for ; j+4 <= len(q); j += 4 {
		d0 := q[j] - (qlo + float32(a[j])*qs)
		d1 := q[j+1] - (qlo + float32(a[j+1])*qs)
		d2 := q[j+2] - (qlo + float32(a[j+2])*qs)
		d3 := q[j+3] - (qlo + float32(a[j+3])*qs)
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; j < len(q); j++ {
		d := q[j] - (qlo + float32(a[j])*qs)
		s0 += d * d
	}
	return float32(math.Sqrt(float64((s0 + s1) + (s2 + s3))))
}

// queryValue returns component j of the quantized query q̂ the computer measures codes with.
func (c *sqUniformComputer) queryValue(j int) float32 {
	var a uint8
	if c.q.bits == 8 {
		a = c.a[j]
	} else {
		a = nibble(c.a, j)
	}
	return c.qlo + float32(a)*c.qs
}
