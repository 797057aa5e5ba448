package quant

import (
	"math"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("fp16", func(dim int, m metric.Kind, _ Options) (Quantizer, error) {
		return &half{name: "fp16", dim: dim, metric: m}, nil
	})
}

// maxFP16 is the largest finite IEEE half value; larger magnitudes are clamped to it on encode
// so that no code decodes to infinity.
const maxFP16 = 65504

// half stores each dimension as a 16-bit float: IEEE half precision ("fp16", relative error at
// most 2^-11 within [2^-14, 65504], absolute 2^-25 below) or bfloat16 ("bf16", relative error at
// most 2^-8 over the whole float32 range). Neither needs training. The computer keeps the query
// in float32 and widens the codes inside the kernel, so its distances are exactly those between
// the query and the decoded vector, up to summation order.
type half struct {
	name   string
	bf     bool
	dim    int
	metric metric.Kind
}

func (q *half) Name() string                   { return q.name }
func (q *half) Dim() int                       { return q.dim }
func (q *half) Metric() metric.Kind            { return q.metric }
func (q *half) CodeSize() int                  { return 2 * q.dim }
func (q *half) NeedTrain() bool                { return false }
func (q *half) Trained() bool                  { return true }
func (q *half) Train([]float32, int) error     { return nil }
func (q *half) MarshalBinary() ([]byte, error) { return nil, nil }

// UnmarshalBinary accepts only the empty state MarshalBinary writes.
func (q *half) UnmarshalBinary(b []byte) error {
	if len(b) != 0 {
		return errState(q.name, len(b))
	}
	return nil
}

func (q *half) Encode(dst []byte, v []float32) {
	v = v[:q.dim]
	out := asUint16(dst[:2*q.dim])
	if q.bf {
		simd.F32ToBF16(out, v)
		return
	}
	for _, x := range v {
		if math.Abs(float64(x)) > maxFP16 {
			c := make([]float32, len(v))
			for i, y := range v {
				c[i] = max(-maxFP16, min(maxFP16, y))
			}
			v = c
			break
		}
	}
	simd.F32ToF16(out, v)
}

func (q *half) Decode(dst []float32, code []byte) {
	in := asUint16(code[:2*q.dim])
	if q.bf {
		simd.BF16ToF32(dst[:q.dim], in)
		return
	}
	simd.F16ToF32(dst[:q.dim], in)
}

func (q *half) NewComputer() Computer {
	c := &halfComputer{q: make([]float32, q.dim), size: 2 * q.dim, ip: q.metric.UsesInnerProduct()}
	switch {
	case !q.bf:
		c.batch = f16Batch(c.ip)
	case c.ip:
		c.kern, c.rows = simd.InnerProductBF16, simd.InnerProductBF16Rows
	default:
		c.kern, c.rows = simd.L2SqrBF16, simd.L2SqrBF16Rows
	}
	return c
}

type halfComputer struct {
	q    []float32
	size int
	ip   bool
	// kern and rows measure bf16 codes. batch, set instead for IEEE half codes, measures rows
	// by id eight at a time with whole rows prefetched; Distance and DistanceRows go through
	// it too, so that every path gives the same bits for a row.
	kern  func(q []float32, c []uint16) float32
	rows  func(q []float32, codes []uint16, stride int, out []float32)
	batch f16BatchKernel
	one   [1]float32
}

func (c *halfComputer) SetQuery(q []float32) { copy(c.q, q[:len(c.q)]) }

func (c *halfComputer) Distance(code []byte) float32 {
	var d float32
	if c.batch != nil {
		d = halfOne(c.batch, c.q, asUint16(code[:c.size]), &c.one)
	} else {
		d = c.kern(c.q, asUint16(code[:c.size]))
	}
	if c.ip {
		return 1 - d
	}
	return d
}

func (c *halfComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	if c.batch != nil {
		c.batch(c.q, asUint16(slab), c.size/2, ids, out)
	} else {
		simd.PrefetchRows(slab, ids, c.size)
		for i, id := range ids {
			off := int(id) * c.size
			out[i] = c.kern(c.q, asUint16(slab[off:off+c.size]))
		}
	}
	if c.ip {
		oneMinus(out)
	}
}

func (c *halfComputer) DistanceRows(slab []byte, out []float32) {
	if len(out) == 0 {
		return
	}
	if c.batch != nil {
		halfRowsByID(c.batch, c.q, asUint16(slab[:len(out)*c.size]), c.size/2, out)
	} else {
		c.rows(c.q, asUint16(slab[:len(out)*c.size]), c.size/2, out)
	}
	if c.ip {
		oneMinus(out)
	}
}

// f16BatchKernel is the signature of the fp16 batch kernels of package simd.
type f16BatchKernel = func(q []float32, codes []uint16, stride int, ids []uint32, out []float32)

// f16Batch returns the fp16 batch kernel of the metric: dot products when ip, else squared L2.
func f16Batch(ip bool) f16BatchKernel {
	if ip {
		return simd.InnerProductF16Batch
	}
	return simd.L2SqrF16Batch
}

// batchZeroID and batchRowIDs are the ids of a one-row batch and of the chunks of a row scan.
var (
	batchZeroID [1]uint32
	batchRowIDs = func() (a [64]uint32) {
		for i := range a {
			a[i] = uint32(i)
		}
		return a
	}()
)

// halfOne measures one fp16 row with the batch kernel, so that it gives the same bits as the
// row measured in any batch; one is the caller's result slot.
func halfOne(batch f16BatchKernel, q []float32, code []uint16, one *[1]float32) float32 {
	batch(q, code, 0, batchZeroID[:], one[:])
	return one[0]
}

// halfRowsByID measures the consecutive rows of codes (stride uint16 values apart) with the
// batch kernel, in chunks of row ids 0..63 from the chunk's first row.
func halfRowsByID(batch f16BatchKernel, q []float32, codes []uint16, stride int, out []float32) {
	ids := batchRowIDs[:]
	for base := 0; base < len(out); base += len(ids) {
		m := min(len(ids), len(out)-base)
		batch(q, codes[base*stride:], stride, ids[:m], out[base:base+m])
	}
}

// oneMinus turns dot products into ip distances in place.
func oneMinus(out []float32) {
	for i := range out {
		out[i] = 1 - out[i]
	}
}
