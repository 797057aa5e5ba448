//go:build !purego

package simd

import (
	"unsafe"

	"github.com/klauspost/cpuid/v2"
)

// MaskedSum kernels per level (rabitq_amd64.s, hand-written):
//
//	avx512: maskedSumAVX512, whole blocks of 16 dimensions (one KMOVW per block);
//	        popcountPlanes4AVX512 where the CPU has AVX512_VPOPCNTDQ (any length)
//	avx2:   maskedSumAVX2, whole blocks of 8 dimensions (one byte widened to a lane mask)
//
// The tail of fewer than a block runs in the pure-Go reference. As for the LVQ kernels the
// choice is a small integer set from Level() at start-up and by SetLevel through levelHooks.

const (
	rabitqUseGeneric = iota
	rabitqUseAVX2
	rabitqUseAVX512
)

var (
	rabitqUse    = rabitqUseGeneric
	rabitqPopcnt = false // popcountPlanes4AVX512 is in use
	hasVPOPCNTDQ = cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512VPOPCNTDQ)
)

func init() {
	rabitqSetLevel(Level())
	levelHooks = append(levelHooks, rabitqSetLevel)
}

// rabitqSetLevel selects the MaskedSum kernel of the named level.
func rabitqSetLevel(name string) {
	rabitqPopcnt = name == "avx512" && hasVPOPCNTDQ
	switch name {
	case "avx512":
		rabitqUse = rabitqUseAVX512
	case "avx2":
		rabitqUse = rabitqUseAVX2
	default:
		rabitqUse = rabitqUseGeneric
	}
}

// maskedSumAVX512 returns the masked sum of q[:n] with bits; n % 16 == 0, bits holds n/8
// bytes.
//
//go:noescape
func maskedSumAVX512(q *float32, n int, bits *byte) float32

// maskedSumAVX2 is maskedSumAVX512 for n % 8 == 0.
//
//go:noescape
func maskedSumAVX2(q *float32, n int, bits *byte) float32

// popcountPlanes4AVX512 is PopcountPlanes4 for w >= 1 words.
//
//go:noescape
func popcountPlanes4AVX512(a *uint64, q *uint64, w int) (weighted int, ones int)

func popcountPlanes4(a, q []uint64) (int, int) {
	if !rabitqPopcnt || len(a) == 0 {
		return popcountPlanes4Generic(a, q)
	}
	return popcountPlanes4AVX512(unsafe.SliceData(a), unsafe.SliceData(q), len(a))
}

func maskedSum(q []float32, bits []byte) float32 {
	var blk int
	switch rabitqUse {
	case rabitqUseAVX512:
		blk = 16
	case rabitqUseAVX2:
		blk = 8
	default:
		return maskedSumGeneric(q, bits)
	}
	m := len(q) &^ (blk - 1)
	var s float32
	if m > 0 {
		if blk == 16 {
			s = maskedSumAVX512(unsafe.SliceData(q), m, unsafe.SliceData(bits))
		} else {
			s = maskedSumAVX2(unsafe.SliceData(q), m, unsafe.SliceData(bits))
		}
	}
	if m < len(q) {
		s += maskedSumGeneric(q[m:], bits[m/8:])
	}
	return s
}

// prefetchByte prefetches the cache line of slab[off] when off is inside slab.
func prefetchByte(slab []byte, off int) {
	if off >= 0 && off < len(slab) {
		prefetchT0(uintptr(unsafe.Pointer(&slab[off])))
	}
}
