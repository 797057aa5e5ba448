package hgraph

import (
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
)

// SetProgress makes the linking of Build and Add report to p (nil: to nothing); see
// api.ProgressReporter.
func (x *Index) SetProgress(p *api.Progress) { x.prog.Store(p) }

// odescentProgress returns the odescent build's round callback for n nodes: it reports the
// share of n the rounds done stand for, never going back when a smaller layer starts over.
func (x *Index) odescentProgress(n int) func(turn, turns int) {
	p := x.prog.Load()
	if p == nil {
		return nil
	}
	var reported atomic.Int64
	return func(turn, turns int) {
		done := int64(n) * int64(turn) / int64(turns+1)
		if prev := reported.Load(); done > prev && reported.CompareAndSwap(prev, done) {
			p.Add(done - prev)
		}
	}
}
