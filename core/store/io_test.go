package store

import (
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
)

func fp32(t *testing.T, dim int) quant.Quantizer {
	q, err := quant.New("fp32", dim, metric.L2, quant.DefaultOptions())
	require.NoError(t, err)
	return q
}

func TestCodesIOBackends(t *testing.T) {
	const dim, n = 8, 1000
	for _, kind := range []string{IOMemory, IOBlockMemory, IOMMap, IOBuffer} {
		t.Run(kind, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "codes.bin")
			c, err := NewCodesIO(fp32(t, dim), kind, path)
			require.NoError(t, err)
			require.Equal(t, OnDiskIO(kind), c.OnDisk())
			mem := NewCodes(fp32(t, dim))
			v := make([]float32, dim)
			for i := 0; i < n; i++ {
				for j := range v {
					v[j] = float32(i*dim + j)
				}
				require.NoError(t, c.Ensure(1))
				c.Append(v)
				mem.Append(v)
			}
			require.NoError(t, c.Err())
			require.Equal(t, mem.Slab(), c.Slab())
			ids := []uint32{5, 999, 0, 17, 17, 500, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 400}
			var g Gather
			slab, local := c.Gather(ids, &g)
			for i, id := range ids {
				r := int(local[i])
				require.Equal(t, mem.Code(int(id)), slab[r*c.Stride():(r+1)*c.Stride()])
			}
			if kind == IOBuffer {
				require.Positive(t, c.Reads())
				c.Set(5, make([]float32, dim)) // invalidates the cached row
				slab, local = c.Gather([]uint32{5}, &g)
				require.Equal(t, make([]byte, c.Stride()), slab[int(local[0])*c.Stride():][:c.Stride()])
				c.Set(5, v)
			}
			if !c.OnDisk() {
				return
			}
			ref, err := c.Ref()
			require.NoError(t, err)
			for _, as := range []string{"", IOMMap, IOBuffer} {
				d, err := OpenRef(fp32(t, dim), ref, as)
				require.NoError(t, err)
				require.Equal(t, c.Len(), d.Len())
				require.Equal(t, c.Slab(), d.Slab())
				runtime.KeepAlive(d) // the slab is a mapping the store unmaps when collected
			}
			runtime.KeepAlive(c)
		})
	}
}

func TestCodesIOErrors(t *testing.T) {
	_, err := NewCodesIO(fp32(t, 4), "disk_io", "x")
	require.Error(t, err)
	_, err = NewCodesIO(fp32(t, 4), IOMMap, "")
	require.Error(t, err)
	_, err = OpenRef(fp32(t, 4), []byte(`{"io_type":"mmap_io","file_path":"/nonexistent/x","rows":3,"row_size":16}`), "")
	require.Error(t, err)
	_, err = OpenRef(fp32(t, 4), []byte(`{"io_type":"mmap_io","file_path":"/tmp","rows":3,"row_size":8}`), "")
	require.Error(t, err)
	// a store whose file cannot be created reports it through Ensure
	c, err := NewCodesIO(fp32(t, 4), IOMMap, "/nonexistent/dir/codes")
	require.NoError(t, err)
	require.Error(t, c.Ensure(1))
}

func TestGatherConcurrent(t *testing.T) {
	const dim, n = 16, 5000
	c, err := NewCodesIO(fp32(t, dim), IOBuffer, filepath.Join(t.TempDir(), "c"))
	require.NoError(t, err)
	v := make([]float32, dim)
	for i := 0; i < n; i++ {
		v[0] = float32(i)
		require.NoError(t, c.Ensure(1))
		c.Append(v)
	}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var g Gather
			ids := make([]uint32, 100)
			for it := 0; it < 50; it++ {
				for i := range ids {
					ids[i] = uint32((w*7919 + it*104729 + i*31) % n)
				}
				slab, local := c.Gather(ids, &g)
				for i, id := range ids {
					r := int(local[i])
					got := make([]float32, dim)
					c.Quantizer().Decode(got, slab[r*c.Stride():(r+1)*c.Stride()])
					if got[0] != float32(id) {
						t.Errorf("row %d read as %v", id, got[0])
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
}

// A saved reference freezes the rows it names: the writer and a store opened from the
// reference both move to copies of their own before they rewrite a row or grow.
func TestSharedStoreCopiesOnWrite(t *testing.T) {
	const dim = 4
	path := filepath.Join(t.TempDir(), "codes.bin")
	c, err := NewCodesIO(fp32(t, dim), IOMMap, path)
	require.NoError(t, err)
	v := []float32{1, 2, 3, 4}
	for i := 0; i < 10; i++ {
		require.NoError(t, c.Ensure(1))
		v[0] = float32(i)
		c.Append(v)
	}
	ref, err := c.Ref()
	require.NoError(t, err)
	saved := append([]byte(nil), c.Slab()...)
	c.Set(3, []float32{9, 9, 9, 9})
	require.NoError(t, c.Err())
	require.NotEqual(t, path, c.Path())
	d, err := OpenRef(fp32(t, dim), ref, "")
	require.NoError(t, err)
	require.Equal(t, saved, d.Slab())
	require.NoError(t, d.Ensure(100))
	d.Append(v)
	require.NotEqual(t, path, d.Path())
	e, err := OpenRef(fp32(t, dim), ref, IOBuffer)
	require.NoError(t, err)
	require.Equal(t, saved, e.Slab())
	require.Equal(t, saved[:d.Stride()*10], d.Slab()[:d.Stride()*10])
	runtime.KeepAlive(c)
	runtime.KeepAlive(d)
	runtime.KeepAlive(e)
}
