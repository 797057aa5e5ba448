package core

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/vlog"
)

const resDim = 32

// resIndexes are the index types whose large slabs are charged to the index's account.
var resIndexes = []struct{ name, create, search string }{
	{"brute_force", `{"dtype":"float32","metric_type":"l2","dim":32}`, `{}`},
	{"hgraph", `{"dtype":"float32","metric_type":"l2","dim":32,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":60}}`, `{"hgraph":{"ef_search":60}}`},
	{"hgraph-odescent", `{"dtype":"float32","metric_type":"l2","dim":32,"index_param":{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","graph_type":"odescent","max_degree":16,"ef_construction":60}}`, `{"hgraph":{"ef_search":60}}`},
	{"hnsw", `{"dtype":"float32","metric_type":"l2","dim":32,"hnsw":{"max_degree":16,"ef_construction":60}}`, `{"hnsw":{"ef_search":60}}`},
	{"ivf", `{"dtype":"float32","metric_type":"l2","dim":32,"index_param":{"buckets_count":8,"base_quantization_type":"fp32"}}`, `{"ivf":{"scan_buckets_count":8}}`},
}

func resIndexType(name string) string {
	if name == "hgraph-odescent" {
		return "hgraph"
	}
	return name
}

func resData(n int, seed uint64, first int64) *Dataset {
	r := rand.New(rand.NewPCG(seed, 7))
	v := make([]float32, n*resDim)
	for i := range v {
		v[i] = r.Float32()
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = first + int64(i)
	}
	return &Dataset{NumElements: n, Dim: resDim, IDs: ids, Float32: v}
}

// TestMemoryBudgetRefusesWholeBatch fills each index type to its budget: the batch that does
// not fit is NO_ENOUGH_MEMORY, the index keeps exactly what it held, stays under the budget and
// still answers.
func TestMemoryBudgetRefusesWholeBatch(t *testing.T) {
	for _, tc := range resIndexes {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := CreateIndex(resIndexType(tc.name), tc.create)
			require.NoError(t, err)
			const budget = 400 << 10
			require.NoError(t, idx.SetMemoryBudget(budget))
			require.Equal(t, int64(budget), idx.MemoryBudget())
			var refused error
			held := int64(0)
			for b := 0; b < 100 && refused == nil; b++ {
				ds := resData(500, uint64(b), int64(b)*500)
				if b == 0 {
					_, refused = idx.Build(ds)
				} else {
					_, refused = idx.Add(ds)
				}
				if refused == nil {
					held += 500
				}
				require.LessOrEqual(t, idx.BudgetedMemory(), int64(budget))
			}
			require.Error(t, refused, "the budget never refused a batch")
			require.Equal(t, api.NoEnoughMemory, api.CodeOf(refused), refused.Error())
			require.Equal(t, held, idx.GetNumElements(), "a refused batch left rows behind")
			require.Greater(t, held, int64(0))
			q := resData(1, 99, 0)
			res, err := idx.KnnSearch(q, 10, tc.search, nil)
			require.NoError(t, err)
			require.Len(t, res.IDs, 10)
			// raising the budget lets the same batch in
			require.NoError(t, idx.SetMemoryBudget(0))
			_, err = idx.Add(resData(500, 1000, 1<<40))
			require.NoError(t, err)
			require.Equal(t, held+500, idx.GetNumElements())
		})
	}
}

// settleGlobalCharges collects what earlier tests dropped and waits until their cleanups have
// returned its charges, so that the global figure does not fall while a test relies on it.
func settleGlobalCharges() {
	prev := int64(-1)
	for range 50 {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
		cur := GlobalBudgetedMemory()
		if cur == prev {
			return
		}
		prev = cur
	}
}

func TestGlobalMemoryBudget(t *testing.T) {
	settleGlobalCharges()
	a, err := CreateIndex("brute_force", resIndexes[0].create)
	require.NoError(t, err)
	_, err = a.Build(resData(1000, 1, 0))
	require.NoError(t, err)
	used := GlobalBudgetedMemory()
	require.Greater(t, used, int64(1000*resDim*4-1))
	require.NoError(t, SetGlobalMemoryBudget(used+64<<10))
	defer func() { require.NoError(t, SetGlobalMemoryBudget(0)) }()
	require.Equal(t, used+64<<10, GlobalMemoryBudget())
	b, err := CreateIndex("brute_force", resIndexes[0].create)
	require.NoError(t, err)
	_, err = b.Build(resData(5000, 2, 0))
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err))
	require.Equal(t, int64(0), b.GetNumElements())
	_, err = b.Build(resData(100, 2, 0))
	require.NoError(t, err)
	require.Error(t, SetGlobalMemoryBudget(-1))
	runtime.KeepAlive(a) // its charge is part of the budget the builds above were measured against
}

func TestMemoryBudgetLoad(t *testing.T) {
	src, err := CreateIndex("brute_force", resIndexes[0].create)
	require.NoError(t, err)
	_, err = src.Build(resData(2000, 1, 0))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, src.Serialize(&buf))
	blob := buf.Bytes()
	require.NoError(t, err)
	dst, err := CreateIndex("brute_force", resIndexes[0].create)
	require.NoError(t, err)
	require.NoError(t, dst.SetMemoryBudget(100<<10))
	err = dst.Deserialize(bytes.NewReader(blob))
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), fmt.Sprint(err))
	require.Equal(t, int64(0), dst.GetNumElements())
	require.NoError(t, dst.SetMemoryBudget(1<<20))
	require.NoError(t, dst.Deserialize(bytes.NewReader(blob)))
	require.Equal(t, int64(2000), dst.GetNumElements())
	require.Greater(t, dst.BudgetedMemory(), int64(2000*resDim*4-1))
}

// mmapAllocator hands out anonymous mappings (memory outside Go's heap) and counts its calls.
type mmapAllocator struct {
	mu                            sync.Mutex
	blocks                        map[uintptr][]byte
	allocs, frees, reallocs, live atomic.Int64
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
	m.allocs.Add(1)
	m.live.Add(1)
	return p
}

func (m *mmapAllocator) Deallocate(p unsafe.Pointer) {
	m.mu.Lock()
	b := m.blocks[uintptr(p)]
	delete(m.blocks, uintptr(p))
	m.mu.Unlock()
	if b != nil {
		_ = syscall.Munmap(b)
		m.frees.Add(1)
		m.live.Add(-1)
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
	m.allocs.Add(-1)
	m.reallocs.Add(1)
	return q
}

func TestAllocatorServesCodeStores(t *testing.T) {
	for _, tc := range resIndexes {
		t.Run(tc.name, func(t *testing.T) {
			m := &mmapAllocator{blocks: map[uintptr][]byte{}}
			idx, err := CreateIndex(resIndexType(tc.name), tc.create)
			require.NoError(t, err)
			idx.SetAllocator(m)
			for b := 0; b < 4; b++ {
				_, err = idx.Add(resData(700, uint64(b), int64(b)*700))
				require.NoError(t, err)
			}
			if tc.name != "ivf" { // ivf keeps its codes in bucket lists (charged, Go memory)
				require.Greater(t, m.allocs.Load()+m.reallocs.Load(), int64(0))
				require.Greater(t, m.live.Load(), int64(0))
			}
			q := resData(1, 9, 0)
			res, err := idx.KnnSearch(q, 5, tc.search, nil)
			require.NoError(t, err)
			require.Len(t, res.IDs, 5)
			// the stored rows read back through the allocator's memory
			exact, err := CreateIndex("brute_force", resIndexes[0].create)
			require.NoError(t, err)
			for b := 0; b < 4; b++ {
				_, err = exact.Add(resData(700, uint64(b), int64(b)*700))
				require.NoError(t, err)
			}
			want, err := exact.KnnSearch(q, 1, `{}`, nil)
			require.NoError(t, err)
			require.Equal(t, want.IDs[0], res.IDs[0])
		})
	}
}

func TestSlabAccounting(t *testing.T) {
	a := alloc.NewAccount("test", nil)
	require.NoError(t, a.SetLimit(1000))
	require.Error(t, a.Check(1001, "x"))
	require.NoError(t, a.Check(1000, "x"))
	s := alloc.NewSlab(a, 100)
	require.Equal(t, s.Size(), a.Used())
	require.Zero(t, uintptr(unsafe.Pointer(&s.Bytes()[0]))%alloc.Align)
	copy(s.Bytes(), "hello")
	g := s.Grow(300, 5)
	require.Equal(t, "hello", string(g.Bytes()[:5]))
	require.Equal(t, g.Size(), a.Used())
	g.Free()
	g.Free()
	require.Zero(t, a.Used())
	require.Error(t, a.SetLimit(-1))
}

func TestOptions(t *testing.T) {
	cases := []struct {
		name    string
		value   int64
		wantErr bool
	}{
		{OptionNumThreadsBuilding, 2, false},
		{OptionNumThreadsBuilding, 0, true},
		{OptionNumThreadsBuilding, 201, true},
		{OptionNumThreadsIO, 16, false},
		{OptionNumThreadsIO, -1, true},
		{OptionBlockSizeLimit, 1 << 20, false},
		{OptionBlockSizeLimit, 1000, true},
		{OptionConcurrencyLimit, 1, false},
		{OptionConcurrencyLimit, -2, true},
		{"no_such_option", 1, true},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s=%d", tc.name, tc.value), func(t *testing.T) {
			old, _ := Option(tc.name)
			err := SetOption(tc.name, tc.value)
			if tc.wantErr {
				require.Equal(t, api.InvalidArgument, api.CodeOf(err))
				return
			}
			require.NoError(t, err)
			defer func() { require.NoError(t, SetOption(tc.name, old)) }()
			got, err := Option(tc.name)
			require.NoError(t, err)
			require.Equal(t, tc.value, got)
		})
	}
}

// TestConcurrencyLimitBuild builds under a concurrency limit of 1 and of 2 with concurrent
// searches (run with -race).
func TestConcurrencyLimitBuild(t *testing.T) {
	for _, lim := range []int64{1, 2} {
		t.Run(fmt.Sprint(lim), func(t *testing.T) {
			require.NoError(t, SetOption(OptionConcurrencyLimit, lim))
			defer func() { require.NoError(t, SetOption(OptionConcurrencyLimit, 0)) }()
			idx, err := CreateIndex("hgraph", resIndexes[1].create)
			require.NoError(t, err)
			_, err = idx.Build(resData(1500, 3, 0))
			require.NoError(t, err)
			var wg sync.WaitGroup
			for g := 0; g < 2; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := idx.Add(resData(500, uint64(10+g), int64(10000*(g+1))))
					require.NoError(t, err)
				}()
			}
			wg.Wait()
			require.Equal(t, int64(2500), idx.GetNumElements())
		})
	}
}

type progressLog struct {
	mu    sync.Mutex
	calls []int64
	ops   map[string]bool
	total int64
}

func (p *progressLog) fn(cancelAt int64) ProgressFunc {
	return func(op string, done, total int64) bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.calls = append(p.calls, done)
		p.ops[op] = true
		p.total = total
		return cancelAt < 0 || done < cancelAt
	}
}

// TestProgress checks, per operation and index type, that reports start at 0, never go back,
// come about every 1% and end at the total (run with -race: they come from build goroutines).
func TestProgress(t *testing.T) {
	for _, tc := range resIndexes {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := CreateIndex(resIndexType(tc.name), tc.create)
			require.NoError(t, err)
			for _, op := range []string{"build", "add"} {
				pl := &progressLog{ops: map[string]bool{}}
				idx.SetProgress(pl.fn(-1))
				ds := resData(3000, 5, 0)
				if op == "build" {
					_, err = idx.Build(ds)
				} else {
					ds = resData(3000, 6, 1<<20)
					_, err = idx.Add(ds)
				}
				require.NoError(t, err)
				require.True(t, pl.ops[op])
				require.Equal(t, int64(0), pl.calls[0])
				require.Equal(t, int64(3000), pl.calls[len(pl.calls)-1])
				require.Equal(t, int64(3000), pl.total)
				require.GreaterOrEqual(t, len(pl.calls), 20, "too few reports: %v", pl.calls)
				require.LessOrEqual(t, len(pl.calls), 103)
				for i := 1; i < len(pl.calls); i++ {
					require.GreaterOrEqual(t, pl.calls[i], pl.calls[i-1])
				}
			}
			idx.SetProgress(nil)
		})
	}
}

func TestProgressCancel(t *testing.T) {
	idx, err := CreateIndex("hgraph", resIndexes[1].create)
	require.NoError(t, err)
	pl := &progressLog{ops: map[string]bool{}}
	idx.SetProgress(pl.fn(0)) // cancel at the first report
	_, err = idx.Build(resData(500, 1, 0))
	require.Error(t, err)
	require.Contains(t, err.Error(), "cancelled")
	require.Equal(t, int64(0), idx.GetNumElements())
	idx.SetProgress(nil)
	_, err = idx.Build(resData(2000, 1, 0))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	blob := buf.Bytes()

	// a load cancelled half way leaves the index empty; the next load succeeds
	dst, err := CreateIndex("hgraph", resIndexes[1].create)
	require.NoError(t, err)
	pl = &progressLog{ops: map[string]bool{}}
	dst.SetProgress(pl.fn(int64(len(blob) / 2)))
	err = dst.Deserialize(bytes.NewReader(blob))
	require.Error(t, err)
	require.Contains(t, err.Error(), "cancelled")
	require.Equal(t, int64(0), dst.GetNumElements())
	require.True(t, pl.ops["load"])
	path := filepath.Join(t.TempDir(), "x.index")
	require.NoError(t, os.WriteFile(path, blob, 0o600))
	pl = &progressLog{ops: map[string]bool{}}
	dst.SetProgress(pl.fn(-1))
	require.NoError(t, dst.DeserializeFile(path))
	require.Equal(t, int64(2000), dst.GetNumElements())
	require.Equal(t, pl.total, pl.calls[len(pl.calls)-1])
	require.Greater(t, pl.total, int64(2000*resDim*4))
}

func TestProgressTrain(t *testing.T) {
	idx, err := CreateIndex("ivf", resIndexes[4].create)
	require.NoError(t, err)
	pl := &progressLog{ops: map[string]bool{}}
	idx.SetProgress(pl.fn(-1))
	require.NoError(t, idx.Train(resData(1000, 1, 0)))
	require.True(t, pl.ops["train"])
	require.Equal(t, []int64{0, 1000}, pl.calls)
}

func TestLogger(t *testing.T) {
	var mu sync.Mutex
	var got []string
	vlog.SetSink(func(l vlog.Level, msg string) {
		mu.Lock()
		got = append(got, l.String()+": "+msg)
		mu.Unlock()
	})
	defer vlog.SetSink(nil)
	require.NoError(t, vlog.SetLevel(vlog.Debug))
	defer func() { require.NoError(t, vlog.SetLevel(vlog.Info)) }()
	idx, err := CreateIndex("brute_force", resIndexes[0].create)
	require.NoError(t, err)
	require.NoError(t, idx.SetMemoryBudget(10<<10))
	_, err = idx.Build(resData(1000, 1, 0))
	require.Error(t, err)
	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, got)
	joined := fmt.Sprint(got)
	require.Contains(t, joined, "memory budget set")
	require.Contains(t, joined, "warn: brute_force: build of 1000 vectors failed")
	require.Error(t, vlog.SetLevel(7))
}

// BenchmarkProgressAdd measures one report of work done from concurrent build goroutines (the
// cost a build pays per linked chunk of rows, or per row for engines counted through the hook).
func BenchmarkProgressAdd(b *testing.B) {
	calls := atomic.Int64{}
	p := &progressOp{fn: func(string, int64, int64) bool { calls.Add(1); return true }, op: "build", total: int64(b.N), step: max(int64(b.N)/progressSteps, 1)}
	p.next.Store(p.step)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = p.add(1)
		}
	})
}

// BenchmarkBuildProgress builds a brute_force index (the cheapest build per row, counted through
// the insert hook) with and without a progress callback.
func BenchmarkBuildProgress(b *testing.B) {
	ds := resData(100000, 1, 0)
	for _, prog := range []bool{false, true} {
		b.Run(fmt.Sprintf("progress=%v", prog), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				idx, err := CreateIndex("brute_force", resIndexes[0].create)
				require.NoError(b, err)
				if prog {
					idx.SetProgress(func(string, int64, int64) bool { return true })
				}
				_, err = idx.Build(ds)
				require.NoError(b, err)
			}
		})
	}
}
