package api

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCountMask(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 7, 8, 9, 63, 64, 65, 1000} {
		b := make([]byte, n)
		want := int64(0)
		for i := range b {
			if rng.Intn(3) == 0 {
				b[i] = byte(1 + rng.Intn(255))
				want++
			}
		}
		assert.Equal(t, want, countNonzeroBytes(b), "n=%d", n)

		// the first nbits bits of b, LSB first, with a partial last byte
		nbits := int64(n) * 5 / 8
		want = 0
		for i := int64(0); i < nbits; i++ {
			if b[i>>3]&(1<<uint(i&7)) != 0 {
				want++
			}
		}
		assert.Equal(t, want, countBits(b, nbits), "bits n=%d", n)
	}
}

func TestMaskFilterPolarities(t *testing.T) {
	mask := []byte{1, 0, 0, 7, 0}      // labels 0 and 3
	packed := []byte{0b00001001, 0xff} // labels 0 and 3 (the second byte lies beyond n = 5)
	tests := []struct {
		name       string
		mask       []byte
		n          int64
		packed     bool
		keep       bool
		kept, gone []int64
		ratio      float32 // with total 10
	}{
		{"exclude bytes", mask, 5, false, false, []int64{1, 2, 4, 5, 100, -1}, []int64{0, 3}, 0.8},
		{"keep bytes", mask, 5, false, true, []int64{0, 3}, []int64{1, 2, 4, 5, -1}, 0.2},
		{"exclude bits", packed, 5, true, false, []int64{1, 2, 4, 7, 8, 9}, []int64{0, 3}, 0.8},
		{"keep bits", packed, 5, true, true, []int64{0, 3}, []int64{1, 4, 5, 8, 9}, 0.2},
		{"whole mask", mask, 0, false, true, []int64{0, 3}, []int64{1, 5}, 0.2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := MaskFilter(tc.mask, tc.n, tc.packed, tc.keep, 10)
			require.NoError(t, err)
			for _, l := range tc.kept {
				assert.True(t, f.CheckValid(l), "label %d kept", l)
			}
			for _, l := range tc.gone {
				assert.False(t, f.CheckValid(l), "label %d excluded", l)
			}
			assert.InDelta(t, tc.ratio, f.ValidRatio(), 1e-6)
			f, err = MaskFilter(tc.mask, tc.n, tc.packed, tc.keep, 0)
			require.NoError(t, err)
			assert.Equal(t, float32(1), f.ValidRatio(), "unknown total")
		})
	}
	// more set entries than labels: the estimate stays within [0, 1]
	f, err := MaskFilter([]byte{1, 1, 1, 1}, 4, false, false, 2)
	require.NoError(t, err)
	assert.Equal(t, float32(0), f.ValidRatio())
	f, err = MaskFilter([]byte{1, 1, 1, 1}, 4, false, true, 2)
	require.NoError(t, err)
	assert.Equal(t, float32(1), f.ValidRatio())

	for _, bad := range []struct {
		mask   []byte
		n      int64
		packed bool
	}{{mask, 6, false}, {packed, 17, true}, {mask, -1, false}, {nil, 1, true}} {
		_, err := MaskFilter(bad.mask, bad.n, bad.packed, false, 10)
		require.Error(t, err, "n=%d", bad.n)
		assert.Equal(t, InvalidArgument, CodeOf(err))
	}
}

func TestExcludeIDsFilter(t *testing.T) {
	f := ExcludeIDsFilter([]int64{7, 9, 7}, 10)
	assert.False(t, f.CheckValid(7))
	assert.False(t, f.CheckValid(9))
	assert.True(t, f.CheckValid(8))
	assert.InDelta(t, 0.8, f.ValidRatio(), 1e-6, "duplicates count once")
	assert.Equal(t, float32(1), ExcludeIDsFilter([]int64{1}, 0).ValidRatio())
	assert.Equal(t, float32(0), ExcludeIDsFilter([]int64{1, 2, 3}, 2).ValidRatio())
}

func TestAllOf(t *testing.T) {
	assert.Nil(t, AllOf())
	assert.Nil(t, AllOf(nil, nil))
	even := KeepFunc(func(l int64) bool { return l%2 == 0 }, 0.5)
	ids := ExcludeIDsFilter([]int64{1}, 0)
	assert.Same(t, ids, AllOf(nil, ids), "one filter is returned as it is")
	small := KeepFunc(func(l int64) bool { return l < 10 }, 0.25)
	f := AllOf(even, nil, small)
	assert.True(t, f.CheckValid(4))
	assert.False(t, f.CheckValid(5))
	assert.False(t, f.CheckValid(12))
	assert.InDelta(t, 0.125, f.ValidRatio(), 1e-7)
}

func TestFilterSpec(t *testing.T) {
	mask := []byte{1, 0, 0, 1, 0} // labels 0 and 3
	bits := NewBitset()
	bits.Set(2, true)
	var called []int64
	keepOdd := func(l int64) bool { called = append(called, l); return l%2 == 1 }

	t.Run("empty keeps everything", func(t *testing.T) {
		f, err := (&FilterSpec{}).Filter("search", 10)
		require.NoError(t, err)
		assert.Nil(t, f)
	})
	t.Run("parts", func(t *testing.T) {
		tests := []struct {
			name       string
			spec       FilterSpec
			kept, gone []int64
		}{
			{"exclude mask", FilterSpec{Mask: mask, MaskLen: 5}, []int64{1, 2, 4, 5, 100, -1}, []int64{0, 3}},
			{"keep mask", FilterSpec{Mask: mask, MaskLen: 5, MaskKeep: true}, []int64{0, 3}, []int64{1, 2, 4, 5, -1}},
			{"packed keep", FilterSpec{Mask: []byte{0b1001}, MaskLen: 5, MaskPacked: true, MaskKeep: true}, []int64{0, 3}, []int64{1, 4, 5}},
			{"exclude ids", FilterSpec{ExcludeIDs: []int64{7, 9}}, []int64{0, 8}, []int64{7, 9}},
			{"bitset", FilterSpec{Bitset: bits}, []int64{0, 1, 3}, []int64{2}},
			{"combined", FilterSpec{Mask: mask, MaskLen: 5, ExcludeIDs: []int64{1}, Bitset: bits}, []int64{4, 5}, []int64{0, 1, 2, 3}},
			{"empty mask keeps nothing", FilterSpec{Mask: []byte{}, MaskKeep: true}, nil, []int64{0, 1}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f, err := tc.spec.Filter("search", 10)
				require.NoError(t, err)
				require.NotNil(t, f)
				for _, l := range tc.kept {
					assert.True(t, f.CheckValid(l), "label %d kept", l)
				}
				for _, l := range tc.gone {
					assert.False(t, f.CheckValid(l), "label %d excluded", l)
				}
			})
		}
	})
	t.Run("callback last", func(t *testing.T) {
		called = nil
		f, err := (&FilterSpec{Mask: mask, MaskLen: 5, Keep: keepOdd}).Filter("search", 10)
		require.NoError(t, err)
		assert.False(t, f.CheckValid(3), "the mask excludes 3 before the callback is asked")
		assert.True(t, f.CheckValid(1))
		assert.False(t, f.CheckValid(4))
		assert.Equal(t, []int64{1, 4}, called)
		assert.Equal(t, float32(0.8), f.ValidRatio(), "the callback counts as 1")
	})
	t.Run("ratios", func(t *testing.T) {
		many := NewBitset()
		for l := int64(0); l < 6; l++ {
			many.Set(l, true)
		}
		tests := []struct {
			name  string
			spec  FilterSpec
			total int64
			want  float32
		}{
			{"keep mask", FilterSpec{Mask: mask, MaskKeep: true}, 10, 0.2},
			{"exclude mask", FilterSpec{Mask: mask}, 10, 0.8},
			{"smallest part", FilterSpec{Mask: mask, ExcludeIDs: []int64{1, 2, 3, 4}}, 10, 0.6},
			{"bitset smallest", FilterSpec{Mask: mask, Bitset: many}, 10, 0.4},
			{"floor at 1/total", FilterSpec{Mask: []byte{0, 0}, MaskKeep: true}, 10, 0.1},
			{"floor with bitset", FilterSpec{Bitset: many}, 4, 0.25},
			{"unknown total", FilterSpec{Mask: mask, MaskKeep: true, Bitset: many}, 0, 1},
			{"explicit wins", FilterSpec{Mask: mask, MaskKeep: true, Bitset: many, ValidRatio: 0.9}, 10, 0.9},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f, err := tc.spec.Filter("search", tc.total)
				require.NoError(t, err)
				assert.InDelta(t, tc.want, f.ValidRatio(), 1e-6)
			})
		}
	})
	t.Run("errors", func(t *testing.T) {
		for _, r := range []float32{-0.5, 1.5, float32(nan())} {
			_, err := (&FilterSpec{ValidRatio: r}).Filter("knn search", 10)
			require.Error(t, err)
			assert.Equal(t, InvalidArgument, CodeOf(err))
			assert.Contains(t, err.Error(), "knn search: filter valid_ratio")
		}
		_, err := (&FilterSpec{Mask: mask, MaskLen: 6}).Filter("knn search", 10)
		require.Error(t, err)
		assert.Equal(t, InvalidArgument, CodeOf(err))
	})
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}
