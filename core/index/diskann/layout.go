package diskann

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/govsag/vsag/core/quant"
)

// The disk layout (VSAG's diskann_layout_file): sector 0 is a header, then node records in
// sector-aligned slots. A record is the node's full vector (dim float32), its degree u32 and
// max_degree neighbour ids u32 (unused slots zero). Records no larger than a sector are packed
// sector/record to a sector and never straddle one; a larger record takes whole sectors of its
// own. A search reads one record with one pread.

// SectorLen is the sector size records are aligned to.
const SectorLen = 4096

var layoutMagic = [8]byte{'V', 'S', 'A', 'G', 'D', 'A', 'N', 'N'}

// layout is the geometry of a layout file.
type layout struct {
	n, dim, degree int
	medoid         uint32
	record         int // bytes of one record
	perSector      int // records per sector, 0 when a record takes sectors of its own
	sectors        int // sectors per record when perSector is 0
}

func newLayout(n, dim, degree int, medoid uint32) layout {
	l := layout{n: n, dim: dim, degree: degree, medoid: medoid, record: 4*dim + 4 + 4*degree}
	if l.record <= SectorLen {
		l.perSector = SectorLen / l.record
	} else {
		l.sectors = (l.record + SectorLen - 1) / SectorLen
	}
	return l
}

// offset returns the file offset of node i's record.
func (l layout) offset(i uint32) int64 {
	if l.perSector > 0 {
		return SectorLen*(1+int64(i)/int64(l.perSector)) + int64(i)%int64(l.perSector)*int64(l.record)
	}
	return SectorLen * (1 + int64(i)*int64(l.sectors))
}

// size returns the layout file's size.
func (l layout) size() int64 {
	if l.n == 0 {
		return SectorLen
	}
	if l.perSector > 0 {
		return SectorLen * (1 + int64((l.n+l.perSector-1)/l.perSector))
	}
	return SectorLen * (1 + int64(l.n)*int64(l.sectors))
}

func (l layout) header() []byte {
	h := make([]byte, SectorLen)
	copy(h, layoutMagic[:])
	for i, v := range []uint64{uint64(l.n), uint64(l.dim), uint64(l.degree), uint64(l.medoid), uint64(l.record)} {
		binary.LittleEndian.PutUint64(h[8+8*i:], v)
	}
	return h
}

// parseHeader checks a layout header against the index's dim and degree and the file's size.
func parseHeader(h []byte, dim, degree int, size int64) (layout, error) {
	if len(h) < 48 || [8]byte(h[:8]) != layoutMagic {
		return layout{}, fmt.Errorf("layout: bad header")
	}
	v := func(i int) uint64 { return binary.LittleEndian.Uint64(h[8+8*i:]) }
	if v(1) != uint64(dim) || v(2) != uint64(degree) {
		return layout{}, fmt.Errorf("layout: dim %d, degree %d do not match %d, %d", v(1), v(2), dim, degree)
	}
	if v(0) > 1<<32 || (v(0) > 0 && v(3) >= v(0)) {
		return layout{}, fmt.Errorf("layout: %d nodes with entry %d", v(0), v(3))
	}
	l := newLayout(int(v(0)), dim, degree, uint32(v(3)))
	if v(4) != uint64(l.record) || l.size() != size {
		return layout{}, fmt.Errorf("layout: %d bytes do not hold %d records", size, l.n)
	}
	return l, nil
}

// layoutWriter writes records in node order.
type layoutWriter struct {
	l    layout
	w    *bufio.Writer
	next int
	rec  []byte
}

func newLayoutWriter(w io.Writer, l layout) (*layoutWriter, error) {
	lw := &layoutWriter{l: l, w: bufio.NewWriterSize(w, 1<<20), rec: make([]byte, l.record)}
	_, err := lw.w.Write(l.header())
	return lw, err
}

// put writes node i's record (nodes in order).
func (lw *layoutWriter) put(v []float32, nbrs []uint32) error {
	l := lw.l
	clear(lw.rec)
	copy(lw.rec, quant.AsBytes(v))
	binary.LittleEndian.PutUint32(lw.rec[4*l.dim:], uint32(len(nbrs)))
	for j, u := range nbrs {
		binary.LittleEndian.PutUint32(lw.rec[4*l.dim+4+4*j:], u)
	}
	if _, err := lw.w.Write(lw.rec); err != nil {
		return err
	}
	lw.next++
	pad := 0
	if l.perSector > 0 {
		if lw.next%l.perSector == 0 || lw.next == l.n {
			pad = SectorLen - (lw.next-1)%l.perSector*l.record - l.record
		}
	} else {
		pad = l.sectors*SectorLen - l.record
	}
	if pad > 0 {
		_, err := lw.w.Write(make([]byte, pad))
		return err
	}
	return nil
}

func (lw *layoutWriter) flush() error { return lw.w.Flush() }

// disk is an open layout file, read with pread (os.File.ReadAt) from any goroutine.
type disk struct {
	l layout
	f *os.File
}

// tempFile creates a file in the system's temporary directory and unlinks it at once: the
// open handle keeps it until it is closed (or collected), and nothing is left behind.
func tempFile() (*os.File, error) {
	f, err := os.CreateTemp("", "vsag-diskann-*.layout")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// record reads node i's record into buf (len >= l.record) and returns the vector and the
// neighbours it holds (decoded into nb's storage).
func (d *disk) record(i uint32, buf []byte, nb []uint32) ([]float32, []uint32, error) {
	b := buf[:d.l.record]
	if _, err := d.f.ReadAt(b, d.l.offset(i)); err != nil {
		return nil, nil, fmt.Errorf("diskann: reading node %d: %w", i, err)
	}
	return d.decode(i, b, nb)
}

// decode returns the vector and the neighbours node i's record b holds (decoded into nb's
// storage), checking the degree and the neighbour ids.
func (d *disk) decode(i uint32, b []byte, nb []uint32) ([]float32, []uint32, error) {
	l := d.l
	deg := binary.LittleEndian.Uint32(b[4*l.dim:])
	if int(deg) > l.degree {
		return nil, nil, fmt.Errorf("diskann: node %d has degree %d > %d", i, deg, l.degree)
	}
	nb = nb[:0]
	for j := 0; j < int(deg); j++ {
		u := binary.LittleEndian.Uint32(b[4*l.dim+4+4*j:])
		if int(u) >= l.n {
			return nil, nil, fmt.Errorf("diskann: node %d links to %d of %d", i, u, l.n)
		}
		nb = append(nb, u)
	}
	return quant.AsFloat32(b[:4*l.dim]), nb, nil
}
