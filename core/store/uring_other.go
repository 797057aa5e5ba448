//go:build !linux

package store

// URingEnabled reports whether Gather reads buffer_io rows with io_uring: never outside Linux.
func URingEnabled() bool { return false }

// gatherRing reads nothing outside Linux: Gather reads with pread.
func (c *Codes) gatherRing(ids []uint32, buf []byte) bool { return false }
