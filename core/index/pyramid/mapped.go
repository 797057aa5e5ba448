package pyramid

import (
	"encoding/binary"
	"unsafe"

	"github.com/govsag/vsag/core/quant"
)

// A sub-graph numbers its nodes 0..len(members)-1 while the codes live in the index's stores
// under the inner ids. The graph machinery reads node r's "code" from a slab at r*CodeSize, so
// a sub-graph is handed its members as that slab (4 bytes, the inner id, per local id) and a
// quantizer whose computers look the real code up through them: the codes are shared by every
// level of every tree, never copied.

// mappedQuant is a quantizer whose codes are the 4-byte inner ids of rows of codes.
type mappedQuant struct {
	quant.Quantizer
	codes  []byte // the real slab
	stride int
}

func newMappedQuant(q quant.Quantizer, codes []byte) *mappedQuant {
	return &mappedQuant{Quantizer: q, codes: codes, stride: q.CodeSize()}
}

// Name returns a name of its own, so the graph builder does not read the 4-byte codes as
// float32 rows.
func (m *mappedQuant) Name() string { return "pyramid_mapped" }

// CodeSize is the 4 bytes of an inner id.
func (m *mappedQuant) CodeSize() int { return 4 }

// Decode decodes the real code of the inner id held in code.
func (m *mappedQuant) Decode(dst []float32, code []byte) {
	r := int(binary.LittleEndian.Uint32(code))
	m.Quantizer.Decode(dst, m.codes[r*m.stride:(r+1)*m.stride])
}

// NewComputer returns a computer over the real codes that takes local ids.
func (m *mappedQuant) NewComputer() quant.Computer {
	return &mappedComp{Computer: m.Quantizer.NewComputer(), codes: m.codes, stride: m.stride}
}

// mappedComp translates the local ids of a sub-graph to inner ids through the members slab it
// is given and measures the real codes.
type mappedComp struct {
	quant.Computer
	codes  []byte
	stride int
	ids    []uint32
}

// asIDs views a members slab as inner ids.
func asIDs(slab []byte) []uint32 {
	if len(slab) < 4 {
		return nil
	}
	return unsafe.Slice((*uint32)(unsafe.Pointer(&slab[0])), len(slab)/4)
}

// Distance measures the real code of the inner id held in code.
func (c *mappedComp) Distance(code []byte) float32 {
	r := int(binary.LittleEndian.Uint32(code))
	return c.Computer.Distance(c.codes[r*c.stride : (r+1)*c.stride])
}

// DistanceBatch measures local ids ids of the members slab.
func (c *mappedComp) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	members := asIDs(slab)
	g := c.ids[:0]
	for _, id := range ids {
		g = append(g, members[id])
	}
	c.ids = g
	c.Computer.DistanceBatch(c.codes, g, out)
}

// DistanceRows measures the first len(out) local ids of the members slab.
func (c *mappedComp) DistanceRows(slab []byte, out []float32) {
	members := asIDs(slab)
	c.Computer.DistanceBatch(c.codes, members[:len(out)], out)
}
