// Command resources measures the resource hooks: an hgraph index filled under a memory budget
// smaller than the whole data set needs (resident memory before and after, with Go's
// allocator and with slabs from an mmap allocator), searches under it, and the cost of a
// progress callback on build time (builds with and without one, interleaved).
//
//	go run ./bench/resources -n 200000 -dim 96 -budget-frac 0.5
//	go run ./bench/resources -mode overhead -n 50000 -rounds 5
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

func main() {
	mode := flag.String("mode", "budget", "budget or overhead")
	n := flag.Int("n", 200000, "vectors generated")
	dim := flag.Int("dim", 96, "dimension")
	frac := flag.Float64("budget-frac", 0.5, "budget as a share of the index's estimated memory for n vectors")
	useMmap := flag.Bool("mmap", false, "allocate the code slabs with an mmap allocator (outside Go's heap)")
	memLimit = flag.Bool("memlimit", true, "budget: set the Go runtime's memory limit to its baseline plus the budget before the searches, so garbage is collected before it takes resident memory beyond the budget")
	rounds := flag.Int("rounds", 5, "overhead: interleaved builds of each kind")
	nQueries = flag.Int("queries", 2000, "budget: searches after the adds")
	flag.Parse()
	data := generate(*n, *dim)
	create := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"sq8","max_degree":24,"ef_construction":100}}`, *dim)
	switch *mode {
	case "budget":
		budget(data, *n, *dim, create, *frac, *useMmap)
	case "overhead":
		overhead(data, *n, *dim, create, *rounds)
	default:
		fmt.Fprintln(os.Stderr, "unknown mode", *mode)
		os.Exit(2)
	}
}

// nQueries is -queries, memLimit -memlimit.
var (
	nQueries *int
	memLimit *bool
)

func generate(n, dim int) []float32 {
	r := rand.New(rand.NewPCG(1, 2))
	centres := make([]float32, 64*dim)
	for i := range centres {
		centres[i] = r.Float32() * 10
	}
	v := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := r.IntN(64)
		for j := 0; j < dim; j++ {
			v[i*dim+j] = centres[c*dim+j] + float32(r.NormFloat64())
		}
	}
	return v
}

func ids(lo, hi int) []int64 {
	out := make([]int64, hi-lo)
	for i := range out {
		out[i] = int64(lo + i)
	}
	return out
}

// rss returns VmRSS and VmHWM in bytes.
func rss() (cur, peak int64) {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range bytes.Split(b, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
		switch string(f[0]) {
		case "VmRSS:":
			cur = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return
}

func settle() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	cur, _ := rss()
	return cur
}

// goMemory returns the memory the Go runtime holds from the system, as its memory limit
// counts it.
func goMemory() int64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.Sys - m.HeapReleased)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// warmUp builds and searches a small index and drops it, so the library's code is paged in
// and the runtime's pools are made before the baseline is taken.
func warmUp(data []float32, dim int, create string) {
	w, err := core.CreateIndex("hgraph", create)
	check(err)
	m := min(2000, len(data)/dim)
	_, err = w.Build(&core.Dataset{NumElements: m, Dim: dim, IDs: ids(0, m), Float32: data[:m*dim]})
	check(err)
	for q := 0; q < 200; q++ {
		_, err = w.Search(data[q*dim:(q+1)*dim], 10, `{"hgraph":{"ef_search":100}}`, nil)
		check(err)
	}
}

func budget(data []float32, n, dim int, create string, frac float64, useMmap bool) {
	warmUp(data, dim, create)
	idx, err := core.CreateIndex("hgraph", create)
	check(err)
	est := idx.EstimateMemory(uint64(n))
	limit := int64(float64(est) * frac)
	check(idx.SetMemoryBudget(limit))
	mm := &mmapAllocator{blocks: map[uintptr][]byte{}}
	if useMmap {
		idx.SetAllocator(mm)
	}
	// the baseline: resident memory with the data set generated, the library warmed up on a
	// small index since dropped, and the empty index made, after a collection returned the free
	// heap to the system; growth is measured from it
	base := settle()
	goBase := goMemory()
	fmt.Printf("baseline RSS %s (the Go runtime, the binary warmed up, the %s data set)\n", mib(base), mib(int64(len(data))*4))
	fmt.Printf("estimated memory for %d x %d: %s; budget %s (%.0f%%); allocator: %s\n", n, dim, mib(int64(est)), mib(limit), frac*100, map[bool]string{false: "Go", true: "mmap"}[useMmap])
	const batch = 10000
	held, refusedAt := 0, -1
	var maxGrowth int64
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		ds := &core.Dataset{NumElements: hi - lo, Dim: dim, IDs: ids(lo, hi), Float32: data[lo*dim : hi*dim]}
		var err error
		if lo == 0 {
			_, err = idx.Build(ds)
		} else {
			_, err = idx.Add(ds)
		}
		if err != nil {
			if api.CodeOf(err) != api.NoEnoughMemory {
				check(err)
			}
			refusedAt = lo
			break
		}
		held = hi
		cur, _ := rss()
		maxGrowth = max(maxGrowth, cur-base)
		if idx.BudgetedMemory() > limit {
			fmt.Println("BUDGET EXCEEDED:", idx.BudgetedMemory(), limit)
			os.Exit(1)
		}
	}
	after := settle()
	fmt.Printf("held %d vectors (refused the batch at %d: NO_ENOUGH_MEMORY, count unchanged %v)\n", held, refusedAt, int(idx.GetNumElements()) == held)
	fmt.Printf("budgeted %s <= budget %s; memory usage (all of the index) %s\n", mib(idx.BudgetedMemory()), mib(limit), mib(idx.GetMemoryUsage()))
	fmt.Printf("RSS growth: settled %s, largest seen while adding %s\n", mib(after-base), mib(maxGrowth))
	// searches under the budget: threads goroutines at once, the peak resident memory read from
	// VmHWM after resetting it (clear_refs), so no peak between samples is missed
	threads := runtime.GOMAXPROCS(0)
	if *memLimit {
		// the runtime counts the memory it has from the system, not the allocator's blocks
		lim := goBase + limit - mm.live()
		debug.SetMemoryLimit(lim)
		fmt.Printf("Go memory limit: its baseline %s + the budget - the allocator's %s = %s\n", mib(goBase), mib(mm.live()), mib(lim))
	}
	resetPeak := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var hits atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	queries := *nQueries
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func(t int) {
			defer wg.Done()
			for q := t; q < queries; q += threads {
				row := (q * 7919) % held
				res, err := idx.Search(data[row*dim:(row+1)*dim], 10, `{"hgraph":{"ef_search":100}}`, nil)
				check(err)
				if len(res) > 0 && res[0].ID == int64(row) {
					hits.Add(1)
				}
			}
		}(t)
	}
	wg.Wait()
	el := time.Since(start)
	cur, peak := rss()
	if !resetPeak {
		peak = cur
	}
	fmt.Printf("%d searches on %d goroutines in %s (%.0f QPS), self-hit@1 %.3f\n", queries, threads, el.Round(time.Millisecond), float64(queries)/el.Seconds(), float64(hits.Load())/float64(queries))
	fmt.Printf("RSS growth during searches: peak %s (VmHWM%s), after %s; budget %s: %s\n", mib(peak-base), map[bool]string{true: " reset before the searches", false: " not resettable: sampled"}[resetPeak], mib(cur-base), mib(limit), map[bool]string{true: "within", false: "EXCEEDED"}[peak-base <= limit])
	if peak-base > limit {
		os.Exit(1)
	}
}

func overhead(data []float32, n, dim int, create string, rounds int) {
	var with, without []time.Duration
	var calls int
	for r := 0; r < rounds; r++ {
		order := []bool{false, true}
		if r%2 == 1 {
			order = []bool{true, false} // alternate which build goes first
		}
		for _, prog := range order {
			runtime.GC() // the previous round's index is garbage: collect it outside the timing
			idx, err := core.CreateIndex("hgraph", create)
			check(err)
			if prog {
				idx.SetProgress(func(op string, done, total int64) bool { calls++; return true })
			}
			ds := &core.Dataset{NumElements: n, Dim: dim, IDs: ids(0, n), Float32: data[:n*dim]}
			start := time.Now()
			_, err = idx.Build(ds)
			check(err)
			el := time.Since(start)
			if prog {
				with = append(with, el)
			} else {
				without = append(without, el)
			}
			fmt.Printf("round %d progress=%v: %s\n", r, prog, el.Round(time.Millisecond))
		}
	}
	mw, mo := median(with), median(without)
	fmt.Printf("median build of %d x %d: without progress %s, with %s (%+.2f%%), %d callback calls\n", n, dim, mo.Round(time.Millisecond), mw.Round(time.Millisecond), 100*(float64(mw)/float64(mo)-1), calls)
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// mmapAllocator hands out anonymous mappings, returned to the system at once when freed.
type mmapAllocator struct {
	mu     sync.Mutex
	blocks map[uintptr][]byte
}

// live returns the bytes of the blocks held.
func (m *mmapAllocator) live() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, b := range m.blocks {
		n += len(b)
	}
	return int64(n)
}

func (m *mmapAllocator) Name() string { return "mmap" }

func (m *mmapAllocator) Allocate(size uint64) unsafe.Pointer {
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return nil
	}
	p := unsafe.Pointer(&b[0])
	m.mu.Lock()
	m.blocks[uintptr(p)] = b
	m.mu.Unlock()
	return p
}

func (m *mmapAllocator) Deallocate(p unsafe.Pointer) {
	m.mu.Lock()
	b := m.blocks[uintptr(p)]
	delete(m.blocks, uintptr(p))
	m.mu.Unlock()
	if b != nil {
		_ = syscall.Munmap(b)
	}
}

func (m *mmapAllocator) Reallocate(p unsafe.Pointer, size uint64) unsafe.Pointer {
	m.mu.Lock()
	old := m.blocks[uintptr(p)]
	m.mu.Unlock()
	q := m.Allocate(size)
	if q == nil {
		return nil
	}
	copy(unsafe.Slice((*byte)(q), size), old)
	m.Deallocate(p)
	return q
}
