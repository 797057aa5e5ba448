package quant

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
)

// TestQueryError: the uniform quantizers' computers report the distance between the query and
// the quantized copy they measure codes with, as encoding and decoding the query gives it.
func TestQueryError(t *testing.T) {
	const d, n = 37, 200
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]float32, n*d)
	for i := range data {
		data[i] = float32(rng.NormFloat64())
	}
	for _, name := range []string{"sq8_uniform", "sq4_uniform"} {
		q, err := New(name, d, metric.L2, DefaultOptions())
		require.NoError(t, err)
		require.NoError(t, q.Train(data, n))
		c := q.NewComputer()
		qq, ok := c.(QueryQuantizer)
		require.True(t, ok, name)
		code := make([]byte, q.CodeSize())
		dec := make([]float32, d)
		for i := 0; i < 20; i++ {
			v := make([]float32, d)
			for j := range v {
				v[j] = float32(rng.NormFloat64() * 1.5) // some outside the range
			}
			c.SetQuery(v)
			q.Encode(code, v)
			q.Decode(dec, code)
			var want float64
			for j := range v {
				want += float64(v[j]-dec[j]) * float64(v[j]-dec[j])
			}
			require.InDelta(t, math.Sqrt(want), qq.QueryError(v), 1e-4*math.Sqrt(want)+1e-6, name)
		}
	}
}
