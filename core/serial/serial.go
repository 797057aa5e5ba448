// Package serial reads and writes the index file format:
//
//	header   "VSAGGOIX" | format version u32 | flags u32
//	meta     length u64 | crc32 u32 | JSON metadata
//	count    number of sections u32
//	section  name length u16 | name | payload length u64 | crc32(payload) u32 | payload  (repeated)
//	footer   "VSAGGOEN" | total bytes before the footer u64 | crc32 over every section's name and crc u32
//
// All integers are little-endian; checksums are CRC-32 (IEEE). Every length and offset read is
// treated as hostile: the reader never allocates more than the bytes that actually arrive.
package serial

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	json "github.com/goccy/go-json"
)

// FormatVersion is the version written by this package; readers accept versions <= it.
const FormatVersion = 1

var (
	headerMagic = [8]byte{'V', 'S', 'A', 'G', 'G', 'O', 'I', 'X'}
	footerMagic = [8]byte{'V', 'S', 'A', 'G', 'G', 'O', 'E', 'N'}
)

// Limits on what a reader accepts.
const (
	MaxMetaBytes    = 16 << 20
	MaxSections     = 1 << 12
	MaxSectionBytes = 1 << 40
	maxNameBytes    = 256
)

// ErrCorrupt is wrapped by every error about malformed input.
var ErrCorrupt = errors.New("not a valid vsag index file")

// Meta is the self-description stored in every file.
type Meta struct {
	// IndexName is the index type, such as "brute_force".
	IndexName string `json:"index_name"`
	// CreateParams is the full create JSON the index was made with.
	CreateParams json.RawMessage `json:"create_params"`
	// Library is the library version that wrote the file.
	Library string `json:"library"`
	// NumElements is the number of live vectors at save time.
	NumElements int64 `json:"num_elements"`
}

// Section is one named, checksummed payload.
type Section struct {
	Name string
	Data []byte
}

// File is a whole index file in memory.
type File struct {
	Meta     Meta
	Sections []Section
}

// Add appends a section.
func (f *File) Add(name string, data []byte) { f.Sections = append(f.Sections, Section{name, data}) }

// Get returns the payload of the named section.
func (f *File) Get(name string) ([]byte, bool) {
	for _, s := range f.Sections {
		if s.Name == name {
			return s.Data, true
		}
	}
	return nil, false
}

// Need returns the payload of the named section or an error naming it.
func (f *File) Need(name string) ([]byte, error) {
	if b, ok := f.Get(name); ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: section %q is missing", ErrCorrupt, name)
}

// Write encodes f to w.
func Write(w io.Writer, f *File) error {
	meta, err := json.Marshal(f.Meta)
	if err != nil {
		return fmt.Errorf("encode metadata: %w", err)
	}
	if len(f.Sections) > MaxSections {
		return fmt.Errorf("too many sections: %d", len(f.Sections))
	}
	cw := &countWriter{w: w}
	var hdr [16]byte
	copy(hdr[:], headerMagic[:])
	binary.LittleEndian.PutUint32(hdr[8:], FormatVersion)
	if _, err := cw.Write(hdr[:]); err != nil {
		return err
	}
	if err := writeBlob(cw, meta); err != nil {
		return err
	}
	var u32 [4]byte
	binary.LittleEndian.PutUint32(u32[:], uint32(len(f.Sections)))
	if _, err := cw.Write(u32[:]); err != nil {
		return err
	}
	all := crc32.NewIEEE()
	for _, s := range f.Sections {
		if len(s.Name) == 0 || len(s.Name) > maxNameBytes {
			return fmt.Errorf("section name %q has a bad length", s.Name)
		}
		var nl [2]byte
		binary.LittleEndian.PutUint16(nl[:], uint16(len(s.Name)))
		if _, err := cw.Write(nl[:]); err != nil {
			return err
		}
		if _, err := io.WriteString(cw, s.Name); err != nil {
			return err
		}
		binary.LittleEndian.PutUint32(u32[:], crc32.ChecksumIEEE(s.Data))
		all.Write([]byte(s.Name))
		all.Write(u32[:])
		if err := writeBlob(cw, s.Data); err != nil {
			return err
		}
	}
	var ftr [20]byte
	copy(ftr[:], footerMagic[:])
	binary.LittleEndian.PutUint64(ftr[8:], uint64(cw.n))
	binary.LittleEndian.PutUint32(ftr[16:], all.Sum32())
	_, err = cw.Write(ftr[:])
	return err
}

// writeBlob writes a length u64, a crc32 u32, then the bytes (metadata and sections alike).
func writeBlob(w io.Writer, b []byte) error {
	var h [12]byte
	binary.LittleEndian.PutUint64(h[:], uint64(len(b)))
	binary.LittleEndian.PutUint32(h[8:], crc32.ChecksumIEEE(b))
	if _, err := w.Write(h[:]); err != nil {
		return err
	}
	_, err := w.Write(b)
	return err
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

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// readFull reads exactly len(b) bytes; a short read is reported as truncation.
func readFull(r io.Reader, b []byte, what string) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return corrupt("truncated while reading %s", what)
		}
		return fmt.Errorf("read %s: %w", what, err)
	}
	return nil
}

// firstChunk is the most a reader allocates for a payload before its bytes arrive; beyond it
// the buffer doubles as data comes in (never past the claimed length), so a short input that
// claims a long payload costs at most this much.
const firstChunk = 1 << 20

// readBlob reads length | crc | payload, allocating only as bytes arrive.
func readBlob(r io.Reader, limit uint64, what string) ([]byte, error) {
	var h [12]byte
	if err := readFull(r, h[:], what+" header"); err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(h[:])
	sum := binary.LittleEndian.Uint32(h[8:])
	if n > limit {
		return nil, corrupt("%s claims %d bytes (limit %d)", what, n, limit)
	}
	b, err := readPayload(r, n, what)
	if err != nil {
		return nil, err
	}
	if crc32.ChecksumIEEE(b) != sum {
		return nil, corrupt("checksum mismatch in %s", what)
	}
	return b, nil
}

// readPayload reads exactly n bytes. The buffer starts at min(n, firstChunk) and doubles as it
// fills, so what is allocated stays within twice the bytes actually read (plus firstChunk).
func readPayload(r io.Reader, n uint64, what string) ([]byte, error) {
	b := make([]byte, 0, min(n, firstChunk))
	for uint64(len(b)) < n {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(2*uint64(cap(b)), n))
			copy(nb, b)
			b = nb
		}
		k, err := io.ReadFull(r, b[len(b):cap(b)])
		b = b[:len(b)+k]
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, corrupt("truncated in %s (%d of %d bytes)", what, len(b), n)
			}
			return nil, fmt.Errorf("read %s: %w", what, err)
		}
	}
	return b, nil
}

// Read decodes a whole file from r.
func Read(r io.Reader) (*File, error) {
	cr := &countReader{r: r}
	var hdr [16]byte
	if err := readFull(cr, hdr[:], "header"); err != nil {
		return nil, err
	}
	if !bytes.Equal(hdr[:8], headerMagic[:]) {
		return nil, corrupt("bad magic (not written by this library)")
	}
	if v := binary.LittleEndian.Uint32(hdr[8:]); v == 0 || v > FormatVersion {
		return nil, corrupt("format version %d is not supported (this library reads up to %d)", v, FormatVersion)
	}
	if fl := binary.LittleEndian.Uint32(hdr[12:]); fl != 0 {
		return nil, corrupt("unknown header flags %#x", fl)
	}
	meta, err := readBlob(cr, MaxMetaBytes, "metadata")
	if err != nil {
		return nil, err
	}
	f := &File{}
	if err := json.Unmarshal(meta, &f.Meta); err != nil {
		return nil, corrupt("metadata is not valid JSON: %v", err)
	}
	var u32 [4]byte
	if err := readFull(cr, u32[:], "section count"); err != nil {
		return nil, err
	}
	count := binary.LittleEndian.Uint32(u32[:])
	if count > MaxSections {
		return nil, corrupt("%d sections is over the limit %d", count, MaxSections)
	}
	all := crc32.NewIEEE()
	for i := uint32(0); i < count; i++ {
		var nl [2]byte
		if err := readFull(cr, nl[:], "section name length"); err != nil {
			return nil, err
		}
		l := binary.LittleEndian.Uint16(nl[:])
		if l == 0 || l > maxNameBytes {
			return nil, corrupt("section name length %d", l)
		}
		name := make([]byte, l)
		if err := readFull(cr, name, "section name"); err != nil {
			return nil, err
		}
		data, err := readBlob(cr, MaxSectionBytes, fmt.Sprintf("section %q", name))
		if err != nil {
			return nil, err
		}
		binary.LittleEndian.PutUint32(u32[:], crc32.ChecksumIEEE(data))
		all.Write(name)
		all.Write(u32[:])
		f.Sections = append(f.Sections, Section{Name: string(name), Data: data})
	}
	body := cr.n
	var ftr [20]byte
	if err := readFull(cr, ftr[:], "footer"); err != nil {
		return nil, err
	}
	if !bytes.Equal(ftr[:8], footerMagic[:]) {
		return nil, corrupt("bad footer magic")
	}
	if n := binary.LittleEndian.Uint64(ftr[8:]); n != uint64(body) {
		return nil, corrupt("footer length %d does not match %d bytes read", n, body)
	}
	if binary.LittleEndian.Uint32(ftr[16:]) != all.Sum32() {
		return nil, corrupt("footer checksum mismatch")
	}
	return f, nil
}

// BinarySet is a set of named blobs, VSAG's BinarySet.
type BinarySet map[string][]byte

// MetaKey is the BinarySet entry holding the header and metadata.
const MetaKey = "__vsag_meta__"

// ToBinarySet splits f into named blobs: MetaKey holds a file with the metadata and no
// sections; every section is its own blob, with its checksum kept in the metadata blob.
func ToBinarySet(f *File) (BinarySet, error) {
	type entry struct {
		Name string `json:"name"`
		CRC  uint32 `json:"crc32"`
		Size int    `json:"size"`
	}
	idx := make([]entry, 0, len(f.Sections))
	set := BinarySet{}
	for _, s := range f.Sections {
		if s.Name == MetaKey {
			return nil, fmt.Errorf("section name %q is reserved", MetaKey)
		}
		idx = append(idx, entry{s.Name, crc32.ChecksumIEEE(s.Data), len(s.Data)})
		set[s.Name] = s.Data
	}
	tab, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := Write(&buf, &File{Meta: f.Meta, Sections: []Section{{Name: "__sections__", Data: tab}}}); err != nil {
		return nil, err
	}
	set[MetaKey] = buf.Bytes()
	return set, nil
}

// FromBinarySet rebuilds a File from blobs written by ToBinarySet, checking each checksum.
func FromBinarySet(set BinarySet) (*File, error) {
	mb, ok := set[MetaKey]
	if !ok {
		return nil, corrupt("binary set has no %q entry", MetaKey)
	}
	mf, err := Read(bytes.NewReader(mb))
	if err != nil {
		return nil, err
	}
	tab, err := mf.Need("__sections__")
	if err != nil {
		return nil, err
	}
	var idx []struct {
		Name string `json:"name"`
		CRC  uint32 `json:"crc32"`
		Size int    `json:"size"`
	}
	if err := json.Unmarshal(tab, &idx); err != nil {
		return nil, corrupt("section table: %v", err)
	}
	f := &File{Meta: mf.Meta}
	for _, e := range idx {
		b, ok := set[e.Name]
		if !ok {
			return nil, corrupt("binary set is missing section %q", e.Name)
		}
		if len(b) != e.Size || crc32.ChecksumIEEE(b) != e.CRC {
			return nil, corrupt("checksum mismatch in section %q", e.Name)
		}
		f.Sections = append(f.Sections, Section{Name: e.Name, Data: b})
	}
	return f, nil
}
