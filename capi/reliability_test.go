//go:build cgo

package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// A batch search's k is checked as a result layout, not as a dimension: k above 2^20 is fine,
// and only nq*k beyond what any buffer can hold is refused, naming k.
func TestCheckResults(t *testing.T) {
	require.NoError(t, checkResults("batch search", 2, 1<<21))
	require.NoError(t, checkResults("batch search", 1, 1<<43))
	require.NoError(t, checkResults("batch search", 0, 1<<62))
	for _, c := range []struct {
		nq   uint64
		k    int64
		want string
	}{
		{1024, 1 << 43, "nq*k"},
		{2, 1<<62 + 1, "nq*k"},
		{1 << 41, 1, "nq"},
		{1, 0, "k 0 must be positive"},
		{1, -5, "k -5 must be positive"},
	} {
		err := checkResults("batch search", c.nq, c.k)
		require.Error(t, err)
		assert.Equal(t, api.InvalidArgument, api.CodeOf(err))
		assert.Contains(t, err.Error(), c.want)
		assert.NotContains(t, err.Error(), "dim")
	}
}
