// Package topk holds typed heaps of (distance, id) pairs for search: a bounded max-heap that
// keeps the k closest, and a min-heap of candidates. They are plain slices, free of interfaces,
// so the hot loops of a search neither allocate nor make dynamic calls.
package topk

import "slices"

// Item is a distance and an inner id.
type Item struct {
	Dist float32
	ID   uint32
}

// MaxHeap keeps the k smallest distances pushed into it; the root is the largest kept.
type MaxHeap struct {
	items []Item
	k     int
}

// NewMaxHeap returns a heap keeping at most k items.
func NewMaxHeap(k int) *MaxHeap { return &MaxHeap{items: make([]Item, 0, k), k: k} }

// Reset empties the heap and sets its bound to k.
func (h *MaxHeap) Reset(k int) {
	h.items = h.items[:0]
	h.k = k
}

// Len returns the number of items.
func (h *MaxHeap) Len() int { return len(h.items) }

// Full reports whether the heap holds k items.
func (h *MaxHeap) Full() bool { return len(h.items) >= h.k }

// Top returns the largest kept distance (only valid when Len() > 0).
func (h *MaxHeap) Top() Item { return h.items[0] }

// Bound returns the distance a new item must beat to enter: +Inf-like max when not full.
func (h *MaxHeap) Bound() float32 {
	if len(h.items) < h.k {
		return maxFloat
	}
	return h.items[0].Dist
}

const maxFloat = float32(3.4028234663852886e38)

// Push offers an item; it is kept if the heap is not full or it beats the current maximum.
func (h *MaxHeap) Push(dist float32, id uint32) {
	if len(h.items) < h.k {
		h.items = append(h.items, Item{dist, id})
		h.up(len(h.items) - 1)
		return
	}
	if h.k == 0 || dist >= h.items[0].Dist {
		return
	}
	h.items[0] = Item{dist, id}
	h.down(0)
}

// PushForce adds an item even past k (for unbounded collections), keeping heap order.
func (h *MaxHeap) PushForce(dist float32, id uint32) {
	h.items = append(h.items, Item{dist, id})
	h.up(len(h.items) - 1)
}

// Pop removes and returns the largest item.
func (h *MaxHeap) Pop() Item {
	top := h.items[0]
	last := len(h.items) - 1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	if last > 0 {
		h.down(0)
	}
	return top
}

// Items returns the kept items in heap order (not sorted); the slice is the heap's own.
func (h *MaxHeap) Items() []Item { return h.items }

// Sorted returns the kept items in ascending distance (ties by id), emptying the heap.
func (h *MaxHeap) Sorted() []Item {
	out := append([]Item(nil), h.items...)
	SortItems(out)
	h.items = h.items[:0]
	return out
}

// SortItems sorts items by ascending distance, ties by ascending id.
func SortItems(items []Item) {
	slices.SortFunc(items, compareItems)
}

// compareItems orders items by distance, then by id.
func compareItems(a, b Item) int {
	switch {
	case a.Dist < b.Dist:
		return -1
	case a.Dist > b.Dist:
		return 1
	case a.ID < b.ID:
		return -1
	case a.ID > b.ID:
		return 1
	}
	return 0
}

func (h *MaxHeap) up(i int) {
	it := h.items
	x := it[i]
	for i > 0 {
		p := (i - 1) / 2
		if it[p].Dist >= x.Dist {
			break
		}
		it[i] = it[p]
		i = p
	}
	it[i] = x
}

func (h *MaxHeap) down(i int) {
	it := h.items
	n := len(it)
	x := it[i]
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && it[r].Dist > it[l].Dist {
			c = r
		}
		if it[c].Dist <= x.Dist {
			break
		}
		it[i] = it[c]
		i = c
	}
	it[i] = x
}

// MinHeap is an unbounded min-heap of candidates (closest first).
type MinHeap struct {
	items []Item
}

// Reset empties the heap.
func (h *MinHeap) Reset() { h.items = h.items[:0] }

// Len returns the number of items.
func (h *MinHeap) Len() int { return len(h.items) }

// Top returns the closest item.
func (h *MinHeap) Top() Item { return h.items[0] }

// Push adds an item.
func (h *MinHeap) Push(dist float32, id uint32) {
	h.items = append(h.items, Item{dist, id})
	it := h.items
	i := len(it) - 1
	x := it[i]
	for i > 0 {
		p := (i - 1) / 2
		if it[p].Dist <= x.Dist {
			break
		}
		it[i] = it[p]
		i = p
	}
	it[i] = x
}

// Pop removes and returns the closest item.
func (h *MinHeap) Pop() Item {
	it := h.items
	top := it[0]
	n := len(it) - 1
	x := it[n]
	h.items = it[:n]
	it = h.items
	if n == 0 {
		return top
	}
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		c := l
		if r := l + 1; r < n && it[r].Dist < it[l].Dist {
			c = r
		}
		if it[c].Dist >= x.Dist {
			break
		}
		it[i] = it[c]
		i = c
	}
	it[i] = x
	return top
}
