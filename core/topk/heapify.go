package topk

// Init makes h a min-heap of items in linear time, taking ownership of the slice.
func (h *MinHeap) Init(items []Item) {
	h.items = items
	n := len(items)
	for i := n/2 - 1; i >= 0; i-- {
		h.siftDown(i)
	}
}

// siftDown restores the heap order below position i. Pop keeps its own copy of this loop: the
// call costs it about 10% (BenchmarkMinHeapPushPop), and Pop runs once per node a graph search
// expands.
func (h *MinHeap) siftDown(i int) {
	it := h.items
	n := len(it)
	x := it[i]
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
}
