package serial

import (
	"bytes"
	"encoding/binary"
	"errors"
	"runtime/metrics"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

var heapAllocs = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

func allocated() uint64 {
	metrics.Read(heapAllocs)
	return heapAllocs[0].Value.Uint64()
}

// readBudget bounds what reading n bytes of input may allocate: the payloads themselves with
// doubling growth, plus one first chunk and small bookkeeping.
func readBudget(n int) uint64 { return firstChunk + 4*uint64(n) + 512<<10 }

// claimAt writes a claimed payload length at off in a copy of b.
func claimAt(b []byte, off int, n uint64) []byte {
	c := append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(c[off:], n)
	return c
}

func TestClaimedLengthsAreNotAllocatedUpFront(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, sample()))
	good := buf.Bytes()
	f, err := Read(bytes.NewReader(good)) // also warms up what the first Read allocates once
	require.NoError(t, err)
	_, _ = Read(iotest.OneByteReader(bytes.NewReader(good)))
	_, _ = Read(bytes.NewReader(claimAt(good, 16, MaxMetaBytes)))
	metaLen := binary.LittleEndian.Uint64(good[16:])
	firstSection := 16 + 12 + int(metaLen) + 4 // the section count ends the preamble
	nameLen := int(binary.LittleEndian.Uint16(good[firstSection:]))
	sectionLen := firstSection + 2 + nameLen
	require.Equal(t, f.Sections[0].Name, string(good[firstSection+2:sectionLen]))

	for _, c := range []struct {
		name string
		off  int
		n    uint64
	}{
		{"metadata at its limit", 16, MaxMetaBytes},
		{"metadata just under its limit", 16, MaxMetaBytes - 1},
		{"section of 16 MiB", sectionLen, 16 << 20},
		{"section of 1 GiB", sectionLen, 1 << 30},
		{"section at its limit", sectionLen, MaxSectionBytes},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := claimAt(good, c.off, c.n)
			for _, r := range []func() []byte{
				func() []byte { return in },
				func() []byte { return in[:c.off+12] },
			} {
				data := r()
				before := allocated()
				_, err := Read(bytes.NewReader(data))
				got := allocated() - before
				require.ErrorIs(t, err, ErrCorrupt)
				require.LessOrEqual(t, got, readBudget(len(data)), "%d input bytes claiming %d made Read allocate %d", len(data), c.n, got)
				// The same through a reader that hands out one byte at a time.
				before = allocated()
				_, err = Read(iotest.OneByteReader(bytes.NewReader(data)))
				got = allocated() - before
				require.ErrorIs(t, err, ErrCorrupt)
				require.LessOrEqual(t, got, readBudget(len(data)))
			}
		})
	}
}

func TestLargePayloadRoundTrip(t *testing.T) {
	// Sizes around the first chunk and its doublings.
	for _, n := range []int{0, 1, firstChunk - 1, firstChunk, firstChunk + 1, 3*firstChunk + 5} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 7)
		}
		f := &File{Meta: Meta{IndexName: "x", CreateParams: []byte(`{}`)}}
		f.Add("big", data)
		var buf bytes.Buffer
		require.NoError(t, Write(&buf, f))
		got, err := Read(iotest.HalfReader(bytes.NewReader(buf.Bytes())))
		require.NoError(t, err, "n=%d", n)
		b, _ := got.Get("big")
		require.Equal(t, data, b, "n=%d", n)
		_, err = Read(bytes.NewReader(buf.Bytes()[:buf.Len()-21-n/2]))
		require.ErrorIs(t, err, ErrCorrupt, "n=%d", n)
	}
}

func TestReadErrorsAreNotCorruption(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, sample()))
	boom := errors.New("disk on fire")
	for _, at := range []int{0, 10, 30, buf.Len() - 5} {
		r := iotest.DataErrReader(&failAfter{b: buf.Bytes()[:at], err: boom})
		_, err := Read(r)
		require.ErrorIs(t, err, boom, "fail after %d bytes", at)
		require.False(t, errors.Is(err, ErrCorrupt), "an I/O error is not a corrupt file: %v", err)
	}
}

// failAfter returns its bytes, then err.
type failAfter struct {
	b   []byte
	err error
}

func (r *failAfter) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, r.err
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}
