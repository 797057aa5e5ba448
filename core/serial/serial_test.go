package serial

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"
)

func sample() *File {
	f := &File{Meta: Meta{IndexName: "brute_force", CreateParams: []byte(`{"dim":4}`), Library: "test", NumElements: 3}}
	f.Add("labels", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add("codes", bytes.Repeat([]byte{9}, 100))
	f.Add("empty", nil)
	return f
}

// writeV1 encodes f in format version 1 (the writer of earlier versions of this package), for
// tests of the version-1 readers.
func writeV1(w io.Writer, f *File) error {
	meta, err := json.Marshal(f.Meta)
	if err != nil {
		return err
	}
	le := binary.LittleEndian
	out := append(append([]byte(nil), headerMagic[:]...), 1, 0, 0, 0, 0, 0, 0, 0)
	blob := func(b []byte) {
		out = le.AppendUint64(out, uint64(len(b)))
		out = le.AppendUint32(out, crc32.ChecksumIEEE(b))
		out = append(out, b...)
	}
	blob(meta)
	out = le.AppendUint32(out, uint32(len(f.Sections)))
	all := crc32.NewIEEE()
	for _, s := range f.Sections {
		if err := s.materialize(); err != nil {
			return err
		}
		out = le.AppendUint16(out, uint16(len(s.Name)))
		out = append(out, s.Name...)
		var sum [4]byte
		le.PutUint32(sum[:], crc32.ChecksumIEEE(s.Data))
		all.Write([]byte(s.Name))
		all.Write(sum[:])
		blob(s.Data)
	}
	n := uint64(len(out))
	out = append(out, footerMagic[:]...)
	out = le.AppendUint64(out, n)
	out = le.AppendUint32(out, all.Sum32())
	_, err = w.Write(out)
	return err
}

func encode(t testing.TB, f *File, version int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if version == 1 {
		require.NoError(t, writeV1(&buf, f))
	} else {
		require.NoError(t, Write(&buf, f))
	}
	return buf.Bytes()
}

// readers are the ways to read a whole file: Read, a stream asked for every section, and
// offsets asked for every section.
var readers = map[string]func(b []byte) (map[string][]byte, error){
	"Read": func(b []byte) (map[string][]byte, error) {
		f, err := Read(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		out := map[string][]byte{}
		for _, s := range f.Sections {
			out[s.Name] = s.Data
		}
		return out, nil
	},
	"NewReader": func(b []byte) (map[string][]byte, error) {
		f, err := NewReader(iotest.HalfReader(bytes.NewReader(b)))
		if err != nil {
			return nil, err
		}
		out := map[string][]byte{}
		for _, name := range []string{"labels", "codes", "empty"} {
			d, ok, err := f.Lookup(name)
			if err != nil {
				return nil, err
			}
			if ok {
				out[name] = d
			}
		}
		return out, f.Finish()
	},
	"OpenAt": func(b []byte) (map[string][]byte, error) {
		f, err := OpenAt(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return nil, err
		}
		out := map[string][]byte{}
		for _, e := range f.src.(*at).entries {
			d, err := f.Need(e.name)
			if err != nil {
				return nil, err
			}
			out[e.name] = d
		}
		return out, f.Finish()
	},
}

func TestRoundTrip(t *testing.T) {
	for _, v := range []int{1, 2} {
		b := encode(t, sample(), v)
		got, err := Read(bytes.NewReader(b))
		require.NoError(t, err)
		require.Equal(t, v, got.Version())
		require.Equal(t, "brute_force", got.Meta.IndexName)
		d, ok := got.Get("codes")
		require.True(t, ok)
		require.Equal(t, bytes.Repeat([]byte{9}, 100), d)
		_, err = got.Need("missing")
		require.ErrorIs(t, err, ErrCorrupt)
		for name, read := range readers {
			m, err := read(b)
			require.NoError(t, err, "version %d %s", v, name)
			require.Equal(t, bytes.Repeat([]byte{9}, 100), m["codes"], "version %d %s", v, name)
			require.Equal(t, []byte{1, 2, 3, 4, 5, 6, 7, 8}, m["labels"], "version %d %s", v, name)
			require.Empty(t, m["empty"])
		}
	}
}

func TestBinarySetRoundTrip(t *testing.T) {
	f := sample()
	f.AddOptional("note", []byte("x"))
	set, err := ToBinarySet(f)
	require.NoError(t, err)
	got, err := FromBinarySet(set)
	require.NoError(t, err)
	require.Len(t, got.Sections, 4)
	require.Equal(t, Critical, got.Sections[0].Flags)
	require.Equal(t, Flags(0), got.Sections[3].Flags)
	set["codes"][0] ^= 1
	_, err = FromBinarySet(set)
	require.ErrorIs(t, err, ErrCorrupt)
	delete(set, MetaKey)
	_, err = FromBinarySet(set)
	require.ErrorIs(t, err, ErrCorrupt)
}

// A binary set whose metadata blob was written by version 1 reads as version 1.
func TestBinarySetVersion1(t *testing.T) {
	tab, _ := json.Marshal([]map[string]any{{"name": "codes", "crc32": crc32.ChecksumIEEE([]byte{7}), "size": 1}})
	var mb bytes.Buffer
	require.NoError(t, writeV1(&mb, &File{Meta: Meta{IndexName: "x"}, Sections: []Section{{Name: tableSection, Data: tab}}}))
	f, err := FromBinarySet(BinarySet{MetaKey: mb.Bytes(), "codes": {7}})
	require.NoError(t, err)
	require.Equal(t, 1, f.Version())
	b, err := f.Need("codes")
	require.NoError(t, err)
	require.Equal(t, []byte{7}, b)
	require.NoError(t, f.Finish())
}

func TestEveryTruncationAndFlipIsCaught(t *testing.T) {
	for _, v := range []int{1, 2} {
		full := encode(t, sample(), v)
		for name, read := range readers {
			for n := 0; n < len(full); n++ {
				_, err := read(full[:n])
				require.Error(t, err, "version %d %s truncated at %d", v, name, n)
				require.True(t, errors.Is(err, ErrCorrupt), "version %d %s truncated at %d: %v", v, name, n, err)
			}
			for i := 0; i < len(full); i++ {
				c := append([]byte(nil), full...)
				c[i] ^= 0x40
				_, err := read(c)
				require.Error(t, err, "version %d %s: flip at byte %d not detected", v, name, i)
			}
		}
	}
}

func TestHugeClaimedLengthDoesNotAllocate(t *testing.T) {
	for _, v := range []int{1, 2} {
		c := encode(t, sample(), v)
		// metadata length field lives right after the 16-byte header
		for i := 16; i < 24; i++ {
			c[i] = 0xff
		}
		for _, read := range readers {
			_, err := read(c)
			require.ErrorIs(t, err, ErrCorrupt)
		}
	}
}

// The version-2 layout: payloads start 64-byte aligned, each record's offset is in the table.
func TestLayoutVersion2(t *testing.T) {
	b := encode(t, sample(), 2)
	f, err := OpenAt(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	a := f.src.(*at)
	require.Len(t, a.entries, 3)
	for _, e := range a.entries {
		require.Zero(t, e.payload%Alignment, e.name)
		require.Equal(t, e.name, string(b[e.rec+recordHeader:e.rec+recordHeader+int64(len(e.name))]))
		require.Equal(t, Critical, e.flags)
	}
	require.Equal(t, "VSAGGOEN", string(b[len(b)-footerSize:len(b)-footerSize+8]))
}

// Streamed sections are written from their writer functions, checked against their size.
func TestAddStream(t *testing.T) {
	payload := bytes.Repeat([]byte("abc"), 5000)
	f := &File{Meta: Meta{IndexName: "x"}}
	f.Add("small", []byte{1})
	f.AddStream("big", Critical, int64(len(payload)), func(w io.Writer) error {
		for p := payload; len(p) > 0; p = p[min(len(p), 777):] {
			if _, err := w.Write(p[:min(len(p), 777)]); err != nil {
				return err
			}
		}
		return nil
	})
	b := encode(t, f, 2)
	for name, open := range map[string]func() (*File, error){
		"OpenAt":    func() (*File, error) { return OpenAt(bytes.NewReader(b), int64(len(b))) },
		"NewReader": func() (*File, error) { return NewReader(bytes.NewReader(b)) },
	} {
		g, err := open()
		require.NoError(t, err, name)
		sr, err := g.Open("big")
		require.NoError(t, err, name)
		require.EqualValues(t, len(payload), sr.Size())
		got, err := io.ReadAll(sr)
		require.NoError(t, err, name)
		require.Equal(t, payload, got, name)
		require.NoError(t, sr.Done(), name)
		// the stream kept "small", which it passed to reach "big"
		s, err := g.Need("small")
		require.NoError(t, err, name)
		require.Equal(t, []byte{1}, s)
		require.NoError(t, g.Finish(), name)
	}
	// materialized, the same bytes
	require.NoError(t, f.Materialize())
	require.Equal(t, payload, f.Sections[1].Data)
	require.Equal(t, b, encode(t, f, 2))

	// a writer that writes other than it declared fails the write
	for _, n := range []int{2, 4} {
		g := &File{}
		g.AddStream("x", Critical, 3, func(w io.Writer) error { _, err := w.Write(make([]byte, n)); return err })
		require.ErrorContains(t, Write(io.Discard, g), "declared 3")
		require.ErrorContains(t, g.Materialize(), "declared 3")
	}
	g := &File{}
	g.AddStream("x", Critical, 3, func(w io.Writer) error { return errors.New("store gone") })
	require.ErrorContains(t, Write(io.Discard, g), "store gone")
	g = &File{}
	g.Add("x", nil)
	g.Add("x", nil)
	require.ErrorContains(t, Write(io.Discard, g), "twice")
}

// fileWith writes a file with a known section and an extra one with the given flags.
func fileWith(t *testing.T, flags Flags) []byte {
	f := &File{Meta: Meta{IndexName: "x"}}
	f.Add("known", []byte("k"))
	f.Sections = append(f.Sections, Section{Name: "future", Flags: flags, Data: bytes.Repeat([]byte{5}, 3000)})
	f.Add("later", []byte("l"))
	return encode(t, f, 2)
}

// A loader that reads the sections it knows: unknown sections without the critical flag are
// skipped; an unknown critical one makes Finish refuse the file.
func TestUnknownSections(t *testing.T) {
	load := func(f *File) error {
		for _, n := range []string{"known", "later"} {
			if _, err := f.Need(n); err != nil {
				return err
			}
		}
		return f.Finish()
	}
	for _, flags := range []Flags{0, Critical} {
		b := fileWith(t, flags)
		set := func() *File {
			s, err := ToBinarySet(mustRead(t, b))
			require.NoError(t, err)
			f, err := FromBinarySet(s)
			require.NoError(t, err)
			return f
		}
		for name, open := range map[string]func() (*File, error){
			"OpenAt":    func() (*File, error) { return OpenAt(bytes.NewReader(b), int64(len(b))) },
			"NewReader": func() (*File, error) { return NewReader(iotest.OneByteReader(bytes.NewReader(b))) },
			"memory":    func() (*File, error) { return mustRead(t, b), nil },
			"binaryset": func() (*File, error) { return set(), nil },
		} {
			f, err := open()
			require.NoError(t, err)
			err = load(f)
			if flags == 0 {
				require.NoError(t, err, name)
			} else {
				require.ErrorIs(t, err, ErrCorrupt, name)
				require.ErrorContains(t, err, `section "future" is marked critical`, name)
			}
			// a section the loader knows and skips is not unknown
			f, err = open()
			require.NoError(t, err)
			f.Skip("future")
			require.NoError(t, load(f), name)
		}
	}
	// unknown flag bits are refused
	b := fileWith(t, 0)
	f, err := OpenAt(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	e := f.src.(*at).byName["future"]
	c := append([]byte(nil), b...)
	c[e.rec+2] = 0x80
	c = fixRecord(c, int(e.rec))
	_, err = NewReader(bytes.NewReader(c))
	require.NoError(t, err)
	_, err = Read(bytes.NewReader(c))
	require.ErrorContains(t, err, "unknown flags")
}

func fixRecord(b []byte, rec int) []byte {
	l := int(binary.LittleEndian.Uint16(b[rec:]))
	binary.LittleEndian.PutUint32(b[rec+16:], crc32.Update(crc32.ChecksumIEEE(b[rec:rec+16]), crc32.IEEETable, b[rec+20:rec+20+l]))
	return b
}

func mustRead(t *testing.T, b []byte) *File {
	f, err := Read(bytes.NewReader(b))
	require.NoError(t, err)
	return f
}

// A stream reads nothing past the end of the file; offsets refuse bytes after it.
func TestEndOfFile(t *testing.T) {
	for _, v := range []int{1, 2} {
		b := append(encode(t, sample(), v), "tail"...)
		r := bytes.NewReader(b)
		_, err := Read(r)
		require.NoError(t, err)
		rest, _ := io.ReadAll(r)
		require.Equal(t, "tail", string(rest))
		r = bytes.NewReader(b)
		f, err := NewReader(r)
		require.NoError(t, err)
		_, err = f.Need("codes")
		require.NoError(t, err)
		f.Skip("labels")
		f.Skip("empty")
		require.NoError(t, f.Finish())
		rest, _ = io.ReadAll(r)
		require.Equal(t, "tail", string(rest))
		_, err = OpenAt(bytes.NewReader(b), int64(len(b)))
		require.ErrorIs(t, err, ErrCorrupt)
	}
}

// A stream reads each section once; offsets read any section in any order, again.
func TestSectionOrder(t *testing.T) {
	b := encode(t, sample(), 2)
	f, err := NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	_, err = f.Need("empty") // passes labels and codes, which are kept
	require.NoError(t, err)
	got, err := f.Need("labels")
	require.NoError(t, err)
	require.Len(t, got, 8)
	_, err = f.Need("labels")
	require.ErrorContains(t, err, "already read")
	require.Error(t, f.Finish(), "codes, critical, was never read")
	f, err = NewReader(bytes.NewReader(b))
	require.NoError(t, err)
	_, err = f.Need("empty")
	require.NoError(t, err)
	f.Skip("codes")
	f.Skip("labels")
	require.NoError(t, f.Finish())

	f, err = OpenAt(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	for _, n := range []string{"empty", "codes", "labels", "codes"} {
		_, err := f.Need(n)
		require.NoError(t, err)
	}
	_, ok, err := f.Lookup("absent")
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, f.Finish())
}

// A section reader checks that its payload was read whole and intact.
func TestSectionReaderDone(t *testing.T) {
	b := encode(t, sample(), 2)
	f, err := OpenAt(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	sr, err := f.Open("codes")
	require.NoError(t, err)
	_, err = io.ReadFull(sr, make([]byte, 10))
	require.NoError(t, err)
	require.ErrorContains(t, sr.Done(), "90 bytes left unread")

	e := f.src.(*at).byName["codes"]
	c := append([]byte(nil), b...)
	c[e.payload+5] ^= 1
	f, err = OpenAt(bytes.NewReader(c), int64(len(c)))
	require.NoError(t, err)
	sr, err = f.Open("codes")
	require.NoError(t, err)
	_, err = io.ReadFull(sr, make([]byte, 100))
	require.NoError(t, err) // io.ReadFull drops the error of the read that filled the buffer
	require.ErrorContains(t, sr.Done(), "checksum mismatch")
}

// An error of the underlying reader is a ReadError, not corruption.
func TestReadErrorsAreReadErrors(t *testing.T) {
	b := encode(t, sample(), 2)
	boom := errors.New("disk on fire")
	f, err := OpenAt(&failingAt{b: b, failFrom: int64(len(b) / 2), err: boom}, int64(len(b)))
	if err == nil {
		for _, n := range []string{"labels", "codes", "empty"} {
			if _, err = f.Need(n); err != nil {
				break
			}
		}
	}
	require.ErrorIs(t, err, boom)
	require.True(t, IsReadError(err))
	require.False(t, errors.Is(err, ErrCorrupt))
	_, err = Read(bytes.NewReader(b[:20]))
	require.False(t, IsReadError(err))
}

type failingAt struct {
	b        []byte
	failFrom int64
	err      error
}

func (f *failingAt) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.failFrom {
		return 0, f.err
	}
	return copy(p, f.b[off:]), nil
}

func TestArrays(t *testing.T) {
	u32 := make([]uint32, 40000)
	u64 := make([]uint64, 20000)
	i64 := make([]int64, 20000)
	for i := range u32 {
		u32[i] = uint32(i * 2654435761)
	}
	for i := range u64 {
		u64[i] = uint64(i) * 0x9e3779b97f4a7c15
		i64[i] = -int64(i) * 977
	}
	var buf bytes.Buffer
	require.NoError(t, WriteUint32s(&buf, u32))
	require.NoError(t, WriteUint64s(&buf, u64))
	require.NoError(t, WriteInt64s(&buf, i64))
	require.Equal(t, 4*40000+16*20000, buf.Len())
	g32, g64, gi := make([]uint32, len(u32)), make([]uint64, len(u64)), make([]int64, len(i64))
	r := iotest.HalfReader(&buf)
	require.NoError(t, ReadUint32s(r, g32))
	require.NoError(t, ReadUint64s(r, g64))
	require.NoError(t, ReadInt64s(r, gi))
	require.Equal(t, u32, g32)
	require.Equal(t, u64, g64)
	require.Equal(t, i64, gi)
	require.Error(t, ReadUint32s(strings.NewReader("abc"), make([]uint32, 1)))
}

// leastAllocated runs fn twice and returns the smaller of what the two runs allocated (the
// counter is process-wide: a fuzzing worker's own allocations can land in one run).
func leastAllocated(fn func()) uint64 {
	before := allocated()
	fn()
	a := allocated() - before
	before = allocated()
	fn()
	return min(a, allocated()-before)
}

func FuzzRead(f *testing.F) {
	for _, v := range []int{1, 2} {
		var buf bytes.Buffer
		if v == 1 {
			_ = writeV1(&buf, sample())
		} else {
			_ = Write(&buf, sample())
		}
		f.Add(buf.Bytes())
	}
	f.Add([]byte("VSAGGOIX"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var file *File
		var err error
		if got := leastAllocated(func() { file, err = Read(bytes.NewReader(data)) }); got > readBudget(len(data)) {
			t.Fatalf("reading %d bytes allocated %d", len(data), got)
		}
		// reading at offsets accepts the same files (Read stops at the end of the file:
		// compare on what it consumed)
		r := bytes.NewReader(data)
		at := data
		if _, err := Read(r); err == nil {
			at = data[:len(data)-r.Len()]
			if err := readEverySection(bytes.NewReader(at), int64(len(at))); err != nil {
				t.Fatalf("Read accepts what OpenAt refuses: %v", err)
			}
		}
		if got := leastAllocated(func() { _ = readEverySection(bytes.NewReader(at), int64(len(at))) }); got > readBudget(len(data)) {
			t.Fatalf("reading %d bytes at offsets allocated %d", len(data), got)
		}
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := Write(&out, file); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := Read(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("re-read: %v", err)
		}
		if len(again.Sections) != len(file.Sections) {
			t.Fatalf("section count changed")
		}
		if fmt.Sprint(again.Sections) != fmt.Sprint(file.Sections) {
			t.Fatalf("sections changed")
		}
	})
}
