//go:build purego || !amd64

package simd

// Without assembly MaskedSum is its pure-Go reference.

func maskedSum(q []float32, bits []byte) float32 { return maskedSumGeneric(q, bits) }

func prefetchByte(slab []byte, off int) {}
