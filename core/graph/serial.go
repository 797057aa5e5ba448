package graph

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/govsag/vsag/core/hugepage"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/serial"
)

// The graph section: header (nodes u64, degree, has-entry, entry, entry level, layer count,
// each u32), the bottom lists (nodes x (degree+1) u32), then per route layer its member count
// and, per member, the node id and its list. The encoding is the same in format versions 1
// and 2.

const graphHeader = 28

// SectionSize returns the bytes WriteSection writes.
func (g *Graph) SectionSize() int64 {
	size := graphHeader + 4*int64(g.n)*int64(g.stride)
	st := int64(g.routeDeg + 1)
	for _, r := range g.layers {
		size += 4 + int64(len(r.nodes))*4*(st+1)
	}
	return size
}

// WriteSection writes the graph as it is now, straight from its lists.
func (g *Graph) WriteSection(w io.Writer) error {
	ep, lvl, ok := g.Entry()
	h := make([]byte, 0, graphHeader)
	h = binary.LittleEndian.AppendUint64(h, uint64(g.n))
	h = binary.LittleEndian.AppendUint32(h, uint32(g.maxDeg))
	if ok {
		h = binary.LittleEndian.AppendUint32(h, 1)
	} else {
		h = binary.LittleEndian.AppendUint32(h, 0)
	}
	h = binary.LittleEndian.AppendUint32(h, ep)
	h = binary.LittleEndian.AppendUint32(h, uint32(lvl))
	h = binary.LittleEndian.AppendUint32(h, uint32(len(g.layers)))
	if _, err := w.Write(h); err != nil {
		return err
	}
	buf := make([]uint32, 0, 16<<10)
	if err := g.writeBottom(w, buf); err != nil {
		return err
	}
	st := g.routeDeg + 1
	flush := func() error {
		err := serial.WriteUint32s(w, buf)
		buf = buf[:0]
		return err
	}
	for _, r := range g.layers {
		buf = append(buf, uint32(len(r.nodes)))
		for s, id := range r.nodes {
			if len(buf)+st+1 > cap(buf) {
				if err := flush(); err != nil {
					return err
				}
			}
			buf = append(buf, id)
			buf = append(buf, r.adj[s*st:(s+1)*st]...)
			buf[len(buf)-st] = wordLen(buf[len(buf)-st])
		}
	}
	return flush()
}

// writeBottom writes the bottom lists without their marks (see headMark, closedMark), a run of whole
// lists at a time through buf.
func (g *Graph) writeBottom(w io.Writer, buf []uint32) error {
	per := max(cap(buf)/g.stride, 1)
	for lo := 0; lo < g.n; lo += per {
		hi := min(lo+per, g.n)
		buf = append(buf[:0], g.adj[lo*g.stride:hi*g.stride]...)
		for o := 0; o < len(buf); o += g.stride {
			buf[o] = wordLen(buf[o])
		}
		if err := serial.WriteUint32s(w, buf); err != nil {
			return err
		}
	}
	return nil
}

// MarshalBinary encodes the graph (WriteSection into memory).
func (g *Graph) MarshalBinary() ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(g.SectionSize()))
	if err := g.WriteSection(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// UnmarshalBinary restores a graph written by MarshalBinary (ReadSection from memory).
func (g *Graph) UnmarshalBinary(b []byte) error {
	return g.ReadSection(serial.NewSectionReader("graph", serial.FormatVersion, b))
}

// ReadSection restores a graph written by WriteSection into g (created with New using the
// same degree), reading the lists straight into new arrays and checking every count and id
// against the node count and the section's size before allocating.
func (g *Graph) ReadSection(sr *serial.SectionReader) error {
	if sr.Size() < graphHeader {
		return fmt.Errorf("graph: %d bytes is too short", sr.Size())
	}
	h := make([]byte, graphHeader)
	if _, err := io.ReadFull(sr, h); err != nil {
		return err
	}
	n64 := binary.LittleEndian.Uint64(h)
	u := func(i int) uint32 { return binary.LittleEndian.Uint32(h[8+4*i:]) }
	deg := int(u(0))
	if deg != g.maxDeg {
		return fmt.Errorf("graph: max degree %d does not match %d", deg, g.maxDeg)
	}
	hasEntry, ep, lvl, nl := u(1), u(2), u(3), u(4)
	if n64 > uint64(sr.Remaining())/uint64(4*g.stride) {
		return fmt.Errorf("graph: %d nodes do not fit in %d bytes", n64, sr.Remaining())
	}
	n := int(n64)
	if nl > 64 || lvl > nl || (hasEntry == 1 && ep >= uint32(n)) || (hasEntry == 0 && n > 0) {
		return fmt.Errorf("graph: bad header (entry %d level %d layers %d nodes %d)", ep, lvl, nl, n)
	}
	if err := memguard.Check(4*int64(n)*int64(g.stride), "loading a graph"); err != nil {
		return err
	}
	adj := make([]uint32, n*g.stride)
	hugepage.Slice(adj)
	if err := serial.ReadUint32s(sr, adj); err != nil {
		return err
	}
	if err := checkLists(adj, g.stride, n); err != nil {
		return err
	}
	st := g.routeDeg + 1
	layers := make([]*routeLayer, 0, nl)
	var cb [4]byte
	for l := 0; l < int(nl); l++ {
		if sr.Remaining() < 4 {
			return fmt.Errorf("graph: truncated")
		}
		if _, err := io.ReadFull(sr, cb[:]); err != nil {
			return err
		}
		cnt := binary.LittleEndian.Uint32(cb[:])
		if uint64(cnt) > uint64(n) || uint64(cnt)*uint64(4*(st+1)) > uint64(sr.Remaining()) {
			return fmt.Errorf("graph: layer %d claims %d nodes", l+1, cnt)
		}
		if err := memguard.Check(int64(cnt)*int64(4*(st+1)+16), "loading a graph layer"); err != nil {
			return err
		}
		words := make([]uint32, int(cnt)*(st+1))
		if err := serial.ReadUint32s(sr, words); err != nil {
			return err
		}
		rl := &routeLayer{slot: make(map[uint32]uint32, cnt), nodes: make([]uint32, cnt), adj: make([]uint32, int(cnt)*st)}
		for s := 0; s < int(cnt); s++ {
			id := words[s*(st+1)]
			if id >= uint32(n) {
				return fmt.Errorf("graph: layer %d names node %d of %d", l+1, id, n)
			}
			if _, dup := rl.slot[id]; dup {
				return fmt.Errorf("graph: layer %d lists node %d twice", l+1, id)
			}
			if l > 0 {
				if _, ok := layers[l-1].slot[id]; !ok {
					return fmt.Errorf("graph: node %d is on layer %d but not below it", id, l+1)
				}
			}
			rl.slot[id] = uint32(s)
			rl.nodes[s] = id
			copy(rl.adj[s*st:(s+1)*st], words[s*(st+1)+1:(s+1)*(st+1)])
		}
		if err := checkLists(rl.adj, st, n); err != nil {
			return err
		}
		for _, row := range chunk(rl.adj, st) {
			for _, nb := range row[1 : 1+row[0]] {
				if _, ok := rl.slot[nb]; !ok {
					return fmt.Errorf("graph: layer %d links to node %d outside the layer", l+1, nb)
				}
			}
		}
		layers = append(layers, rl)
	}
	if sr.Remaining() != 0 {
		return fmt.Errorf("graph: %d trailing bytes", sr.Remaining())
	}
	if err := sr.Done(); err != nil {
		return err
	}
	if hasEntry == 1 && lvl > 0 {
		if _, ok := layers[lvl-1].slot[ep]; !ok {
			return fmt.Errorf("graph: entry %d is not on its level %d", ep, lvl)
		}
	}
	g.adj, g.n, g.layers = adj, n, layers
	if hasEntry == 1 {
		g.setEntry(ep, int(lvl))
	} else {
		g.entry.Store(0)
	}
	return nil
}

func chunk(a []uint32, st int) [][]uint32 {
	out := make([][]uint32, 0, len(a)/st)
	for i := 0; i+st <= len(a); i += st {
		out = append(out, a[i:i+st])
	}
	return out
}

func checkLists(adj []uint32, st, n int) error {
	for o := 0; o+st <= len(adj); o += st {
		c := adj[o]
		if int(c) > st-1 {
			return fmt.Errorf("graph: list of length %d exceeds the degree %d", c, st-1)
		}
		for _, nb := range adj[o+1 : o+1+int(c)] {
			if nb >= uint32(n) {
				return fmt.Errorf("graph: edge to node %d of %d", nb, n)
			}
		}
	}
	return nil
}
