//go:build linux

package store

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// ReadBatch gives what a ReadAt per read gives (whole reads, a read cut short by the end of the
// file, one past it), in batches of num_threads_io * 8 reads; off, it reads nothing.
func TestReadBatchMatchesReadAt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	data := make([]byte, 5000)
	for i := range data {
		data[i] = byte(i * 31)
	}
	require.NoError(t, os.WriteFile(path, data, 0o600))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	const n = 20
	offs := make([]int64, n)
	for i := range offs {
		offs[i] = int64(i * 211)
	}
	offs[3] = 4990  // 10 bytes left
	offs[7] = 90000 // past the end
	read := func() ([][]byte, []error) {
		bufs, errs := make([][]byte, n), make([]error, n)
		for i := range bufs {
			bufs[i] = make([]byte, 64)
		}
		if !ReadBatch(f, bufs, offs, errs) {
			return nil, nil
		}
		return bufs, errs
	}
	wantBufs, wantErrs := make([][]byte, n), make([]error, n)
	for i := range wantBufs {
		wantBufs[i] = make([]byte, 64)
		_, wantErrs[i] = f.ReadAt(wantBufs[i], offs[i])
	}
	require.Error(t, wantErrs[3])
	require.Error(t, wantErrs[7])

	prev := SetURing(false)
	bufs, _ := read()
	require.Nil(t, bufs, "ReadBatch read with io_uring off")
	SetURing(true)
	defer SetURing(prev)
	if !URingEnabled() {
		t.Skip("io_uring is not available here")
	}
	withIOThreads(t, 1, func() {
		b0 := uringBatches.Load()
		bufs, errs := read()
		require.NotNil(t, bufs)
		require.Equal(t, int64(3), uringBatches.Load()-b0, "20 reads at 8 a batch")
		require.Equal(t, wantBufs, bufs)
		require.Equal(t, wantErrs, errs)
	})
	one := [][]byte{make([]byte, 4)}
	require.False(t, ReadBatch(f, one, offs[:1], make([]error, 1)), "a single read is left to the caller")
}
