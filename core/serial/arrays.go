package serial

import (
	"encoding/binary"
	"io"
)

// Fixed-width arrays go through a small buffer in both directions, so writing or reading a
// store's slab costs no more memory than this buffer.
const arrayChunk = 64 << 10

// WriteUint32s writes v little-endian.
func WriteUint32s(w io.Writer, v []uint32) error {
	return writeFixed(w, v, 4, func(b []byte, x uint32) { binary.LittleEndian.PutUint32(b, x) })
}

// ReadUint32s fills v from little-endian bytes.
func ReadUint32s(r io.Reader, v []uint32) error {
	return readFixed(r, v, 4, binary.LittleEndian.Uint32)
}

// WriteUint64s writes v little-endian.
func WriteUint64s(w io.Writer, v []uint64) error {
	return writeFixed(w, v, 8, func(b []byte, x uint64) { binary.LittleEndian.PutUint64(b, x) })
}

// ReadUint64s fills v from little-endian bytes.
func ReadUint64s(r io.Reader, v []uint64) error {
	return readFixed(r, v, 8, binary.LittleEndian.Uint64)
}

// WriteInt64s writes v little-endian.
func WriteInt64s(w io.Writer, v []int64) error {
	return writeFixed(w, v, 8, func(b []byte, x int64) { binary.LittleEndian.PutUint64(b, uint64(x)) })
}

// ReadInt64s fills v from little-endian bytes.
func ReadInt64s(r io.Reader, v []int64) error {
	return readFixed(r, v, 8, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) })
}

// writeFixed writes v as width-byte little-endian values through a buffer of at most arrayChunk.
func writeFixed[T any](w io.Writer, v []T, width int, put func([]byte, T)) error {
	buf := make([]byte, min(len(v)*width, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/width)
		for i, x := range v[:n] {
			put(buf[width*i:], x)
		}
		if _, err := w.Write(buf[:width*n]); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

// readFixed fills v from width-byte little-endian values through a buffer of at most arrayChunk.
func readFixed[T any](r io.Reader, v []T, width int, get func([]byte) T) error {
	buf := make([]byte, min(len(v)*width, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/width)
		if _, err := io.ReadFull(r, buf[:width*n]); err != nil {
			return err
		}
		for i := range v[:n] {
			v[i] = get(buf[width*i:])
		}
		v = v[n:]
	}
	return nil
}
