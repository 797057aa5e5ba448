package graph

import (
	"encoding/binary"
	"fmt"

	"github.com/govsag/vsag/core/hugepage"
)

// MarshalBinary encodes the graph: header (nodes, degree, entry, entry level, layer count),
// the bottom lists, then per route layer its member count and, per member, the node id and
// its list.
func (g *Graph) MarshalBinary() ([]byte, error) {
	ep, lvl, ok := g.Entry()
	out := make([]byte, 0, 40+4*g.n*g.stride)
	out = binary.LittleEndian.AppendUint64(out, uint64(g.n))
	out = binary.LittleEndian.AppendUint32(out, uint32(g.maxDeg))
	if ok {
		out = binary.LittleEndian.AppendUint32(out, 1)
	} else {
		out = binary.LittleEndian.AppendUint32(out, 0)
	}
	out = binary.LittleEndian.AppendUint32(out, ep)
	out = binary.LittleEndian.AppendUint32(out, uint32(lvl))
	out = binary.LittleEndian.AppendUint32(out, uint32(len(g.layers)))
	for _, w := range g.adj[:g.n*g.stride] {
		out = binary.LittleEndian.AppendUint32(out, w)
	}
	st := g.routeDeg + 1
	for _, r := range g.layers {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(r.nodes)))
		for s, id := range r.nodes {
			out = binary.LittleEndian.AppendUint32(out, id)
			for _, w := range r.adj[s*st : (s+1)*st] {
				out = binary.LittleEndian.AppendUint32(out, w)
			}
		}
	}
	return out, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) u32() uint32 {
	if r.err != nil {
		return 0
	}
	if len(r.b) < 4 {
		r.err = fmt.Errorf("graph: truncated")
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

// UnmarshalBinary restores a graph written by MarshalBinary into g (created with New using the
// same degree), checking every count and id against the node count.
func (g *Graph) UnmarshalBinary(b []byte) error {
	if len(b) < 28 {
		return fmt.Errorf("graph: %d bytes is too short", len(b))
	}
	n64 := binary.LittleEndian.Uint64(b)
	r := &reader{b: b[8:]}
	deg := int(r.u32())
	if deg != g.maxDeg {
		return fmt.Errorf("graph: max degree %d does not match %d", deg, g.maxDeg)
	}
	hasEntry, ep, lvl, nl := r.u32(), r.u32(), r.u32(), r.u32()
	if n64 > uint64(len(r.b))/uint64(4*g.stride) {
		return fmt.Errorf("graph: %d nodes do not fit in %d bytes", n64, len(r.b))
	}
	n := int(n64)
	if nl > 64 || lvl > nl || (hasEntry == 1 && ep >= uint32(n)) || (hasEntry == 0 && n > 0) {
		return fmt.Errorf("graph: bad header (entry %d level %d layers %d nodes %d)", ep, lvl, nl, n)
	}
	adj := make([]uint32, n*g.stride)
	hugepage.Slice(adj)
	for i := range adj {
		adj[i] = r.u32()
	}
	if err := checkLists(adj, g.stride, n); err != nil {
		return err
	}
	st := g.routeDeg + 1
	layers := make([]*routeLayer, 0, nl)
	for l := 0; l < int(nl); l++ {
		cnt := r.u32()
		if r.err != nil {
			return r.err
		}
		if uint64(cnt) > uint64(n) || uint64(cnt)*uint64(4*(st+1)) > uint64(len(r.b)) {
			return fmt.Errorf("graph: layer %d claims %d nodes", l+1, cnt)
		}
		rl := &routeLayer{slot: make(map[uint32]uint32, cnt), nodes: make([]uint32, cnt), adj: make([]uint32, int(cnt)*st)}
		for s := 0; s < int(cnt); s++ {
			id := r.u32()
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
			for j := 0; j < st; j++ {
				rl.adj[s*st+j] = r.u32()
			}
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
	if r.err != nil {
		return r.err
	}
	if len(r.b) != 0 {
		return fmt.Errorf("graph: %d trailing bytes", len(r.b))
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
