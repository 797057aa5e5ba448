//go:build purego || !amd64

package simd

import "unsafe"

func archLevels() []level { return nil }

// Prefetch hints that the cache line at p will be read soon. It is a no-op
// on this architecture or build.
func Prefetch(p unsafe.Pointer) {}

// PrefetchRows hints that the rows of ids (stride bytes each) of slab will be read soon. It is
// a no-op on this architecture or build.
func PrefetchRows(slab []byte, ids []uint32, stride int) {}
