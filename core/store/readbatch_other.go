//go:build !linux

package store

import "os"

// ReadBatch reads nothing outside Linux (no io_uring): the caller reads with ReadAt.
func ReadBatch(f *os.File, bufs [][]byte, offs []int64, errs []error) bool { return false }

// SetURing does nothing outside Linux (there is no io_uring reader); it returns false.
func SetURing(on bool) bool { return false }
