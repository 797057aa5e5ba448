package hgraph

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
)

func newEngine(t *testing.T) *Index {
	t.Helper()
	c, err := params.ParseCreate("hnsw", `{"dim":8,"hnsw":{}}`)
	require.NoError(t, err)
	parse := func(raw []byte) (*SearchParams, error) {
		ef := 32
		return &SearchParams{EfSearch: &ef, SearchCommon: params.SearchCommon{Parallelism: 1}}, nil
	}
	x, err := NewEngine(c, EngineParams{Name: "engine_test", MaxDegree: 16, EfConstruction: 40, ParseSearch: parse})
	require.NoError(t, err)
	return x
}

func TestEngineExactAndLabelDistances(t *testing.T) {
	_, err := NewEngine(&params.Create{Dim: 8}, EngineParams{Name: "x", MaxDegree: 16, EfConstruction: 40})
	require.Equal(t, api.InternalError, api.CodeOf(err), "a missing search parser")
	x := newEngine(t)
	data := clustered(3, 500, 8, 4)
	_, err = x.Build(data, seq(100, 500), nil)
	require.NoError(t, err)
	q := clustered(4, 1, 8, 4)
	got, err := x.ExactKnn(q, 5)
	require.NoError(t, err)
	want := oracle(metric.L2, data, 8, q, 5, nil)
	for i, g := range got {
		require.Equal(t, want[i]+100, g.ID)
	}
	_, err = x.ExactKnn(q, 0)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	// errors of the label table name the engine's index type
	_, _, err = newEngine(t).MinMaxID()
	require.ErrorContains(t, err, "engine_test")

	labels := []int64{100, 7, 350, 599, 600}
	out := []float32{float32(math.NaN()), 1, 2, 3, 4} // stale content is overwritten
	x.LabelDistances(q, labels, out)
	calc := make([]float32, len(labels))
	require.NoError(t, x.CalcDistanceByIDs(q, labels, calc))
	for i := range labels {
		if calc[i] == -1 {
			require.True(t, math.IsNaN(float64(out[i])), "label %d", labels[i])
			continue
		}
		require.Equal(t, calc[i], out[i], "label %d", labels[i])
	}
	_, err = x.Remove([]int64{350})
	require.NoError(t, err)
	x.LabelDistances(q, labels, out)
	require.True(t, math.IsNaN(float64(out[2])), "a removed label")
}

func TestSkipStrategyShare(t *testing.T) {
	for _, tc := range []struct {
		valid, ratio float64
		random       bool
	}{{0.25, 0.1, false}, {0.25, 0.5, false}, {0.25, 1, false}, {0.5, 0.5, true}, {1, 0.7, false}} {
		s := skipState{visit: min(1, tc.valid+(1-tc.valid)*(1-tc.ratio)), random: tc.random, rng: 1}
		n := 0
		for i := 0; i < 100000; i++ {
			if s.shouldVisit() {
				n++
			}
		}
		require.InDelta(t, s.visit, float64(n)/100000, 0.01, "%+v", tc)
	}
}
