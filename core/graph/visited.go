package graph

import "sync"

// VisitedList marks node ids seen by one search. Reset does not clear memory: it bumps an
// epoch and a node counts as visited when its tag equals the current epoch, so a reset costs
// O(1) except once every 65535 searches, when the tags are zeroed.
type VisitedList struct {
	tags  []uint16
	epoch uint16
}

// Reset prepares the list for a search over n nodes.
func (v *VisitedList) Reset(n int) {
	if len(v.tags) < n {
		c := n + n/4 + 64
		v.tags = make([]uint16, c)
		v.epoch = 1
		return
	}
	v.epoch++
	if v.epoch == 0 {
		clear(v.tags)
		v.epoch = 1
	}
}

// Visit marks id visited and reports whether it was visited before.
func (v *VisitedList) Visit(id uint32) bool {
	t := &v.tags[id]
	if *t == v.epoch {
		return true
	}
	*t = v.epoch
	return false
}

// Seen reports whether id was visited.
func (v *VisitedList) Seen(id uint32) bool { return v.tags[id] == v.epoch }

// MemoryUsage returns the bytes held.
func (v *VisitedList) MemoryUsage() int64 { return int64(cap(v.tags)) * 2 }

// VisitedPool hands out visited lists; lists are reused across searches and goroutines.
type VisitedPool struct{ p sync.Pool }

// Get returns a list reset for n nodes.
func (vp *VisitedPool) Get(n int) *VisitedList {
	v, _ := vp.p.Get().(*VisitedList)
	if v == nil {
		v = &VisitedList{}
	}
	v.Reset(n)
	return v
}

// Put returns a list to the pool.
func (vp *VisitedPool) Put(v *VisitedList) { vp.p.Put(v) }
