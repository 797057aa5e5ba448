package serial

import (
	"bytes"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func sample() *File {
	f := &File{Meta: Meta{IndexName: "brute_force", CreateParams: []byte(`{"dim":4}`), Library: "test", NumElements: 3}}
	f.Add("labels", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add("codes", bytes.Repeat([]byte{9}, 100))
	f.Add("empty", nil)
	return f
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, sample()))
	got, err := Read(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.Equal(t, "brute_force", got.Meta.IndexName)
	b, ok := got.Get("codes")
	require.True(t, ok)
	require.Equal(t, bytes.Repeat([]byte{9}, 100), b)
	_, err = got.Need("missing")
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestBinarySetRoundTrip(t *testing.T) {
	set, err := ToBinarySet(sample())
	require.NoError(t, err)
	got, err := FromBinarySet(set)
	require.NoError(t, err)
	require.Len(t, got.Sections, 3)
	set["codes"][0] ^= 1
	_, err = FromBinarySet(set)
	require.ErrorIs(t, err, ErrCorrupt)
	delete(set, MetaKey)
	_, err = FromBinarySet(set)
	require.ErrorIs(t, err, ErrCorrupt)
}

func TestEveryTruncationAndFlipIsCaught(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, sample()))
	full := buf.Bytes()
	for n := 0; n < len(full); n++ {
		_, err := Read(bytes.NewReader(full[:n]))
		require.Error(t, err, "truncated at %d", n)
		require.True(t, errors.Is(err, ErrCorrupt), "truncated at %d: %v", n, err)
	}
	for i := 0; i < len(full); i++ {
		c := append([]byte(nil), full...)
		c[i] ^= 0x40
		_, err := Read(bytes.NewReader(c))
		require.Error(t, err, "flip at byte %d not detected", i)
	}
}

func TestHugeClaimedLengthDoesNotAllocate(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, sample()))
	b := buf.Bytes()
	// metadata length field lives right after the 16-byte header
	c := append([]byte(nil), b...)
	for i := 16; i < 24; i++ {
		c[i] = 0xff
	}
	_, err := Read(bytes.NewReader(c))
	require.ErrorIs(t, err, ErrCorrupt)
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	_ = Write(&buf, sample())
	f.Add(buf.Bytes())
	f.Add([]byte("VSAGGOIX"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		before := allocated()
		file, err := Read(bytes.NewReader(data))
		if got := allocated() - before; got > readBudget(len(data)) {
			t.Fatalf("reading %d bytes allocated %d", len(data), got)
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
	})
}
