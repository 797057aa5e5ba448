//go:build !linux

package hgraph

import "time"

var cpuStart = time.Now()

// threadCPU stands in for the thread's CPU time where it cannot be read: the wall time.
func threadCPU() time.Duration { return time.Since(cpuStart) }
