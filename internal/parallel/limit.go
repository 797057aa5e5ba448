package parallel

import (
	"runtime"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
)

// limit caps the goroutines one Run uses (0: no cap): the library's concurrency limit, which
// stands in for VSAG's thread pool size.
var limit atomic.Int64

// DefaultBuildThreads is VSAG's default num_threads_building.
const DefaultBuildThreads = 4

// DefaultIOThreads is the default num_threads_io.
const DefaultIOThreads = 8

// MaxThreads is the largest num_threads_building or num_threads_io VSAG accepts.
const MaxThreads = 200

var buildThreads, ioThreads atomic.Int64

func init() {
	buildThreads.Store(DefaultBuildThreads)
	ioThreads.Store(DefaultIOThreads)
}

// SetLimit caps the goroutines any one parallel call of the library uses, the calling one
// included (n >= 1), or removes the cap (n = 0). Negative n is INVALID_ARGUMENT.
func SetLimit(n int) error {
	if n < 0 {
		return api.Errorf(api.InvalidArgument, "concurrency limit %d must be positive (0 removes it)", n)
	}
	limit.Store(int64(n))
	return nil
}

// Limit returns the concurrency limit (0: none).
func Limit() int { return int(limit.Load()) }

// capped returns workers under the concurrency limit.
func capped(workers int) int {
	if l := int(limit.Load()); l > 0 && workers > l {
		return l
	}
	return workers
}

// SetBuildThreads sets num_threads_building, the most goroutines one build or add uses (VSAG's
// range 1..200).
func SetBuildThreads(n int) error {
	if n < 1 || n > MaxThreads {
		return api.Errorf(api.InvalidArgument, "num_threads_building must be set between 1 and %d, but found %d", MaxThreads, n)
	}
	buildThreads.Store(int64(n))
	return nil
}

// BuildThreads returns num_threads_building.
func BuildThreads() int { return int(buildThreads.Load()) }

// SetIOThreads sets num_threads_io, the most concurrent reads one search issues to a
// disk-resident store (1..200).
func SetIOThreads(n int) error {
	if n < 1 || n > MaxThreads {
		return api.Errorf(api.InvalidArgument, "num_threads_io must be set between 1 and %d, but found %d", MaxThreads, n)
	}
	ioThreads.Store(int64(n))
	return nil
}

// IOThreads returns num_threads_io.
func IOThreads() int { return int(ioThreads.Load()) }

// BuildWorkers returns the goroutines a build or add asks for with the index parameter
// requested: at most the CPUs, num_threads_building and the concurrency limit, at least 1.
func BuildWorkers(requested int) int {
	return max(1, capped(min(requested, runtime.NumCPU(), BuildThreads())))
}
