package dataset

import (
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func smallSparse() *Sparse {
	return &Sparse{Offsets: []int64{0, 2, 2, 5}, IDs: []uint32{1, 4, 0, 3, 9}, Values: []float32{1, 0.5, 2, -1, 3}}
}

func TestSparseStreamRoundTrip(t *testing.T) {
	s := smallSparse()
	b, offs := EncodeSparseStream(s)
	require.Equal(t, []uint64{0, 20, 24, 52}, offs)
	require.Len(t, b, 52)
	back, offs2, err := DecodeSparseStream(b)
	require.NoError(t, err)
	require.Equal(t, s, back)
	require.Equal(t, offs, offs2)
	require.NoError(t, CheckSparseOffsets(offs, offs2, "x"))
	require.Error(t, CheckSparseOffsets([]uint64{0, 20, 25, 52}, offs2, "x"))
	require.Error(t, CheckSparseOffsets([]uint64{0, 20, 24}, offs2, "x"))
	_, _, err = DecodeSparseStream(b[:len(b)-2])
	require.Error(t, err)
	// unsorted records are sorted on reading, as VSAG's reader does
	un := &Sparse{Offsets: []int64{0, 2}, IDs: []uint32{7, 2}, Values: []float32{1, 2}}
	ub, _ := EncodeSparseStream(un)
	got, _, err := DecodeSparseStream(ub)
	require.NoError(t, err)
	require.Equal(t, []uint32{2, 7}, got.IDs)
	require.Equal(t, []float32{2, 1}, got.Values)
}

func TestSparseGroundTruth(t *testing.T) {
	base := smallSparse()
	q := &Sparse{Offsets: []int64{0, 2}, IDs: []uint32{3, 4}, Values: []float32{1, 4}}
	ids, dists := SparseGroundTruth(base, q, 3)
	// row 0 scores 0.5*4 = 2, row 2 scores -1: row 1 has no shared term
	require.Equal(t, []int64{0, 2, -1}, ids)
	require.InDelta(t, -1, dists[0], 1e-6)
	require.InDelta(t, 2, dists[1], 1e-6)
	require.True(t, math.IsInf(float64(dists[2]), 1))
}

func TestSparseHDF5RoundTrip(t *testing.T) {
	if exec.Command(Python(), "-c", "import h5py, numpy").Run() != nil {
		t.Skip("python3 with h5py is not available")
	}
	p := filepath.Join(t.TempDir(), "s.hdf5")
	s := &SparseSet{Base: smallSparse(), Queries: smallSparse(), Neighbors: []int64{0, 2, 1}, Distances: []float32{0, 1, 2}, GTK: 1}
	require.NoError(t, WriteSparseHDF5(p, s))
	back, err := ReadSparseHDF5(p)
	require.NoError(t, err)
	require.Equal(t, s.Base, back.Base)
	require.Equal(t, s.Neighbors, back.Neighbors)
	require.Equal(t, "ip", back.Distance)
}
