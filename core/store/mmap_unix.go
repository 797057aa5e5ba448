//go:build unix

package store

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// mapping is one shared, writable mapping of a store file; the diskStore that made it unmaps
// it when the store becomes unreachable (release).
type mapping struct{ data []byte }

// mapFile maps the first size bytes of f.
func mapFile(f *os.File, size int) (*mapping, error) {
	b, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return &mapping{data: b}, nil
}

// drop releases the mapping's resident pages; the bytes stay in the file and read back on demand.
func (m *mapping) drop() { _ = unix.Madvise(m.data, unix.MADV_DONTNEED) }

// release unmaps the mapping.
func (m *mapping) release() { _ = unix.Munmap(m.data) }

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
