//go:build linux

package store

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/govsag/vsag/internal/parallel"
)

// The io_uring reader of buffer_io stores: Gather submits the rows it misses in its row cache as
// one batch of reads to a ring and waits for them with one io_uring_enter, in place of a pread
// per row. Rings are set up with raw system calls (no liburing); where the kernel has no
// io_uring or forbids it (kernel.io_uring_disabled, seccomp), or VSAG_IO_URING=0 is set, Gather
// reads with pread as before.

// ABI of io_uring (include/uapi/linux/io_uring.h).
const (
	uringOffSQRing = 0
	uringOffCQRing = 0x8000000
	uringOffSQEs   = 0x10000000
	uringOpRead    = 22 // IORING_OP_READ
	uringGetEvents = 1  // IORING_ENTER_GETEVENTS
	uringSQESize   = 64
	uringCQESize   = 16
	uringMaxDepth  = 512 // the most reads in flight per ring (VSAG's ring size)
	uringMinRows   = 4   // fewer rows are read with pread
)

// num_threads_io (parallel.IOThreads) bounds the io_uring reader as it bounds the pread pool:
// at most num_threads_io rings are in use at once across all searches (each stands for one IO
// thread; a Gather that finds none reads with pread), and a ring has num_threads_io * ioChunk
// reads in flight at most (the rows the pread pool's goroutines read at once, 64 by default),
// uringMaxDepth at most.

// uringDepth returns the reads a ring has in flight at most under the current num_threads_io.
func uringDepth() int { return min(parallel.IOThreads()*ioChunk, uringMaxDepth) }

// uringParams is struct io_uring_params.
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFd uint32
	resv                                                                   [3]uint32
	sqOff                                                                  struct {
		head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
		userAddr                                                        uint64
	}
	cqOff struct {
		head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
		userAddr                                                        uint64
	}
}

// uringSQE is struct io_uring_sqe, as a read uses it.
type uringSQE struct {
	opcode   uint8
	flags    uint8
	ioprio   uint16
	fd       int32
	off      uint64
	addr     uint64
	len      uint32
	rwFlags  uint32
	userData uint64
	pad      [3]uint64
}

// uringCQE is struct io_uring_cqe.
type uringCQE struct {
	userData uint64
	res      int32
	flags    uint32
}

// ring is one io_uring instance with its three mappings. A ring is used by one goroutine at a
// time (taken from and given back to the pool).
type ring struct {
	fd             int
	sqMem, cqMem   []byte
	sqeMem         []byte
	sqHead, sqTail *uint32
	sqMask         uint32
	sqArray        []uint32
	sqes           []uringSQE
	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []uringCQE
	entries        uint32
	// scratch of gatherRing, kept with the ring to spare allocations
	reqs []uringRead
	rows []int
}

func newRing(entries uint32) (*ring, error) {
	var p uringParams
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, os.NewSyscallError("io_uring_setup", errno)
	}
	r := &ring{fd: int(fd), entries: p.sqEntries}
	var err error
	if r.sqMem, err = unix.Mmap(r.fd, uringOffSQRing, int(p.sqOff.array+p.sqEntries*4),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		r.close()
		return nil, os.NewSyscallError("mmap io_uring sq ring", err)
	}
	if r.cqMem, err = unix.Mmap(r.fd, uringOffCQRing, int(p.cqOff.cqes+p.cqEntries*uringCQESize),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		r.close()
		return nil, os.NewSyscallError("mmap io_uring cq ring", err)
	}
	if r.sqeMem, err = unix.Mmap(r.fd, uringOffSQEs, int(p.sqEntries*uringSQESize),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE); err != nil {
		r.close()
		return nil, os.NewSyscallError("mmap io_uring sqes", err)
	}
	u32 := func(b []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&b[off])) }
	r.sqHead, r.sqTail = u32(r.sqMem, p.sqOff.head), u32(r.sqMem, p.sqOff.tail)
	r.sqMask = *u32(r.sqMem, p.sqOff.ringMask)
	r.sqArray = unsafe.Slice(u32(r.sqMem, p.sqOff.array), p.sqEntries)
	r.sqes = unsafe.Slice((*uringSQE)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	r.cqHead, r.cqTail = u32(r.cqMem, p.cqOff.head), u32(r.cqMem, p.cqOff.tail)
	r.cqMask = *u32(r.cqMem, p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*uringCQE)(unsafe.Pointer(&r.cqMem[p.cqOff.cqes])), p.cqEntries)
	return r, nil
}

func (r *ring) close() {
	for _, m := range [][]byte{r.sqeMem, r.cqMem, r.sqMem} {
		if m != nil {
			_ = unix.Munmap(m)
		}
	}
	r.sqeMem, r.cqMem, r.sqMem = nil, nil, nil
	_ = unix.Close(r.fd)
}

// uringRead is one read of a batch: len(dst) bytes at off into dst; got is the kernel's result
// (bytes read, or a negative errno).
type uringRead struct {
	dst []byte
	off int64
	got int32
}

// readBatch reads every request of reqs (at most r.entries of them) from fd and sets their got.
// An error means the ring is unusable; the requests whose got is still notDone were not
// completed by it. No read is in flight when it returns.
func (r *ring) readBatch(fd int, reqs []uringRead) error {
	tail := *r.sqTail // only this goroutine writes the tail
	if n := tail - atomic.LoadUint32(r.sqHead); n != 0 {
		return errors.New("io_uring: submission queue not empty")
	}
	for i := range reqs {
		reqs[i].got = notDone
		idx := (tail + uint32(i)) & r.sqMask
		r.sqes[idx] = uringSQE{
			opcode:   uringOpRead,
			fd:       int32(fd),
			off:      uint64(reqs[i].off),
			addr:     uint64(uintptr(unsafe.Pointer(unsafe.SliceData(reqs[i].dst)))),
			len:      uint32(len(reqs[i].dst)),
			userData: uint64(i),
		}
		r.sqArray[idx] = idx
	}
	atomic.StoreUint32(r.sqTail, tail+uint32(len(reqs)))
	uringBatches.Add(1)
	inflight, toSubmit := 0, len(reqs)
	var fail error
	for toSubmit > 0 || inflight > 0 {
		if fail != nil {
			// reads in flight write into reqs' buffers: wait for them (a read of a regular file
			// always completes) before giving the buffers back
			time.Sleep(time.Millisecond)
			inflight -= r.reap(reqs)
			continue
		}
		n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit),
			uintptr(inflight+toSubmit), uringGetEvents, 0, 0)
		switch {
		case errno == 0:
			toSubmit -= int(n)
			inflight += int(n)
		case errno == unix.EINTR || errno == unix.EAGAIN || errno == unix.EBUSY:
		default:
			fail = os.NewSyscallError("io_uring_enter", errno)
			if toSubmit > 0 {
				// the entries not consumed are withdrawn: the queue is back to what the kernel took
				atomic.StoreUint32(r.sqTail, tail+uint32(len(reqs)-toSubmit))
				toSubmit = 0
			}
		}
		inflight -= r.reap(reqs)
	}
	runtime.KeepAlive(reqs)
	return fail
}

// notDone marks a request the ring did not complete.
const notDone = -1 << 31

// reap consumes the completions posted and returns how many.
func (r *ring) reap(reqs []uringRead) int {
	head := *r.cqHead // only this goroutine writes the head
	tail := atomic.LoadUint32(r.cqTail)
	for h := head; h != tail; h++ {
		cqe := &r.cqes[h&r.cqMask]
		if i := cqe.userData; i < uint64(len(reqs)) {
			reqs[i].got = cqe.res
		}
	}
	atomic.StoreUint32(r.cqHead, tail)
	return int(tail - head)
}

// rings is the free list of rings; inUse counts the rings taken, at most num_threads_io.
var rings struct {
	mu    sync.Mutex
	free  []*ring
	made  int // rings open: on the free list or taken
	inUse int
}

// getRing takes a free ring or makes one, sized for uringDepth; nil when num_threads_io rings
// are taken or one cannot be made. A free ring smaller than uringDepth (num_threads_io was
// raised since it was made) is closed and made again.
func getRing() *ring {
	want := uringDepth()
	rings.mu.Lock()
	if rings.inUse >= parallel.IOThreads() {
		rings.mu.Unlock()
		return nil
	}
	rings.inUse++
	var r, small *ring
	if k := len(rings.free); k > 0 {
		r = rings.free[k-1]
		rings.free = rings.free[:k-1]
		if int(r.entries) < want {
			small, r = r, nil
			rings.made--
		}
	}
	if r == nil {
		rings.made++
	}
	rings.mu.Unlock()
	if small != nil {
		small.close()
	}
	if r != nil {
		return r
	}
	r, err := newRing(uint32(want))
	if err != nil {
		rings.mu.Lock()
		rings.made--
		rings.inUse--
		rings.mu.Unlock()
		return nil
	}
	return r
}

// putRing gives back a ring taken by getRing; a ring that failed is closed instead, and so are
// the free rings beyond num_threads_io (it was lowered).
func putRing(r *ring, ok bool) {
	rings.mu.Lock()
	rings.inUse--
	if ok && rings.inUse+len(rings.free) < parallel.IOThreads() {
		rings.free = append(rings.free, r)
		rings.mu.Unlock()
		return
	}
	rings.made--
	rings.mu.Unlock()
	r.close()
}

// uringBatches counts the batches submitted to rings (tests check the ring was used).
var uringBatches atomic.Int64

// uringOff forces pread (tests); the environment variable VSAG_IO_URING=0 does it for a process.
var uringOff atomic.Bool

var uringProbe struct {
	once sync.Once
	ok   bool
}

// URingEnabled reports whether Gather reads buffer_io rows with io_uring: the kernel allows it
// (a ring can be set up and a test read through it works) and VSAG_IO_URING is not 0. The probe
// runs once per process.
func URingEnabled() bool {
	if uringOff.Load() {
		return false
	}
	uringProbe.once.Do(func() { uringProbe.ok = probeURing() })
	return uringProbe.ok
}

// uringEnvOff reports whether the environment turns io_uring off.
func uringEnvOff() bool {
	switch os.Getenv("VSAG_IO_URING") {
	case "0", "off", "false", "no":
		return true
	}
	return false
}

// probeURing sets up a ring and reads a few known bytes of a memory file through it.
func probeURing() bool {
	if uringEnvOff() {
		return false
	}
	fd, err := unix.MemfdCreate("vsag-io-uring-probe", unix.MFD_CLOEXEC)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	want := []byte("io_uring probe")
	if n, err := unix.Pwrite(fd, want, 3); err != nil || n != len(want) {
		return false
	}
	r := getRing()
	if r == nil {
		return false
	}
	got := make([]byte, len(want))
	reqs := []uringRead{{dst: got, off: 3}}
	if err := r.readBatch(fd, reqs); err != nil || reqs[0].got != int32(len(want)) || string(got) != string(want) {
		putRing(r, false)
		return false
	}
	putRing(r, true)
	return true
}

// gatherRing reads the rows ids of a buffer_io store into buf (row i at i*stride) with io_uring,
// through the row cache, with the same results as readRow: a row not read whole by the ring is
// finished with pread, and a row that cannot be read is left zero with the error kept for Err.
// It reports false, having read nothing, when io_uring is not used (then the caller reads).
func (c *Codes) gatherRing(ids []uint32, buf []byte) bool {
	if len(ids) < uringMinRows || !URingEnabled() {
		return false
	}
	r := getRing()
	if r == nil {
		return false
	}
	d, s := c.disk, c.stride
	f := d.f
	fd := int(f.Fd())
	ok := true
	if r.reqs == nil {
		r.reqs, r.rows = make([]uringRead, 0, r.entries), make([]int, 0, r.entries)
	}
	depth := min(uringDepth(), int(r.entries), cap(r.reqs)) // num_threads_io may have been lowered
	reqs, rows := r.reqs[:0], r.rows[:0]
	flush := func() {
		if len(reqs) == 0 {
			return
		}
		if ok {
			if err := r.readBatch(fd, reqs); err != nil {
				ok = false // the rows not done are read with pread below; later batches too
			}
		}
		for k := range reqs {
			q := &reqs[k]
			done := 0
			if q.got > 0 {
				done = int(q.got)
			}
			if done < len(q.dst) {
				if err := pread(f, q.dst[done:], q.off+int64(done)); err != nil {
					d.setErr(err)
					clear(q.dst)
					continue
				}
			}
			if d.cache != nil {
				d.cache.put(rows[k], q.dst)
			}
		}
		reqs, rows = reqs[:0], rows[:0]
	}
	for i, id := range ids {
		dst := buf[i*s : (i+1)*s]
		if d.cache != nil && d.cache.get(int(id), dst) {
			continue
		}
		d.reads.Add(1)
		reqs = append(reqs, uringRead{dst: dst, off: int64(id) * int64(s)})
		rows = append(rows, int(id))
		if len(reqs) == depth {
			flush()
		}
	}
	flush()
	clear(r.reqs[:cap(r.reqs)]) // drops the references to buf
	runtime.KeepAlive(f)        // its descriptor stays open until the reads are done
	runtime.KeepAlive(buf)
	putRing(r, ok)
	return true
}
