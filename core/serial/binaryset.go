package serial

import (
	"bytes"
	"fmt"
	"hash/crc32"

	json "github.com/goccy/go-json"
)

// BinarySet is a set of named blobs, VSAG's BinarySet.
type BinarySet map[string][]byte

// MetaKey is the BinarySet entry holding the header and metadata.
const MetaKey = "__vsag_meta__"

const tableSection = "__sections__"

type setEntry struct {
	Name  string `json:"name"`
	CRC   uint32 `json:"crc32"`
	Size  int    `json:"size"`
	Flags Flags  `json:"flags,omitempty"`
}

// ToBinarySet splits f into named blobs: MetaKey holds a file with the metadata and a table of
// the sections (name, checksum, size, flags); every section is its own blob. Streamed sections
// are written into memory first.
func ToBinarySet(f *File) (BinarySet, error) {
	if err := f.Materialize(); err != nil {
		return nil, err
	}
	idx := make([]setEntry, 0, len(f.Sections))
	set := BinarySet{}
	for _, s := range f.Sections {
		if s.Name == MetaKey {
			return nil, fmt.Errorf("section name %q is reserved", MetaKey)
		}
		idx = append(idx, setEntry{s.Name, crc32.ChecksumIEEE(s.Data), len(s.Data), s.Flags})
		set[s.Name] = s.Data
	}
	tab, err := json.Marshal(idx)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := Write(&buf, &File{Meta: f.Meta, Sections: []Section{{Name: tableSection, Flags: Critical, Data: tab}}}); err != nil {
		return nil, err
	}
	set[MetaKey] = buf.Bytes()
	return set, nil
}

// FromBinarySet rebuilds a File from blobs written by ToBinarySet, checking each checksum. The
// file's version is that of the metadata blob.
func FromBinarySet(set BinarySet) (*File, error) {
	mb, ok := set[MetaKey]
	if !ok {
		return nil, corrupt("binary set has no %q entry", MetaKey)
	}
	mf, err := Read(bytes.NewReader(mb))
	if err != nil {
		return nil, err
	}
	tab, err := mf.Need(tableSection)
	if err != nil {
		return nil, err
	}
	var idx []setEntry
	if err := json.Unmarshal(tab, &idx); err != nil {
		return nil, corrupt("section table: %v", err)
	}
	if len(idx) > MaxSections {
		return nil, corrupt("%d sections is over the limit %d", len(idx), MaxSections)
	}
	f := &File{Meta: mf.Meta, version: mf.Version()}
	seen := map[string]bool{}
	for _, e := range idx {
		b, ok := set[e.Name]
		if !ok {
			return nil, corrupt("binary set is missing section %q", e.Name)
		}
		if seen[e.Name] {
			return nil, corrupt("section %q appears twice", e.Name)
		}
		seen[e.Name] = true
		if e.Flags&^knownFlags != 0 {
			return nil, corrupt("section %q has unknown flags %#x", e.Name, e.Flags)
		}
		if len(b) != e.Size || crc32.ChecksumIEEE(b) != e.CRC {
			return nil, corrupt("checksum mismatch in section %q", e.Name)
		}
		f.Sections = append(f.Sections, Section{Name: e.Name, Flags: e.Flags, Data: b})
	}
	return f, nil
}
