package quant

import (
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("int8", func(dim int, m metric.Kind, o Options) (Quantizer, error) {
		scale := float32(1)
		if m == metric.Cosine {
			// unit vectors have components in [-1, 1]; spread them over the int8 range
			scale = 127
		}
		return &int8Quant{dim: dim, metric: m, scale: scale, byL2: cosineByL2(m, o)}, nil
	})
}

// int8Quant stores each dimension as a signed byte: the value times scale, rounded to the
// nearest integer and clamped to [-128, 127]. It is the quantizer of dtype int8 input, whose
// values are integers in that range and so are stored exactly (scale 1 for l2 and ip). For
// cosine, vectors arrive normalised, and scale 127 keeps their components' resolution at 1/127.
// It needs no training.
//
// The computer encodes an integer-valued query (the dtype int8 case) once per query and uses
// the integer kernels; any other query is compared in float32 against the decoded codes. Either
// way the distance is exactly the one between the query and the decoded vector.
type int8Quant struct {
	dim    int
	metric metric.Kind
	scale  float32
	byL2   bool // cosine codes measured by half their squared distance (cosineByL2)
}

func (q *int8Quant) Name() string                   { return "int8" }
func (q *int8Quant) Dim() int                       { return q.dim }
func (q *int8Quant) Metric() metric.Kind            { return q.metric }
func (q *int8Quant) CodeSize() int                  { return q.dim }
func (q *int8Quant) NeedTrain() bool                { return false }
func (q *int8Quant) Trained() bool                  { return true }
func (q *int8Quant) Train([]float32, int) error     { return nil }
func (q *int8Quant) MarshalBinary() ([]byte, error) { return nil, nil }

// UnmarshalBinary accepts only the empty state MarshalBinary writes.
func (q *int8Quant) UnmarshalBinary(b []byte) error {
	if len(b) != 0 {
		return errState("int8", len(b))
	}
	return nil
}

// toInt8 rounds x to the nearest integer (halves away from zero), clamped to [-128, 127]; NaN
// gives 0.
func toInt8(x float32) int8 {
	switch {
	case x >= 127:
		return 127
	case x <= -128:
		return -128
	case x >= 0:
		return int8(x + 0.5)
	case x < 0:
		return int8(x - 0.5)
	}
	return 0
}

func (q *int8Quant) Encode(dst []byte, v []float32) {
	out := asInt8(dst[:q.dim])
	for i, x := range v[:q.dim] {
		out[i] = toInt8(x * q.scale)
	}
}

func (q *int8Quant) Decode(dst []float32, code []byte) {
	in := asInt8(code[:q.dim])
	inv := 1 / q.scale
	for i, c := range in {
		dst[i] = float32(c) * inv
	}
}

func (q *int8Quant) NewComputer() Computer {
	return &int8Computer{
		dim: q.dim, scale: q.scale, ip: q.metric.UsesInnerProduct() && !q.byL2,
		inv2: 1 / (q.scale * q.scale), half: q.byL2,
		qf: make([]float32, q.dim), qi: make([]int8, q.dim), tmp: make([]float32, q.dim),
	}
}

// maxInt8Dim is the longest vector whose squared int8 distance fits an int32.
const maxInt8Dim = 33024

type int8Computer struct {
	dim     int
	scale   float32
	inv2    float32 // 1/scale^2 turns integer results into decoded-domain ones
	ip      bool
	half    bool // cosine by l2: the squared distance halved
	integer bool // the scaled query is integral and in range: use the integer kernels
	qf      []float32
	qi      []int8
	tmp     []float32
}

func (c *int8Computer) SetQuery(q []float32) {
	copy(c.qf, q[:c.dim])
	// beyond this length the int32 sums of the integer kernels could wrap
	c.integer = c.dim <= maxInt8Dim
	for i, x := range c.qf {
		s := x * c.scale
		if s < -128 || s > 127 || s != float32(int32(s)) {
			c.integer = false
			break
		}
		c.qi[i] = int8(s)
	}
}

func (c *int8Computer) Distance(code []byte) float32 {
	d := c.distance(code)
	if c.half {
		return d / 2
	}
	return d
}

// distance is Distance before the halving of cosine by l2.
func (c *int8Computer) distance(code []byte) float32 {
	if c.integer {
		b := asInt8(code[:c.dim])
		if c.ip {
			return 1 - float32(simd.InnerProductInt8(c.qi, b))*c.inv2
		}
		return float32(simd.L2SqrInt8(c.qi, b)) * c.inv2
	}
	inv := 1 / c.scale
	for i, x := range asInt8(code[:c.dim]) {
		c.tmp[i] = float32(x) * inv
	}
	if c.ip {
		return 1 - simd.InnerProduct(c.qf, c.tmp)
	}
	return simd.L2Sqr(c.qf, c.tmp)
}

func (c *int8Computer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	simd.PrefetchRows(slab, ids, c.dim)
	for i, id := range ids {
		off := int(id) * c.dim
		out[i] = c.Distance(slab[off : off+c.dim])
	}
}

func (c *int8Computer) DistanceRows(slab []byte, out []float32) {
	if len(out) == 0 {
		return
	}
	_ = slab[len(out)*c.dim-1]
	for i := range out {
		off := i * c.dim
		out[i] = c.Distance(slab[off : off+c.dim])
	}
}
