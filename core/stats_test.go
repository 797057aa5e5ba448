package core

import (
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func TestSearchWithStatistics(t *testing.T) {
	const n = 25
	x, _ := qtIndex(t, n)
	q := &Dataset{NumElements: 1, Dim: qtDim, Float32: qtQueries(1, 5)}

	res, js, err := x.SearchWithStatistics(&SearchRequest{Query: q, TopK: 5})
	require.NoError(t, err)
	want, err := x.KnnSearch(q, 5, "", nil)
	require.NoError(t, err)
	assert.Equal(t, want.IDs, res.IDs)
	var st SearchStats
	require.NoError(t, json.Unmarshal([]byte(js), &st))
	assert.Equal(t, int64(n), st.DistanceComputations, "brute force computes every distance")
	assert.True(t, st.ElapsedMs > 0)
	for _, key := range []string{`"dist_cmp"`, `"hops"`, `"elapsed_ms"`, `"timed_out"`} {
		assert.Contains(t, js, key)
	}

	// the caller's Stats receive the same counters
	mine := &SearchStats{}
	_, js, err = x.SearchWithStatistics(&SearchRequest{Query: q, TopK: 5, Stats: mine})
	require.NoError(t, err)
	assert.Equal(t, mine.JSON(), js)

	// a range search reports its wall time only
	res, js, err = x.SearchWithStatistics(&SearchRequest{Query: q, Mode: RangeSearchMode, Radius: 1e9, LimitedSize: 7})
	require.NoError(t, err)
	assert.Len(t, res.IDs, 7)
	assert.True(t, strings.HasPrefix(js, `{"elapsed_ms":`) && !strings.Contains(js, "dist_cmp"), js)
	var m map[string]float64
	require.NoError(t, json.Unmarshal([]byte(js), &m))
	assert.Greater(t, m["elapsed_ms"], 0.0)

	_, js, err = x.SearchWithStatistics(&SearchRequest{Query: q, TopK: 0})
	assert.Equal(t, api.InvalidArgument, CodeOf(err))
	assert.Empty(t, js)
	_, _, err = x.SearchWithStatistics(nil)
	assert.Equal(t, api.InvalidArgument, CodeOf(err))
}
