package eval

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// recallTolerance widens the k-th true distance so that a result at the same distance as the
// boundary neighbour (a tie, or the same value summed in another order) counts as found.
func recallTolerance(thr float32) float32 {
	return 2e-6 + 1e-5*float32(math.Abs(float64(thr)))
}

// KNNRecall returns the fraction of the true neighbours found, judged by distance as VSAG's
// eval tool does: with truthDists the distances of the true k neighbours, every distinct
// returned id whose distance is within the largest true distance counts, up to
// len(truthDists). gotDists are the distances of gotIDs; ids < 0 are padding. A query with no
// true neighbour has recall 1.
func KNNRecall(gotIDs []int64, gotDists []float32, truthDists []float32) float64 {
	if len(truthDists) == 0 {
		return 1
	}
	var thr float32 = float32(math.Inf(-1))
	for _, d := range truthDists {
		thr = max(thr, d)
	}
	thr += recallTolerance(thr)
	seen := make(map[int64]struct{}, len(gotIDs))
	hit := 0
	for i, id := range gotIDs {
		if id < 0 {
			continue
		}
		if _, dup := seen[id]; dup {
			continue
		}
		seen[id] = struct{}{}
		if gotDists[i] <= thr {
			hit++
		}
	}
	return float64(min(hit, len(truthDists))) / float64(len(truthDists))
}

// RangeRecall returns |got ∩ truth| / |truth| (1 when truth is empty).
func RangeRecall(gotIDs []int64, truth []int32) float64 {
	if len(truth) == 0 {
		return 1
	}
	want := make(map[int64]struct{}, len(truth))
	for _, t := range truth {
		want[int64(t)] = struct{}{}
	}
	hit := 0
	for _, g := range gotIDs {
		if _, ok := want[g]; ok {
			hit++
			delete(want, g)
		}
	}
	return float64(hit) / float64(len(truth))
}

// Percentile returns the value at rank floor(p*(n-1)) of sorted values, as VSAG's eval tool
// does (0 for no values).
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))]
}

// Mean returns the average of v (0 for none).
func Mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// RecallPercentiles and LatencyPercentiles are the percentiles VSAG's eval tool reports.
var (
	RecallPercentiles  = []int{0, 10, 30, 50, 70, 90}
	LatencyPercentiles = []int{50, 80, 90, 95, 99}
)

func percentiles(v []float64, ps []int) map[string]float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	out := make(map[string]float64, len(ps))
	for _, p := range ps {
		out["p"+strconv.Itoa(p)] = Percentile(s, float64(p)/100)
	}
	return out
}

// memMonitor measures the peak memory growth of a phase. It watches two things, sampled every
// 5 ms, and reports the larger growth: the resident set size of the process (with the
// kernel's high-water mark, reset through /proc/self/clear_refs, when available) and the Go
// heap's object bytes, which catches growth that reuses heap pages an earlier case freed but
// the runtime kept resident.
type memMonitor struct {
	start     int64
	peak      atomic.Int64
	heapStart int64
	heapPeak  atomic.Int64
	hwm       bool
	stop      chan struct{}
	wg        sync.WaitGroup
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

// heapObjects returns the bytes of heap objects, live or not yet swept.
func heapObjects() int64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapSample)
	if heapSample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(heapSample[0].Value.Uint64())
}

func pageSize() int64 { return int64(os.Getpagesize()) }

// rss returns the resident set size in bytes (0 when unknown).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.ParseInt(f[1], 10, 64)
	return n * pageSize()
}

// vmHWM returns the kernel's peak resident size in bytes (0 when unknown).
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

func startMemMonitor() *memMonitor {
	m := &memMonitor{stop: make(chan struct{})}
	m.hwm = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	m.start = rss()
	m.peak.Store(m.start)
	m.heapStart = heapObjects()
	m.heapPeak.Store(m.heapStart)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case <-t.C:
				if r := rss(); r > m.peak.Load() {
					m.peak.Store(r)
				}
				if h := heapObjects(); h > m.heapPeak.Load() {
					m.heapPeak.Store(h)
				}
			}
		}
	}()
	return m
}

// Stop ends the phase and returns the peak growth in bytes.
func (m *memMonitor) Stop() int64 {
	close(m.stop)
	m.wg.Wait()
	peak := max(m.peak.Load(), rss())
	if m.hwm {
		peak = max(peak, vmHWM())
	}
	heap := max(m.heapPeak.Load(), heapObjects())
	return max(0, peak-m.start, heap-m.heapStart)
}

// HumanBytes formats a byte count as VSAG's eval tool does ("12.34 MB").
func HumanBytes(b int64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	v := float64(b)
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%.2f %s", v, units[i])
}
