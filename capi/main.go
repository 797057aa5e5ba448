// Command capi is libvsag.so: the C interface of vsag-go, built with
//
//	go build -buildmode=c-shared -trimpath -ldflags "-s -w" -o build/lib/libvsag.so ./capi
//
// include/vsag.h is the contract. Public symbols are thin C functions (wrappers.c, errors.c)
// compiled against that header, so the compiler checks every definition against its
// declaration; they call the Go functions exported here under the internal prefix vsagi_,
// which the linker version script (vsag.map) hides. Go code converts arguments, calls package
// core and maps errors to VSAG codes; it holds no engine logic.
//
// Rules kept by every exported function: a deferred recover turns a panic into
// VSAG_INTERNAL_ERROR; handles are looked up in a table with generation counters, so a
// destroyed or forged handle is an error, not a crash; C never keeps a Go pointer (results
// are written into caller buffers or into malloc'd memory the caller frees); a failure records
// its message in the calling thread's last-error slot (a C __thread buffer).
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../include -O2 -Wall
#include "capi.h"
*/
import "C"

// main is required by -buildmode=c-shared and never runs.
func main() {}
