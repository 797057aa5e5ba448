package store

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/serial"
)

// Stores write themselves to a file section straight from their slabs (WriteSection, exactly
// SectionSize bytes) and read a section straight into freshly allocated slabs (ReadSection),
// so saving costs no copy of a slab and loading costs none beyond the store itself.

// codesHeader is the size of a code store section's header: rows u64 and row size u64, then
// zeros up to 64 bytes in format version 2 (so the rows stay 64-byte aligned in the file), 16
// bytes in all in version 1.
func codesHeader(version int) int64 {
	if version < 2 {
		return 16
	}
	return 64
}

// SectionSize returns the bytes WriteSection writes.
func (c *Codes) SectionSize() int64 {
	return codesHeader(serial.FormatVersion) + int64(c.n)*int64(c.stride)
}

// WriteSection writes the rows held now, in format version 2.
func (c *Codes) WriteSection(w io.Writer) error {
	h := make([]byte, codesHeader(serial.FormatVersion))
	binary.LittleEndian.PutUint64(h, uint64(c.n))
	binary.LittleEndian.PutUint64(h[8:], uint64(c.stride))
	if _, err := w.Write(h); err != nil {
		return err
	}
	_, err := w.Write(c.slab[:c.n*c.stride])
	return err
}

// ReadSection replaces the store's rows with those of a section (WriteSection's, or
// MarshalBinary's in format version 1), read straight into a new slab; every length is checked
// against the section's size and the slab against the machine's memory before it is allocated.
func (c *Codes) ReadSection(sr *serial.SectionReader) error {
	hl := codesHeader(sr.Version())
	if sr.Size() < hl {
		return fmt.Errorf("code store: %d bytes is too short", sr.Size())
	}
	h := make([]byte, hl)
	if _, err := io.ReadFull(sr, h); err != nil {
		return err
	}
	n := binary.LittleEndian.Uint64(h)
	stride := binary.LittleEndian.Uint64(h[8:])
	if stride != uint64(c.stride) {
		return fmt.Errorf("code store: row size %d does not match the quantizer's %d", stride, c.stride)
	}
	for _, b := range h[16:] {
		if b != 0 {
			return fmt.Errorf("code store: header padding is not zero")
		}
	}
	rows := uint64(sr.Size() - hl)
	if stride == 0 && (rows != 0 || n > 1<<32) || stride > 0 && (n > rows/stride || rows != n*stride) {
		return fmt.Errorf("code store: %d bytes do not hold %d rows of %d bytes", rows, n, stride)
	}
	if err := c.acct.Check(int64(rows), "loading a code store"); err != nil {
		return err
	}
	c.n = 0
	c.mem.Free()
	c.mem, c.slab = nil, nil
	if err := c.reserve(int(n)); err != nil {
		return err
	}
	if _, err := io.ReadFull(sr, c.slab[:rows]); err != nil {
		c.mem.Free()
		c.mem, c.slab = nil, nil
		return err
	}
	c.n = int(n)
	return sr.Done()
}

// labelsSize is the size of a label table section of n labels.
func labelsSize(n int) int64 { return 8 + 8*int64(n) + 8*int64((n+63)/64) }

// SectionSize returns the bytes WriteSection writes.
func (l *Labels) SectionSize() int64 { return labelsSize(len(l.labels)) }

// WriteSection writes the table as MarshalBinary does (the encoding is the same in format
// versions 1 and 2): the label count u64, the labels by inner id, the removed bitmap.
func (l *Labels) WriteSection(w io.Writer) error {
	n := len(l.labels)
	if _, err := w.Write(binary.LittleEndian.AppendUint64(nil, uint64(n))); err != nil {
		return err
	}
	if err := serial.WriteInt64s(w, l.labels); err != nil {
		return err
	}
	return serial.WriteUint64s(w, l.removed[:(n+63)/64])
}

// ReadSection replaces the table with one read from a section, checking every length.
func (l *Labels) ReadSection(sr *serial.SectionReader) error {
	if sr.Size() < 8 {
		return fmt.Errorf("label table: %d bytes is too short", sr.Size())
	}
	var h [8]byte
	if _, err := io.ReadFull(sr, h[:]); err != nil {
		return err
	}
	n := binary.LittleEndian.Uint64(h[:])
	if n > uint64(emptySlot) || sr.Size() != labelsSize(int(n)) {
		return fmt.Errorf("label table: length %d does not match %d labels", sr.Size(), n)
	}
	slots := tableSlots(int(n))
	if err := memguard.Check(int64(n)*8+int64(slots)*12, "loading a label table"); err != nil {
		return err
	}
	words := (n + 63) / 64
	t := Labels{labels: make([]int64, n), removed: make([]uint64, words)}
	if err := serial.ReadInt64s(sr, t.labels); err != nil {
		return err
	}
	if err := serial.ReadUint64s(sr, t.removed); err != nil {
		return err
	}
	if err := sr.Done(); err != nil {
		return err
	}
	if tail := n & 63; tail != 0 && words > 0 {
		t.removed[words-1] &= (1 << tail) - 1
	}
	t.keys = make([]int64, slots)
	t.vals = make([]uint32, slots)
	for i := range t.vals {
		t.vals[i] = emptySlot
	}
	for i, lb := range t.labels {
		if t.IsRemoved(uint32(i)) {
			t.nRemove++
			continue
		}
		if t.Contains(lb) {
			return fmt.Errorf("label table: label %d appears twice", lb)
		}
		t.put(lb, uint32(i))
	}
	*l = t
	return nil
}

// tableSlots is the size of the hash table that holds n labels without growing.
func tableSlots(n int) int {
	slots := 16
	for (n+1)*4 > slots*3 {
		slots *= 2
	}
	return slots
}
