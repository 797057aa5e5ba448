package hgraph

import (
	"math"
	"unsafe"

	"github.com/govsag/vsag/core/quant"
)

// splitComputer measures rest records of the split layout (rows of the precise store) together
// with their base records, which it reads from the index's base store. Callers hold mu (shared
// or exclusive), so the slabs do not move while it is used.
type splitComputer struct {
	sc quant.SplitComputer
	x  *Index
}

// SetQuery implements quant.Computer.
func (s *splitComputer) SetQuery(q []float32) { s.sc.SetQuery(q) }

// Distance implements quant.Computer for a row of the precise store (a code that is not one
// of its rows gives +Inf).
func (s *splitComputer) Distance(code []byte) float32 {
	r, ok := s.x.splitRow(code)
	if !ok {
		return float32(math.Inf(1))
	}
	return s.sc.DistanceSplit(s.x.baseCodes.Code(r), code)
}

// DistanceBatch implements quant.Computer: slab is the precise store's slab.
func (s *splitComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	s.sc.DistanceSplitBatch(s.x.baseCodes.Slab(), slab, ids, out)
}

// DistanceRows implements quant.Computer: rows 0..len(out)-1.
func (s *splitComputer) DistanceRows(slab []byte, out []float32) {
	ids := make([]uint32, len(out))
	for i := range ids {
		ids[i] = uint32(i)
	}
	s.DistanceBatch(slab, ids, out)
}

// splitQuant presents the precise store of the split layout to the graph builder and to
// UpdateVector: its rows are measured and decoded with their base records.
type splitQuant struct {
	quant.Quantizer // the rest quantizer
	x               *Index
}

// NewComputer returns a splitComputer.
func (q *splitQuant) NewComputer() quant.Computer {
	return &splitComputer{sc: q.x.split.NewSplitComputer(), x: q.x}
}

// Decode writes the vector of a row of the precise store, decoded from its base and rest
// records (zeros for a code that is not one of its rows).
func (q *splitQuant) Decode(dst []float32, code []byte) {
	r, ok := q.x.splitRow(code)
	if !ok {
		clear(dst[:q.x.dim])
		return
	}
	q.x.split.DecodeSplit(dst, q.x.baseCodes.Code(r), code)
}

// splitRow returns the row of the precise store that code is (a slice of the store's slab, as
// the graph builder passes them), or false. Caller holds mu.
func (x *Index) splitRow(code []byte) (int, bool) {
	slab, stride := x.preciseCodes.Slab(), x.preciseCodes.Stride()
	if len(code) < stride || len(slab) == 0 || stride == 0 {
		return 0, false
	}
	off := uintptr(unsafe.Pointer(unsafe.SliceData(code))) - uintptr(unsafe.Pointer(unsafe.SliceData(slab)))
	if off >= uintptr(len(slab)) || off%uintptr(stride) != 0 {
		return 0, false
	}
	r := int(off / uintptr(stride))
	if r >= x.baseCodes.Len() {
		return 0, false
	}
	return r, true
}
