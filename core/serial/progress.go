package serial

// SetWatch makes every section reader opened from f afterwards call fn with the bytes of each
// read from its payload (from the loader's goroutine); an error fn returns ends that read, and
// so the load, with that error. nil removes it.
func (f *File) SetWatch(fn func(n int64) error) { f.watch = fn }

// watched hands f's watch function to sr.
func (f *File) watched(sr *SectionReader) *SectionReader {
	if sr != nil && f.watch != nil {
		sr.watch = f.watch
	}
	return sr
}

// PayloadSize returns the bytes of every section's payload when f knows them before they are
// read (a file read at offsets, or sections held in memory), 0 when it does not (a stream).
func (f *File) PayloadSize() int64 {
	var n int64
	switch src := f.src.(type) {
	case nil:
		for i := range f.Sections {
			n += int64(len(f.Sections[i].Data))
		}
	case *at:
		for _, e := range src.entries {
			n += e.size
		}
	}
	return n
}
