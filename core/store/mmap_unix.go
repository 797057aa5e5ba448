//go:build unix

package store

import (
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// mapping is one shared, writable mapping of a store file; it is unmapped when it becomes
// unreachable.
type mapping struct{ data []byte }

// mapFile maps the first size bytes of f.
func mapFile(f *os.File, size int) (*mapping, error) {
	b, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	m := &mapping{data: b}
	runtime.SetFinalizer(m, func(m *mapping) { _ = unix.Munmap(m.data) })
	return m, nil
}

// drop releases the mapping's resident pages; the bytes stay in the file and read back on demand.
func (m *mapping) drop() { _ = unix.Madvise(m.data, unix.MADV_DONTNEED) }

// sync writes the mapping's dirty pages to the file.
func (m *mapping) sync() error { return unix.Msync(m.data, unix.MS_SYNC) }

// pread reads len(dst) bytes at off.
func pread(f *os.File, dst []byte, off int64) error {
	for len(dst) > 0 {
		n, err := syscall.Pread(int(f.Fd()), dst, off)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return err
		}
		if n == 0 {
			return os.ErrClosed
		}
		dst, off = dst[n:], off+int64(n)
	}
	return nil
}
