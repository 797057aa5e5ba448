package simd

import (
	"errors"
	"os"
)

// kernels is one dispatch table. The active table lives in the package
// variable k; exported functions check their arguments and call through it.
type kernels struct {
	l2, ip           func(a, b []float32) float32
	l2Batch, ipBatch func(q, slab []float32, stride int, ids []uint32, out []float32)
	l2Rows, ipRows   func(q, slab []float32, stride int, out []float32)

	f32ToF16, f32ToBF16 func(dst []uint16, src []float32)
	f16ToF32, bf16ToF32 func(dst []float32, src []uint16)

	l2F16, ipF16, l2BF16, ipBF16   func(q []float32, c []uint16) float32
	sq8L2, sq8IP, sq4L2, sq4IP     func(q []float32, code []uint8, lo, diff []float32) float32
	sq8L2S, sq8IPS, sq4L2S, sq4IPS func(q []float32, code []uint8, lo, scale []float32) float32

	l2F16Rows, ipF16Rows, l2BF16Rows, ipBF16Rows func(q []float32, codes []uint16, stride int, out []float32)
	sq8L2Rows, sq8IPRows                         func(q []float32, codes []uint8, stride int, lo, scale, out []float32)
	dotU8Rows, l2U8Rows                          func(a, codes []uint8, stride int, out []uint32)
	dotU8Batch, l2U8Batch                        func(a, slab []uint8, stride int, ids []uint32, out []uint32) // nil: row by row (u8batch.go)
	dotU4Batch, l2U4Batch                        func(a, slab []uint8, stride int, ids []uint32, out []uint32) // whole bytes; nil: row by row (u8batch.go)

	sq8L2R       func(r []float32, code []uint8, scale []float32) float32
	sq8L2RRows   func(r []float32, codes []uint8, stride int, scale, out []float32)
	dotF32U8     func(w []float32, code []uint8) float32
	dotF32U8Rows func(w []float32, codes []uint8, stride int, out []float32)
	// by id, whole rows prefetched ahead; nil: row by row (rows.go)
	sq8L2RBatch   func(r []float32, slab []uint8, stride int, scale []float32, ids []uint32, out []float32)
	dotF32U8Batch func(w []float32, slab []uint8, stride int, ids []uint32, out []float32)
	sq4L2Batch    func(q []float32, slab []uint8, stride int, lo, diff []float32, ids []uint32, out []float32)
	sq4IPBatch    func(q []float32, slab []uint8, stride int, lo, diff []float32, ids []uint32, out []float32)

	l2Int8, ipInt8       func(a, b []int8) int32
	dotU8, l2U8          func(a, b []uint8) uint32
	dotU4, l2U4          func(a, b []uint8, dim int) uint32
	hamming, popcountAnd func(a, b []uint64) int
	lookupAccumulate32   func(codes, lut []uint8, m int, out *[32]uint16)
	levelsU8, levelsU4   func(dst []uint8, src []float32, lo, inv, top float32) uint32

	// fam and popcnt4 select the kernels whose wrappers switch on a small
	// integer instead of calling through a function value (LVQ and RaBitQ,
	// see doc.go): fam is famGeneric, famAVX2 or famAVX512; popcnt4 selects
	// popcountPlanes4AVX512 (AVX512_VPOPCNTDQ); lvq4q selects the byte-query
	// LVQ-4 kernels lvq4qL2VNNI and lvq4qIPVNNI (AVX512_VNNI).
	fam     uint8
	popcnt4 bool
	lvq4q   bool
}

// Kernel families of kernels.fam.
const (
	famGeneric uint8 = iota
	famAVX2
	famAVX512
)

// level is a named dispatch table that this machine can run.
type level struct {
	name string
	k    *kernels
}

var genericKernels = kernels{
	l2: l2Generic, ip: ipGeneric,
	l2Batch: batchWith(l2Generic), ipBatch: batchWith(ipGeneric),
	l2Rows: rowsWith(l2Generic), ipRows: rowsWith(ipGeneric),
	f32ToF16: f32ToF16Generic, f32ToBF16: f32ToBF16Generic,
	f16ToF32: f16ToF32Generic, bf16ToF32: bf16ToF32Generic,
	l2F16: l2F16Generic, ipF16: ipF16Generic, l2BF16: l2BF16Generic, ipBF16: ipBF16Generic,
	sq8L2: sq8L2Generic, sq8IP: sq8IPGeneric, sq4L2: sq4L2Generic, sq4IP: sq4IPGeneric,
	sq8L2S: sq8L2ScaledGeneric, sq8IPS: sq8IPScaledGeneric, sq4L2S: sq4L2ScaledGeneric, sq4IPS: sq4IPScaledGeneric,
	l2F16Rows: halfRowsWith(l2F16Generic), ipF16Rows: halfRowsWith(ipF16Generic),
	l2BF16Rows: halfRowsWith(l2BF16Generic), ipBF16Rows: halfRowsWith(ipBF16Generic),
	sq8L2Rows: sqRowsWith(sq8L2ScaledGeneric), sq8IPRows: sqRowsWith(sq8IPScaledGeneric),
	dotU8Rows: u8RowsWith(dotU8Generic), l2U8Rows: u8RowsWith(l2U8Generic),
	sq8L2R: sq8L2ResidualGeneric, sq8L2RRows: residRowsWith(sq8L2ResidualGeneric),
	dotF32U8: dotF32U8Generic, dotF32U8Rows: dotF32U8RowsWith(dotF32U8Generic),
	l2Int8: l2Int8Generic, ipInt8: ipInt8Generic,
	dotU8: dotU8Generic, l2U8: l2U8Generic,
	dotU4: dotU4Generic, l2U4: l2U4Generic,
	hamming: hammingGeneric, popcountAnd: popcountAndGeneric,
	lookupAccumulate32: lookupAccumulate32Generic,
	levelsU8:           levelsU8Generic, levelsU4: levelsU4Generic,
}

var (
	k          kernels // active table
	curLevel   string
	levelTable []level // supported levels, worst to best; filled by init
)

func init() {
	levelTable = append([]level{{"generic", &genericKernels}}, archLevels()...)
	best := levelTable[len(levelTable)-1]
	if want := os.Getenv("VSAG_SIMD"); want != "" {
		if SetLevel(want) == nil {
			return
		}
	}
	k, curLevel = *best.k, best.name
}

// Level returns the name of the active kernel level: "generic", "avx2" or "avx512".
func Level() string { return curLevel }

// Levels returns the kernel levels this machine supports, from the reference
// "generic" to the fastest.
func Levels() []string {
	out := make([]string, len(levelTable))
	for i, l := range levelTable {
		out[i] = l.name
	}
	return out
}

// ErrUnsupportedLevel is returned by SetLevel for a level this machine (or
// build) cannot run.
var ErrUnsupportedLevel = errors.New("simd: unsupported level")

// SetLevel switches every kernel to the named level. It is meant for tests
// and benchmarks and must not race with kernel calls.
func SetLevel(name string) error {
	for _, l := range levelTable {
		if l.name == name {
			k, curLevel = *l.k, l.name
			return nil
		}
	}
	return errors.Join(ErrUnsupportedLevel, errors.New("simd: level "+name+" not available (have "+joinNames()+")"))
}

func joinNames() string {
	s := ""
	for i, l := range levelTable {
		if i > 0 {
			s += ", "
		}
		s += l.name
	}
	return s
}
