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
	buf := make([]byte, min(len(v)*4, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/4)
		for i, x := range v[:n] {
			binary.LittleEndian.PutUint32(buf[4*i:], x)
		}
		if _, err := w.Write(buf[:4*n]); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

// ReadUint32s fills v from little-endian bytes.
func ReadUint32s(r io.Reader, v []uint32) error {
	buf := make([]byte, min(len(v)*4, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/4)
		if _, err := io.ReadFull(r, buf[:4*n]); err != nil {
			return err
		}
		for i := range v[:n] {
			v[i] = binary.LittleEndian.Uint32(buf[4*i:])
		}
		v = v[n:]
	}
	return nil
}

// WriteUint64s writes v little-endian.
func WriteUint64s(w io.Writer, v []uint64) error {
	buf := make([]byte, min(len(v)*8, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/8)
		for i, x := range v[:n] {
			binary.LittleEndian.PutUint64(buf[8*i:], x)
		}
		if _, err := w.Write(buf[:8*n]); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

// ReadUint64s fills v from little-endian bytes.
func ReadUint64s(r io.Reader, v []uint64) error {
	buf := make([]byte, min(len(v)*8, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/8)
		if _, err := io.ReadFull(r, buf[:8*n]); err != nil {
			return err
		}
		for i := range v[:n] {
			v[i] = binary.LittleEndian.Uint64(buf[8*i:])
		}
		v = v[n:]
	}
	return nil
}

// WriteInt64s writes v little-endian.
func WriteInt64s(w io.Writer, v []int64) error {
	buf := make([]byte, min(len(v)*8, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/8)
		for i, x := range v[:n] {
			binary.LittleEndian.PutUint64(buf[8*i:], uint64(x))
		}
		if _, err := w.Write(buf[:8*n]); err != nil {
			return err
		}
		v = v[n:]
	}
	return nil
}

// ReadInt64s fills v from little-endian bytes.
func ReadInt64s(r io.Reader, v []int64) error {
	buf := make([]byte, min(len(v)*8, arrayChunk))
	for len(v) > 0 {
		n := min(len(v), len(buf)/8)
		if _, err := io.ReadFull(r, buf[:8*n]); err != nil {
			return err
		}
		for i := range v[:n] {
			v[i] = int64(binary.LittleEndian.Uint64(buf[8*i:]))
		}
		v = v[n:]
	}
	return nil
}
