package metric

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalize(t *testing.T) {
	long := make([]float32, 784)
	for i := range long {
		long[i] = float32(i%255) + 0.5
	}
	for name, v := range map[string][]float32{
		"regular":           {3, 4},
		"784 dimensions":    long,
		"squares overflow":  {3e30, -4e30, 1e29},
		"squares underflow": {3e-30, 4e-30},
		"one value":         {-2},
	} {
		w := append([]float32(nil), v...)
		Normalize(w)
		var s, dot float64
		for i, x := range w {
			s += float64(x) * float64(x)
			dot += float64(x) * float64(v[i])
		}
		require.InDelta(t, 1, s, 1e-5, name)
		require.Greater(t, dot, 0.0, "%s: same direction", name)
		for i := range w {
			if v[i] != 0 {
				require.InDelta(t, w[0]/v[0], w[i]/v[i], 1e-5*math.Abs(float64(w[0]/v[0])), "%s: one scale for every value", name)
			}
		}
	}
	zero := []float32{0, 0, 0}
	Normalize(zero)
	require.Equal(t, []float32{0, 0, 0}, zero, "a zero vector is left unchanged")
	Normalize(nil)
}
