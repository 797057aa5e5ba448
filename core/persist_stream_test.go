package core

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
)

// loadWays loads an index file every way there is.
var loadWays = map[string]func(t *testing.T, b []byte) (*Index, error){
	"LoadBytes": func(t *testing.T, b []byte) (*Index, error) { return LoadBytes(b) },
	"Load":      func(t *testing.T, b []byte) (*Index, error) { return Load(&oneByteReader{b}) },
	"LoadFile": func(t *testing.T, b []byte) (*Index, error) {
		p := filepath.Join(t.TempDir(), "x.vsag")
		require.NoError(t, os.WriteFile(p, b, 0o644))
		return LoadFile(p)
	},
	"LoadBinarySet": func(t *testing.T, b []byte) (*Index, error) {
		f, err := serial.Read(bytes.NewReader(b))
		require.NoError(t, err)
		set, err := serial.ToBinarySet(f)
		require.NoError(t, err)
		return LoadBinarySet(set)
	},
}

// withSection re-encodes an index file with one more section after the others.
func withSection(t *testing.T, b []byte, name string, flags serial.Flags) []byte {
	f, err := serial.Read(bytes.NewReader(b))
	require.NoError(t, err)
	f.Sections = append(f.Sections, serial.Section{Name: name, Flags: flags, Data: bytes.Repeat([]byte{1}, 1000)})
	var buf bytes.Buffer
	require.NoError(t, serial.Write(&buf, f))
	return buf.Bytes()
}

// A file from a later version with a section this library does not know loads when the section
// is not critical, and is INVALID_BINARY when it is.
func TestUnknownSectionsInIndexFiles(t *testing.T) {
	for _, name := range []string{"brute_force", "hgraph"} {
		param := ""
		if name == "hgraph" {
			param = `"max_degree":8,"ef_construction":20`
		}
		src := persistIndex(t, name, param, 50, 4, 3)
		good := serialized(t, src)
		optional := withSection(t, good, "future.stats", 0)
		critical := withSection(t, good, "future.codes", serial.Critical)
		for way, load := range loadWays {
			idx, err := load(t, optional)
			require.NoError(t, err, "%s %s", name, way)
			require.EqualValues(t, 50, idx.GetNumElements())
			_, err = load(t, critical)
			require.Equal(t, api.InvalidBinary, api.CodeOf(err), "%s %s: %v", name, way, err)
			require.ErrorContains(t, err, `"future.codes" is marked critical`)
		}
		fresh, err := CreateIndex(name, src.CreateParams())
		require.NoError(t, err)
		require.Equal(t, api.InvalidBinary, api.CodeOf(fresh.Deserialize(bytes.NewReader(critical))))
		require.Zero(t, fresh.GetNumElements())
		require.NoError(t, fresh.Deserialize(bytes.NewReader(optional)))
		require.EqualValues(t, 50, fresh.GetNumElements())
	}
}

// An error of a read function while loading is READ_ERROR and leaves the index empty.
func TestReadFuncErrorIsReadError(t *testing.T) {
	src := persistIndex(t, "hgraph", `"max_degree":8,"ef_construction":20`, 300, 16, 4)
	b := serialized(t, src)
	boom := errors.New("disk on fire")
	for _, at := range []int{10, len(b) / 3, len(b) - 40} {
		idx, err := CreateIndex("hgraph", src.CreateParams())
		require.NoError(t, err)
		err = idx.DeserializeReadFunc(func(off uint64, dst []byte) error {
			if off+uint64(len(dst)) > uint64(at) {
				return boom
			}
			copy(dst, b[off:])
			return nil
		}, uint64(len(b)))
		require.Equal(t, api.ReadError, api.CodeOf(err), "fail at %d: %v", at, err)
		require.ErrorIs(t, err, boom)
		require.Zero(t, idx.GetNumElements())
	}
}

// DeserializeFile and LoadFile read a pipe as a stream, which must end with the index.
func TestLoadFromPipe(t *testing.T) {
	src := persistIndex(t, "brute_force", "", 40, 4, 5)
	b := serialized(t, src)
	p := filepath.Join(t.TempDir(), "pipe")
	if err := mkfifo(p); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	feed := func(data []byte) {
		go func() {
			w, err := os.OpenFile(p, os.O_WRONLY, 0)
			if err == nil {
				w.Write(data)
				w.Close()
			}
		}()
	}
	feed(b)
	idx, err := LoadFile(p)
	require.NoError(t, err)
	require.EqualValues(t, 40, idx.GetNumElements())
	feed(append(append([]byte(nil), b...), 0))
	_, err = LoadFile(p)
	require.Equal(t, api.InvalidBinary, api.CodeOf(err))
	feed(b)
	fresh, err := CreateIndex("brute_force", src.CreateParams())
	require.NoError(t, err)
	require.NoError(t, fresh.DeserializeFile(p))
	require.EqualValues(t, 40, fresh.GetNumElements())
}

// gateWriter blocks its first write of more than 1 KiB until released.
type gateWriter struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once
	buf     bytes.Buffer
}

func (g *gateWriter) Write(p []byte) (int, error) {
	if len(p) > 1024 {
		g.once.Do(func() {
			close(g.entered)
			<-g.release
		})
	}
	return g.buf.Write(p)
}

// Serialize streams under the snapshot lock: a write started during the stream waits for its
// end (the file holds the index as it was when the save began), searches do not wait.
func TestConcurrentSerializeStreamsUnderTheSnapshotLock(t *testing.T) {
	idx, err := CreateIndex("hgraph", concCreate(8))
	require.NoError(t, err)
	v, ids, extra := concRows(1, 0, 400)
	_, err = idx.Build(&Dataset{NumElements: 400, Dim: concDim, IDs: ids, Float32: v, ExtraInfos: extra})
	require.NoError(t, err)

	g := &gateWriter{entered: make(chan struct{}), release: make(chan struct{})}
	saved := make(chan error, 1)
	go func() { saved <- idx.Serialize(g) }()
	<-g.entered

	var added atomic.Bool
	addDone := make(chan error, 1)
	go func() {
		v2, ids2, extra2 := concRows(2, 400, 300)
		_, err := idx.Add(&Dataset{NumElements: 300, Dim: concDim, IDs: ids2, Float32: v2, ExtraInfos: extra2})
		added.Store(true)
		addDone <- err
	}()
	// searches run while the save is stalled
	for i := 0; i < 20; i++ {
		res, err := idx.Search(v[i*concDim:(i+1)*concDim], 1, concSearch, nil)
		require.NoError(t, err)
		require.EqualValues(t, i, res[0].ID)
	}
	time.Sleep(50 * time.Millisecond)
	require.False(t, added.Load(), "an add finished while a save was streaming")
	close(g.release)
	require.NoError(t, <-saved)
	require.NoError(t, <-addDone)
	checkSnapshot(t, g.buf.Bytes(), 400)
	require.EqualValues(t, 700, idx.GetNumElements())
}

// Saving allocates next to nothing beyond the index; loading allocates about the index once.
func TestPersistAllocations(t *testing.T) {
	for _, name := range []string{"brute_force", "hgraph"} {
		param := ""
		if name == "hgraph" {
			param = `"max_degree":16,"ef_construction":40`
		}
		idx := persistIndex(t, name, param, 4000, 128, 6)
		b := serialized(t, idx)
		S := uint64(len(b))
		before := allocatedBytes()
		require.NoError(t, idx.Serialize(io.Discard))
		got := allocatedBytes() - before
		t.Logf("%s: S = %d, Serialize allocated %d", name, S, got)
		require.Less(t, got, S/10+1<<20, "%s: Serialize allocated %d for an index of %d bytes", name, got, S)

		p := filepath.Join(t.TempDir(), "x.vsag")
		require.NoError(t, os.WriteFile(p, b, 0o644))
		for way, load := range map[string]func() (*Index, error){
			"LoadFile":  func() (*Index, error) { return LoadFile(p) },
			"LoadBytes": func() (*Index, error) { return LoadBytes(b) },
			"Load":      func() (*Index, error) { return Load(bytes.NewReader(b)) },
		} {
			before = allocatedBytes()
			back, err := load()
			got = allocatedBytes() - before
			require.NoError(t, err)
			require.EqualValues(t, 4000, back.GetNumElements())
			t.Logf("%s %s: allocated %d (%.2f x S)", name, way, got, float64(got)/float64(S))
			require.Less(t, got, S*13/10+2<<20, "%s %s allocated %d for a file of %d bytes", name, way, got, S)
		}
	}
}
