//go:build !linux

package memguard

import (
	"math"
	"runtime/metrics"
)

// systemAvailable is unknown on this platform.
func systemAvailable() int64 { return math.MaxInt64 }

// goHeap returns the memory the Go runtime holds now.
func goHeap() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}
