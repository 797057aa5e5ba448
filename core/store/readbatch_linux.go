//go:build linux

package store

import (
	"os"
	"runtime"
)

// ReadBatch reads len(bufs[i]) bytes at offs[i] of f into bufs[i], for every i, as io_uring
// batches of up to num_threads_io * 8 reads where the kernel allows it (see URingEnabled), and
// sets errs[i] to the error of read i (nil when it read whole). A read the ring did not
// complete whole is finished with os.File.ReadAt, so the results are those of a ReadAt per
// read (a read past the end of f is io.EOF). It reports false, having read nothing, when
// io_uring is not used (off, fewer than two reads, or num_threads_io rings taken): the caller
// then reads as it would without it.
func ReadBatch(f *os.File, bufs [][]byte, offs []int64, errs []error) bool {
	n := len(bufs)
	if n < 2 || len(offs) < n || len(errs) < n || !URingEnabled() {
		return false
	}
	r := getRing()
	if r == nil {
		return false
	}
	fd := int(f.Fd())
	if r.reqs == nil {
		r.reqs, r.rows = make([]uringRead, 0, r.entries), make([]int, 0, r.entries)
	}
	depth := min(uringDepth(), int(r.entries), cap(r.reqs))
	ok := true
	for lo := 0; lo < n; lo += depth {
		hi := min(lo+depth, n)
		reqs := r.reqs[:0]
		for i := lo; i < hi; i++ {
			reqs = append(reqs, uringRead{dst: bufs[i], off: offs[i], got: notDone})
		}
		if ok && r.readBatch(fd, reqs) != nil {
			ok = false // the reads not done are finished below; later batches read with ReadAt
		}
		for k := range reqs {
			q := &reqs[k]
			done := 0
			if q.got > 0 {
				done = int(q.got)
			}
			errs[lo+k] = nil
			if done < len(q.dst) {
				_, errs[lo+k] = f.ReadAt(q.dst[done:], q.off+int64(done))
			}
		}
	}
	clear(r.reqs[:cap(r.reqs)]) // drops the references to bufs
	runtime.KeepAlive(f)        // its descriptor stays open until the reads are done
	putRing(r, ok)
	return true
}

// SetURing turns the io_uring reader off (false) or back on (true: where the kernel allows it
// and VSAG_IO_URING does not turn it off) for the process, and returns the previous setting;
// for comparing both paths in one process (tests, benchmarks).
func SetURing(on bool) bool { return !uringOff.Swap(!on) }
