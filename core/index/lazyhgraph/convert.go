package lazyhgraph

import (
	"fmt"

	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/internal/parallel"
)

// replayQuiet is the log length below which the conversion pauses the flat phase and replays
// the rest: longer logs are replayed with writes still going on.
const replayQuiet = 64

// convert builds the hgraph from a snapshot of the flat phase, replays the writes logged
// meanwhile and switches to it. On failure the flat phase stays and the next conversion waits
// for the collection to double.
func (x *Index) convert(c *conversion, vectors []float32, ids []int64) {
	defer close(c.done)
	// this goroutine is the library's own: a panic in the build or a replay is recovered as
	// the conversion's error (parallel.Run), never the end of the host process
	var g *hgraph.Index
	err := parallel.Run(1, func(int) error {
		if x.convertHook != nil {
			x.convertHook()
		}
		var err error
		if g, err = x.newGraph(); err != nil {
			return err
		}
		failed, err := g.Build(vectors, ids, nil)
		if err == nil && len(failed) > 0 {
			err = fmt.Errorf("lazy_hgraph: the graph build refused %d labels", len(failed))
		}
		vectors, ids = nil, nil
		for err == nil {
			x.logMu.Lock()
			ops := c.log
			if len(ops) < replayQuiet {
				x.logMu.Unlock()
				break
			}
			c.log = nil
			x.logMu.Unlock()
			err = replay(g, ops)
		}
		return err
	})
	x.mu.Lock()
	defer x.mu.Unlock()
	x.logMu.Lock()
	defer x.logMu.Unlock()
	if err == nil {
		// No flat-phase write is in flight now (they hold mu shared): the log is complete.
		err = parallel.Run(1, func(int) error { return replay(g, c.log) })
	}
	c.log = nil
	x.conv = nil
	if err != nil {
		x.convErr = fmt.Errorf("lazy_hgraph: conversion to hgraph: %w", err)
		x.failedAt = x.flat.NumElements()
		return
	}
	x.convErr = nil
	x.graph, x.flat = g, nil
}

// replay applies logged flat-phase writes to the graph in order.
func replay(g *hgraph.Index, ops []op) error {
	for _, o := range ops {
		var err error
		switch o.kind {
		case opAdd:
			var failed []int64
			failed, err = g.Add(o.vectors, o.ids, nil)
			if err == nil && len(failed) > 0 {
				err = fmt.Errorf("replaying an add: %d labels refused", len(failed))
			}
		case opRemove:
			_, err = g.Remove(o.ids)
		case opRelabel:
			err = g.UpdateID(o.from, o.to, nil)
		case opUpdate:
			err = g.UpdateVector(o.ids[0], o.vectors, true)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
