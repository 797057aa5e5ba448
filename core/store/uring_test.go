//go:build linux

package store

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/internal/parallel"
)

// withIOPath runs f with Gather reading through io_uring (uring) or pread; the io_uring run is
// skipped where the kernel does not allow it.
func withIOPath(t testing.TB, uring bool, f func()) {
	if uring && !URingEnabled() {
		t.Skip("io_uring is not available here")
	}
	prev := uringOff.Load()
	uringOff.Store(!uring)
	defer uringOff.Store(prev)
	f()
}

// bufferStore writes rows random rows of dim float32 to a buffer_io store and returns it with
// the bytes written.
func bufferStore(t *testing.T, dim, rows int, seed uint64) (*Codes, []byte) {
	c, err := NewCodesIO(fp32(t, dim), IOBuffer, filepath.Join(t.TempDir(), "codes.bin"))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, dim)
	for i := 0; i < rows; i++ {
		for j := range v {
			v[j] = rng.Float32()
		}
		require.NoError(t, c.Ensure(1))
		c.Append(v)
	}
	return c, append([]byte(nil), c.Slab()...)
}

// Gather reads the same bytes through io_uring and through pread, with or without the row
// cache, and with rows past the end of the file or cut short by it (left zero, error kept).
func TestGatherURingMatchesPread(t *testing.T) {
	const dim, rows = 12, 3000
	cases := []struct {
		name     string
		ids      int  // ids per Gather
		noCache  bool // reads every row from the file
		past     bool // ids past the end of the file too
		truncate bool // the file's last row is cut short
	}{
		{name: "few", ids: 5},
		{name: "batch", ids: 64},
		{name: "batches", ids: 300, noCache: true},
		{name: "cached", ids: 200},
		{name: "past_eof", ids: 100, noCache: true, past: true},
		{name: "short_last_row", ids: 150, noCache: true, truncate: true},
		{name: "one_row", ids: 1, noCache: true, past: true},
	}
	for ci, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(ci), 7))
			ids := make([]uint32, tc.ids)
			for i := range ids {
				ids[i] = uint32(rng.IntN(rows))
				if tc.past && i%3 == 0 {
					ids[i] = uint32(rows*100 + rng.IntN(rows))
				}
				if tc.truncate && i%4 == 0 {
					ids[i] = rows - 1
				}
			}
			out := map[bool][]byte{}
			batches := map[bool]int64{}
			for _, uring := range []bool{false, true} {
				t.Run(fmt.Sprintf("io_uring=%v", uring), func(t *testing.T) {
					withIOPath(t, uring, func() {
						c, slab := bufferStore(t, dim, rows, 42)
						s := c.Stride()
						if tc.noCache {
							c.disk.cache = nil
						}
						if tc.truncate {
							require.NoError(t, c.disk.m.sync())
							require.NoError(t, c.disk.f.Truncate(int64(rows*s-s/2)))
						}
						b0 := uringBatches.Load()
						var g Gather
						for pass := 0; pass < 2; pass++ { // the second pass hits the cache
							got, local := c.Gather(ids, &g)
							for i, id := range ids {
								row := got[int(local[i])*s:][:s]
								switch {
								case int(id) >= rows, tc.truncate && int(id) == rows-1:
									require.Equal(t, make([]byte, s), row, "row %d", id)
								default:
									require.Equal(t, slab[int(id)*s:][:s], row, "row %d", id)
								}
							}
							if pass == 0 {
								out[uring] = append([]byte(nil), got[:len(ids)*s]...)
							}
						}
						require.Equal(t, tc.past || tc.truncate, c.Err() != nil, "Err: %v", c.Err())
						require.Positive(t, c.Reads())
						batches[uring] = uringBatches.Load() - b0
						runtime.KeepAlive(c)
					})
				})
			}
			if out[true] != nil {
				require.Equal(t, out[false], out[true])
				if len(ids) >= uringMinRows {
					require.Positive(t, batches[true], "io_uring was not used")
				}
			}
		})
	}
}

// Concurrent Gathers, more than there are rings, read their own rows (run with -race).
func TestGatherURingConcurrent(t *testing.T) {
	for _, uring := range []bool{false, true} {
		t.Run(fmt.Sprintf("io_uring=%v", uring), func(t *testing.T) {
			withIOPath(t, uring, func() {
				const dim, rows = 8, 4000
				c, slab := bufferStore(t, dim, rows, 3)
				c.disk.cache = nil
				s := c.Stride()
				var wg sync.WaitGroup
				for w := 0; w < parallel.IOThreads()+8; w++ {
					wg.Add(1)
					go func(w int) {
						defer wg.Done()
						var g Gather
						ids := make([]uint32, 70)
						rng := rand.New(rand.NewPCG(uint64(w), 9))
						for it := 0; it < 20; it++ {
							for i := range ids {
								ids[i] = uint32(rng.IntN(rows))
							}
							got, local := c.Gather(ids, &g)
							for i, id := range ids {
								if string(got[int(local[i])*s:][:s]) != string(slab[int(id)*s:][:s]) {
									t.Errorf("row %d differs", id)
									return
								}
							}
						}
					}(w)
				}
				wg.Wait()
				require.NoError(t, c.Err())
				runtime.KeepAlive(c)
			})
		})
	}
}

// A ring reports each read's own result: whole, short at the end of the file, an error.
func TestRingReadBatch(t *testing.T) {
	if !URingEnabled() {
		t.Skip("io_uring is not available here")
	}
	fd, err := unix.MemfdCreate("ring-test", unix.MFD_CLOEXEC)
	require.NoError(t, err)
	defer unix.Close(fd)
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	_, err = unix.Pwrite(fd, data, 0)
	require.NoError(t, err)
	r := getRing()
	require.NotNil(t, r)
	defer putRing(r, true)
	reqs := make([]uringRead, r.entries)
	for i := range reqs {
		reqs[i] = uringRead{dst: make([]byte, 10), off: int64(i * 10)}
	}
	reqs[1].off = 995  // 5 bytes left
	reqs[2].off = 5000 // past the end
	require.NoError(t, r.readBatch(fd, reqs))
	for i, q := range reqs {
		switch i {
		case 1:
			require.EqualValues(t, 5, q.got)
			require.Equal(t, data[995:], q.dst[:5])
		case 2:
			require.EqualValues(t, 0, q.got)
		default:
			require.EqualValues(t, 10, q.got)
			require.Equal(t, data[i*10:][:10], q.dst)
		}
	}
	// a bad descriptor fails the read, not the ring; the ring is reused afterwards
	bad := []uringRead{{dst: make([]byte, 4)}}
	require.NoError(t, r.readBatch(-1, bad))
	require.EqualValues(t, -int32(unix.EBADF), bad[0].got)
	again := []uringRead{{dst: make([]byte, 4), off: 20}}
	require.NoError(t, r.readBatch(fd, again))
	require.Equal(t, data[20:24], again[0].dst)
}

// VSAG_IO_URING=0 turns the probe off, and the switch turns Gather's ring off.
func TestURingForcedOff(t *testing.T) {
	t.Setenv("VSAG_IO_URING", "0")
	require.False(t, probeURing())
	t.Setenv("VSAG_IO_URING", "off")
	require.False(t, probeURing())
	uringOff.Store(true)
	defer uringOff.Store(false)
	require.False(t, URingEnabled())
	c, _ := bufferStore(t, 4, 100, 1)
	b0 := uringBatches.Load()
	var g Gather
	c.Gather([]uint32{1, 2, 3, 4, 5, 6, 7, 8}, &g)
	require.Equal(t, b0, uringBatches.Load())
	require.False(t, c.gatherRing([]uint32{1, 2, 3, 4, 5}, g.buf))
}

func fp32Bench(b *testing.B, dim int) quant.Quantizer {
	q, err := quant.New("fp32", dim, metric.L2, quant.DefaultOptions())
	require.NoError(b, err)
	return q
}

// BenchmarkGather reads 64 random rows of 512 bytes per Gather, without the row cache, through
// io_uring and pread; "cold" drops the file from the page cache before each Gather.
func BenchmarkGather(b *testing.B) {
	const dim, rows, batch = 128, 50000, 64
	s := dim * 4
	path := filepath.Join(b.TempDir(), "codes.bin")
	data := make([]byte, rows*s)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	require.NoError(b, os.WriteFile(path, data, 0o644))
	ref, err := json.Marshal(map[string]any{"io_type": IOBuffer, "file_path": path, "rows": rows, "row_size": s})
	require.NoError(b, err)
	q := fp32Bench(b, dim)
	for _, cold := range []bool{false, true} {
		for _, uring := range []bool{false, true} {
			name := fmt.Sprintf("cold=%v/io_uring=%v", cold, uring)
			b.Run(name, func(b *testing.B) {
				if uring && !URingEnabled() {
					b.Skip("io_uring is not available here")
				}
				prev := uringOff.Load()
				uringOff.Store(!uring)
				defer uringOff.Store(prev)
				c, err := OpenRef(q, ref, IOBuffer)
				require.NoError(b, err)
				c.disk.cache = nil
				fd := int(c.disk.f.Fd())
				ids := make([]uint32, batch)
				var g Gather
				b.ResetTimer()
				for it := 0; it < b.N; it++ {
					if cold {
						b.StopTimer()
						_ = unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED)
					}
					for i := range ids {
						ids[i] = uint32(rng.IntN(rows))
					}
					if cold {
						b.StartTimer()
					}
					got, local := c.Gather(ids, &g)
					if got[int(local[0])*s] != data[int(ids[0])*s] {
						b.Fatal("wrong row")
					}
				}
				b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "rows/s")
				require.NoError(b, c.Err())
				runtime.KeepAlive(c)
			})
		}
	}
}

// A ring whose io_uring_enter fails reports it with no read done and its queue left as it was.
func TestRingEnterFails(t *testing.T) {
	if !URingEnabled() {
		t.Skip("io_uring is not available here")
	}
	fd, err := unix.MemfdCreate("ring-test", unix.MFD_CLOEXEC)
	require.NoError(t, err)
	defer unix.Close(fd)
	_, err = unix.Pwrite(fd, []byte("abcdefgh"), 0)
	require.NoError(t, err)
	r := getRing()
	require.NotNil(t, r)
	defer putRing(r, true)
	ringFd := r.fd
	r.fd = -1
	reqs := []uringRead{{dst: make([]byte, 4)}, {dst: make([]byte, 4), off: 4}}
	require.Error(t, r.readBatch(fd, reqs))
	r.fd = ringFd
	for _, q := range reqs {
		require.EqualValues(t, notDone, q.got)
	}
	require.NoError(t, r.readBatch(fd, reqs))
	require.Equal(t, "abcdefgh", string(reqs[0].dst)+string(reqs[1].dst))
}

// The structures shared with the kernel have its sizes.
func TestURingABI(t *testing.T) {
	require.EqualValues(t, 120, unsafe.Sizeof(uringParams{}))
	require.EqualValues(t, uringSQESize, unsafe.Sizeof(uringSQE{}))
	require.EqualValues(t, uringCQESize, unsafe.Sizeof(uringCQE{}))
}
