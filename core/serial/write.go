package serial

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"

	json "github.com/goccy/go-json"
)

const (
	recordHeader = 20 // name length u16 | flags u16 | reserved u32 | payload length u64 | crc u32
	tableEntry   = 24 // name length u16 | flags u16 | record offset u64 | payload length u64 | crc u32
	footerSize   = 32
	headerSize   = 16
)

// padTo returns the zero bytes that bring offset off to a multiple of Alignment.
func padTo(off int64) int64 { return (Alignment - off%Alignment) % Alignment }

// checkSections validates what Write is about to write.
func checkSections(f *File) error {
	if len(f.Sections) > MaxSections {
		return fmt.Errorf("too many sections: %d", len(f.Sections))
	}
	seen := make(map[string]bool, len(f.Sections))
	for i := range f.Sections {
		s := &f.Sections[i]
		if len(s.Name) == 0 || len(s.Name) > maxNameBytes {
			return fmt.Errorf("section name %q has a bad length", s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("section %q appears twice", s.Name)
		}
		seen[s.Name] = true
		if s.Flags&^knownFlags != 0 {
			return fmt.Errorf("section %q has unknown flags %#x", s.Name, s.Flags)
		}
		if n := s.Size(); n < 0 || n > MaxSectionBytes {
			return fmt.Errorf("section %q: bad size %d", s.Name, n)
		}
	}
	return nil
}

// Write encodes f to w in format version 2. Streamed sections are written straight from their
// writer functions, their checksums computed on the way; only the small framing and the table
// are held in memory.
func Write(w io.Writer, f *File) error {
	meta, err := json.Marshal(f.Meta)
	if err != nil {
		return fmt.Errorf("encode metadata: %w", err)
	}
	if err := checkSections(f); err != nil {
		return err
	}
	cw := &countWriter{w: w}
	var hdr [headerSize]byte
	copy(hdr[:], headerMagic[:])
	binary.LittleEndian.PutUint32(hdr[8:], FormatVersion)
	if _, err := cw.Write(hdr[:]); err != nil {
		return err
	}
	var mh [12]byte
	binary.LittleEndian.PutUint64(mh[:], uint64(len(meta)))
	binary.LittleEndian.PutUint32(mh[8:], crc32.ChecksumIEEE(meta))
	if _, err := cw.Write(mh[:]); err != nil {
		return err
	}
	if _, err := cw.Write(meta); err != nil {
		return err
	}
	table := binary.LittleEndian.AppendUint32(nil, uint32(len(f.Sections)))
	if _, err := cw.Write(table); err != nil {
		return err
	}
	var zeros [Alignment]byte
	for i := range f.Sections {
		s := &f.Sections[i]
		rec := cw.n
		size := s.Size()
		h := make([]byte, recordHeader, recordHeader+len(s.Name))
		binary.LittleEndian.PutUint16(h[0:], uint16(len(s.Name)))
		binary.LittleEndian.PutUint16(h[2:], uint16(s.Flags))
		binary.LittleEndian.PutUint64(h[8:], uint64(size))
		h = append(h, s.Name...)
		binary.LittleEndian.PutUint32(h[16:], recordCRC(h))
		if _, err := cw.Write(h); err != nil {
			return err
		}
		if _, err := cw.Write(zeros[:padTo(cw.n)]); err != nil {
			return err
		}
		pw := &crcWriter{w: cw}
		if s.write != nil {
			if err := s.write(pw); err != nil {
				return fmt.Errorf("write section %q: %w", s.Name, err)
			}
		} else if _, err := pw.Write(s.Data); err != nil {
			return err
		}
		if pw.n != size {
			return fmt.Errorf("section %q wrote %d bytes, declared %d", s.Name, pw.n, size)
		}
		var sum [4]byte
		binary.LittleEndian.PutUint32(sum[:], pw.sum)
		if _, err := cw.Write(sum[:]); err != nil {
			return err
		}
		table = binary.LittleEndian.AppendUint16(table, uint16(len(s.Name)))
		table = binary.LittleEndian.AppendUint16(table, uint16(s.Flags))
		table = binary.LittleEndian.AppendUint64(table, uint64(rec))
		table = binary.LittleEndian.AppendUint64(table, uint64(size))
		table = binary.LittleEndian.AppendUint32(table, pw.sum)
		table = append(table, s.Name...)
	}
	tableOff := cw.n
	if _, err := cw.Write(table); err != nil {
		return err
	}
	_, err = cw.Write(footer(tableOff, int64(len(table)), crc32.ChecksumIEEE(table)))
	return err
}

// recordCRC is the checksum of a record header (its crc field read as zero) and name.
func recordCRC(h []byte) uint32 {
	c := crc32.Update(0, crc32.IEEETable, h[:16])
	return crc32.Update(c, crc32.IEEETable, h[recordHeader:])
}

func footer(tableOff, tableLen int64, tableCRC uint32) []byte {
	b := make([]byte, footerSize)
	copy(b, footerMagic[:])
	binary.LittleEndian.PutUint64(b[8:], uint64(tableOff))
	binary.LittleEndian.PutUint64(b[16:], uint64(tableLen))
	binary.LittleEndian.PutUint32(b[24:], tableCRC)
	binary.LittleEndian.PutUint32(b[28:], crc32.ChecksumIEEE(b[:28]))
	return b
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// crcWriter counts and checksums what passes through it.
type crcWriter struct {
	w   io.Writer
	n   int64
	sum uint32
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.sum = crc32.Update(c.sum, crc32.IEEETable, p[:n])
	c.n += int64(n)
	return n, err
}
