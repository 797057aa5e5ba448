package api

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBitsetDenseAndSparse(t *testing.T) {
	b := NewBitset()
	labels := []int64{0, 1, 63, 64, 1000, 1 << 40, 1<<62 + 5}
	for _, l := range labels {
		b.Set(l, true)
	}
	b.Set(-1, true)
	require.Equal(t, len(labels), b.Count())
	for _, l := range labels {
		require.True(t, b.Test(l))
	}
	require.False(t, b.Test(2))
	require.False(t, b.Test(-1))
	b.Set(1<<40, false)
	b.Set(64, false)
	require.False(t, b.Test(1<<40))
	require.Equal(t, len(labels)-2, b.Count())
}

func TestFilterPolarities(t *testing.T) {
	b := NewBitset()
	b.Set(5, true)
	require.False(t, BitsetFilter(b, 10).CheckValid(5), "set bit excludes")
	require.True(t, BitsetFilter(b, 10).CheckValid(6))
	require.InDelta(t, 0.9, BitsetFilter(b, 10).ValidRatio(), 1e-6)
	require.False(t, ExcludeFunc(func(l int64) bool { return l == 5 }).CheckValid(5), "true excludes")
	require.True(t, KeepFunc(func(l int64) bool { return l == 5 }, 0.1).CheckValid(5), "true keeps")
}

func TestErrorCodes(t *testing.T) {
	err := fmt.Errorf("context: %w", Errorf(DimensionNotEqual, "dim %d", 3))
	require.Equal(t, DimensionNotEqual, CodeOf(err))
	require.Equal(t, OK, CodeOf(nil))
	require.Equal(t, UnknownError, CodeOf(errors.New("plain")))
	w := Wrap(InternalError, Errorf(ReadError, "inner"), "outer")
	require.Equal(t, ReadError, w.Code)
	require.Contains(t, w.Error(), "outer")
	require.Equal(t, "INVALID_BINARY", InvalidBinary.String())
}

func TestFeatureSet(t *testing.T) {
	s := NewFeatureSet(NeedTrain, SupportTune)
	require.True(t, s.Has(NeedTrain))
	require.False(t, s.Has(SupportBuild))
	require.False(t, s.Has(0))
	require.Equal(t, []Feature{NeedTrain, SupportTune}, s.List())
	require.False(t, s.Without(NeedTrain).Has(NeedTrain))
}
