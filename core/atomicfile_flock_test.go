//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package core

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSerializeFileWaitsForAnotherProcess plays another process that is saving to the same
// target: it holds the flock on the temporary (flock locks belong to the open file, so a second
// descriptor in this process conflicts just as another process would). The save must wait
// rather than write into that process's temporary, then replace its result.
func TestSerializeFileWaitsForAnotherProcess(t *testing.T) {
	idx := persistIndex(t, "brute_force", "", 30, 4, 21)
	other := persistIndex(t, "brute_force", "", 40, 4, 22)
	dir := t.TempDir()
	p := filepath.Join(dir, "x.vsag")
	tmp := tempPathFor(p)

	// The other process: creates and locks the temporary and writes part of its index.
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
	require.NoError(t, err)
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	otherBytes := serialized(t, other)
	_, err = f.Write(otherBytes[:len(otherBytes)/2])
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { done <- idx.SerializeFile(p) }()
	select {
	case err := <-done:
		t.Fatalf("the save did not wait for the other one: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	// The other process finishes its file and renames it into place, then lets go.
	_, err = f.Write(otherBytes[len(otherBytes)/2:])
	require.NoError(t, err)
	require.NoError(t, f.Sync())
	require.NoError(t, os.Rename(tmp, p))
	back, err := LoadFile(p)
	require.NoError(t, err)
	require.EqualValues(t, 40, back.GetNumElements(), "the other process's file arrived whole")
	require.NoError(t, f.Close())

	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the save still waits after the other one let go")
	}
	back, err = LoadFile(p)
	require.NoError(t, err)
	require.EqualValues(t, 30, back.GetNumElements(), "the later save wins")
	require.Empty(t, tempLeftovers(t, dir))
}

// TestSerializeFileOtherProcessGaveUp: the other process held the temporary and then failed
// without removing it (it died): the waiting save takes over the stale temporary.
func TestSerializeFileOtherProcessGaveUp(t *testing.T) {
	idx := persistIndex(t, "brute_force", "", 30, 4, 23)
	dir := t.TempDir()
	p := filepath.Join(dir, "x.vsag")
	tmp := tempPathFor(p)
	f, err := os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	require.NoError(t, err)
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	_, err = f.WriteString("VSAGGOIX partial")
	require.NoError(t, err)

	done := make(chan error, 1)
	go func() { done <- idx.SerializeFile(p) }()
	time.Sleep(100 * time.Millisecond)
	require.NoError(t, f.Close()) // dies: the lock goes, the file stays

	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the save still waits")
	}
	back, err := LoadFile(p)
	require.NoError(t, err)
	require.EqualValues(t, 30, back.GetNumElements())
	require.Empty(t, tempLeftovers(t, dir))
}
