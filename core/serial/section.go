package serial

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
)

// maxChunk bounds one read from the underlying reader, so the checksum runs over bytes still
// in the cache.
const maxChunk = 4 << 20

// SectionReader reads one section's payload, computing its checksum on the way. Read returns
// io.EOF at the payload's end; Done checks that the payload was read to its end and that its
// checksum matches. Until Done returns nil the bytes read are not known to be intact.
type SectionReader struct {
	name    string
	version int
	size    int64
	left    int64
	r       io.Reader
	sum     uint32
	check   func(sum uint32) error // nil: nothing to check (a payload held in memory)
	err     error
	checked bool
	onEnd   func()              // called once when the payload has been read and checked
	watch   func(n int64) error // File.SetWatch's function, nil for none
}

func bytesSection(name string, version int, b []byte) *SectionReader {
	return &SectionReader{name: name, version: version, size: int64(len(b)), left: int64(len(b)), r: bytes.NewReader(b)}
}

// NewSectionReader returns a reader over b as the payload of section name written by the
// given format version, with nothing to check (tests, and decoders that take whole payloads).
func NewSectionReader(name string, version int, b []byte) *SectionReader {
	return bytesSection(name, version, b)
}

// Name returns the section's name.
func (s *SectionReader) Name() string { return s.name }

// Version returns the format version of the file the section comes from; a section's
// encoding may depend on it.
func (s *SectionReader) Version() int { return s.version }

// Size returns the payload's length.
func (s *SectionReader) Size() int64 { return s.size }

// Remaining returns the payload bytes not yet read.
func (s *SectionReader) Remaining() int64 { return s.left }

// Read implements io.Reader over the payload.
func (s *SectionReader) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.left == 0 {
		if err := s.end(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p = p[:min(int64(len(p)), s.left, maxChunk)]
	n, err := io.ReadFull(s.r, p)
	s.sum = crc32.Update(s.sum, crc32.IEEETable, p[:n])
	s.left -= int64(n)
	if s.watch != nil && err == nil {
		err = s.watch(int64(n))
	}
	if err != nil {
		s.err = s.wrapErr(err, "payload")
		return n, s.err
	}
	if s.left == 0 {
		if err := s.end(); err != nil {
			return n, err
		}
	}
	return n, nil
}

func (s *SectionReader) wrapErr(err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return corrupt("truncated in the %s of section %q", what, s.name)
	}
	if errors.Is(err, ErrCorrupt) || IsReadError(err) {
		return err
	}
	return &ReadError{fmt.Errorf("read section %q: %w", s.name, err)}
}

// end checks the checksum once the payload has been read.
func (s *SectionReader) end() error {
	if s.checked {
		return s.err
	}
	s.checked = true
	if s.check != nil {
		if err := s.check(s.sum); err != nil {
			s.err = err
			return err
		}
	}
	if s.onEnd != nil {
		s.onEnd()
	}
	return nil
}

// Done checks that the payload was read to its end and that its checksum matches.
func (s *SectionReader) Done() error {
	if s.err != nil {
		return s.err
	}
	if s.left > 0 {
		return corrupt("section %q: %d bytes left unread", s.name, s.left)
	}
	return s.end()
}

// discard reads the rest of the payload without keeping it and checks it.
func (s *SectionReader) discard() error {
	if s.err != nil {
		return s.err
	}
	if _, err := io.Copy(io.Discard, onlyReader{s}); err != nil {
		return err
	}
	return s.Done()
}

// onlyReader hides a reader's other methods from io.Copy.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// firstChunk is the most a reader allocates for a whole payload before its bytes arrive;
// beyond it the buffer doubles as data comes in (never past the claimed length), so a short
// input that claims a long payload costs at most this much.
const firstChunk = 1 << 20

// readAll reads the whole payload into memory and checks it. The buffer starts at
// min(size, firstChunk) and doubles as it fills, so what is allocated stays within twice the
// bytes actually read (plus firstChunk).
func (s *SectionReader) readAll() ([]byte, error) {
	b := make([]byte, 0, min(s.left, firstChunk))
	for s.left > 0 {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(2*int64(cap(b)), int64(len(b))+s.left))
			copy(nb, b)
			b = nb
		}
		n, err := s.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil && err != io.EOF {
			return nil, err
		}
	}
	if err := s.Done(); err != nil {
		return nil, err
	}
	return b, nil
}
