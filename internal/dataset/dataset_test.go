package dataset

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReadIDX(t *testing.T) {
	var b bytes.Buffer
	b.Write([]byte{0, 0, 8, 3})
	binary.Write(&b, binary.BigEndian, []uint32{2, 2, 2})
	b.Write([]byte{1, 2, 3, 4, 5, 6, 7, 255})
	v, d, err := ReadIDX(&b)
	require.NoError(t, err)
	require.Equal(t, 4, d)
	require.Equal(t, []float32{1, 2, 3, 4, 5, 6, 7, 255}, v)

	_, _, err = ReadIDX(bytes.NewReader([]byte{0, 0, 9, 1, 0, 0, 0, 1}))
	require.Error(t, err)
	_, _, err = ReadIDX(bytes.NewReader([]byte{0, 0, 8, 2, 0, 0, 0, 10, 0, 0, 0, 10, 1}))
	require.Error(t, err, "truncated data")
}

func TestFvecsRoundTrip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.fvecs")
	v := []float32{1, 2, 3, 4.5, -5, 6}
	require.NoError(t, WriteFvecs(p, v, 3))
	got, d, err := ReadVecs(p, 0)
	require.NoError(t, err)
	require.Equal(t, 3, d)
	require.Equal(t, v, got)
	got, _, err = ReadVecs(p, 1)
	require.NoError(t, err)
	require.Equal(t, v[:3], got)
}

func TestGroundTruthAndRecall(t *testing.T) {
	base := []float32{0, 0, 1, 0, 5, 5, 0, 2}
	q := []float32{0.1, 0}
	gt := GroundTruth(base, q, 2, 3, "l2")
	require.Equal(t, []int32{0, 1, 3}, gt)
	require.InDelta(t, 2.0/3, Recall([]int64{0, 3, 2}, 3, gt, 3), 1e-9)
	require.Equal(t, 1.0, Recall([]int64{3, 1, 0}, 3, gt, 3))
	gtIP := GroundTruth(base, []float32{1, 1}, 2, 1, "ip")
	require.Equal(t, []int32{2}, gtIP)
}
