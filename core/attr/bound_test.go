package attr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMemoryUsageKeptInStep checks the memory kept in step by Add and Remove against a count
// over every chunk, and GrowthBound against the growth of each batch, through batches of adds
// (labels clustered and spread, values shared and new, NaN, multi-valued strings) and removes.
func TestMemoryUsageKeptInStep(t *testing.T) {
	cases := []struct {
		name   string
		spread int64 // labels are drawn below spread
		values int   // distinct values per field
		drop   int   // one label in drop is removed after each batch
	}{
		{"dense few values", 1 << 14, 4, 3},
		{"dense many values", 1 << 14, 5000, 3},
		{"spread labels", 1 << 40, 16, 3},
		{"bitmap chunks", 1 << 14, 1, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.values), uint64(tc.spread)))
			ix := NewInverted()
			held := map[int64]Set{}
			require.Equal(t, ix.memoryScan(), ix.MemoryUsage())
			for round := 0; round < 30; round++ {
				n := 1 + r.IntN(600)
				labels := make([]int64, 0, n)
				sets := make([]Set, 0, n)
				seen := map[int64]bool{}
				for len(labels) < n {
					l := r.Int64N(tc.spread)
					if held[l] != nil || seen[l] {
						continue
					}
					seen[l] = true
					s := Set{"tenant": Int(int64(r.IntN(tc.values)))}
					switch r.IntN(4) {
					case 0:
						s["score"] = Float(math.NaN())
					case 1:
						s["tags"] = Value{Kind: KindString, Multi: true, Strs: []string{"a", "b" + string(rune('a'+r.IntN(20)))}}
					case 2:
						s["score"] = Float(float64(r.IntN(tc.values)) / 3)
					}
					labels = append(labels, l)
					sets = append(sets, s)
				}
				before := ix.MemoryUsage()
				bound := ix.GrowthBound(labels, sets)
				for i, l := range labels {
					ix.Add(l, sets[i])
					held[l] = sets[i]
				}
				require.Equal(t, ix.memoryScan(), ix.MemoryUsage(), "round %d after adds", round)
				require.GreaterOrEqual(t, bound, ix.MemoryUsage()-before, "round %d: the bound is below the growth", round)
				// remove some of what is held
				for l, s := range held {
					if r.IntN(tc.drop) == 0 {
						ix.Remove(l, s)
						delete(held, l)
					}
				}
				require.Equal(t, ix.memoryScan(), ix.MemoryUsage(), "round %d after removes", round)
			}
			if tc.values == 1 {
				require.NotNil(t, ix.fields["tenant"].ints[0].chunks[0].bm, "the case meant to reach a bitmap chunk did not")
			}
			for l, s := range held {
				ix.Remove(l, s)
			}
			require.Equal(t, int64(48), ix.MemoryUsage(), "an emptied index holds only its set of all labels")
			require.Equal(t, ix.memoryScan(), ix.MemoryUsage())
		})
	}
}
