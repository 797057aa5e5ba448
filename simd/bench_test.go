package simd

import (
	"fmt"
	"testing"
	"unsafe"
)

var benchDims = []int{96, 128, 784, 960}

var sinkF float32
var sinkU uint32
var sinkI int

// benchLevels runs Benchmark<Kernel>/dim=<d>/impl=<level> for every dim and
// supported level. setup returns the bytes touched per op and the op itself.
func benchLevels(b *testing.B, setup func(dim int) (int, func())) {
	orig := Level()
	defer SetLevel(orig)
	for _, dim := range benchDims {
		bytes, op := setup(dim)
		for _, l := range Levels() {
			b.Run(fmt.Sprintf("dim=%d/impl=%s", dim, l), func(b *testing.B) {
				SetLevel(l)
				b.SetBytes(int64(bytes))
				for b.Loop() {
					op()
				}
			})
		}
	}
}

func benchVecs(dim int) ([]float32, []float32) {
	r := newRand(uint64(dim))
	return randF32(r, dim, 1), randF32(r, dim, 1)
}

func BenchmarkL2Sqr(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		x, y := benchVecs(dim)
		return 8 * dim, func() { sinkF = L2Sqr(x, y) }
	})
}

func BenchmarkInnerProduct(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		x, y := benchVecs(dim)
		return 8 * dim, func() { sinkF = InnerProduct(x, y) }
	})
}

// BenchmarkL2SqrBatch: 64 random rows of a 4096-row slab (16 MB at dim 960),
// so rows mostly miss the cache and prefetching matters. Bytes are per batch.
func BenchmarkL2SqrBatch(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		r := newRand(1)
		const rows = 4096
		slab := randF32(r, rows*dim, 1)
		q := randF32(r, dim, 1)
		ids := make([]uint32, 64)
		out := make([]float32, 64)
		return 4 * dim * len(ids), func() {
			for i := range ids {
				ids[i] = uint32(r.IntN(rows))
			}
			L2SqrBatch(q, slab, dim, ids, out)
		}
	})
}

func BenchmarkL2SqrF16(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		x, y := benchVecs(dim)
		c := make([]uint16, dim)
		F32ToF16(c, y)
		return 6 * dim, func() { sinkF = L2SqrF16(x, c) }
	})
}

func BenchmarkL2SqrBF16(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		x, y := benchVecs(dim)
		c := make([]uint16, dim)
		F32ToBF16(c, y)
		return 6 * dim, func() { sinkF = L2SqrBF16(x, c) }
	})
}

func sqInputs(dim int) (q []float32, code []uint8, lo, diff []float32) {
	r := newRand(uint64(dim))
	q, lo, diff = randF32(r, dim, 1), randF32(r, dim, 1), randF32(r, dim, 1)
	code = make([]uint8, dim)
	for i := range code {
		code[i] = uint8(r.Uint32())
	}
	return
}

func BenchmarkSQ8L2Sqr(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, lo, diff := sqInputs(dim)
		return 13 * dim, func() { sinkF = SQ8L2Sqr(q, code, lo, diff) }
	})
}

func BenchmarkSQ4L2Sqr(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, lo, diff := sqInputs(dim)
		return 12*dim + dim/2, func() { sinkF = SQ4L2Sqr(q, code, lo, diff) }
	})
}

func BenchmarkL2SqrInt8(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		_, code, _, _ := sqInputs(dim)
		x, y := make([]int8, dim), make([]int8, dim)
		for i := range x {
			x[i], y[i] = int8(code[i]), int8(code[dim-1-i])
		}
		return 2 * dim, func() { sinkI = int(L2SqrInt8(x, y)) }
	})
}

func BenchmarkDotU8(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		_, x, _, _ := sqInputs(dim)
		_, y, _, _ := sqInputs(dim + 1)
		return 2 * dim, func() { sinkU = DotU8(x, y) }
	})
}

func BenchmarkL2SqrU8(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		_, x, _, _ := sqInputs(dim)
		_, y, _, _ := sqInputs(dim + 1)
		return 2 * dim, func() { sinkU = L2SqrU8(x, y) }
	})
}

func BenchmarkDotU4(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		_, x, _, _ := sqInputs(dim)
		_, y, _, _ := sqInputs(dim + 1)
		return dim, func() { sinkU = DotU4(x, y, dim) }
	})
}

// BenchmarkHamming: dim is in bits (dim/64 words), as for RaBitQ codes.
func BenchmarkHamming(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		r := newRand(1)
		n := dim / 64 * 8 // 8 bits per dimension
		x, y := make([]uint64, n), make([]uint64, n)
		for i := range x {
			x[i], y[i] = r.Uint64(), r.Uint64()
		}
		return 16 * n, func() { sinkI = Hamming(x, y) }
	})
}

func BenchmarkF32ToF16(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		x, _ := benchVecs(dim)
		c := make([]uint16, dim)
		return 4 * dim, func() { F32ToF16(c, x) }
	})
}

// BenchmarkLookupAccumulate32: dim is the number of sub-quantizers m.
func BenchmarkLookupAccumulate32(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		_, codes, _, _ := sqInputs(16 * dim)
		_, lut, _, _ := sqInputs(16*dim + 1)
		var out [32]uint16
		return 32 * dim, func() { LookupAccumulate32(codes, lut, dim, &out) }
	})
}

func sqScaled(dim int) (q []float32, code []uint8, lo, scale []float32) {
	q, code, lo, scale = sqInputs(dim)
	for i := range scale {
		scale[i] /= 255
	}
	return
}

func BenchmarkSQ8InnerProduct(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, lo, diff := sqInputs(dim)
		return 13 * dim, func() { sinkF = SQ8InnerProduct(q, code, lo, diff) }
	})
}

func BenchmarkSQ8L2SqrScaled(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, lo, scale := sqScaled(dim)
		return 13 * dim, func() { sinkF = SQ8L2SqrScaled(q, code, lo, scale) }
	})
}

func BenchmarkSQ8InnerProductScaled(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, lo, scale := sqScaled(dim)
		return 13 * dim, func() { sinkF = SQ8InnerProductScaled(q, code, lo, scale) }
	})
}

func BenchmarkSQ4L2SqrScaled(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, lo, scale := sqScaled(dim)
		return 12*dim + dim/2, func() { sinkF = SQ4L2SqrScaled(q, code, lo, scale) }
	})
}

// aligned64 returns a copy of v starting on a 64-byte boundary, as the index's
// code store lays rows out (dims that are multiples of 16 keep every row aligned).
func aligned64(v []float32) []float32 {
	buf := make([]float32, len(v)+16)
	off := int((64 - uintptr(unsafe.Pointer(&buf[0]))&63) & 63 / 4)
	out := buf[off : off+len(v)]
	copy(out, v)
	return out
}

// inCacheIDs is the batch of the *InCache benchmarks: 32 ids cycling over 4
// rows, so that rows and query stay in L1 (15 KB at dim 784)
// and the kernel runs at its compute/load limit.
var inCacheIDs = []uint32{0, 1, 2, 3, 3, 2, 1, 0, 1, 3, 0, 2, 2, 0, 3, 1, 0, 1, 2, 3, 3, 2, 1, 0, 1, 3, 0, 2, 2, 0, 3, 1}

// inCache returns the 64-byte aligned query and 4-row slab of the *InCache benchmarks.
func inCache(dim int) (q, slab []float32) {
	r := newRand(1)
	slab = aligned64(randF32(r, 4*dim, 1))
	return aligned64(randF32(r, dim, 1)), slab
}

// BenchmarkL2SqrBatchInCache: L2SqrBatch over inCacheIDs; ns/distance is per
// query-row pair. The FMA peak for comparison is dim/16 cycles per distance
// (two 8-lane FMA pipes) at the core clock.
func BenchmarkL2SqrBatchInCache(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, slab := inCache(dim)
		out := make([]float32, len(inCacheIDs))
		return 4 * dim * len(inCacheIDs), func() { L2SqrBatch(q, slab, dim, inCacheIDs, out) }
	})
}

// BenchmarkL2SqrPairInCache is BenchmarkL2SqrBatchInCache one pair at a time
// (the single-pair kernel), for the ratio.
func BenchmarkL2SqrPairInCache(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, slab := inCache(dim)
		out := make([]float32, len(inCacheIDs))
		return 4 * dim * len(inCacheIDs), func() {
			for i, id := range inCacheIDs {
				out[i] = L2Sqr(q, slab[int(id)*dim:int(id+1)*dim])
			}
		}
	})
}

// benchRows is the number of contiguous rows per call in the *Rows
// benchmarks (at dim 960 the fp16 block is 480 KB: in L2, not in L1).
// ns/op is per block of benchRows rows.
const benchRows = 256

func BenchmarkL2SqrRows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		r := newRand(1)
		q, slab := randF32(r, dim, 1), randF32(r, benchRows*dim, 1)
		out := make([]float32, benchRows)
		return 4 * dim * benchRows, func() { L2SqrRows(q, slab, dim, out) }
	})
}

func BenchmarkL2SqrF16Rows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		r := newRand(1)
		q, x := randF32(r, dim, 1), randF32(r, benchRows*dim, 1)
		codes := make([]uint16, len(x))
		F32ToF16(codes, x)
		out := make([]float32, benchRows)
		return 2 * dim * benchRows, func() { L2SqrF16Rows(q, codes, dim, out) }
	})
}

func BenchmarkL2SqrBF16Rows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		r := newRand(1)
		q, x := randF32(r, dim, 1), randF32(r, benchRows*dim, 1)
		codes := make([]uint16, len(x))
		F32ToBF16(codes, x)
		out := make([]float32, benchRows)
		return 2 * dim * benchRows, func() { L2SqrBF16Rows(q, codes, dim, out) }
	})
}

func BenchmarkSQ8L2SqrRows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, _, lo, scale := sqScaled(dim)
		_, codes, _, _ := sqInputs(benchRows * dim)
		out := make([]float32, benchRows)
		return dim * benchRows, func() { SQ8L2SqrRows(q, codes, dim, lo, scale, out) }
	})
}

func BenchmarkSQ8InnerProductRows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, _, lo, scale := sqScaled(dim)
		_, codes, _, _ := sqInputs(benchRows * dim)
		out := make([]float32, benchRows)
		return dim * benchRows, func() { SQ8InnerProductRows(q, codes, dim, lo, scale, out) }
	})
}

func BenchmarkDotU8Rows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		_, a, _, _ := sqInputs(dim)
		_, codes, _, _ := sqInputs(benchRows * dim)
		out := make([]uint32, benchRows)
		return dim * benchRows, func() { DotU8Rows(a, codes, dim, out) }
	})
}

func BenchmarkL2SqrU8Rows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		_, a, _, _ := sqInputs(dim)
		_, codes, _, _ := sqInputs(benchRows * dim)
		out := make([]uint32, benchRows)
		return dim * benchRows, func() { L2SqrU8Rows(a, codes, dim, out) }
	})
}

func BenchmarkSQ8L2SqrResidual(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, _, scale := sqScaled(dim)
		return 9 * dim, func() { sinkF = SQ8L2SqrResidual(q, code, scale) }
	})
}

func BenchmarkDotF32U8(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, _, _ := sqScaled(dim)
		return 5 * dim, func() { sinkF = DotF32U8(q, code) }
	})
}

func BenchmarkSQ8L2SqrResidualRows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		r, _, _, scale := sqScaled(dim)
		_, codes, _, _ := sqInputs(benchRows * dim)
		out := make([]float32, benchRows)
		return dim * benchRows, func() { SQ8L2SqrResidualRows(r, codes, dim, scale, out) }
	})
}

func BenchmarkDotF32U8Rows(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		w, _, _, _ := sqScaled(dim)
		_, codes, _, _ := sqInputs(benchRows * dim)
		out := make([]float32, benchRows)
		return dim * benchRows, func() { DotF32U8Rows(w, codes, dim, out) }
	})
}

func BenchmarkSQ4InnerProduct(b *testing.B) {
	benchLevels(b, func(dim int) (int, func()) {
		q, code, lo, diff := sqInputs(dim)
		return 13 * dim, func() { sinkF = SQ4InnerProduct(q, code, lo, diff) }
	})
}

// BenchmarkBatchRerank: a rerank's worth of rows (20 random ids) of a 60 000-row slab of 784
// dimensions (188 MB float32, 94 MB fp16), so every row misses the cache as a rerank's rows do.
func BenchmarkBatchRerank(b *testing.B) {
	r := newRand(3)
	const rows, dim = 60000, 784
	slab := randF32(r, rows*dim, 1)
	half := make([]uint16, rows*dim)
	F32ToF16(half, slab)
	q := randF32(r, dim, 1)
	ids := make([]uint32, 20)
	out := make([]float32, len(ids))
	for _, tc := range []struct {
		name  string
		bytes int
		op    func()
	}{
		{"f32", 4 * dim, func() { L2SqrBatch(q, slab, dim, ids, out) }},
		{"f16", 2 * dim, func() { L2SqrF16Batch(q, half, dim, ids, out) }},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(tc.bytes * len(ids)))
			for b.Loop() {
				for i := range ids {
					ids[i] = uint32(r.IntN(rows))
				}
				tc.op()
			}
		})
	}
}
