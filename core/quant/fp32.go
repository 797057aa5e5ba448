package quant

import (
	"unsafe"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("fp32", func(dim int, m metric.Kind, _ Options) (Quantizer, error) {
		return &FP32{dim: dim, metric: m}, nil
	})
}

// FP32 stores vectors unchanged as little-endian float32: exact, no training.
type FP32 struct {
	dim    int
	metric metric.Kind
}

// Name implements Quantizer.
func (q *FP32) Name() string { return "fp32" }

// Dim implements Quantizer.
func (q *FP32) Dim() int { return q.dim }

// Metric implements Quantizer.
func (q *FP32) Metric() metric.Kind { return q.metric }

// CodeSize implements Quantizer.
func (q *FP32) CodeSize() int { return 4 * q.dim }

// NeedTrain implements Quantizer.
func (q *FP32) NeedTrain() bool { return false }

// Trained implements Quantizer.
func (q *FP32) Trained() bool { return true }

// Train implements Quantizer; fp32 has nothing to learn.
func (q *FP32) Train([]float32, int) error { return nil }

// Encode implements Quantizer.
func (q *FP32) Encode(dst []byte, v []float32) { copy(AsFloat32(dst[:4*q.dim]), v[:q.dim]) }

// Decode implements Quantizer.
func (q *FP32) Decode(dst []float32, code []byte) { copy(dst[:q.dim], AsFloat32(code[:4*q.dim])) }

// MarshalBinary implements Quantizer; fp32 has no state.
func (q *FP32) MarshalBinary() ([]byte, error) { return nil, nil }

// UnmarshalBinary implements Quantizer.
func (q *FP32) UnmarshalBinary([]byte) error { return nil }

// NewComputer implements Quantizer.
func (q *FP32) NewComputer() Computer {
	return &fp32Computer{dim: q.dim, ip: q.metric.UsesInnerProduct(), q: make([]float32, q.dim)}
}

type fp32Computer struct {
	dim int
	ip  bool
	q   []float32
}

func (c *fp32Computer) SetQuery(q []float32) { copy(c.q, q[:c.dim]) }

func (c *fp32Computer) Distance(code []byte) float32 {
	v := AsFloat32(code[:4*c.dim])
	if c.ip {
		return 1 - simd.InnerProduct(c.q, v)
	}
	return simd.L2Sqr(c.q, v)
}

func (c *fp32Computer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	rows := AsFloat32(slab)
	if c.ip {
		simd.InnerProductBatch(c.q, rows, c.dim, ids, out)
		for i := range ids {
			out[i] = 1 - out[i]
		}
		return
	}
	simd.L2SqrBatch(c.q, rows, c.dim, ids, out)
}

func (c *fp32Computer) DistanceRows(slab []byte, out []float32) {
	rows := AsFloat32(slab)
	if c.ip {
		simd.InnerProductRows(c.q, rows, c.dim, out)
		for i := range out {
			out[i] = 1 - out[i]
		}
		return
	}
	simd.L2SqrRows(c.q, rows, c.dim, out)
}

// AsFloat32 reinterprets b (length a multiple of 4, 4-byte aligned) as float32s without copying.
func AsFloat32(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// AsBytes reinterprets f as bytes without copying.
func AsBytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), 4*len(f))
}
