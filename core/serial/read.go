package serial

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"

	json "github.com/goccy/go-json"
)

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// readFull reads exactly len(b) bytes; a short read is reported as truncation, an error of the
// reader as a ReadError.
func readFull(r io.Reader, b []byte, what string) error {
	if _, err := io.ReadFull(r, b); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return corrupt("truncated while reading %s", what)
		}
		if errors.Is(err, ErrCorrupt) || IsReadError(err) {
			return err
		}
		return &ReadError{fmt.Errorf("read %s: %w", what, err)}
	}
	return nil
}

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
	sr := &SectionReader{name: what, size: int64(n), left: int64(n), r: r, check: func(got uint32) error {
		if got != sum {
			return corrupt("checksum mismatch in %s", what)
		}
		return nil
	}}
	return sr.readAll()
}

// preamble is what every file starts with: header, metadata and section count.
type preamble struct {
	version int
	meta    Meta
	count   int
}

func readPreamble(r io.Reader) (*preamble, error) {
	var hdr [headerSize]byte
	if err := readFull(r, hdr[:], "header"); err != nil {
		return nil, err
	}
	if !bytes.Equal(hdr[:8], headerMagic[:]) {
		return nil, corrupt("bad magic (not written by this library)")
	}
	v := binary.LittleEndian.Uint32(hdr[8:])
	if v == 0 || v > FormatVersion {
		return nil, corrupt("format version %d is not supported (this library reads up to %d)", v, FormatVersion)
	}
	if fl := binary.LittleEndian.Uint32(hdr[12:]); fl != 0 {
		return nil, corrupt("unknown header flags %#x", fl)
	}
	meta, err := readBlob(r, MaxMetaBytes, "metadata")
	if err != nil {
		return nil, err
	}
	p := &preamble{version: int(v)}
	if err := json.Unmarshal(meta, &p.meta); err != nil {
		return nil, corrupt("metadata is not valid JSON: %v", err)
	}
	var u32 [4]byte
	if err := readFull(r, u32[:], "section count"); err != nil {
		return nil, err
	}
	count := binary.LittleEndian.Uint32(u32[:])
	if count > MaxSections {
		return nil, corrupt("%d sections is over the limit %d", count, MaxSections)
	}
	p.count = int(count)
	return p, nil
}

// entry is one section of a file being read.
type entry struct {
	name    string
	flags   Flags
	rec     int64 // offset of the record
	payload int64 // offset of the payload
	size    int64
	crc     uint32 // the payload's checksum (a version-2 stream learns it after the payload)
	used    bool   // opened by the loader
	skipped bool   // marked by Skip
	data    []byte // a stream's section passed over and kept until asked for
}

func (e *entry) unknownCritical() bool { return e.flags&Critical != 0 && !e.used && !e.skipped }

func unknownCritical(name string) error {
	return corrupt("section %q is marked critical and this library does not know it", name)
}

// decodeRecord checks a version-2 record header (recordHeader bytes followed by the name).
func decodeRecord(h []byte, name []byte) (flags Flags, size int64, err error) {
	if binary.LittleEndian.Uint32(h[4:]) != 0 {
		return 0, 0, corrupt("reserved field of a section record is not zero")
	}
	c := crc32.Update(0, crc32.IEEETable, h[:16])
	if crc32.Update(c, crc32.IEEETable, name) != binary.LittleEndian.Uint32(h[16:]) {
		return 0, 0, corrupt("checksum mismatch in the record of section %q", name)
	}
	flags = Flags(binary.LittleEndian.Uint16(h[2:]))
	if flags&^knownFlags != 0 {
		return 0, 0, corrupt("section %q has unknown flags %#x", name, flags)
	}
	n := binary.LittleEndian.Uint64(h[8:])
	if n > MaxSectionBytes {
		return 0, 0, corrupt("section %q claims %d bytes (limit %d)", name, n, uint64(MaxSectionBytes))
	}
	return flags, int64(n), nil
}

func checkNameLen(l int) error {
	if l == 0 || l > maxNameBytes {
		return corrupt("section name length %d", l)
	}
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ---- sequential reading ----

// stream reads a file section by section from an io.Reader.
type stream struct {
	r       *countReader
	version int
	count   int
	entries []*entry
	byName  map[string]*entry
	cur     *entry         // the stream is at (or inside) this entry's payload
	curRd   *SectionReader // the reader handed out for cur, if any
	v1sum   hash.Hash32
	skips   map[string]bool // sections to skip once reached
	err     error           // sticky: the stream's position is lost
	done    bool
}

// NewReader reads the header and metadata of a file from r and returns a File that reads its
// sections from r as they are asked for (File.Open, Need, Get), then the rest up to the footer
// (File.Finish). Nothing is read past the footer, so r may go on after the file.
func NewReader(r io.Reader) (*File, error) {
	cr := &countReader{r: r}
	p, err := readPreamble(cr)
	if err != nil {
		return nil, err
	}
	s := &stream{r: cr, version: p.version, count: p.count, byName: map[string]*entry{}, v1sum: crc32.NewIEEE()}
	return &File{Meta: p.meta, version: p.version, src: s}, nil
}

// Read decodes a whole file from r into memory.
func Read(r io.Reader) (*File, error) {
	f, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	s := f.src.(*stream)
	out := &File{Meta: f.Meta, version: f.version}
	for len(s.entries) < s.count {
		if err := s.advance(false); err != nil {
			return nil, err
		}
		e := s.cur
		sr, _, err := s.open(e.name)
		if err != nil {
			return nil, err
		}
		data, err := sr.readAll()
		if err != nil {
			return nil, err
		}
		out.Sections = append(out.Sections, Section{Name: e.name, Flags: e.flags, Data: data})
	}
	if err := s.finish(); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *stream) fail(err error) error {
	if s.err == nil {
		s.err = err
	}
	return err
}

// advance leaves the current section (handing its rest to nobody: kept in memory when keep
// and nobody has it open, else read and checked) and reads the next section's record.
func (s *stream) advance(keep bool) error {
	if err := s.leave(keep); err != nil {
		return s.fail(err)
	}
	e, err := s.readRecord()
	if err != nil {
		return s.fail(err)
	}
	if _, dup := s.byName[e.name]; dup {
		return s.fail(corrupt("section %q appears twice", e.name))
	}
	e.skipped = s.skips[e.name]
	s.entries = append(s.entries, e)
	s.byName[e.name] = e
	s.cur = e
	return nil
}

// leave moves the stream past the current section's payload.
func (s *stream) leave(keep bool) error {
	e, rd := s.cur, s.curRd
	if e == nil {
		return nil
	}
	s.cur, s.curRd = nil, nil
	switch {
	case rd != nil:
		return rd.discard()
	case keep && !e.skipped:
		data, err := s.payloadReader(e).readAll()
		if err != nil {
			return err
		}
		e.data = data
		return nil
	case e.unknownCritical() && s.version >= 2:
		return unknownCritical(e.name)
	default:
		return s.payloadReader(e).discard()
	}
}

func (s *stream) readRecord() (*entry, error) {
	e := &entry{rec: s.r.n}
	if s.version == 1 {
		var nl [2]byte
		if err := readFull(s.r, nl[:], "section name length"); err != nil {
			return nil, err
		}
		l := int(binary.LittleEndian.Uint16(nl[:]))
		if err := checkNameLen(l); err != nil {
			return nil, err
		}
		name := make([]byte, l)
		if err := readFull(s.r, name, "section name"); err != nil {
			return nil, err
		}
		var h [12]byte
		if err := readFull(s.r, h[:], fmt.Sprintf("section %q header", name)); err != nil {
			return nil, err
		}
		n := binary.LittleEndian.Uint64(h[:])
		if n > MaxSectionBytes {
			return nil, corrupt("section %q claims %d bytes (limit %d)", name, n, uint64(MaxSectionBytes))
		}
		e.name, e.size, e.crc = string(name), int64(n), binary.LittleEndian.Uint32(h[8:])
		s.v1sum.Write(name)
		s.v1sum.Write(h[8:12])
		e.payload = s.r.n
		return e, nil
	}
	var h [recordHeader]byte
	if err := readFull(s.r, h[:], "section record"); err != nil {
		return nil, err
	}
	l := int(binary.LittleEndian.Uint16(h[:]))
	if err := checkNameLen(l); err != nil {
		return nil, err
	}
	name := make([]byte, l)
	if err := readFull(s.r, name, "section name"); err != nil {
		return nil, err
	}
	flags, size, err := decodeRecord(h[:], name)
	if err != nil {
		return nil, err
	}
	var pad [Alignment]byte
	p := pad[:padTo(s.r.n)]
	if err := readFull(s.r, p, "section padding"); err != nil {
		return nil, err
	}
	if !allZero(p) {
		return nil, corrupt("padding before section %q is not zero", name)
	}
	e.name, e.flags, e.size, e.payload = string(name), flags, size, s.r.n
	return e, nil
}

// payloadReader reads e's payload from the stream, which is at its start.
func (s *stream) payloadReader(e *entry) *SectionReader {
	sr := &SectionReader{name: e.name, version: s.version, size: e.size, left: e.size, r: s.r}
	sr.check = func(sum uint32) error {
		if s.version >= 2 {
			var t [4]byte
			if err := readFull(s.r, t[:], fmt.Sprintf("checksum of section %q", e.name)); err != nil {
				return s.fail(err)
			}
			e.crc = binary.LittleEndian.Uint32(t[:])
		}
		if sum != e.crc {
			return s.fail(corrupt("checksum mismatch in section %q", e.name))
		}
		return nil
	}
	return sr
}

func (s *stream) open(name string) (*SectionReader, bool, error) {
	if s.err != nil {
		return nil, false, s.err
	}
	e := s.byName[name]
	for e == nil && len(s.entries) < s.count {
		if err := s.advance(true); err != nil {
			return nil, false, err
		}
		if s.cur.name == name {
			e = s.cur
		}
	}
	if e == nil {
		return nil, false, nil
	}
	switch {
	case e == s.cur && s.curRd == nil && !e.used:
		e.used = true
		s.curRd = s.payloadReader(e)
		return s.curRd, true, nil
	case e.data != nil:
		e.used = true
		data := e.data
		e.data = nil
		return bytesSection(name, s.version, data), true, nil
	case !e.used && e.size == 0 && e != s.cur:
		e.used = true
		return bytesSection(name, s.version, nil), true, nil
	}
	return nil, false, fmt.Errorf("section %q was already read (a stream reads each section once)", name)
}

func (s *stream) skip(name string) {
	if e := s.byName[name]; e != nil {
		e.skipped = true
		e.data = nil
		return
	}
	// not reached yet: remember it so that passing it does not keep it in memory
	if s.skips == nil {
		s.skips = map[string]bool{}
	}
	s.skips[name] = true
}

func (s *stream) finish() error {
	if s.done || s.err != nil {
		return s.err
	}
	if err := s.leave(false); err != nil {
		return s.fail(err)
	}
	for len(s.entries) < s.count {
		if err := s.advance(false); err != nil {
			return err
		}
		if err := s.leave(false); err != nil {
			return s.fail(err)
		}
	}
	if s.version >= 2 {
		for _, e := range s.entries {
			if e.unknownCritical() {
				return s.fail(unknownCritical(e.name))
			}
		}
	}
	var err error
	if s.version == 1 {
		err = s.v1Footer()
	} else {
		err = s.v2Tail()
	}
	if err != nil {
		return s.fail(err)
	}
	s.done = true
	return nil
}

func (s *stream) v1Footer() error {
	body := s.r.n
	var ftr [20]byte
	if err := readFull(s.r, ftr[:], "footer"); err != nil {
		return err
	}
	if !bytes.Equal(ftr[:8], footerMagic[:]) {
		return corrupt("bad footer magic")
	}
	if n := binary.LittleEndian.Uint64(ftr[8:]); n != uint64(body) {
		return corrupt("footer length %d does not match %d bytes read", n, body)
	}
	if binary.LittleEndian.Uint32(ftr[16:]) != s.v1sum.Sum32() {
		return corrupt("footer checksum mismatch")
	}
	return nil
}

// v2Tail reads the table and the footer and checks them against the sections read.
func (s *stream) v2Tail() error {
	tableOff := s.r.n
	want := binary.LittleEndian.AppendUint32(nil, uint32(len(s.entries)))
	for _, e := range s.entries {
		want = binary.LittleEndian.AppendUint16(want, uint16(len(e.name)))
		want = binary.LittleEndian.AppendUint16(want, uint16(e.flags))
		want = binary.LittleEndian.AppendUint64(want, uint64(e.rec))
		want = binary.LittleEndian.AppendUint64(want, uint64(e.size))
		want = binary.LittleEndian.AppendUint32(want, e.crc)
		want = append(want, e.name...)
	}
	got := make([]byte, len(want))
	if err := readFull(s.r, got, "section table"); err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return corrupt("the section table does not match the sections")
	}
	var ftr [footerSize]byte
	if err := readFull(s.r, ftr[:], "footer"); err != nil {
		return err
	}
	if !bytes.Equal(ftr[:], footer(tableOff, int64(len(want)), crc32.ChecksumIEEE(want))) {
		return corrupt("bad footer")
	}
	return nil
}

// ---- random access ----

// at reads a file through an io.ReaderAt of known size, only the sections asked for.
type at struct {
	ra      io.ReaderAt
	size    int64
	version int
	entries []*entry
	byName  map[string]*entry
}

// OpenAt reads the header, metadata and section table of a file of size bytes read through ra
// (an *os.File, a *bytes.Reader over a byte slice, a memory map) and returns a File that reads
// each section from ra when asked for it. The file must end exactly at size.
func OpenAt(ra io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, corrupt("negative size")
	}
	cr := &countReader{r: io.NewSectionReader(ra, 0, size)}
	p, err := readPreamble(cr)
	if err != nil {
		return nil, err
	}
	a := &at{ra: ra, size: size, version: p.version, byName: map[string]*entry{}}
	if p.version == 1 {
		err = a.scanV1(cr.n, p.count)
	} else {
		err = a.readTable(cr.n, p.count)
	}
	if err != nil {
		return nil, err
	}
	return &File{Meta: p.meta, version: p.version, src: a}, nil
}

func (a *at) readAt(b []byte, off int64, what string) error {
	if off < 0 || off > a.size || int64(len(b)) > a.size-off {
		return corrupt("truncated while reading %s", what)
	}
	n, err := a.ra.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("truncated while reading %s", what)
	}
	return &ReadError{fmt.Errorf("read %s: %w", what, err)}
}

func (a *at) add(e *entry) error {
	if _, dup := a.byName[e.name]; dup {
		return corrupt("section %q appears twice", e.name)
	}
	a.entries = append(a.entries, e)
	a.byName[e.name] = e
	return nil
}

// scanV1 walks the section headers of a version-1 file (without reading the payloads) and
// checks the footer against them.
func (a *at) scanV1(pos int64, count int) error {
	sum := crc32.NewIEEE()
	for i := 0; i < count; i++ {
		var nl [2]byte
		if err := a.readAt(nl[:], pos, "section name length"); err != nil {
			return err
		}
		l := int(binary.LittleEndian.Uint16(nl[:]))
		if err := checkNameLen(l); err != nil {
			return err
		}
		hb := make([]byte, l+12)
		if err := a.readAt(hb, pos+2, "section header"); err != nil {
			return err
		}
		name, h := hb[:l], hb[l:]
		n := binary.LittleEndian.Uint64(h)
		payload := pos + 2 + int64(l) + 12
		if n > uint64(a.size-payload) {
			return corrupt("section %q claims %d bytes, %d remain", name, n, a.size-payload)
		}
		e := &entry{name: string(name), rec: pos, payload: payload, size: int64(n), crc: binary.LittleEndian.Uint32(h[8:])}
		if err := a.add(e); err != nil {
			return err
		}
		sum.Write(name)
		sum.Write(h[8:12])
		pos = payload + int64(n)
	}
	var ftr [20]byte
	if err := a.readAt(ftr[:], pos, "footer"); err != nil {
		return err
	}
	if !bytes.Equal(ftr[:8], footerMagic[:]) {
		return corrupt("bad footer magic")
	}
	if binary.LittleEndian.Uint64(ftr[8:]) != uint64(pos) {
		return corrupt("footer length %d does not match %d bytes", binary.LittleEndian.Uint64(ftr[8:]), pos)
	}
	if binary.LittleEndian.Uint32(ftr[16:]) != sum.Sum32() {
		return corrupt("footer checksum mismatch")
	}
	if pos+20 != a.size {
		return corrupt("%d bytes follow the end of the index", a.size-pos-20)
	}
	return nil
}

// maxTable bounds the section table of a version-2 file.
const maxTable = 4 + MaxSections*(tableEntry+maxNameBytes)

// readTable reads a version-2 file's footer and table and checks that the records they
// describe chain from pos (the end of the preamble) to the table.
func (a *at) readTable(pos int64, count int) error {
	if a.size-pos < footerSize {
		return corrupt("truncated before the footer")
	}
	ftr := make([]byte, footerSize)
	if err := a.readAt(ftr, a.size-footerSize, "footer"); err != nil {
		return err
	}
	if !bytes.Equal(ftr[:8], footerMagic[:]) {
		return corrupt("bad footer magic (or bytes follow the end of the index)")
	}
	if crc32.ChecksumIEEE(ftr[:28]) != binary.LittleEndian.Uint32(ftr[28:]) {
		return corrupt("footer checksum mismatch")
	}
	tableOff := binary.LittleEndian.Uint64(ftr[8:])
	tableLen := binary.LittleEndian.Uint64(ftr[16:])
	end := uint64(a.size - footerSize)
	if tableOff < uint64(pos) || tableOff > end || tableLen != end-tableOff || tableLen > maxTable || tableLen < 4 {
		return corrupt("footer places the table at %d (%d bytes) in a file of %d bytes", tableOff, tableLen, a.size)
	}
	table := make([]byte, tableLen)
	if err := a.readAt(table, int64(tableOff), "section table"); err != nil {
		return err
	}
	if crc32.ChecksumIEEE(table) != binary.LittleEndian.Uint32(ftr[24:]) {
		return corrupt("section table checksum mismatch")
	}
	if int(binary.LittleEndian.Uint32(table)) != count {
		return corrupt("the table lists %d sections, the header %d", binary.LittleEndian.Uint32(table), count)
	}
	t := table[4:]
	next := pos
	for i := 0; i < count; i++ {
		if len(t) < tableEntry {
			return corrupt("section table truncated")
		}
		l := int(binary.LittleEndian.Uint16(t))
		if err := checkNameLen(l); err != nil {
			return err
		}
		if len(t) < tableEntry+l {
			return corrupt("section table truncated")
		}
		e := &entry{
			name:  string(t[tableEntry : tableEntry+l]),
			flags: Flags(binary.LittleEndian.Uint16(t[2:])),
			rec:   int64(binary.LittleEndian.Uint64(t[4:])),
			crc:   binary.LittleEndian.Uint32(t[20:]),
		}
		size := binary.LittleEndian.Uint64(t[12:])
		t = t[tableEntry+l:]
		if e.flags&^knownFlags != 0 {
			return corrupt("section %q has unknown flags %#x", e.name, e.flags)
		}
		if e.rec != next {
			return corrupt("section %q is at %d, expected %d", e.name, e.rec, next)
		}
		e.payload = next + recordHeader + int64(l)
		e.payload += padTo(e.payload)
		if e.payload > int64(tableOff) || size > uint64(int64(tableOff)-e.payload) || int64(tableOff)-e.payload-int64(size) < 4 {
			return corrupt("section %q (%d bytes) overruns the table", e.name, size)
		}
		e.size = int64(size)
		next = e.payload + e.size + 4
		if err := a.add(e); err != nil {
			return err
		}
	}
	if len(t) != 0 || next != int64(tableOff) {
		return corrupt("the sections do not end where the table starts")
	}
	return nil
}

func (a *at) open(name string) (*SectionReader, bool, error) {
	e := a.byName[name]
	if e == nil {
		return nil, false, nil
	}
	if a.version >= 2 {
		// the record and the trailing checksum must say what the table says
		rec := make([]byte, e.payload-e.rec)
		if err := a.readAt(rec, e.rec, fmt.Sprintf("record of section %q", e.name)); err != nil {
			return nil, false, err
		}
		l := len(e.name)
		flags, size, err := decodeRecord(rec[:recordHeader], rec[recordHeader:recordHeader+l])
		if err != nil {
			return nil, false, err
		}
		if string(rec[recordHeader:recordHeader+l]) != e.name || flags != e.flags || size != e.size || int(binary.LittleEndian.Uint16(rec)) != l {
			return nil, false, corrupt("the record of section %q does not match the table", e.name)
		}
		if !allZero(rec[recordHeader+l:]) {
			return nil, false, corrupt("padding before section %q is not zero", e.name)
		}
		var t [4]byte
		if err := a.readAt(t[:], e.payload+e.size, fmt.Sprintf("checksum of section %q", e.name)); err != nil {
			return nil, false, err
		}
		if binary.LittleEndian.Uint32(t[:]) != e.crc {
			return nil, false, corrupt("checksum of section %q does not match the table", e.name)
		}
	}
	e.used = true
	sr := &SectionReader{name: e.name, version: a.version, size: e.size, left: e.size, r: io.NewSectionReader(a.ra, e.payload, e.size)}
	sr.check = func(sum uint32) error {
		if sum != e.crc {
			return corrupt("checksum mismatch in section %q", e.name)
		}
		return nil
	}
	return sr, true, nil
}

func (a *at) skip(name string) {
	if e := a.byName[name]; e != nil {
		e.skipped = true
	}
}

func (a *at) finish() error {
	if a.version < 2 {
		return nil
	}
	for _, e := range a.entries {
		if e.unknownCritical() {
			return unknownCritical(e.name)
		}
	}
	return nil
}
