// Package serial reads and writes the index file format. Version 2 (written since streaming
// persistence) is laid out so that sections stream straight from the stores to a writer and
// back into them from a reader, and so that a reader with random access finds every section
// from a table at the end:
//
//	header   "VSAGGOIX" | format version u32 (2) | flags u32 (0)
//	meta     length u64 | crc32 u32 | JSON metadata
//	count    number of sections u32
//	section  (count times, back to back)
//	         name length u16 | flags u16 | reserved u32 (0) | payload length u64 |
//	         crc32 of the 16 bytes before and the name u32 | name |
//	         zero padding to the next multiple of 64 bytes from the start of the file |
//	         payload | crc32(payload) u32
//	table    count u32 | per section: name length u16 | flags u16 | offset of its record u64 |
//	         payload length u64 | crc32(payload) u32 | name
//	footer   "VSAGGOEN" | offset of the table u64 | length of the table u64 | crc32(table) u32 |
//	         crc32 of the footer's first 28 bytes u32
//
// The payload checksum follows the payload so that a writer computes it while streaming; the
// payload starts 64-byte aligned so that a store can be mapped from the file. Section flag bit 0
// (Critical) says that a reader which does not know the section must refuse the file; other
// unknown sections are skipped. A file is exactly header to footer: the table's offsets chain
// the records back to back, so nothing can hide between them and nothing may follow.
//
// Version 1 (read, no longer written):
//
//	header   "VSAGGOIX" | format version u32 (1) | flags u32 (0)
//	meta     length u64 | crc32 u32 | JSON metadata
//	count    number of sections u32
//	section  name length u16 | name | payload length u64 | crc32(payload) u32 | payload  (repeated)
//	footer   "VSAGGOEN" | total bytes before the footer u64 | crc32 over every section's name and crc u32
//
// All integers are little-endian; checksums are CRC-32 (IEEE). Every length and offset read is
// treated as hostile: a reader with random access checks each against the size of its input,
// and a sequential reader never allocates for a whole-section read more than the bytes that
// actually arrive (sections streamed into stores are sized by the stores, which check the
// machine's memory first).
//
// Three ways to read: Read decodes a whole file into memory; NewReader reads a stream section
// by section, in order, as the loader asks for them; OpenAt reads from a file or byte slice at
// any offset, only the sections asked for.
package serial

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	json "github.com/goccy/go-json"
)

// FormatVersion is the version written by this package; readers accept versions 1 to it.
const FormatVersion = 2

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

// Alignment is the file offset every version-2 payload starts at a multiple of.
const Alignment = 64

// ErrCorrupt is wrapped by every error about malformed input.
var ErrCorrupt = errors.New("not a valid vsag index file")

// ReadError wraps an error of the underlying reader (as opposed to malformed input).
type ReadError struct{ Err error }

func (e *ReadError) Error() string { return e.Err.Error() }
func (e *ReadError) Unwrap() error { return e.Err }

// IsReadError reports whether err comes from the underlying reader rather than from the bytes
// it returned.
func IsReadError(err error) bool {
	var re *ReadError
	return errors.As(err, &re) && !errors.Is(err, ErrCorrupt)
}

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

// Flags describe a section.
type Flags uint16

// Critical marks a section a reader must understand: a reader that does not know it refuses
// the file. Sections without it are skipped by readers that do not know them.
const Critical Flags = 1

const knownFlags = Critical

// Section is one named, checksummed payload. Its bytes are either held in Data or produced,
// Size bytes exactly, by a writer function when the file is written (AddStream).
type Section struct {
	Name  string
	Flags Flags
	Data  []byte
	size  int64
	write func(io.Writer) error
}

// Size returns the payload's length in bytes.
func (s *Section) Size() int64 {
	if s.write != nil {
		return s.size
	}
	return int64(len(s.Data))
}

// File is an index file: its metadata and its sections. A File being written holds its
// sections (in memory or as writer functions); a File being read (NewReader, OpenAt) reads them
// from its source as they are asked for.
type File struct {
	Meta     Meta
	Sections []Section

	version int    // format version of the sections' encodings; 0 is FormatVersion
	src     source // nil: the sections are in Sections
	used    map[string]bool
	err     error               // first error met by Get
	watch   func(n int64) error // see SetWatch (progress.go)
}

// Version returns the format version whose section encodings the file holds: the version of
// the file read, FormatVersion for a file being written.
func (f *File) Version() int {
	if f.version == 0 {
		return FormatVersion
	}
	return f.version
}

// Add appends a critical section held in memory.
func (f *File) Add(name string, data []byte) {
	f.Sections = append(f.Sections, Section{Name: name, Flags: Critical, Data: data})
}

// AddOptional appends a section held in memory that readers which do not know it skip.
func (f *File) AddOptional(name string, data []byte) {
	f.Sections = append(f.Sections, Section{Name: name, Data: data})
}

// AddStream appends a section of size bytes that write produces when the file is written
// (straight to the file's writer: nothing is copied into memory). write must write exactly
// size bytes; the caller keeps what it writes unchanged until the file has been written.
func (f *File) AddStream(name string, flags Flags, size int64, write func(io.Writer) error) {
	f.Sections = append(f.Sections, Section{Name: name, Flags: flags, size: size, write: write})
}

// AddLockedStream is AddStream whose write runs holding l, such as an index's read lock
// (mu.RLocker()), so the stores it writes do not change under it.
func (f *File) AddLockedStream(name string, flags Flags, size int64, l sync.Locker, write func(io.Writer) error) {
	f.AddStream(name, flags, size, func(w io.Writer) error {
		l.Lock()
		defer l.Unlock()
		return write(w)
	})
}

// Materialize runs the writer functions of streamed sections into memory, so that the file no
// longer depends on the stores it was made from.
func (f *File) Materialize() error {
	for i := range f.Sections {
		if err := f.Sections[i].materialize(); err != nil {
			return err
		}
	}
	return nil
}

func (s *Section) materialize() error {
	if s.write == nil {
		return nil
	}
	if s.size < 0 || s.size > MaxSectionBytes {
		return fmt.Errorf("section %q: bad size %d", s.Name, s.size)
	}
	buf := bytes.NewBuffer(make([]byte, 0, s.size))
	if err := s.write(buf); err != nil {
		return fmt.Errorf("section %q: %w", s.Name, err)
	}
	if int64(buf.Len()) != s.size {
		return fmt.Errorf("section %q: wrote %d bytes, declared %d", s.Name, buf.Len(), s.size)
	}
	s.Data, s.write = buf.Bytes(), nil
	return nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

func (f *File) memSection(name string) *Section {
	for i := range f.Sections {
		if f.Sections[i].Name == name {
			return &f.Sections[i]
		}
	}
	return nil
}

// Open returns a reader over the payload of the named section; a missing section is an error
// wrapping ErrCorrupt. Read it to its end and call Done to check its checksum. A sequential
// file reads sections fastest in the order they were written (a section passed over to reach
// a later one is kept in memory until asked for), and a section streamed once cannot be read
// again.
func (f *File) Open(name string) (*SectionReader, error) {
	sr, ok, err := f.open(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, corrupt("section %q is missing", name)
	}
	return sr, nil
}

func (f *File) open(name string) (*SectionReader, bool, error) {
	if f.src == nil {
		s := f.memSection(name)
		if s == nil {
			return nil, false, nil
		}
		if err := s.materialize(); err != nil {
			return nil, false, err
		}
		f.markUsed(name)
		return f.watched(bytesSection(name, f.Version(), s.Data)), true, nil
	}
	sr, ok, err := f.src.open(name)
	return f.watched(sr), ok, err
}

func (f *File) markUsed(name string) {
	if f.used == nil {
		f.used = map[string]bool{}
	}
	f.used[name] = true
}

// Lookup returns the whole payload of the named section, false when the file has none.
func (f *File) Lookup(name string) ([]byte, bool, error) {
	if f.src == nil {
		if s := f.memSection(name); s != nil {
			if err := s.materialize(); err != nil {
				return nil, false, err
			}
			f.markUsed(name)
			return s.Data, true, nil
		}
		return nil, false, nil
	}
	sr, ok, err := f.src.open(name)
	if err != nil || !ok {
		return nil, ok, err
	}
	b, err := sr.readAll()
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// Get returns the payload of the named section. An error reading it reads as absent and is
// kept for Err.
func (f *File) Get(name string) ([]byte, bool) {
	b, ok, err := f.Lookup(name)
	if err != nil {
		if f.err == nil {
			f.err = err
		}
		return nil, false
	}
	return b, ok
}

// Err returns the first error Get met.
func (f *File) Err() error { return f.err }

// Need returns the payload of the named section or an error naming it.
func (f *File) Need(name string) ([]byte, error) {
	b, ok, err := f.Lookup(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, corrupt("section %q is missing", name)
	}
	return b, nil
}

// Skip marks a section the loader knows and chooses not to read (such as data the target
// index has no place for), so that Finish does not take it for an unknown critical section.
func (f *File) Skip(name string) {
	if f.src == nil {
		f.markUsed(name)
		return
	}
	f.src.skip(name)
}

// Finish ends a load: it checks that every critical section was read, reads what a stream
// still holds up to the end of the file (skipping sections nobody asked for, checking their
// checksums) and checks the file's table and footer. A load is complete only when Finish
// returns nil.
func (f *File) Finish() error {
	if f.err != nil {
		return f.err
	}
	if f.src == nil {
		for _, s := range f.Sections {
			if s.Flags&Critical != 0 && !f.used[s.Name] {
				return corrupt("section %q is marked critical and this library does not know it", s.Name)
			}
		}
		return nil
	}
	return f.src.finish()
}

// source is where a File being read takes its sections from.
type source interface {
	open(name string) (*SectionReader, bool, error)
	skip(name string)
	finish() error
}
