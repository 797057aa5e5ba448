package core

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// An empty index whose quantizer still waits for training saves and loads as untrained, then
// trains on its first build.
func TestEmptyUntrainedIndexRoundTrips(t *testing.T) {
	for _, tc := range []struct{ name, create string }{
		{"hgraph", `{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"sq8"}}`},
		{"brute_force", `{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"base_quantization_type":"sq8"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			idx, err := CreateIndex(tc.name, tc.create)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			again, err := LoadBytes(buf.Bytes())
			require.NoError(t, err)
			require.Zero(t, again.GetNumElements())
			v := []float32{0, 0, 0, 0, 1, 2, 3, 4, 4, 3, 2, 1}
			_, err = again.Build(&Dataset{NumElements: 3, Dim: 4, IDs: []int64{1, 2, 3}, Float32: v})
			require.NoError(t, err)
			res, err := again.Search([]float32{1, 2, 3, 4}, 1, `{"hgraph":{"ef_search":10}}`, nil)
			if tc.name == "brute_force" {
				res, err = again.Search([]float32{1, 2, 3, 4}, 1, `{}`, nil)
			}
			require.NoError(t, err)
			require.EqualValues(t, 2, res[0].ID)
		})
	}
}

// A file or byte slice holds one index and nothing after it.
func TestTrailingBytesAreInvalidBinary(t *testing.T) {
	idx, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":2,"index_param":{"base_quantization_type":"fp32"}}`)
	require.NoError(t, err)
	_, err = idx.Build(&Dataset{NumElements: 2, Dim: 2, IDs: []int64{1, 2}, Float32: []float32{0, 0, 1, 1}})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	b := append(buf.Bytes(), 0)
	_, err = LoadBytes(b)
	require.Equal(t, api.InvalidBinary, api.CodeOf(err))
	path := filepath.Join(t.TempDir(), "x.vsag")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	_, err = LoadFile(path)
	require.Equal(t, api.InvalidBinary, api.CodeOf(err))
	fresh, err := CreateIndex("brute_force", idx.CreateParams())
	require.NoError(t, err)
	require.Equal(t, api.InvalidBinary, api.CodeOf(fresh.DeserializeFile(path)))
	require.Zero(t, fresh.GetNumElements(), "nothing loaded from a refused file")
	// a stream may go on after the index
	require.NoError(t, fresh.Deserialize(bytes.NewReader(b)))
	require.EqualValues(t, 2, fresh.GetNumElements())
}
