package quant

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

func splitOpts(base, rest, pca int, fht, fast bool) CodebookOptions {
	o := rqOpts(base, 32, pca, fht)
	o.RaBitQBitsPrecise, o.RaBitQVersion, o.FastEncode = rest, "split", fast
	return o
}

// TestRaBitQSplitMatchesFull checks that the split records give the estimate of one rabitq code
// at base + precise bits (same rotation and centroid, so the same code), for every metric,
// with PCA and both encoders; that a 1-bit base record is the 1-bit code itself; that the
// batch and single paths agree; and that the rest record is smaller than the full code.
func TestRaBitQSplitMatchesFull(t *testing.T) {
	const dim, n, nq = 48, 200, 5
	data := lowRank(n, dim, 8, 4, 21)
	queries := lowRank(nq, dim, 8, 4, 22)
	for _, tc := range []struct {
		m          metric.Kind
		base, rest int
		pca        int
		fht, fast  bool
	}{
		{metric.L2, 1, 7, 0, false, true},
		{metric.IP, 1, 7, 0, true, true},
		{metric.Cosine, 2, 4, 0, false, true},
		{metric.L2, 3, 5, 24, false, false},
		{metric.L2, 4, 2, 0, true, true},
	} {
		data, queries := append([]float32(nil), data...), append([]float32(nil), queries...)
		if tc.m == metric.Cosine {
			normalizeRows(data, dim)
			normalizeRows(queries, dim)
		}
		base, split, err := NewRaBitQSplit(dim, tc.m, splitOpts(tc.base, tc.rest, tc.pca, tc.fht, tc.fast))
		require.NoError(t, err)
		require.False(t, split.Trained())
		require.NoError(t, base.Train(data, n))
		require.True(t, split.Trained())
		full := trainedRaBitQ(t, dim, tc.m, func() CodebookOptions {
			o := rqOpts(tc.base+tc.rest, 32, tc.pca, tc.fht)
			o.FastEncode = tc.fast
			return o
		}(), data)
		require.Less(t, split.CodeSize(), full.CodeSize())
		bs, rs, fs := encodeAll(base, data), encodeAll(split, data), encodeAll(full, data)
		if tc.base == 1 {
			plain := trainedRaBitQ(t, dim, tc.m, rqOpts(1, 32, tc.pca, tc.fht), data)
			require.Equal(t, encodeAll(plain, data), bs, "a 1-bit base record is the 1-bit code")
		}
		sc, fc, bc := split.NewSplitComputer(), full.NewComputer(), base.NewComputer()
		ids := make([]uint32, n)
		for i := range ids {
			ids[i] = uint32(n - 1 - i)
		}
		batch := make([]float32, n)
		for qi := 0; qi < nq; qi++ {
			q := queries[qi*dim : (qi+1)*dim]
			sc.SetQuery(q)
			fc.SetQuery(q)
			bc.SetQuery(q)
			sc.DistanceSplitBatch(bs, rs, ids, batch)
			for i := 0; i < n; i++ {
				want := fc.Distance(fs[i*full.CodeSize() : (i+1)*full.CodeSize()])
				got := sc.DistanceSplit(bs[i*base.CodeSize():(i+1)*base.CodeSize()], rs[i*split.CodeSize():(i+1)*split.CodeSize()])
				tol := 1e-4 * (1 + float64(abs32(want)))
				require.InDelta(t, want, got, tol, "%v %d+%d row %d", tc.m, tc.base, tc.rest, i)
				require.InDelta(t, got, batch[n-1-i], tol)
				// the base record alone is a valid base-width estimate
				est := bc.Distance(bs[i*base.CodeSize() : (i+1)*base.CodeSize()])
				require.False(t, math.IsNaN(float64(est)) || math.IsInf(float64(est), 0))
			}
		}
		// short records and rows outside the slabs give +Inf, not a panic
		require.True(t, math.IsInf(float64(sc.DistanceSplit(bs[:3], rs)), 1))
		out := make([]float32, 2)
		sc.DistanceSplitBatch(bs, rs, []uint32{0, uint32(n)}, out)
		require.True(t, math.IsInf(float64(out[1]), 1))
		require.False(t, math.IsInf(float64(out[0]), 0))
		// the pair decodes near the vector, as the full code does
		v, w := make([]float32, dim), make([]float32, dim)
		split.DecodeSplit(v, bs[:base.CodeSize()], rs[:split.CodeSize()])
		full.Decode(w, fs[:full.CodeSize()])
		for j := range v {
			require.InDelta(t, w[j], v[j], 1e-3*(1+math.Abs(float64(w[j]))))
		}
	}
}

func abs32(x float32) float32 { return float32(math.Abs(float64(x))) }

// TestRaBitQSplitState checks the layout state: it round-trips, and truncated, mislabelled or
// mismatched bytes are INVALID_BINARY without a panic; bad configurations are refused.
func TestRaBitQSplitState(t *testing.T) {
	_, split, err := NewRaBitQSplit(32, metric.L2, splitOpts(1, 7, 0, false, true))
	require.NoError(t, err)
	st, err := split.MarshalBinary()
	require.NoError(t, err)
	require.NoError(t, split.UnmarshalBinary(st))
	_, other, err := NewRaBitQSplit(32, metric.L2, splitOpts(2, 5, 0, false, true))
	require.NoError(t, err)
	require.Equal(t, api.InvalidBinary, api.CodeOf(other.UnmarshalBinary(st)))
	bad := [][]byte{nil, {}, st[:4], st[:15], append(append([]byte(nil), st...), 0), []byte("RBQ1............")}
	for i := range st {
		b := append([]byte(nil), st...)
		b[i] ^= 0x5a
		bad = append(bad, b)
	}
	for _, b := range bad {
		err := split.UnmarshalBinary(b)
		require.Error(t, err, "%x", b)
		require.Equal(t, api.InvalidBinary, api.CodeOf(err))
	}
	for _, o := range []CodebookOptions{splitOpts(1, 0, 0, false, true), splitOpts(4, 5, 0, false, true), rqOpts(1, 4, 0, false)} {
		if o.RaBitQBitsPrecise == 0 && o.RaBitQBitsQuery == 4 {
			o.RaBitQBitsPrecise = 3
		}
		_, _, err := NewRaBitQSplit(32, metric.L2, o)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%+v", o)
	}
	// a rest record alone has no distance and no vector
	c := split.NewComputer()
	require.True(t, math.IsInf(float64(c.Distance(make([]byte, split.CodeSize()))), 1))
	v := make([]float32, 32)
	v[0], v[31] = 1, 2
	split.Decode(v, nil)
	require.Equal(t, make([]float32, 32), v)
}

// FuzzRaBitQSplitUnmarshal feeds arbitrary state bytes to the split layout's UnmarshalBinary.
func FuzzRaBitQSplitUnmarshal(f *testing.F) {
	_, split, _ := NewRaBitQSplit(16, metric.L2, splitOpts(1, 7, 0, false, true))
	st, _ := split.MarshalBinary()
	f.Add(st)
	f.Add([]byte("RBS1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = split.UnmarshalBinary(b)
	})
}
