package api

import (
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSearchStatsJSON(t *testing.T) {
	var nilStats *SearchStats
	assert.Equal(t, "{}", nilStats.JSON())
	s := &SearchStats{DistanceComputations: 1000, Hops: 12, ElapsedMs: 0.05, TimedOut: true}
	assert.Equal(t, `{"dist_cmp":1000,"hops":12,"elapsed_ms":0.05,"timed_out":true}`, s.JSON())
	var back SearchStats
	require.NoError(t, json.Unmarshal([]byte((&SearchStats{}).JSON()), &back))
	assert.Equal(t, SearchStats{}, back)
}
