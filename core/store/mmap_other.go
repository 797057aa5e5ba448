//go:build !unix

package store

import (
	"errors"
	"os"
)

// mapping is unavailable off unix: on-disk stores report an error when they first grow.
type mapping struct{ data []byte }

var errNoMmap = errors.New("on-disk code stores need a unix system")

func mapFile(*os.File, int) (*mapping, error)       { return nil, errNoMmap }
func (m *mapping) drop()                            {}
func (m *mapping) release()                         {}
func (m *mapping) sync() error                      { return errNoMmap }
func pread(f *os.File, dst []byte, off int64) error { _, err := f.ReadAt(dst, off); return err }
