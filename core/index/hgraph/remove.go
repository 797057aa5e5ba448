package hgraph

import (
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/internal/parallel"
)

// Force remove (VSAG's FORCE_REMOVE, enabled by support_force_remove) takes nodes out of the
// graph for good and reuses their slots, so an index that keeps replacing its vectors (upserts)
// neither grows nor routes through an ever larger share of dead nodes, as it does under mark
// remove. It runs in four steps, holding writeMu exclusively so that no insert or vector update
// links a node meanwhile:
//
//  1. under the exclusive lock, the labels are taken out of the label table (their slots stay
//     marked removed, so searches skip them from then on) and core drops their per-label data;
//  2. under the shared lock, a chunk at a time, so searches go on: on every level, every list
//     that points at a removed node or that a removed node pointed at is repaired
//     (graph.Builder.RepairList: remaining neighbours kept, replacements from the removed
//     nodes' and the remaining neighbours' neighbourhoods added under the graph's rule, the
//     list's former length restored), then the back edges of the edges added are linked;
//  3. under the exclusive lock, the nodes are detached (lists emptied, out of the route layers,
//     a new entry point when it was one of them) and their slots go to the free list;
//  4. under the shared lock, the bottom graph is checked for nodes no longer reachable from the
//     entry point, which are linked again (graph.Builder.Repair, skipping free slots).
//
// A free slot keeps its removed mark until an insert takes it (takeSlot), rewriting its codes
// and reviving its label under the exclusive lock, so a search never returns the label a slot
// held before.

// freeSlots is the free list of node slots: a stack (the last slot freed is reused first) and a
// bitmap over node ids. Guarded by the index's lock.
type freeSlots struct {
	stack []uint32
	bits  []uint64
}

func (f *freeSlots) len() int { return len(f.stack) }

// has reports whether node id is a free slot.
func (f *freeSlots) has(id uint32) bool {
	return int(id>>6) < len(f.bits) && f.bits[id>>6]&(1<<(id&63)) != 0
}

func (f *freeSlots) push(id uint32) {
	for int(id>>6) >= len(f.bits) {
		f.bits = append(f.bits, 0)
	}
	f.bits[id>>6] |= 1 << (id & 63)
	f.stack = append(f.stack, id)
}

func (f *freeSlots) pop() uint32 {
	id := f.stack[len(f.stack)-1]
	f.stack = f.stack[:len(f.stack)-1]
	f.bits[id>>6] &^= 1 << (id & 63)
	return id
}

func (f *freeSlots) memoryUsage() int64 { return int64(cap(f.stack))*4 + int64(cap(f.bits))*8 }

// NumRemoved implements api.Remover: the vectors marked removed. Slots reclaimed by force
// remove are not counted: they hold no vector.
func (x *Index) NumRemoved() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return int64(x.labels.NumRemoved() - x.slots.len())
}

// ForceRemove implements api.ForceRemover (see the steps above). Labels marked removed are
// taken out as well: a label counts once, whether its live slot, slots it held when marked
// removed, or both were reclaimed. Without support_force_remove it is INVALID_ARGUMENT, as in
// VSAG.
func (x *Index) ForceRemove(ids []int64, onRemove func(label int64)) (int, error) {
	if !x.p.SupportForceRemove {
		return 0, api.Errorf(api.InvalidArgument, "hgraph: force remove requires index_param.support_force_remove to be true")
	}
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	var n int
	var dropped []uint32
	var gone []uint64
	err := x.underExclusive(func() error {
		n, dropped, gone = x.takeLabels(ids, onRemove)
		return nil
	})
	if err != nil || len(dropped) == 0 {
		return n, err
	}
	if err := x.repairAround(dropped, gone); err != nil {
		// The lists may still point at the nodes: they stay, marked removed, and are not reused.
		return n, err
	}
	isGone := func(u uint32) bool { return gone[u>>6]&(1<<(u&63)) != 0 }
	err = x.underExclusive(func() error {
		x.g.Detach(dropped, func(u uint32) bool { return int(u>>6) < len(gone) && isGone(u) || x.slots.has(u) })
		for _, u := range dropped {
			x.slots.push(u)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, x.underShared(func() error {
		b := x.builder()
		w, ps := x.getWorker(b)
		defer ps.build.Put(w)
		return parallel.Run(1, func(int) error {
			b.Repair(w)
			return nil
		})
	})
}

// takeLabels removes the live slots of ids from the label table and finds the slots still
// holding one of ids under a removed mark (not yet reclaimed). It returns the number of labels
// removed, the slots, and the slots as a bitmap over node ids, calling onRemove once per label.
// Caller holds the exclusive lock.
func (x *Index) takeLabels(ids []int64, onRemove func(int64)) (int, []uint32, []uint64) {
	total := x.labels.Total()
	gone := make([]uint64, (total+63)/64)
	var dropped []uint32
	drop := func(u uint32) {
		gone[u>>6] |= 1 << (u & 63)
		dropped = append(dropped, u)
	}
	counted := make(map[int64]bool)
	count := func(label int64) {
		if !counted[label] {
			counted[label] = true
			if onRemove != nil {
				onRemove(label)
			}
		}
	}
	for _, id := range ids {
		if inner, ok := x.labels.Remove(id); ok {
			drop(inner)
			count(id)
		}
	}
	// slots marked removed before this call: those holding one of ids are reclaimed as well
	if x.labels.NumRemoved()-x.slots.len()-len(dropped) > 0 {
		want := make(map[int64]bool, len(ids))
		for _, id := range ids {
			want[id] = true
		}
		for i := 0; i < total; i++ {
			u := uint32(i)
			if !x.labels.IsRemoved(u) || x.slots.has(u) || gone[u>>6]&(1<<(u&63)) != 0 {
				continue
			}
			if l := x.labels.Label(u); want[l] {
				drop(u)
				count(l)
			}
		}
	}
	return len(counted), dropped, gone
}

// repairChunk is the number of lists repaired per hold of the shared lock.
const repairChunk = 1024

// repairAround repairs every list that points at a node of gone, on every level, on up to
// x.threads goroutines, releasing the shared lock between chunks so that writers waiting for
// the exclusive lock (mark removes) and the searches behind them wait for one chunk at most.
// Inserts cannot run meanwhile (the caller holds writeMu), so the node set does not change.
func (x *Index) repairAround(dropped []uint32, gone []uint64) error {
	var vp *graph.VamanaParams
	if x.p.GraphType == "vamana" {
		vp = x.vamana()
	}
	isGone := func(u uint32) bool { return int(u>>6) < len(gone) && gone[u>>6]&(1<<(u&63)) != 0 }
	var levels int
	var n int
	x.mu.RLock()
	levels, n = x.g.Levels(), x.g.Len()
	x.mu.RUnlock()
	for level := levels; level >= 0; level-- {
		var nodes []uint32
		via := map[uint32][]uint32{} // node -> removed nodes whose lists hold it
		_ = x.underShared(func() error {
			if level > 0 {
				nodes = x.g.LayerNodes(level)
			}
			var nb []uint32
			for _, r := range dropped {
				nb = x.g.Neighbors(level, r, nb[:0])
				for _, u := range nb {
					if !isGone(u) {
						via[u] = append(via[u], r)
					}
				}
			}
			return nil
		})
		count := n
		if level > 0 {
			count = len(nodes)
		}
		for lo := 0; lo < count; lo += repairChunk {
			hi := min(lo+repairChunk, count)
			var backs [][2]uint32
			var backMu sync.Mutex
			err := x.underShared(func() error {
				b := x.builder()
				threads := x.threads
				if hi-lo < minParallelLink {
					threads = 1
				}
				yield := threads >= runtime.GOMAXPROCS(0)
				var next atomic.Int64
				next.Store(int64(lo))
				return parallel.Run(threads, func(int) error {
					w, ps := x.getWorker(b)
					defer ps.build.Put(w)
					rs := &graph.RepairScratch{}
					defer func() {
						backMu.Lock()
						backs = append(backs, rs.Back...)
						backMu.Unlock()
					}()
					for {
						i := int(next.Add(1) - 1)
						if i >= hi {
							return nil
						}
						id := uint32(i)
						if level > 0 {
							id = nodes[i]
						}
						if isGone(id) || x.slots.has(id) {
							continue
						}
						if b.RepairList(w, rs, level, id, gone, via[id], vp) && yield {
							runtime.Gosched()
						}
					}
				})
			})
			if err != nil {
				return err
			}
			err = x.underShared(func() error {
				b := x.builder()
				w, ps := x.getWorker(b)
				defer ps.build.Put(w)
				b.AddBackEdges(w, level, backs)
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// takeSlot stores row of the batch (label id, vector v) in a free slot and returns it as a
// node to link, or false when id is live (a duplicate). Caller holds the exclusive lock and
// has checked that a slot is free.
func (x *Index) takeSlot(row int, id int64, v []float32, onInsert api.InsertHook) (pendingNode, bool) {
	if x.labels.Contains(id) {
		return pendingNode{}, false
	}
	inner := x.slots.pop()
	// copies of the stores grown before this rewrite (pregrow) are stale now
	x.rowEdits++
	x.baseCodes.Set(int(inner), v)
	defer x.remeasure(int(inner)) // once the precise row is rewritten too
	if x.primCodes != nil {
		x.primCodes.set(int(inner), x.baseCodes.Code(int(inner)))
	}
	if x.preciseCodes != nil {
		x.preciseCodes.Set(int(inner), v)
	}
	if x.raw != nil {
		x.raw.Set(int(inner), v)
	}
	level := 0
	if x.p.GraphType != "vamana" {
		level = graph.RandomLevel(1-x.rng.Float64(), x.p.MaxDegree)
	}
	x.g.Revive(inner, level)
	x.labels.Revive(inner, id)
	if onInsert != nil {
		onInsert(row, id)
	}
	return pendingNode{id: inner, level: int32(level), row: int32(row)}, true
}

// newRows returns how many of n inserted rows need new slots once the free ones are taken.
// Caller holds mu.
func (x *Index) newRows(n int) int { return max(n-x.slots.len(), 0) }

// secFreeSlots holds the free list: the slot ids as u32, in stack order. It is written only
// when the list is not empty (info.FreeSlots gives its length).
const secFreeSlots = "hgraph.free_slots"

// saveFreeSlots adds the free list to f. Caller holds mu.
func (x *Index) saveFreeSlots(f *serial.File) {
	if x.slots.len() == 0 {
		return
	}
	b := make([]byte, 0, 4*x.slots.len())
	for _, id := range x.slots.stack {
		b = binary.LittleEndian.AppendUint32(b, id)
	}
	f.Add(secFreeSlots, b)
}

// loadFreeSlots decodes the free list of n slots from b and checks it against the label table
// and graph read from the same file: every slot exists once, is marked removed, and is out of
// the graph (no list, no route layer, not the entry point).
func loadFreeSlots(b []byte, n int, labels *store.Labels, g *graph.Graph) (freeSlots, error) {
	var f freeSlots
	if len(b) != 4*n {
		return f, api.Errorf(api.InvalidBinary, "hgraph: the free slot list holds %d bytes for %d slots", len(b), n)
	}
	ep, _, hasEntry := g.Entry()
	for i := 0; i < n; i++ {
		id := binary.LittleEndian.Uint32(b[4*i:])
		switch {
		case int(id) >= labels.Total():
			return f, api.Errorf(api.InvalidBinary, "hgraph: free slot %d is beyond the %d slots", id, labels.Total())
		case f.has(id):
			return f, api.Errorf(api.InvalidBinary, "hgraph: free slot %d is listed twice", id)
		case !labels.IsRemoved(id):
			return f, api.Errorf(api.InvalidBinary, "hgraph: free slot %d holds a live label", id)
		case g.NodeLevel(id) != 0 || len(g.Neighbors(0, id, nil)) != 0 || hasEntry && ep == id:
			return f, api.Errorf(api.InvalidBinary, "hgraph: free slot %d is still in the graph", id)
		}
		f.push(id)
	}
	return f, nil
}
