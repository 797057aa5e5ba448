//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// acquireTemp creates the temporary file tmp for a save. Without flock, saves to one target are
// serialized within the process only (by writeFileAtomic's mutex). An existing temporary is
// taken for the leftover of a killed save and removed; on Windows a temporary another process
// is still writing cannot be removed, so that save fails instead of clobbering it.
func acquireTemp(tmp string) (*os.File, error) {
	for attempt := 0; attempt < 100; attempt++ {
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if fi, err := os.Lstat(tmp); err == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("the temporary path %q exists and is not a regular file", tmp)
		}
		if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove the stale temporary %q (is another process saving to it?): %w", tmp, err)
		}
	}
	return nil, fmt.Errorf("could not take the temporary file %q: other saves keep replacing it", tmp)
}

// syncDir is a no-op where folders cannot be opened and synced portably.
func syncDir(string) error { return nil }
