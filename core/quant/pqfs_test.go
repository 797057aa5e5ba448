package quant

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
)

// packAll encodes the rows of data and writes them into a packed slab in a shuffled order.
func packAll(t testing.TB, q Quantizer, data []float32, n int) (codes, slab []byte) {
	t.Helper()
	p, ok := q.(Packed)
	require.True(t, ok, "%s implements Packed", q.Name())
	size, dim := q.CodeSize(), q.Dim()
	codes = make([]byte, n*size)
	for i := 0; i < n; i++ {
		q.Encode(codes[i*size:(i+1)*size], data[i*dim:(i+1)*dim])
	}
	slab = make([]byte, p.PackedSize(n))
	for i := range slab {
		slab[i] = 0xa5 // rows are written over whatever the slab held
	}
	for _, r := range rand.New(rand.NewSource(int64(n))).Perm(n) {
		p.PackRow(slab, r, codes[r*size:(r+1)*size])
	}
	return codes, slab
}

func TestPQFSPackedLayout(t *testing.T) {
	q := newPQ(t, "pqfs", metric.L2, 10, 5).(*pqfsQuant)
	require.Equal(t, 0, q.PackedSize(0))
	// 5 subspaces are laid out as 8: 128 bytes per block of 32 rows
	for n, want := range map[int]int{1: 128, 31: 128, 32: 128, 33: 256, 100: 512} {
		require.Equal(t, want, q.PackedSize(n), "n=%d", n)
	}
	slab := make([]byte, q.PackedSize(40))
	code := []byte{0x21, 0x43, 0x05}
	q.PackRow(slab, 3, code)
	q.PackRow(slab, 19, []byte{0xcb, 0xed, 0xef}) // the unused high nibble is ignored
	q.PackRow(slab, 33, code)
	for s := 0; s < 8; s++ {
		var lo, hi uint8
		if s < 5 {
			lo, hi = uint8(s+1), uint8(s+11)
		}
		require.Equal(t, lo|hi<<4, slab[s*16+3], "subspace %d", s)
		require.Equal(t, lo, slab[128+s*16+1], "block 1, subspace %d", s)
	}
	// rewriting a row changes its nibbles only
	q.PackRow(slab, 3, []byte{0, 0, 0})
	for s := 0; s < 5; s++ {
		require.Equal(t, uint8(s+11)<<4, slab[s*16+3])
	}
}

// TestPQFSPacked: DistancePacked matches the float-table distances within the bound of its
// 8-bit table, for every metric, even and odd pq_dim, partial blocks, and more subspaces than
// one uint16 sum holds.
func TestPQFSPacked(t *testing.T) {
	cases := []struct{ dim, pqDim, n int }{
		{12, 4, 100}, {15, 5, 64}, {8, 8, 1}, {16, 1, 33}, {18, 9, 31}, {32, 16, 97}, {270, 270, 70},
	}
	for _, m := range metrics {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/%d-%d-%d", m, tc.dim, tc.pqDim, tc.n), func(t *testing.T) {
				all := testVectors("pqfs", m, tc.n+3, tc.dim, 17)
				data, queries := all[:tc.n*tc.dim], all[tc.n*tc.dim:]
				q := trainedPQ(t, "pqfs", m, tc.dim, tc.pqDim, data[:min(tc.n, 200)*tc.dim])
				codes, slab := packAll(t, q, data, tc.n)
				c := q.NewComputer()
				pc, ok := c.(PackedComputer)
				require.True(t, ok)
				want := make([]float32, tc.n)
				got := make([]float32, tc.n)
				for j := 0; j < 3; j++ {
					c.SetQuery(queries[j*tc.dim : (j+1)*tc.dim])
					c.DistanceRows(codes, want)
					pc.DistancePacked(slab, got)
					step := float64(c.(*pqfsComputer).packB)
					bound := float64(tc.pqDim) * step / 2
					var worst float64
					for i := range want {
						e := math.Abs(float64(got[i]) - float64(want[i]))
						worst = max(worst, e)
						require.LessOrEqual(t, e, bound*1.001+1e-5*(1+math.Abs(float64(want[i]))), "row %d: %g vs %g", i, got[i], want[i])
					}
					if j == 0 {
						t.Logf("largest error %.3g, bound %.3g", worst, bound)
					}
					// a prefix of the rows, and the packed scan after a per-row one and back
					part := got[:min(tc.n, 5)]
					pc.DistancePacked(slab, part)
					c.DistanceRows(codes, want)
					pc.DistancePacked(slab, nil)
				}
			})
		}
	}
}

// TestPQFSPackedRanks: on clustered data the packed distances rank rows almost as the float
// ones do.
func TestPQFSPackedRanks(t *testing.T) {
	const dim, pqDim, n, k = 32, 16, 2000, 10
	all := testVectors("pqfs", metric.L2, n+20, dim, 21)
	data, queries := all[:n*dim], all[n*dim:]
	q := trainedPQ(t, "pqfs", metric.L2, dim, pqDim, data)
	codes, slab := packAll(t, q, data, n)
	c := q.NewComputer()
	pc := c.(PackedComputer)
	want, got := make([]float32, n), make([]float32, n)
	var recall float64
	for j := 0; j < 20; j++ {
		c.SetQuery(queries[j*dim : (j+1)*dim])
		c.DistanceRows(codes, want)
		pc.DistancePacked(slab, got)
		recall += overlap(topK(want, k), topK(got, k)) / 20
	}
	t.Logf("top-%d overlap of packed and float distances %.3f", k, recall)
	require.GreaterOrEqual(t, recall, 0.8)
}

func topK(d []float32, k int) []int {
	idx := make([]int, len(d))
	for i := range idx {
		idx[i] = i
	}
	for i := 0; i < k; i++ {
		for j := i + 1; j < len(idx); j++ {
			if d[idx[j]] < d[idx[i]] {
				idx[i], idx[j] = idx[j], idx[i]
			}
		}
	}
	return idx[:k]
}

func overlap(a, b []int) float64 {
	hit := 0
	for _, x := range a {
		for _, y := range b {
			if x == y {
				hit++
				break
			}
		}
	}
	return float64(hit) / float64(len(a))
}
