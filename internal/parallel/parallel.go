// Package parallel runs work on several goroutines and turns a panic in any of them into an
// error for the caller, so a fault in a worker never takes the host process down.
//
// The calling goroutine is always one of the workers: a caller on a foreign (C) thread keeps
// its thread busy instead of parking it while others run.
package parallel

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
)

// Run calls fn(w) for every w in [0, workers): w = 0 on the calling goroutine, the others on
// new goroutines. It waits for all of them and returns the first error returned or the first
// panic, as INTERNAL_ERROR. workers below 1 counts as 1.
func Run(workers int, fn func(w int) error) error {
	var first firstError
	if workers <= 1 {
		first.set(call(fn, 0))
		return first.err
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			first.set(call(fn, w))
		}()
	}
	first.set(call(fn, 0))
	wg.Wait()
	return first.err
}

// For calls fn(w, i) for every i in [0, n), handing indexes out one at a time to up to workers
// goroutines, fewer under the concurrency limit (w is the worker's number, for per-worker
// scratch). After the first error or panic no new index is handed out; that error is returned.
func For(n, workers int, fn func(w, i int) error) error {
	if n <= 0 {
		return nil
	}
	var next atomic.Int64
	var stop atomic.Bool
	return Run(min(capped(workers), n), func(w int) error {
		for !stop.Load() {
			i := int(next.Add(1) - 1)
			if i >= n {
				return nil
			}
			if err := fn(w, i); err != nil {
				stop.Store(true)
				return err
			}
		}
		return nil
	})
}

// Go starts fn on a new goroutine with the same recovery and returns a function that waits for
// it and returns its error.
func Go(fn func() error) (wait func() error) {
	done := make(chan error, 1)
	go func() { done <- call(func(int) error { return fn() }, 0) }()
	return func() error { return <-done }
}

// call runs fn(w), turning a panic into an INTERNAL_ERROR that carries the panic value and
// the stack where it happened.
func call(fn func(int) error, w int) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = Recovered(r)
		}
	}()
	return fn(w)
}

// Recovered wraps a recovered panic value as an INTERNAL_ERROR with the stack of the panic.
func Recovered(r any) error {
	return api.Errorf(api.InternalError, "internal error: %v\n%s", fmt.Sprint(r), debug.Stack())
}

type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}
