package quant

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("sq8", func(dim int, m metric.Kind, o Options) (Quantizer, error) {
		return newSQDim("sq8", 8, dim, m, o), nil
	})
}

// sqTrimRate is the fraction of values ignored at each end of a dimension's distribution when
// sq8 and sq4 learn its range, so a few outliers do not stretch the range of everyone else.
var sqTrimRate = map[int]float64{8: 0.001, 4: 0.005}

// sqDim is the scalar quantizer with one range per dimension ("sq8": one byte per dimension,
// 256 levels; "sq4": one nibble, 16 levels, low nibble for even dimensions). Dimension j decodes
// to lo[j] + code_j/levels*diff[j]; values outside [lo, lo+diff] are clamped, so within the
// range the decoding error is at most diff[j]/(2*levels). The ranges are learned by Train from
// a sample with the extreme tails trimmed. The computer decodes on the fly against the float32
// query, so its distances are those between the query and the decoded vector.
type sqDim struct {
	name     string
	bits     int
	levels   int
	dim      int
	metric   metric.Kind
	byL2     bool // cosine codes measured by half their squared distance (cosineByL2)
	trained  bool
	lo, diff []float32
	inv      []float32 // levels/diff[j], 0 for an empty range
	scale    []float32 // diff[j]/levels: the step of one code level
}

func newSQDim(name string, bits, dim int, m metric.Kind, o Options) *sqDim {
	return &sqDim{
		name: name, bits: bits, levels: 1<<bits - 1, dim: dim, metric: m, byL2: cosineByL2(m, o),
		lo: make([]float32, dim), diff: make([]float32, dim), inv: make([]float32, dim),
	}
}

func (q *sqDim) Name() string        { return q.name }
func (q *sqDim) Dim() int            { return q.dim }
func (q *sqDim) Metric() metric.Kind { return q.metric }
func (q *sqDim) NeedTrain() bool     { return true }
func (q *sqDim) Trained() bool       { return q.trained }

func (q *sqDim) CodeSize() int {
	if q.bits == 4 {
		return (q.dim + 1) / 2
	}
	return q.dim
}

func (q *sqDim) tag() string {
	if q.bits == 4 {
		return "SQ4D"
	}
	return "SQ8D"
}

func (q *sqDim) Train(vectors []float32, n int) error {
	if err := checkTrain(q.name, vectors, n, q.dim); err != nil {
		return err
	}
	rows := sampleRows(n, maxTrainRows)
	col := make([]float32, len(rows))
	lo, diff := make([]float32, q.dim), make([]float32, q.dim)
	for j := 0; j < q.dim; j++ {
		for i, r := range rows {
			col[i] = vectors[r*q.dim+j]
		}
		l, h := trimmedRange(col, sqTrimRate[q.bits])
		lo[j], diff[j] = l, h-l
	}
	q.setState(lo, diff)
	return nil
}

func (q *sqDim) setState(lo, diff []float32) {
	q.lo, q.diff = lo, diff
	q.inv = make([]float32, q.dim)
	q.scale = make([]float32, q.dim)
	for j := range q.inv {
		q.inv[j] = invScale(diff[j], q.levels)
		q.scale[j] = diff[j] / float32(q.levels)
	}
	q.trained = true
}

func (q *sqDim) Encode(dst []byte, v []float32) {
	v = v[:q.dim]
	if q.bits == 8 {
		dst = dst[:q.dim]
		for j, x := range v {
			dst[j] = level(x, q.lo[j], q.inv[j], 255)
		}
		return
	}
	packNibbles(dst[:q.CodeSize()], q.dim, func(j int) uint8 { return level(v[j], q.lo[j], q.inv[j], 15) })
}

func (q *sqDim) Decode(dst []float32, code []byte) {
	dst = dst[:q.dim]
	l := float32(q.levels)
	for j := range dst {
		var c uint8
		if q.bits == 8 {
			c = code[j]
		} else {
			c = nibble(code, j)
		}
		dst[j] = q.lo[j] + float32(c)/l*q.diff[j]
	}
}

func (q *sqDim) MarshalBinary() ([]byte, error) {
	if !q.trained {
		return nil, api.Errorf(api.WrongStatus, "%s: the quantizer is not trained", q.name)
	}
	return marshalState(q.tag(), q.dim, q.lo, q.diff), nil
}

func (q *sqDim) UnmarshalBinary(data []byte) error {
	lo, diff := make([]float32, q.dim), make([]float32, q.dim)
	if err := unmarshalState(q.name, q.tag(), q.dim, data, lo, diff); err != nil {
		return err
	}
	for j, d := range diff {
		if d < 0 {
			return api.Errorf(api.InvalidBinary, "%s: negative range %g at dimension %d", q.name, d, j)
		}
	}
	q.setState(lo, diff)
	return nil
}

func (q *sqDim) NewComputer() Computer {
	ip := q.metric.UsesInnerProduct() && !q.byL2
	if q.bits == 8 {
		return &sq8Computer{q: q, r: make([]float32, q.dim), ip: ip, half: q.byL2}
	}
	c := &sqDimComputer{q: q, query: make([]float32, q.dim), size: q.CodeSize(), ip: ip, half: q.byL2}
	c.kern = simd.SQ4L2Sqr
	if c.ip {
		c.kern = simd.SQ4InnerProduct
	}
	return c
}

// sqDimComputer measures sq4 codes (sq8 has sq8Computer).
type sqDimComputer struct {
	q     *sqDim
	query []float32
	size  int
	ip    bool
	half  bool // cosine by l2: the squared distance halved
	kern  func(q []float32, code []uint8, lo, diff []float32) float32
}

func (c *sqDimComputer) SetQuery(q []float32) { copy(c.query, q[:c.q.dim]) }

func (c *sqDimComputer) Distance(code []byte) float32 {
	d := c.kern(c.query, code[:c.size], c.q.lo, c.q.diff)
	if c.ip {
		return 1 - d
	}
	if c.half {
		return d / 2
	}
	return d
}

// DistanceBatch measures the rows in one kernel call (whole rows prefetched ahead).
func (c *sqDimComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	lo, diff := c.q.lo, c.q.diff
	if c.ip {
		simd.SQ4InnerProductBatch(c.query, slab, c.size, lo, diff, ids, out)
		oneMinus(out)
		return
	}
	simd.SQ4L2SqrBatch(c.query, slab, c.size, lo, diff, ids, out)
	if c.half {
		halve(out)
	}
}

func (c *sqDimComputer) DistanceRows(slab []byte, out []float32) {
	if len(out) == 0 {
		return
	}
	_ = slab[len(out)*c.size-1]
	lo, diff := c.q.lo, c.q.diff
	for i := range out {
		off := i * c.size
		out[i] = c.kern(c.query, slab[off:off+c.size], lo, diff)
	}
	if c.ip {
		oneMinus(out)
	}
	if c.half {
		halve(out)
	}
}

// halve divides every distance by two: cosine measured as half the squared l2 distance of unit
// vectors (cosineByL2).
func halve(out []float32) {
	for i := range out {
		out[i] /= 2
	}
}

// sq8Computer prepares the query once so each code costs one pass over two float slices (l2:
// r = q - lo, distance = sum (r_j - code_j*scale_j)^2) or one (ip: w = q*scale,
// <q,x> = <q,lo> + sum w_j*code_j), instead of three.
type sq8Computer struct {
	q    *sqDim
	r    []float32 // q - lo for l2, q*scale for ip
	c0   float32   // <q,lo> for ip
	ip   bool
	half bool // cosine by l2: the squared distance halved
}

func (c *sq8Computer) SetQuery(q []float32) {
	q = q[:c.q.dim]
	if c.ip {
		for j, x := range q {
			c.r[j] = x * c.q.scale[j]
		}
		c.c0 = simd.InnerProduct(q, c.q.lo)
		return
	}
	for j, x := range q {
		c.r[j] = x - c.q.lo[j]
	}
}

func (c *sq8Computer) Distance(code []byte) float32 {
	code = code[:c.q.dim]
	if c.ip {
		return 1 - (c.c0 + simd.DotF32U8(c.r, code))
	}
	d := simd.SQ8L2SqrResidual(c.r, code, c.q.scale)
	if c.half {
		return d / 2
	}
	return d
}

// DistanceBatch measures the rows in one kernel call, whole rows prefetched ahead.
func (c *sq8Computer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	size := c.q.dim
	if c.ip {
		simd.DotF32U8Batch(c.r, slab, size, ids, out)
		for i := range out {
			out[i] = 1 - (c.c0 + out[i])
		}
		return
	}
	simd.SQ8L2SqrResidualBatch(c.r, slab, size, c.q.scale, ids, out)
	if c.half {
		halve(out)
	}
}

func (c *sq8Computer) DistanceRows(slab []byte, out []float32) {
	if len(out) == 0 {
		return
	}
	size := c.q.dim
	rows := slab[:len(out)*size]
	if c.ip {
		simd.DotF32U8Rows(c.r, rows, size, out)
		for i := range out {
			out[i] = 1 - (c.c0 + out[i])
		}
		return
	}
	simd.SQ8L2SqrResidualRows(c.r, rows, size, c.q.scale, out)
	if c.half {
		halve(out)
	}
}
