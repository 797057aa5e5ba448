package serial

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
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

// claimV2At writes a claimed payload length into the version-2 record at rec in a copy of b,
// repairing the record's checksum so the claim gets past it.
func claimV2At(b []byte, rec int, n uint64) []byte {
	c := claimAt(b, rec+8, n)
	l := int(binary.LittleEndian.Uint16(c[rec:]))
	sum := crc32.Update(crc32.ChecksumIEEE(c[rec:rec+16]), crc32.IEEETable, c[rec+20:rec+20+l])
	binary.LittleEndian.PutUint32(c[rec+16:], sum)
	return c
}

func TestClaimedLengthsAreNotAllocatedUpFront(t *testing.T) {
	for _, version := range []int{1, 2} {
		t.Run(fmt.Sprintf("version %d", version), func(t *testing.T) {
			good := encode(t, sample(), version)
			f, err := Read(bytes.NewReader(good)) // also warms up what the first Read allocates once
			require.NoError(t, err)
			_, _ = Read(iotest.OneByteReader(bytes.NewReader(good)))
			_, _ = Read(bytes.NewReader(claimAt(good, 16, MaxMetaBytes)))
			metaLen := binary.LittleEndian.Uint64(good[16:])
			rec := 16 + 12 + int(metaLen) + 4 // the section count ends the preamble
			nameLen := int(binary.LittleEndian.Uint16(good[rec:]))
			claim := func(b []byte, n uint64) []byte { return claimV2At(b, rec, n) }
			lenAt := rec + 8
			if version == 1 {
				require.Equal(t, f.Sections[0].Name, string(good[rec+2:rec+2+nameLen]))
				lenAt = rec + 2 + nameLen
				claim = func(b []byte, n uint64) []byte { return claimAt(b, lenAt, n) }
			} else {
				require.Equal(t, f.Sections[0].Name, string(good[rec+20:rec+20+nameLen]))
			}
			for _, c := range []struct {
				name  string
				claim func([]byte, uint64) []byte
				off   int
				n     uint64
			}{
				{"metadata at its limit", func(b []byte, n uint64) []byte { return claimAt(b, 16, n) }, 16, MaxMetaBytes},
				{"metadata just under its limit", func(b []byte, n uint64) []byte { return claimAt(b, 16, n) }, 16, MaxMetaBytes - 1},
				{"section of 16 MiB", claim, lenAt, 16 << 20},
				{"section of 1 GiB", claim, lenAt, 1 << 30},
				{"section at its limit", claim, lenAt, MaxSectionBytes},
			} {
				t.Run(c.name, func(t *testing.T) {
					in := c.claim(good, c.n)
					for _, data := range [][]byte{in, in[:c.off+12]} {
						for _, open := range []func([]byte) error{
							func(b []byte) error { _, err := Read(bytes.NewReader(b)); return err },
							func(b []byte) error { _, err := Read(iotest.OneByteReader(bytes.NewReader(b))); return err },
							func(b []byte) error { return readEverySection(bytes.NewReader(b), int64(len(b))) },
						} {
							before := allocated()
							err := open(data)
							got := allocated() - before
							require.ErrorIs(t, err, ErrCorrupt)
							require.LessOrEqual(t, got, readBudget(len(data)), "%d input bytes claiming %d made a read allocate %d", len(data), c.n, got)
						}
					}
				})
			}
		})
	}
}

// readEverySection opens a file at offsets and reads every section whole, then finishes it.
func readEverySection(ra io.ReaderAt, size int64) error {
	f, err := OpenAt(ra, size)
	if err != nil {
		return err
	}
	for _, e := range f.src.(*at).entries {
		if _, err := f.Need(e.name); err != nil {
			return err
		}
	}
	return f.Finish()
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
