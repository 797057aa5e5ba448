// Package benchutil holds what the benchmark programs under bench/ share: CPU clocks and the
// cached exact ground truth.
package benchutil

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govsag/vsag/internal/dataset"
)

// ThreadCPU returns the CPU time of the calling OS thread (lock the goroutine to its thread
// around what it measures).
func ThreadCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// ProcessCPU returns the CPU time the process has used (user + system, all threads).
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// LoadOrComputeTruth returns the exact l2 k nearest neighbours of every query among base
// (row ids, k per query), read from path when it holds them and computed and written there
// otherwise.
func LoadOrComputeTruth(path string, base, queries []float32, d, k int) ([]int32, error) {
	nq := len(queries) / d
	if b, err := os.ReadFile(path); err == nil && len(b) == 4*nq*k {
		gt := make([]int32, nq*k)
		for i := range gt {
			gt[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
		}
		fmt.Printf("ground truth: cached %s\n", path)
		return gt, nil
	}
	t0 := time.Now()
	gt := dataset.GroundTruth(base, queries, d, k, "l2")
	b := make([]byte, 4*len(gt))
	for i, v := range gt {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(v))
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return nil, err
	}
	fmt.Printf("ground truth: computed in %.1fs, cached in %s\n", time.Since(t0).Seconds(), path)
	return gt, nil
}
