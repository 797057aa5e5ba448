//go:build linux

package store

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/internal/parallel"
)

// withIOThreads runs f with num_threads_io set to n.
func withIOThreads(t *testing.T, n int, f func()) {
	prev := parallel.IOThreads()
	require.NoError(t, parallel.SetIOThreads(n))
	defer func() { require.NoError(t, parallel.SetIOThreads(prev)) }()
	f()
}

// num_threads_io sets the reads a ring has in flight (num_threads_io * ioChunk, at most
// uringMaxDepth): a Gather of 200 rows the cache misses is that many batches, raised or lowered
// between Gathers, with the same bytes read.
func TestURingDepthFollowsIOThreads(t *testing.T) {
	if !URingEnabled() {
		t.Skip("io_uring is not available here")
	}
	const dim, rows, n = 8, 3000, 200
	c, slab := bufferStore(t, dim, rows, 4)
	c.disk.cache = nil
	s := c.Stride()
	ids := make([]uint32, n)
	for i := range ids {
		ids[i] = uint32(i*13) % rows
	}
	for _, threads := range []int{8, 1, 2, 100, 3} {
		t.Run(fmt.Sprintf("num_threads_io=%d", threads), func(t *testing.T) {
			withIOThreads(t, threads, func() {
				depth := min(threads*ioChunk, uringMaxDepth)
				require.Equal(t, depth, uringDepth())
				var g Gather
				b0 := uringBatches.Load()
				got, local := c.Gather(ids, &g)
				require.Equal(t, int64((n+depth-1)/depth), uringBatches.Load()-b0)
				for i, id := range ids {
					require.Equal(t, slab[int(id)*s:][:s], got[int(local[i])*s:][:s])
				}
			})
		})
	}
	require.NoError(t, c.Err())
}

// At most num_threads_io rings are in use at once: a Gather that finds them all taken reads
// with pread (no batch), with the same bytes; the pread pool takes num_threads_io goroutines.
func TestURingRingsFollowIOThreads(t *testing.T) {
	if !URingEnabled() {
		t.Skip("io_uring is not available here")
	}
	c, slab := bufferStore(t, 8, 500, 5)
	c.disk.cache = nil
	s := c.Stride()
	ids := []uint32{1, 5, 9, 13, 17, 21, 400, 499}
	withIOThreads(t, 2, func() {
		held := []*ring{getRing(), getRing()}
		require.NotNil(t, held[0])
		require.NotNil(t, held[1])
		require.Nil(t, getRing(), "a third ring with num_threads_io 2")
		var g Gather
		b0 := uringBatches.Load()
		require.False(t, c.gatherRing(ids, make([]byte, len(ids)*s)))
		got, local := c.Gather(ids, &g)
		require.Equal(t, b0, uringBatches.Load(), "the ring was used beyond num_threads_io")
		for i, id := range ids {
			require.Equal(t, slab[int(id)*s:][:s], got[int(local[i])*s:][:s])
		}
		putRing(held[1], true)
		got, _ = c.Gather(ids, &g)
		require.Equal(t, b0+1, uringBatches.Load(), "a ring given back is used again")
		require.Equal(t, slab[int(ids[0])*s:][:s], got[:s])
		putRing(held[0], true)

		require.True(t, AcquireIO())
		require.True(t, AcquireIO())
		require.False(t, AcquireIO(), "a third pread goroutine with num_threads_io 2")
		ReleaseIO()
		ReleaseIO()
	})
	// lowered: the free rings beyond the new bound are closed as they come back
	withIOThreads(t, 1, func() {
		r1 := getRing()
		require.NotNil(t, r1)
		require.Nil(t, getRing())
		putRing(r1, true)
		rings.mu.Lock()
		free, inUse := len(rings.free), rings.inUse
		rings.mu.Unlock()
		require.Zero(t, inUse)
		require.LessOrEqual(t, free, 1)
	})
}
