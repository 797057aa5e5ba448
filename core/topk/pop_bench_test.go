package topk

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkMinHeapPushPop is the candidate heap's work in a graph search: pushes of random
// distances interleaved with pops of the closest.
func BenchmarkMinHeapPushPop(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	d := make([]float32, 4096)
	for i := range d {
		d[i] = r.Float32()
	}
	h := &MinHeap{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 64; j++ {
			h.Push(d[(i*64+j)&4095], uint32(j))
		}
		for h.Len() > 0 {
			h.Pop()
		}
	}
}
