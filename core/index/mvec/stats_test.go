package mvec

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/store"
)

func TestMultiVectorDocStats(t *testing.T) {
	for _, tc := range []struct {
		name      string
		counts    []int
		removed   []int64
		hist      []int64
		live, min int64
	}{
		{name: "empty", hist: []int64{0}},
		{name: "small", counts: []int{1, 3, 3, 2}, hist: []int64{0, 1, 1, 2}, live: 9, min: 1},
		{name: "removed", counts: []int{1, 3, 3, 2}, removed: []int64{0, 2}, hist: []int64{0, 0, 1, 1}, live: 5, min: 2},
		{name: "long", counts: []int{2, maxHistogram + 40, maxHistogram}, live: 2*maxHistogram + 42, min: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDocs(2)
			labels := store.NewLabels()
			for i, c := range tc.counts {
				d.Append(make([]float32, 2*c), c)
				_, err := labels.Append(int64(i))
				require.NoError(t, err)
			}
			labels.RemoveAll(tc.removed)
			st := Stats(d, labels)
			require.Equal(t, 2, st["dim"])
			require.Equal(t, d.SubVectors(), st["sub_vector_count"])
			require.Equal(t, tc.live, st["live_sub_vector_count"])
			hist := st["sub_vector_count_histogram"].([]int64)
			if tc.hist != nil {
				require.Equal(t, tc.hist, hist)
			} else {
				require.Len(t, hist, maxHistogram+1)
				require.EqualValues(t, 2, hist[maxHistogram]) // the long documents share the last slot
				require.EqualValues(t, 1, hist[2])
			}
			dist := st["sub_vectors_per_document"].(map[string]any)
			require.EqualValues(t, tc.min, dist["min"])
		})
	}
}
