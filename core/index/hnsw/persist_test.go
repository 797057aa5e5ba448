package hnsw

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

func newTestIndex(t *testing.T, conjugate bool) *Index {
	t.Helper()
	js := `{"dim":4,"hnsw":{"max_degree":8,"ef_construction":20,"use_conjugate_graph":false}}`
	if conjugate {
		js = `{"dim":4,"hnsw":{"max_degree":8,"ef_construction":20,"use_conjugate_graph":true}}`
	}
	c, err := params.ParseCreate(Name, js)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

// TestLoadRefusesABadConjugateGraph: a conjugate graph section that does not decode (its
// checksum intact) fails the load with INVALID_BINARY.
func TestLoadRefusesABadConjugateGraph(t *testing.T) {
	x := newTestIndex(t, true)
	v := []float32{0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0}
	_, err := x.Build(v, []int64{1, 2, 3}, nil)
	require.NoError(t, err)
	x.cg.AddEdge(1, 3)
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	var buf bytes.Buffer
	require.NoError(t, serial.Write(&buf, f))
	for i := range f.Sections {
		if f.Sections[i].Name == secConjugate {
			f.Sections[i].Data = append(f.Sections[i].Data, 7) // trailing byte
		}
	}
	var bad bytes.Buffer
	require.NoError(t, serial.Write(&bad, f))
	for _, tc := range []struct {
		file []byte
		ok   bool
	}{{buf.Bytes(), true}, {bad.Bytes(), false}} {
		rf, err := serial.Read(bytes.NewReader(tc.file))
		require.NoError(t, err)
		y := newTestIndex(t, true)
		err = y.Load(rf)
		if tc.ok {
			require.NoError(t, err)
			require.Equal(t, []int64{3}, y.cg.Neighbors(1, nil))
			continue
		}
		require.Error(t, err)
		require.Equal(t, api.InvalidBinary, api.CodeOf(err), err.Error())
	}
}
