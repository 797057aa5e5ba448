package core

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// persistIndex builds a small seeded index of the given type; param is the body of index_param.
func persistIndex(t testing.TB, name, param string, n, dim int, seed int64) *Index {
	t.Helper()
	js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d}`, dim)
	if param != "" {
		js = fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{%s}}`, dim, param)
	}
	idx, err := CreateIndex(name, js)
	require.NoError(t, err)
	rng := rand.New(rand.NewSource(seed))
	vecs := make([]float32, n*dim)
	for i := range vecs {
		vecs[i] = rng.Float32()
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i) * 3
	}
	failed, err := idx.Build(&Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: vecs})
	require.NoError(t, err)
	require.Empty(t, failed)
	return idx
}

func serialized(t testing.TB, idx *Index) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	return buf.Bytes()
}

// tempLeftovers lists the files in dir that a save writes before renaming into place (this
// version's .vsag-tmp and the .tmp-* of earlier versions).
func tempLeftovers(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), tempSuffix) || strings.Contains(e.Name(), ".tmp-") {
			out = append(out, e.Name())
		}
	}
	return out
}

// requireUsableEmpty checks that an index a failed deserialize was tried on lost nothing: it is
// still empty, still builds and searches, and still loads a good file.
func requireUsableEmpty(t *testing.T, idx *Index, good string) {
	t.Helper()
	require.EqualValues(t, 0, idx.GetNumElements())
	require.EqualValues(t, 0, idx.GetNumberRemoved())
	res, err := idx.Search(make([]float32, idx.Dim()), 3, "", nil)
	if err == nil {
		require.Empty(t, res)
	}
	require.NoError(t, idx.DeserializeFile(good))
	require.Greater(t, idx.GetNumElements(), int64(0))
}

func TestFileReliabilityBadFiles(t *testing.T) {
	const dim = 8
	src := persistIndex(t, "brute_force", "", 200, dim, 1)
	good := serialized(t, src)
	dir := t.TempDir()
	goodPath := filepath.Join(dir, "good.vsag")
	require.NoError(t, os.WriteFile(goodPath, good, 0o644))

	type bad struct {
		name string
		data []byte
		want api.ErrorCode
	}
	var cases []bad
	for k := 0; k < 16; k++ {
		cases = append(cases, bad{fmt.Sprintf("truncated-%02d-of-16", k), good[:len(good)*k/16], api.InvalidBinary})
	}
	cases = append(cases, bad{"truncated-by-one", good[:len(good)-1], api.InvalidBinary})
	for _, off := range []int{0, 7, 8, 12, 16, 20, 28, 40, len(good) / 3, len(good) / 2, len(good) - 30, len(good) - 20, len(good) - 10, len(good) - 1} {
		for _, bit := range []uint{0, 7} {
			b := append([]byte(nil), good...)
			b[off] ^= 1 << bit
			cases = append(cases, bad{fmt.Sprintf("bitflip-%d-bit%d", off, bit), b, api.InvalidBinary})
		}
	}
	rng := rand.New(rand.NewSource(7))
	random := make([]byte, 4096)
	rng.Read(random)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), random[:200]...)
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"), random[:200]...)
	cases = append(cases,
		bad{"empty", nil, api.InvalidBinary},
		bad{"random-bytes", random, api.InvalidBinary},
		bad{"png", png, api.InvalidBinary},
		bad{"elf", elf, api.InvalidBinary},
		bad{"json", []byte(`{"index_name":"brute_force","create_params":{"dim":8}}`), api.InvalidBinary},
		bad{"header-only", good[:16], api.InvalidBinary},
	)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, c.name+".vsag")
			require.NoError(t, os.WriteFile(p, c.data, 0o644))

			_, err := LoadFile(p)
			require.Error(t, err)
			require.Equal(t, c.want, api.CodeOf(err), "LoadFile: %v", err)

			_, err = LoadBytes(c.data)
			require.Equal(t, c.want, api.CodeOf(err), "LoadBytes: %v", err)

			idx, err := CreateIndex("brute_force", src.CreateParams())
			require.NoError(t, err)
			err = idx.DeserializeFile(p)
			require.Error(t, err)
			require.Equal(t, c.want, api.CodeOf(err), "DeserializeFile: %v", err)
			requireUsableEmpty(t, idx, goodPath)
		})
	}

	// The good file itself loads both ways.
	back, err := LoadFile(goodPath)
	require.NoError(t, err)
	require.Equal(t, src.GetNumElements(), back.GetNumElements())
}

func TestFileReliabilityPaths(t *testing.T) {
	src := persistIndex(t, "brute_force", "", 50, 4, 2)
	dir := t.TempDir()
	goodPath := filepath.Join(dir, "good.vsag")
	require.NoError(t, src.SerializeFile(goodPath))

	unreadable := filepath.Join(dir, "unreadable.vsag")
	require.NoError(t, src.SerializeFile(unreadable))
	require.NoError(t, os.Chmod(unreadable, 0))
	sub := filepath.Join(dir, "a-directory")
	require.NoError(t, os.Mkdir(sub, 0o755))

	for _, c := range []struct {
		name, path string
		want       api.ErrorCode
		needUser   bool
	}{
		{"missing", filepath.Join(dir, "missing.vsag"), api.MissingFile, false},
		{"missing-folder", filepath.Join(dir, "no", "such", "x.vsag"), api.MissingFile, false},
		{"directory", sub, api.ReadError, false},
		{"unreadable", unreadable, api.ReadError, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.needUser && os.Geteuid() == 0 {
				t.Skip("root reads files whatever their mode")
			}
			_, err := LoadFile(c.path)
			require.Error(t, err)
			require.Equal(t, c.want, api.CodeOf(err), "LoadFile: %v", err)
			idx, err := CreateIndex("brute_force", src.CreateParams())
			require.NoError(t, err)
			err = idx.DeserializeFile(c.path)
			require.Error(t, err)
			require.Equal(t, c.want, api.CodeOf(err), "DeserializeFile: %v", err)
			requireUsableEmpty(t, idx, goodPath)
		})
	}
}

func TestDeserializeFileMismatchKeepsIndex(t *testing.T) {
	src := persistIndex(t, "brute_force", "", 50, 4, 3)
	p := filepath.Join(t.TempDir(), "x.vsag")
	require.NoError(t, src.SerializeFile(p))

	other, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":5}`)
	require.NoError(t, err)
	err = other.DeserializeFile(p)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), "dim")
	require.EqualValues(t, 0, other.GetNumElements())

	full := persistIndex(t, "brute_force", "", 10, 4, 4)
	err = full.DeserializeFile(p)
	require.Equal(t, api.IndexNotEmpty, api.CodeOf(err), "%v", err)
	require.EqualValues(t, 10, full.GetNumElements(), "a refused deserialize keeps the vectors")

	// A corrupt file offered to an index that holds vectors takes nothing from it either.
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	bad := filepath.Join(filepath.Dir(p), "bad.vsag")
	require.NoError(t, os.WriteFile(bad, b[:len(b)/2], 0o644))
	err = full.DeserializeFile(bad)
	require.Error(t, err)
	require.Contains(t, []api.ErrorCode{api.InvalidBinary, api.IndexNotEmpty}, api.CodeOf(err), "%v", err)
	require.EqualValues(t, 10, full.GetNumElements())
	res, err := full.Search([]float32{0.5, 0.5, 0.5, 0.5}, 3, "", nil)
	require.NoError(t, err)
	require.Len(t, res, 3)
}

func TestSerializeFileBadTargets(t *testing.T) {
	idx := persistIndex(t, "brute_force", "", 20, 4, 5)
	dir := t.TempDir()

	err := idx.SerializeFile(filepath.Join(dir, "no-such-folder", "x.vsag"))
	require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
	require.Empty(t, tempLeftovers(t, dir))

	sub := filepath.Join(dir, "sub")
	require.NoError(t, os.Mkdir(sub, 0o755))
	err = idx.SerializeFile(sub)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), "directory")
	require.Empty(t, tempLeftovers(t, dir))
	require.Empty(t, tempLeftovers(t, sub))
	fi, err := os.Stat(sub)
	require.NoError(t, err)
	require.True(t, fi.IsDir(), "the directory is left alone")

	err = idx.SerializeFile(filepath.Join(sub, ""))
	require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
	err = idx.SerializeFile("")
	require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)

	if os.Geteuid() != 0 {
		ro := filepath.Join(dir, "read-only")
		require.NoError(t, os.Mkdir(ro, 0o555))
		err = idx.SerializeFile(filepath.Join(ro, "x.vsag"))
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
		require.Empty(t, tempLeftovers(t, ro))
	}

	// A device is not replaced by a file.
	if _, err := os.Stat(os.DevNull); err == nil {
		err = idx.SerializeFile(os.DevNull)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
	}
}

func TestWriteFileAtomicFailedWriteLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "x.vsag")
	require.NoError(t, os.WriteFile(target, []byte("previous"), 0o640))
	boom := errors.New("boom")
	err := writeFileAtomic(target, func(w io.Writer) error {
		if _, err := w.Write(make([]byte, 3<<20)); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Empty(t, tempLeftovers(t, dir))
	b, err := os.ReadFile(target)
	require.NoError(t, err)
	require.Equal(t, "previous", string(b), "a failed save leaves the target untouched")
}

func TestSerializeFileModes(t *testing.T) {
	idx := persistIndex(t, "brute_force", "", 20, 4, 6)
	dir := t.TempDir()

	// A new file gets what os.Create gives (0666 minus the umask), not CreateTemp's 0600.
	ref := filepath.Join(dir, "reference")
	f, err := os.Create(ref)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	want, err := os.Stat(ref)
	require.NoError(t, err)
	p := filepath.Join(dir, "new.vsag")
	require.NoError(t, idx.SerializeFile(p))
	got, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, want.Mode().Perm(), got.Mode().Perm())

	// An existing file keeps its permission bits, as os.Create on it would.
	for _, m := range []fs.FileMode{0o600, 0o640, 0o604} {
		p := filepath.Join(dir, fmt.Sprintf("existing-%o.vsag", m))
		require.NoError(t, os.WriteFile(p, []byte("old"), 0o600))
		require.NoError(t, os.Chmod(p, m))
		require.NoError(t, idx.SerializeFile(p))
		got, err := os.Stat(p)
		require.NoError(t, err)
		require.Equal(t, m, got.Mode().Perm())
		_, err = LoadFile(p)
		require.NoError(t, err)
	}

	// A symbolic link is followed: the file it points to is replaced, the link stays.
	real := filepath.Join(dir, "real.vsag")
	require.NoError(t, os.WriteFile(real, []byte("old"), 0o600))
	require.NoError(t, os.Chmod(real, 0o640)) // whatever the umask
	link := filepath.Join(dir, "link.vsag")
	if err := os.Symlink("real.vsag", link); err != nil {
		t.Logf("no symbolic links here: %v", err)
	} else {
		require.NoError(t, idx.SerializeFile(link))
		li, err := os.Lstat(link)
		require.NoError(t, err)
		require.True(t, li.Mode()&fs.ModeSymlink != 0, "the link is kept")
		back, err := LoadFile(real)
		require.NoError(t, err)
		require.Equal(t, idx.GetNumElements(), back.GetNumElements())
		ri, err := os.Stat(real)
		require.NoError(t, err)
		require.Equal(t, fs.FileMode(0o640), ri.Mode().Perm())
	}
	require.Empty(t, tempLeftovers(t, dir))
}

func TestSerializeFileRemovesStaleTemporary(t *testing.T) {
	idx := persistIndex(t, "brute_force", "", 20, 4, 7)
	dir := t.TempDir()
	p := filepath.Join(dir, "x.vsag")
	// What a save killed mid-write leaves behind: a half-written temporary nobody holds.
	require.NoError(t, os.WriteFile(tempPathFor(p), []byte("VSAGGOIX half written"), 0o600))
	require.NoError(t, idx.SerializeFile(p))
	require.Empty(t, tempLeftovers(t, dir))
	back, err := LoadFile(p)
	require.NoError(t, err)
	require.Equal(t, idx.GetNumElements(), back.GetNumElements())
	// The stale file's 0600 is not inherited: the result has os.Create's mode.
	ref := filepath.Join(dir, "reference")
	f, err := os.Create(ref)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	want, err := os.Stat(ref)
	require.NoError(t, err)
	got, err := os.Stat(p)
	require.NoError(t, err)
	require.Equal(t, want.Mode().Perm(), got.Mode().Perm())
}

func TestSerializeFileConcurrentSamePath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.vsag")
	const writers = 8
	idxs := make([]*Index, writers)
	for i := range idxs {
		idxs[i] = persistIndex(t, "brute_force", "", 100+i, 8, int64(10+i))
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*4)
	for i := 0; i < writers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for r := 0; r < 4; r++ {
				if err := idxs[i].SerializeFile(p); err != nil {
					errs <- err
					return
				}
				// Readers may look at any moment and always see a whole file.
				back, err := LoadFile(p)
				if err != nil {
					errs <- fmt.Errorf("load while saving: %w", err)
					return
				}
				if n := back.GetNumElements(); n < 100 || n >= 100+writers {
					errs <- fmt.Errorf("loaded %d elements", n)
					return
				}
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Empty(t, tempLeftovers(t, dir))
	pathLocks.Lock()
	require.Empty(t, pathLocks.m, "the per-path locks are released")
	pathLocks.Unlock()
}

func TestSerializeFileLongName(t *testing.T) {
	idx := persistIndex(t, "brute_force", "", 10, 4, 8)
	dir := t.TempDir()
	p := filepath.Join(dir, strings.Repeat("n", 250)+".vsag") // 255 bytes, the usual limit
	require.LessOrEqual(t, len(filepath.Base(tempPathFor(p))), maxTempName)
	require.NotEqual(t, tempPathFor(p), tempPathFor(filepath.Join(dir, strings.Repeat("n", 250)+".vsaG")))
	require.NoError(t, idx.SerializeFile(p))
	_, err := LoadFile(p)
	require.NoError(t, err)
	require.Empty(t, tempLeftovers(t, dir))
}

func TestSerializeFileRemovesLegacyTemporaries(t *testing.T) {
	idx := persistIndex(t, "brute_force", "", 10, 4, 9)
	dir := t.TempDir()
	p := filepath.Join(dir, "x.vsag")
	old := time.Now().Add(-time.Hour)
	// Left by earlier versions' os.CreateTemp: two old ones, one recent (maybe still being
	// written), and files that only look similar.
	for _, name := range []string{".x.vsag.tmp-123456", ".x.vsag.tmp-987", ".x.vsag.tmp-555", ".x.vsag.tmp-abc", ".y.vsag.tmp-123"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("partial"), 0o600))
		if name != ".x.vsag.tmp-555" {
			require.NoError(t, os.Chtimes(filepath.Join(dir, name), old, old))
		}
	}
	require.NoError(t, idx.SerializeFile(p))
	require.ElementsMatch(t, []string{".x.vsag.tmp-555", ".x.vsag.tmp-abc", ".y.vsag.tmp-123"}, tempLeftovers(t, dir))
}
