// Package memguard refuses allocations the machine cannot hold before they are made. Go's
// out-of-memory is fatal to the whole process and cannot be recovered, so a large allocation
// sized by a caller or a file is checked here first and refused as NO_ENOUGH_MEMORY instead.
package memguard

import (
	"math"
	"runtime/debug"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
)

// smallest is the size below which Check does not look at the machine: such allocations are
// cheap to attempt and reading the system's figures would cost more than they do.
const smallest = 64 << 20

// override, when positive, replaces the machine's available memory (tests).
var override atomic.Int64

// SetAvailableForTest makes Available report n bytes (n <= 0 restores the machine's figure)
// and returns a function that restores the previous setting.
func SetAvailableForTest(n int64) (restore func()) {
	old := override.Swap(n)
	return func() { override.Store(old) }
}

// Available returns the bytes this process can still allocate: the smallest of the memory
// the system reports available, the room left under the cgroup's limit and the room left under
// Go's soft memory limit. It returns math.MaxInt64 when none of them is known.
func Available() int64 {
	if n := override.Load(); n > 0 {
		return n
	}
	avail := systemAvailable()
	if lim := debug.SetMemoryLimit(-1); lim > 0 && lim < math.MaxInt64 {
		avail = min(avail, lim-goHeap())
	}
	return avail
}

// Check returns NO_ENOUGH_MEMORY, naming what, when n more bytes do not fit in Available.
func Check(n int64, what string) error {
	if n < 0 {
		return api.Errorf(api.NoEnoughMemory, "%s: the size overflows", what)
	}
	if n < smallest && override.Load() <= 0 {
		return nil
	}
	if avail := Available(); n > avail {
		return api.Errorf(api.NoEnoughMemory, "%s needs %d MiB, %d MiB available", what, n>>20, max(avail, 0)>>20)
	}
	return nil
}

// Mul returns a*b, or -1 when either is negative or the product overflows int64.
func Mul(a, b int64) int64 {
	if a < 0 || b < 0 {
		return -1
	}
	if a != 0 && b > math.MaxInt64/a {
		return -1
	}
	return a * b
}
