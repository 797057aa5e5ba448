package hgraph

import (
	"bytes"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

func diskIndex(t *testing.T, d int, extra string) *Index {
	t.Helper()
	js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"sq8","max_degree":16,"ef_construction":100,"use_reorder":true,"precise_quantization_type":"fp32"%s}}`, d, extra)
	c, err := params.ParseCreate(Name, js)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

// Precise codes on disk rerank to the same answers as in memory, save a reference to their file
// and load again without reading it.
func TestPreciseCodesOnDisk(t *testing.T) {
	const n, d, k = 3000, 16, 10
	data := clustered(11, n, d, 20)
	queries := clustered(12, 40, d, 20)
	mem := diskIndex(t, d, "")
	_, err := mem.Build(data, seq(0, n), nil)
	require.NoError(t, err)
	for _, io := range []string{"mmap_io", "buffer_io"} {
		t.Run(io, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "precise.bin")
			extra := fmt.Sprintf(`,"precise_io_type":%q,"precise_file_path":%q`, io, path)
			x := diskIndex(t, d, extra)
			_, err := x.Build(data[:1000*d], seq(0, 1000), nil)
			require.NoError(t, err)
			_, err = x.Add(data[1000*d:], seq(1000, n-1000), nil)
			require.NoError(t, err)
			require.True(t, x.preciseCodes.OnDisk())
			r := meanRecall(t, x, metric.L2, data, queries, d, k, 60, nil)
			require.GreaterOrEqual(t, r, 0.9)
			for i := 0; i < 10; i++ {
				q := queries[i*d : (i+1)*d]
				got, err := x.KnnSearch(q, k, searchOpts(60))
				require.NoError(t, err)
				for _, g := range got {
					require.InDelta(t, metric.Reference(metric.L2, q, data[int(g.ID)*d:int(g.ID+1)*d]), g.Distance, 1e-3)
				}
			}
			if io == "buffer_io" {
				require.Positive(t, x.preciseCodes.Reads())
			}
			// the saved file holds a reference, not the rows
			f := &serial.File{}
			require.NoError(t, x.Save(f))
			var buf bytes.Buffer
			require.NoError(t, serial.Write(&buf, f))
			mf := &serial.File{}
			require.NoError(t, mem.Save(mf))
			var mbuf bytes.Buffer
			require.NoError(t, serial.Write(&mbuf, mf))
			require.Less(t, buf.Len(), mbuf.Len()-n*d*4*9/10)
			for _, loader := range []string{"", extra} {
				rf, err := serial.Read(bytes.NewReader(buf.Bytes()))
				require.NoError(t, err)
				y := diskIndex(t, d, loader)
				require.NoError(t, y.Load(rf))
				require.True(t, y.preciseCodes.OnDisk())
				require.Equal(t, path, y.preciseCodes.Path())
				for i := 0; i < 5; i++ {
					q := queries[i*d : (i+1)*d]
					a, err := x.KnnSearch(q, k, searchOpts(60))
					require.NoError(t, err)
					b, err := y.KnnSearch(q, k, searchOpts(60))
					require.NoError(t, err)
					require.Equal(t, a, b)
				}
				// the loaded index writes to a copy of its own: the saved store stays as it was
				_, err = y.Add(queries[:5*d], seq(n, 5), nil)
				require.NoError(t, err)
				require.NoError(t, y.UpdateVector(0, queries[5*d:6*d], true))
				require.NotEqual(t, path, y.preciseCodes.Path())
				rf, err = serial.Read(bytes.NewReader(buf.Bytes()))
				require.NoError(t, err)
				z := diskIndex(t, d, loader)
				require.NoError(t, z.Load(rf))
				a, err := x.KnnSearch(queries[:d], k, searchOpts(60))
				require.NoError(t, err)
				b, err := z.KnnSearch(queries[:d], k, searchOpts(60))
				require.NoError(t, err)
				require.Equal(t, a, b)
			}
		})
	}
}

func TestIOKeyErrors(t *testing.T) {
	for _, extra := range []string{
		`,"precise_io_type":"disk"`,
		`,"precise_io_type":"mmap_io"`,
		`,"base_io_type":"buffer_io","precise_io_type":"buffer_io","base_file_path":"a","precise_file_path":"a"`,
	} {
		js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"sq8","use_reorder":true%s}}`, extra)
		c, err := params.ParseCreate(Name, js)
		require.NoError(t, err)
		_, err = New(c)
		require.Error(t, err, extra)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), extra)
	}
	// base codes on disk traverse through the mapping
	x := diskIndex(t, 8, fmt.Sprintf(`,"base_io_type":"mmap_io","base_file_path":%q`, filepath.Join(t.TempDir(), "b")))
	data := clustered(3, 500, 8, 5)
	_, err := x.Build(data, seq(0, 500), nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, meanRecall(t, x, metric.L2, data, data[:80], 8, 5, 40, nil), 0.9)
	// a store whose file cannot be created refuses the insert
	y := diskIndex(t, 8, `,"precise_io_type":"buffer_io","precise_file_path":"/nonexistent/dir/p"`)
	_, err = y.Build(data, seq(0, 500), nil)
	require.Error(t, err)
}
