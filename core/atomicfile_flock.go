//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// acquireTemp creates the temporary file tmp for a save and takes an exclusive flock on it,
// which other processes saving to the same target respect (and which a killed process drops).
// A temporary that exists but whose lock can be taken was left by a killed save: it is removed
// and a fresh one created, so the file written is always one this call created (with the mode
// os.OpenFile(..., 0666) gives, 0666 minus the umask). When another save holds the lock, this
// waits for it to finish.
func acquireTemp(tmp string) (*os.File, error) {
	for attempt := 0; attempt < 1000; attempt++ {
		f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		created := err == nil
		if errors.Is(err, fs.ErrExist) {
			fi, lerr := os.Lstat(tmp)
			if errors.Is(lerr, fs.ErrNotExist) {
				continue // renamed or removed meanwhile
			}
			if lerr != nil {
				return nil, lerr
			}
			if !fi.Mode().IsRegular() {
				return nil, fmt.Errorf("the temporary path %q exists and is not a regular file", tmp)
			}
			// Read-only is enough to lock it; it is never written through this descriptor.
			f, err = os.OpenFile(tmp, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		if err := flockExclusive(f); err != nil {
			f.Close()
			return nil, fmt.Errorf("lock %q: %w", tmp, err)
		}
		// The lock is only meaningful if tmp still names the locked file: the save that held
		// it may have renamed it into place, or another save may have removed it as stale.
		if !sameFile(f, tmp) {
			f.Close()
			continue
		}
		if !created {
			// A leftover of a killed save (nobody holds its lock): remove it and start over.
			if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
				f.Close()
				return nil, fmt.Errorf("remove the stale temporary %q: %w", tmp, err)
			}
			f.Close()
			continue
		}
		return f, nil
	}
	return nil, fmt.Errorf("could not take the temporary file %q: other saves keep replacing it", tmp)
}

func flockExclusive(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) {
		for {
			ferr = syscall.Flock(int(fd), syscall.LOCK_EX)
			if ferr != syscall.EINTR {
				return
			}
		}
	}); err != nil {
		return err
	}
	return ferr
}

func sameFile(f *os.File, path string) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := os.Lstat(path)
	if err != nil {
		return false
	}
	return os.SameFile(a, b)
}

// syncDir fsyncs a folder so that a rename in it is durable. File systems that cannot sync a
// folder (EINVAL, ENOTSUP) are not an error: there is nothing more to be done on them.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}
