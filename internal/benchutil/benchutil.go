// Package benchutil holds what the benchmark programs under bench/ share: CPU clocks and the
// cached exact ground truth.
package benchutil

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/internal/dataset"
	"github.com/govsag/vsag/simd"
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

// TimedSearch searches the nq queries once each with search JSON js, one query at a time on a
// locked OS thread after an untimed warm-up over the first 200 on the same thread, and returns
// the k labels per query (-1 padded), the wall seconds and the CPU seconds of the searching
// thread. The warm-up fills the pools and brings the core back from whatever ran before (with 20
// queries, the first ef_search of a round still ran slow now and then; hnswlib's driver warms up
// the same way).
func TimedSearch(idx *core.Index, js string, queries []float32, d, nq, k int) (got []int64, secs, cpu float64, err error) {
	got = make([]int64, nq*k)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for i := 0; i < min(nq, 200); i++ {
		if _, err := idx.Search(queries[i*d:(i+1)*d], k, js, nil); err != nil {
			return nil, 0, 0, err
		}
	}
	t0, c0 := time.Now(), ThreadCPU()
	for i := 0; i < nq; i++ {
		res, err := idx.Search(queries[i*d:(i+1)*d], k, js, nil)
		if err != nil {
			return nil, 0, 0, err
		}
		row := got[i*k : (i+1)*k]
		for j := range row {
			row[j] = -1
			if j < len(res) {
				row[j] = res[j].ID
			}
		}
	}
	return got, time.Since(t0).Seconds(), (ThreadCPU() - c0).Seconds(), nil
}

// Scorer turns result ids into recall@k. A returned row counts as a hit when its exact
// distance is within the k-th true neighbour's distance (ann-benchmarks' rule), so that
// duplicate images at equal distance, which Fashion-MNIST has, are not scored as misses; the
// plain overlap with the ground-truth ids is reported beside it.
type Scorer struct {
	base, queries []float32
	d, k, gtk     int
	gt            []int32
	kth           []float32
}

// NewScorer prepares the k-th true distance of every query (gt holds gtk ids per query).
func NewScorer(base, queries []float32, d, k int, gt []int32, gtk int) *Scorer {
	s := &Scorer{base: base, queries: queries, d: d, k: k, gtk: gtk, gt: gt}
	nq := len(queries) / d
	s.kth = make([]float32, nq)
	for q := 0; q < nq; q++ {
		id := int(gt[q*gtk+k-1])
		s.kth[q] = simd.L2Sqr(queries[q*d:(q+1)*d], base[id*d:(id+1)*d])
	}
	return s
}

// Score returns the recall@k of got (k labels per query, row ids of base, -1 for none) and
// the plain id overlap.
func (s *Scorer) Score(got []int64) (recall, byID float64) {
	nq := len(s.kth)
	hit := 0
	nb := int64(len(s.base) / s.d)
	for q := 0; q < nq; q++ {
		qv := s.queries[q*s.d : (q+1)*s.d]
		limit := s.kth[q] * (1 + 1e-6)
		for _, id := range got[q*s.k : (q+1)*s.k] {
			if id >= 0 && id < nb && simd.L2Sqr(qv, s.base[int(id)*s.d:int(id+1)*s.d]) <= limit {
				hit++
			}
		}
	}
	return float64(hit) / float64(nq*s.k), dataset.Recall(got, s.k, s.gt, s.gtk)
}

// Queries returns the number of queries scored.
func (s *Scorer) Queries() int { return len(s.kth) }
