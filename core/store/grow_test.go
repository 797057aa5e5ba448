package store

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
)

func TestGrownCatchUp(t *testing.T) {
	q, err := quant.New("fp32", 2, metric.L2, quant.DefaultOptions())
	require.NoError(t, err)
	c := NewCodes(q)
	c.Append([]float32{1, 2})
	g := c.Grown(100)
	require.Equal(t, 1, g.Len())
	c.Append([]float32{3, 4}) // appended after the copy
	require.True(t, g.CatchUp(c))
	require.Equal(t, c.Slab(), g.Slab())
	require.GreaterOrEqual(t, len(g.slab), 100*g.Stride())
	small := c.Grown(2)
	c.Append([]float32{5, 6})
	require.False(t, small.CatchUp(c), "no room for the rows added since")
	require.Equal(t, 2, small.Len())
}
