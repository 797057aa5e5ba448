package core

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/vlog"
	"github.com/govsag/vsag/internal/parallel"
)

// resources are an index's memory account and progress callback.
type resources struct {
	mu       sync.Mutex // guards acct's creation and its hand-over to a new engine
	acct     *alloc.Account
	progress atomic.Pointer[ProgressFunc]
	engProg  sync.Mutex     // held by the operation whose progress the engine reports
	extra    *alloc.Tracker // the extra info's charge to acct (nil until a write with extra info)
	// extraMu orders the extra info's reservations and recharges; extraHeld is the bytes
	// reserved by the writes in flight (charged on extra besides what the extra info holds).
	extraMu   sync.Mutex
	extraHeld int64
	attr      attrCharge // the attribute table's charge to acct; see resources_attr.go
}

// account returns the index's memory account, creating it (a child of the global account) and
// handing it to the engine the first time.
func (x *Index) account() *alloc.Account {
	x.res.mu.Lock()
	defer x.res.mu.Unlock()
	if x.res.acct == nil {
		x.res.acct = alloc.NewAccount("the index's memory budget", alloc.Global())
		x.useAccount(x.eng(), x.res.acct)
	}
	return x.res.acct
}

// useAccount hands a to eng when eng charges an account.
func (x *Index) useAccount(eng api.Engine, a *alloc.Account) {
	if u, ok := eng.(alloc.User); ok && a != nil {
		u.UseAccount(a)
	}
}

// reapplyAccount hands the index's account, if it has one, to the engine again: after the
// engine or its stores were replaced (load, reset, tune, merge).
func (x *Index) reapplyAccount() {
	x.res.mu.Lock()
	defer x.res.mu.Unlock()
	x.useAccount(x.eng(), x.res.acct)
}

// shareAccount makes x (an index being loaded for dst) charge dst's account, if dst has one.
func (x *Index) shareAccount(dst *Index) {
	dst.res.mu.Lock()
	a := dst.res.acct
	dst.res.mu.Unlock()
	if a != nil {
		x.res.mu.Lock()
		x.res.acct = a
		x.useAccount(x.eng(), a)
		x.res.mu.Unlock()
	}
}

// SetMemoryBudget limits the bytes of the index's large slabs (code stores, graph adjacency,
// bucket lists) and, for the engines that charge them, of what grows with the index besides
// (labels, route layers, trees, extra info, the scratch of concurrent searches) to n (0: no
// limit of its own; the global budget still applies). A build, add,
// merge or load that would grow them beyond it fails with NO_ENOUGH_MEMORY before any row is
// stored, and the index is left as it was. Negative n is INVALID_ARGUMENT.
func (x *Index) SetMemoryBudget(n int64) error {
	if err := x.account().SetLimit(n); err != nil {
		return err
	}
	vlog.Logf(vlog.Debug, "%s: memory budget set to %d bytes", x.name, n)
	return nil
}

// MemoryBudget returns the index's memory budget (0: none).
func (x *Index) MemoryBudget() int64 { return x.account().Limit() }

// BudgetedMemory returns the bytes of the index's large slabs charged against its budget.
func (x *Index) BudgetedMemory() int64 { return x.account().Used() }

// SetAllocator makes the index's code stores allocate their slabs with a from their next
// growth on (nil restores Go's allocator); slabs allocated before keep their allocator and are
// freed with it.
func (x *Index) SetAllocator(a alloc.Allocator) { x.account().SetAllocator(a) }

// SetGlobalMemoryBudget limits the bytes of the large slabs of all indexes together to n (0:
// no limit); growth beyond it fails with NO_ENOUGH_MEMORY as an index's budget does.
func SetGlobalMemoryBudget(n int64) error { return alloc.Global().SetLimit(n) }

// GlobalMemoryBudget returns the global memory budget (0: none).
func GlobalMemoryBudget() int64 { return alloc.Global().Limit() }

// GlobalBudgetedMemory returns the bytes of all indexes' large slabs charged to the global
// budget. Slabs of indexes no longer referenced are released when they are collected.
func GlobalBudgetedMemory() int64 { return alloc.Global().Used() }

// SetGlobalAllocator makes the slabs of every index without an allocator of its own come
// from a (nil: Go's allocator).
func SetGlobalAllocator(a alloc.Allocator) { alloc.Global().SetAllocator(a) }

// Global option names (VSAG's Options).
const (
	OptionNumThreadsBuilding = "num_threads_building"
	OptionNumThreadsIO       = "num_threads_io"
	OptionBlockSizeLimit     = "block_size_limit"
	OptionConcurrencyLimit   = "concurrency_limit"
)

// SetOption sets a global option: num_threads_building (1..200, default 4: goroutines per
// build or add, also capped by the CPUs and the index's own thread count), num_threads_io
// (1..200, default 8: concurrent reads per search of a disk-resident store), block_size_limit
// (bytes, at least 256 KiB, default 128 MiB: the most a store allocates beyond what it needs
// when it grows) or concurrency_limit (goroutines per parallel call, 0 for no limit). An
// unknown name or a value out of range is INVALID_ARGUMENT.
func SetOption(name string, value int64) error {
	n := int(min(max(value, -1), 1<<30))
	switch name {
	case OptionNumThreadsBuilding:
		return parallel.SetBuildThreads(n)
	case OptionNumThreadsIO:
		return parallel.SetIOThreads(n)
	case OptionBlockSizeLimit:
		return alloc.SetBlockSizeLimit(value)
	case OptionConcurrencyLimit:
		return parallel.SetLimit(n)
	}
	return api.Errorf(api.InvalidArgument, "unknown option %q (num_threads_building, num_threads_io, block_size_limit, concurrency_limit)", name)
}

// Option returns a global option's value; an unknown name is INVALID_ARGUMENT.
func Option(name string) (int64, error) {
	switch name {
	case OptionNumThreadsBuilding:
		return int64(parallel.BuildThreads()), nil
	case OptionNumThreadsIO:
		return int64(parallel.IOThreads()), nil
	case OptionBlockSizeLimit:
		return alloc.BlockSizeLimit(), nil
	case OptionConcurrencyLimit:
		return int64(parallel.Limit()), nil
	}
	return 0, api.Errorf(api.InvalidArgument, "unknown option %q (num_threads_building, num_threads_io, block_size_limit, concurrency_limit)", name)
}

// ProgressFunc receives the progress of a long operation on an index: op is "build", "add",
// "train" or "load", done of total units (rows of the batch; bytes for a load, total 0 when the
// input's size is not known in advance). It is called from the library's goroutines, one call
// at a time, first with done 0, then about every 1% of the work, and last with done == total
// when the operation succeeds. Returning false cancels the operation where nothing is lost by
// it: a load at any point (the index stays empty), a build, add or train at its first call
// (before anything changes); later returns are ignored.
type ProgressFunc func(op string, done, total int64) bool

// SetProgress makes fn receive the progress of the index's builds, adds, trains and loads
// (nil: none).
func (x *Index) SetProgress(fn ProgressFunc) {
	if fn == nil {
		x.res.progress.Store(nil)
		return
	}
	x.res.progress.Store(&fn)
}

// progressSteps is how many reports an operation makes between its first and its last.
const progressSteps = 100

// progressOp tracks one operation's progress and calls the callback every 1% of it.
type progressOp struct {
	fn        ProgressFunc
	op        string
	total     int64
	step      int64
	done      atomic.Int64
	next      atomic.Int64 // done at which the next report is due
	mu        sync.Mutex   // serialises the callback
	last      int64        // done of the last report, under mu
	cancelled atomic.Bool
	canCancel bool // later reports may cancel (a load)
	start     time.Time
}

// startProgress reports done 0 of total and returns the operation's tracker, nil when the
// index has no progress callback. It returns a cancellation error when the callback asks for
// it.
func (x *Index) startProgress(op string, total int64, canCancel bool) (*progressOp, error) {
	fn := x.res.progress.Load()
	if fn == nil {
		return nil, nil
	}
	p := &progressOp{fn: *fn, op: op, total: total, step: max(total/progressSteps, 1), canCancel: canCancel, start: time.Now()}
	p.next.Store(p.step)
	if !p.report(0) {
		vlog.Logf(vlog.Info, "%s: %s cancelled by the progress callback before it started", x.name, op)
		return nil, cancelled(op)
	}
	return p, nil
}

// cancelled returns the error of an operation the progress callback cancelled.
func cancelled(op string) error {
	return api.Errorf(api.UnknownError, "%s cancelled by the progress callback; nothing was changed", op)
}

// report calls the callback with done (never going back), returning its answer.
func (p *progressOp) report(done int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if done < p.last {
		return true
	}
	p.last = done
	return p.fn(p.op, done, p.total)
}

// add counts n units done and reports when another step is complete. It is safe for
// concurrent use and costs one atomic add otherwise. A callback asking to cancel a load is
// remembered and returned as an error.
func (p *progressOp) add(n int64) error {
	if p == nil {
		return nil
	}
	if p.cancelled.Load() {
		return cancelled(p.op)
	}
	done := p.done.Add(n)
	next := p.next.Load()
	if done < next || !p.next.CompareAndSwap(next, (done/p.step+1)*p.step) {
		return nil
	}
	if !p.report(min(done, max(p.total, done))) && p.canCancel {
		p.cancelled.Store(true)
		return cancelled(p.op)
	}
	return nil
}

// finish reports the operation complete when err is nil.
func (p *progressOp) finish(err error) {
	if p == nil || err != nil {
		return
	}
	p.report(max(p.total, p.done.Load()))
}

// startInsert prepares a build or add of n rows: it refuses a batch beyond the memory budget
// for engines that do not check their growth against the account themselves, starts the
// progress report and returns the hook to hand the engine (counting rows for the progress) and
// the function that ends the operation.
func (x *Index) startInsert(what string, n int, hook api.InsertHook, eng api.Engine) (api.InsertHook, func(error), error) {
	if err := x.checkBudget(what, n, eng); err != nil {
		vlog.Logf(vlog.Warn, "%s: %s of %d vectors refused: %v", x.name, what, n, err)
		return nil, nil, err
	}
	start := time.Now()
	logEnd := func(err error) {
		if err != nil {
			vlog.Logf(vlog.Warn, "%s: %s of %d vectors failed: %v", x.name, what, n, err)
		} else if n > 0 {
			vlog.Logf(vlog.Debug, "%s: %s of %d vectors in %s", x.name, what, n, time.Since(start).Round(time.Millisecond))
		}
	}
	p, err := x.startProgress(what, int64(n), false)
	if err != nil || p == nil {
		return hook, logEnd, err
	}
	pr, reports := eng.(api.ProgressReporter)
	if reports && x.res.engProg.TryLock() {
		pr.SetProgress(api.NewProgress(func(k int64) { _ = p.add(k) }))
		return hook, func(err error) {
			pr.SetProgress(nil)
			x.res.engProg.Unlock()
			p.finish(err)
			logEnd(err)
		}, nil
	}
	// Insert hooks run under the engine's exclusive lock, one at a time: rows are counted in a
	// plain variable and handed to the shared counter in groups, so a row costs an increment.
	var pending int64
	group := min(p.step, 256)
	counted := func(row int, label int64) {
		if pending++; pending >= group {
			_ = p.add(pending)
			pending = 0
		}
		if hook != nil {
			hook(row, label)
		}
	}
	return counted, func(err error) { p.finish(err); logEnd(err) }, nil
}

// checkBudget refuses, for an engine that does not charge an account, a batch of n rows whose
// estimated memory does not fit in the index's budget or the global one.
func (x *Index) checkBudget(what string, n int, eng api.Engine) error {
	if _, ok := eng.(alloc.User); ok || n == 0 {
		return nil
	}
	est, ok := eng.(api.MemoryEstimator)
	if !ok {
		return nil
	}
	x.res.mu.Lock()
	a := x.res.acct
	x.res.mu.Unlock()
	if a == nil {
		a = alloc.Global()
	}
	if a.Room() == int64(^uint64(0)>>1) {
		return nil
	}
	have := eng.NumElements() + x.numRemoved(eng)
	need := est.EstimateMemory(have+int64(n)) - max(est.EstimateMemory(have), eng.MemoryUsage())
	return a.Check(max(need, 0), x.name+": "+what+" of "+strconv.Itoa(n)+" vectors")
}

// startLoad makes the load of f report its progress in bytes read, and returns the function
// that ends it.
func (x *Index) startLoad(f *serial.File) (func(error) error, error) {
	start := time.Now()
	p, err := x.startProgress("load", f.PayloadSize(), true)
	if err != nil {
		return nil, err
	}
	if p != nil {
		f.SetWatch(p.add)
	}
	return func(err error) error {
		if p != nil && p.cancelled.Load() {
			vlog.Logf(vlog.Info, "%s: load cancelled by the progress callback", x.name)
			return cancelled("load")
		}
		p.finish(err)
		if err != nil {
			vlog.Logf(vlog.Warn, "%s: load failed: %v", x.name, err)
		} else {
			vlog.Logf(vlog.Info, "%s: loaded in %s", x.name, time.Since(start).Round(time.Millisecond))
		}
		return err
	}, nil
}

// trainProgress reports the start and the end of a train of n vectors.
func (x *Index) trainProgress(n int) (func(error), error) {
	p, err := x.startProgress("train", int64(n), false)
	if err != nil {
		return nil, err
	}
	return func(err error) {
		if p != nil && err == nil {
			p.done.Store(int64(n))
		}
		p.finish(err)
	}, nil
}

// extraRowBytes is what the extra info of one row takes besides its bytes: its entry in the
// label -> row map (extraInfos.memory counts the same).
const extraRowBytes = 48

// reserveExtra checks the extra info of n more rows (extra_info_size bytes and a map entry
// each) against the index's budget, before anything is stored, and holds that much of it for
// the write, the check and the charge in one step so that concurrent writes cannot both take
// the last room; the returned function, called when the write ends, charges what the extra
// info holds then plus what the writes still running hold. It returns NO_ENOUGH_MEMORY when
// the rows do not fit. Indexes without extra info reserve nothing.
func (x *Index) reserveExtra(what string, n int) (func(), error) {
	if x.extra == nil || n == 0 {
		return func() {}, nil
	}
	a := x.account()
	need := alloc.Mul(int64(n), int64(x.extra.size+extraRowBytes))
	t := x.extraCharge(a)
	// writes run concurrently: the check and the charge are one step (TryAdd), and each write
	// recharges what the extra info holds plus the reservations of the writes still running
	x.res.extraMu.Lock()
	defer x.res.extraMu.Unlock()
	if err := t.TryAdd(need, x.name+": "+what+": the extra info of "+strconv.Itoa(n)+" vectors"); err != nil {
		return nil, err
	}
	x.res.extraHeld += need
	return func() {
		x.res.extraMu.Lock()
		defer x.res.extraMu.Unlock()
		x.res.extraHeld -= need
		t.Set(x.extra.memory() + x.res.extraHeld)
	}, nil
}

// extraCharge returns the tracker charging the index's extra info to a, made on first use.
func (x *Index) extraCharge(a *alloc.Account) *alloc.Tracker {
	x.res.mu.Lock()
	defer x.res.mu.Unlock()
	if x.res.extra == nil {
		x.res.extra = alloc.NewTracker(a)
		x.res.extra.Set(x.extra.memory())
	}
	return x.res.extra
}
