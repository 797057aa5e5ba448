package core

import (
	"bufio"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/govsag/vsag/core/api"
)

// Saving to a path (Index.SerializeFile) is atomic and durable:
//
//  1. The index is written to one temporary file per target, ".NAME.vsag-tmp" in the target's
//     folder (the same file system, so the rename below is atomic).
//  2. The temporary file is flushed and fsynced, renamed over the target, and the folder is
//     fsynced so the rename itself survives a power cut.
//
// A reader therefore sees, under the real name, either nothing, the previous complete file or
// the new complete file — never a half-written index, even if the process is killed mid-save.
//
// The temporary name is predictable, so a save killed mid-write leaves at most one temporary per
// target, and the next save to that target reuses its name and leaves none. (Temporaries of
// earlier versions, ".NAME.tmp-DIGITS", are removed by the next save once they have gone
// unmodified for ten minutes.) Saves to the same
// target are serialized: within a process by a mutex, and across processes (on Unix) by an
// exclusive flock on the temporary file; a second save waits for the first and then replaces its
// result (the last one to finish wins). A temporary left by a killed save is recognized because
// nobody holds its lock; it is removed and a fresh one created.
//
// Modes: a new target gets exactly the mode os.Create would give, 0666 minus the umask. The
// temporary is created with os.OpenFile(..., 0666), so the kernel applies the umask; the umask
// is never read (syscall.Umask is process-global and would race with other goroutines). When the
// target exists, its permission bits are kept, which is again what os.Create does (it truncates
// an existing file in place and leaves its mode alone). The owner is the saving user, and a
// target with several hard links is replaced by a new file rather than rewritten through them.
// A symbolic link as target is followed: the file it points to is replaced and the link kept.
//
// Errors: a path that cannot be saved to (an empty path, a missing folder, a directory or other
// non-regular file as target, no permission to create the temporary) is INVALID_ARGUMENT; an I/O
// failure while writing, syncing or renaming is INTERNAL_ERROR. On every error the temporary is
// removed and the target is left untouched.

// tempSuffix ends the name of the temporary file a save writes before renaming it into place.
const tempSuffix = ".vsag-tmp"

// maxTempName keeps the temporary's name within the 255 bytes most file systems allow.
const maxTempName = 255

// tempPathFor returns the temporary file used while saving to target: ".NAME.vsag-tmp", or for
// a name too long for that, its first bytes and a hash of the whole name.
func tempPathFor(target string) string {
	dir, base := filepath.Split(target)
	name := "." + base + tempSuffix
	if len(name) > maxTempName {
		h := fnv.New64a()
		h.Write([]byte(base))
		tag := fmt.Sprintf("-%016x", h.Sum64())
		name = "." + base[:maxTempName-1-len(tag)-len(tempSuffix)] + tag + tempSuffix
	}
	return filepath.Join(dir, name)
}

// legacyTempAge is how long a temporary of an earlier version (".NAME.tmp-DIGITS", from
// os.CreateTemp) must have gone unmodified before a save removes it: a save in progress keeps
// writing to its temporary and renames it as soon as it is complete.
const legacyTempAge = 10 * time.Minute

// removeLegacyTemps removes what saves of earlier versions killed mid-write left next to target.
// Best effort: errors are ignored.
func removeLegacyTemps(target string) {
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	prefix := "." + base + ".tmp-"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > legacyTempAge {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// pathLocks serializes saves to the same temporary path within this process.
var pathLocks = struct {
	sync.Mutex
	m map[string]*pathLock
}{m: map[string]*pathLock{}}

type pathLock struct {
	mu   sync.Mutex
	refs int
}

func lockPath(p string) (unlock func()) {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	pathLocks.Lock()
	l := pathLocks.m[p]
	if l == nil {
		l = &pathLock{}
		pathLocks.m[p] = l
	}
	l.refs++
	pathLocks.Unlock()
	l.mu.Lock()
	return func() {
		l.mu.Unlock()
		pathLocks.Lock()
		if l.refs--; l.refs == 0 {
			delete(pathLocks.m, p)
		}
		pathLocks.Unlock()
	}
}

// saveTarget resolves the file a save to path replaces: a symbolic link is followed, and an
// existing target must be a regular file. keep reports whether the target exists, with its mode.
func saveTarget(path string) (target string, mode fs.FileMode, keep bool, err error) {
	if path == "" {
		return "", 0, false, api.Errorf(api.InvalidArgument, "serialize: the file path is empty")
	}
	target = path
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return target, 0, false, nil
		}
		return "", 0, false, api.Wrap(api.InvalidArgument, err, "serialize to %q", path)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		r, err := filepath.EvalSymlinks(path)
		if err != nil {
			// A dangling link: replace the link itself, as there is nothing to point through.
			return target, 0, false, nil
		}
		target = r
		if fi, err = os.Stat(r); err != nil {
			return "", 0, false, api.Wrap(api.InvalidArgument, err, "serialize to %q", path)
		}
	}
	if fi.IsDir() {
		return "", 0, false, api.Errorf(api.InvalidArgument, "serialize to %q: the path is a directory", path)
	}
	if !fi.Mode().IsRegular() {
		return "", 0, false, api.Errorf(api.InvalidArgument,
			"serialize to %q: the path is not a regular file (%v); use Serialize with an io.Writer for devices and pipes", path, fi.Mode().Type())
	}
	return target, fi.Mode().Perm(), true, nil
}

// writeFileAtomic writes the bytes produced by write to path atomically and durably, as
// described at the top of this file.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	target, mode, keep, err := saveTarget(path)
	if err != nil {
		return err
	}
	tmp := tempPathFor(target)
	unlock := lockPath(tmp)
	defer unlock()
	f, err := acquireTemp(tmp)
	if err != nil {
		return api.Wrap(api.InvalidArgument, err, "serialize to %q", path)
	}
	renamed := false
	defer func() {
		if !renamed {
			// The temporary is ours while we hold its lock: remove it before letting go.
			os.Remove(tmp)
		}
		f.Close()
	}()
	if keep {
		if err := f.Chmod(mode); err != nil {
			return api.Wrap(api.InternalError, err, "serialize to %q: keep the mode of the existing file", path)
		}
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return api.Wrap(api.InternalError, err, "serialize to %q", path)
	}
	if err := f.Sync(); err != nil {
		return api.Wrap(api.InternalError, err, "serialize to %q: sync", path)
	}
	// Rename while still holding the lock, so that no other save can take the temporary for a
	// stale one between the sync and the rename.
	if err := os.Rename(tmp, target); err != nil {
		return api.Wrap(api.InternalError, err, "serialize to %q: rename into place", path)
	}
	renamed = true
	removeLegacyTemps(target)
	if err := syncDir(filepath.Dir(target)); err != nil {
		return api.Wrap(api.InternalError, err, "serialize to %q: sync the folder after the rename", path)
	}
	return nil
}
