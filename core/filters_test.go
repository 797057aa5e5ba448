package core

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func TestNewFilter(t *testing.T) {
	const n = 20 // labels 100 .. 119
	x, _ := qtIndex(t, n)
	f, err := x.NewFilter(nil, "search")
	require.NoError(t, err)
	assert.Nil(t, f)
	f, err = x.NewFilter(&FilterSpec{}, "search")
	require.NoError(t, err)
	assert.Nil(t, f)

	// a keep mask over labels 0 .. 127 keeping 100 .. 104: the estimate counts against the
	// index's 20 live labels
	mask := make([]byte, 128)
	for l := 100; l < 105; l++ {
		mask[l] = 1
	}
	f, err = x.NewFilter(&FilterSpec{Mask: mask, MaskKeep: true}, "search")
	require.NoError(t, err)
	assert.InDelta(t, 5.0/n, f.ValidRatio(), 1e-6)
	ns, err := x.Search(qtQueries(1, 4), n, "", f)
	require.NoError(t, err)
	require.Len(t, ns, 5)
	for _, nb := range ns {
		assert.True(t, nb.ID >= 100 && nb.ID < 105, "label %d", nb.ID)
	}

	// the same as a packed mask, with labels to exclude and a bitset
	packed := make([]byte, 16)
	for l := 100; l < 105; l++ {
		packed[l>>3] |= 1 << (l & 7)
	}
	bits := NewBitset()
	bits.Set(101, true)
	f, err = x.NewFilter(&FilterSpec{Mask: packed, MaskLen: 128, MaskPacked: true, MaskKeep: true,
		ExcludeIDs: []int64{104}, Bitset: bits, Keep: func(l int64) bool { return l != 102 }}, "search")
	require.NoError(t, err)
	ns, err = x.Search(qtQueries(1, 4), n, "", f)
	require.NoError(t, err)
	assert.ElementsMatch(t, []int64{100, 103}, labelsOf(ns))

	_, err = x.NewFilter(&FilterSpec{ValidRatio: 2}, "knn search")
	assert.Equal(t, api.InvalidArgument, CodeOf(err))

	// the package-level constructors are api's
	mf, err := MaskFilter([]byte{1}, 1, false, false, 4)
	require.NoError(t, err)
	assert.False(t, mf.CheckValid(0))
	assert.InDelta(t, 0.75, mf.ValidRatio(), 1e-6)
	ef := ExcludeIDsFilter([]int64{3}, 4)
	assert.False(t, ef.CheckValid(3))
	both := AllOf(mf, ef)
	assert.True(t, both.CheckValid(1))
	assert.False(t, both.CheckValid(3))
	assert.InDelta(t, 0.75*0.75, both.ValidRatio(), 1e-6)
}
