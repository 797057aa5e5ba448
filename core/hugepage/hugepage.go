// Package hugepage asks the kernel to back large, freshly allocated buffers with transparent
// huge pages.
//
// A graph search touches rows spread over the whole vector slab and the adjacency array, so with
// 4 KiB pages nearly every visited node costs a TLB miss (a page walk). With 2 MiB pages the
// slab of a multi-million-row index is covered by a few hundred TLB entries. Linux backs an
// anonymous region with huge pages on first touch when the region is marked MADV_HUGEPAGE and
// /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise" (the common default).
//
// Advise must be called before the buffer is first written: Go hands out large allocations as
// fresh, untouched memory, so marking them right after make() lets the page faults that follow
// allocate huge pages directly.
package hugepage

import "unsafe"

// MinBytes is the smallest buffer Advise marks: below it the TLB saving is small and the split
// of the heap mapping not worth it.
const MinBytes = 4 << 20

const size = 2 << 20

// Advise marks the 2 MiB-aligned part of [p, p+n) for huge pages. It does nothing for buffers
// smaller than MinBytes, on systems without transparent huge pages, or when VSAG_HUGEPAGES=0.
func Advise(p unsafe.Pointer, n int) {
	if !enabled {
		return
	}
	if start, length := span(uintptr(p), n); length > 0 {
		advise(start, length)
	}
}

// span returns the 2 MiB-aligned part of [p, p+n), or length 0 when n < MinBytes or no
// whole huge page fits.
func span(p uintptr, n int) (start, length uintptr) {
	if n < MinBytes {
		return 0, 0
	}
	start = (p + size - 1) &^ (size - 1)
	end := (p + uintptr(n)) &^ (size - 1)
	if end <= start {
		return 0, 0
	}
	return start, end - start
}

// Slice marks the backing array of s (see Advise).
func Slice[T any](s []T) {
	if cap(s) == 0 {
		return
	}
	var zero T
	Advise(unsafe.Pointer(unsafe.SliceData(s)), cap(s)*int(unsafe.Sizeof(zero)))
}
