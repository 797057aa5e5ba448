// Package simd holds the distance and conversion kernels of vsag-go.
//
// Every kernel has a pure-Go reference (files *_generic.go) that is always
// compiled, serves as the oracle in tests and is the only implementation on
// non-amd64 machines or with the purego build tag. On amd64 there are two
// assembly paths, generated with avo by simd/internal/asmgen:
//
//	avx2    AVX2 + FMA + F16C (+ POPCNT, BMI2)
//	avx512  AVX-512 F/BW/DQ/VL; VNNI and VPOPCNTDQ kernels where present
//
// The best level is chosen once at start-up from the CPU features
// (github.com/klauspost/cpuid/v2). The environment variable
// VSAG_SIMD=generic|avx2|avx512 forces a level (falling back to the best
// supported level if the forced one is not supported); SetLevel switches at
// run time for tests and benchmarks.
//
// Dispatch. A level is one value of type kernels (dispatch.go), built in one
// place (archLevels in dispatch_amd64.go) and made active by one assignment
// (init, SetLevel). Most of its entries are function values, so a call costs
// one indirect call and never a feature branch. The LVQ and RaBitQ kernels
// are selected by the same value's small integers fam and popcnt4 instead:
// their wrappers switch on k.fam and call the assembly directly. The reason is
// escape analysis: the arguments of a call through a function value escape,
// so a caller's buffer passed to a table kernel cannot live on its stack
// (TestLVQRabitqNoEscape would count one allocation per call), while a direct
// call to a //go:noescape stub keeps it there. The single-row LVQ functions
// (LVQL2Sqr, LVQ2InnerProduct, ...) run the batch kernels on a one-entry
// out array of their own stack frame, once per distance: through a function
// value that array would be allocated on every call. The other kernels keep
// the function values: they are called on vectors, code slabs and reusable
// scratch that live on the heap anyway (a buffer passed to them from a
// stack frame moves to the heap, so callers keep such buffers in reusable
// scratch), and the switch style would repeat a per-level branch, with the
// VNNI and VPOPCNTDQ variants, in each of ~40 wrappers. There is no second
// selection to keep in step: LVQ and RaBitQ follow Level() and SetLevel
// because their selector is a field of the same table.
//
// Flat scans use the row forms (L2SqrRows, L2SqrF16Rows, SQ8L2SqrRows,
// DotU8Rows, ...): one call per block of contiguous rows, prefetching the
// next row. Graph searches use the by-id batch forms (L2SqrBatch,
// L2SqrU8Batch, L2SqrU4Batch, SQ8L2SqrResidualBatch, DotF32U8Batch,
// SQ4L2SqrBatch, MaskedSumPlanesRows, PopcountPlanes4Rows, ...): one call per
// neighbour list, whole rows prefetched ahead (the newer ones only at the
// avx512 level; the other levels measure their rows one by one). Per-query distance computers over SQ8 codes are fastest with the
// prepared forms SQ8L2SqrResidual (r = q - lo) and DotF32U8 (w = q*scale),
// which read one float stream fewer than SQ8L2SqrScaled and two fewer than
// SQ8InnerProductScaled; the kernels are bound by L1 load bandwidth, so
// bytes read per dimension decide their speed.
//
// Slice-length contracts: binary kernels use the length of the first
// argument and require the second to be at least as long; violations panic
// with an index-out-of-range error rather than reading out of bounds.
// Floating-point results of the assembly paths differ from the reference
// only by summation order.
package simd

//go:generate sh -c "cd internal/asmgen && go run ."
