package quant

import (
	"math"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

// SplitPrecise is implemented by precise quantizers whose codes (rest records) hold only what
// a base record of the same vector lacks: a distance needs both records. Encode writes the
// rest record; the Computer of NewComputer cannot measure rest records alone, so callers
// measure with NewSplitComputer.
type SplitPrecise interface {
	Quantizer
	// Base returns the quantizer that writes the base records.
	Base() Quantizer
	// EncodeRest writes the rest record of v into dst (len(dst) >= CodeSize()).
	EncodeRest(dst []byte, v []float32)
	// NewSplitComputer returns a computer of distances from a base and a rest record.
	NewSplitComputer() SplitComputer
	// DecodeSplit writes the vector of a base and a rest record into dst (len(dst) >= Dim()).
	DecodeSplit(dst []float32, base, rest []byte)
}

// SplitComputer computes the distance of one query to vectors held as a base record and a
// rest record.
type SplitComputer interface {
	// SetQuery prepares the computer for query q (len(q) == Dim()); q is not retained.
	SetQuery(q []float32)
	// DistanceSplit returns the distance of the query to the vector of base and rest records;
	// records shorter than their code sizes give +Inf.
	DistanceSplit(base, rest []byte) float32
	// DistanceSplitBatch writes, for each i, the distance to row ids[i] (base record in
	// baseSlab, rest record in restSlab, at their code sizes) into out[i]; rows outside a slab
	// give +Inf.
	DistanceSplitBatch(baseSlab, restSlab []byte, ids []uint32, out []float32)
}

// RaBitQSplit is the precise side of rabitq's split layout (rabitq_version split): a vector is
// coded once at B = b + r bits per dimension (b = rabitq_bits_per_dim_base, r =
// rabitq_bits_per_dim_precise); its base record (written by the base quantizer) holds the top b
// bit planes with the factors of that b-bit code, so searches read it as any b-bit rabitq code,
// and its rest record holds the r low planes and the factor F of the full code. Together they
// give the estimate a B-bit rabitq code gives, while storing B bits per dimension once.
//
// Rest record layout: r planes of the base's PlaneBytes bytes (plane j holds bit j of the full
// code), then F as a little-endian float32; the size is a multiple of 4. The A (and PCA
// residual) factors are the base record's: they depend on the vector, not on the code.
//
// The quantizer shares the base quantizer's trained state (rotation, centroid, PCA): it needs
// no training of its own, and its MarshalBinary state only records the layout.
type RaBitQSplit struct {
	base  *RaBitQ
	rest  int // r, bits per dimension of the rest record
	full  int // B = b + r
	rfoff int // offset of F in a rest record
	size  int
}

// NewRaBitQSplit returns the base and rest quantizers of the split layout for vectors of dim
// dimensions: o.RaBitQBitsBase bits in the base records, o.RaBitQBitsPrecise in the rest
// records (at most 8 in all), with 32-bit queries.
func NewRaBitQSplit(dim int, m metric.Kind, o CodebookOptions) (*RaBitQ, *RaBitQSplit, error) {
	if o.RaBitQBitsBase == 0 {
		o.RaBitQBitsBase = 1
	}
	switch {
	case o.RaBitQBitsPrecise < 1:
		return nil, nil, api.Errorf(api.InvalidArgument, "rabitq split: rabitq_bits_per_dim_precise must be in [1, 7], got %d", o.RaBitQBitsPrecise)
	case o.RaBitQBitsBase+o.RaBitQBitsPrecise > 8:
		return nil, nil, api.Errorf(api.InvalidArgument, "rabitq split: rabitq_bits_per_dim_base (%d) + rabitq_bits_per_dim_precise (%d) must not exceed 8", o.RaBitQBitsBase, o.RaBitQBitsPrecise)
	case o.RaBitQBitsQuery != 0 && o.RaBitQBitsQuery != 32:
		return nil, nil, api.Errorf(api.InvalidArgument, "rabitq split: rabitq_bits_per_dim_query must be 32, got %d", o.RaBitQBitsQuery)
	}
	base, err := NewRaBitQ(dim, m, o)
	if err != nil {
		return nil, nil, err
	}
	base.splitBits = base.bits + o.RaBitQBitsPrecise
	s := &RaBitQSplit{base: base, rest: o.RaBitQBitsPrecise, full: base.splitBits, rfoff: o.RaBitQBitsPrecise * base.plane}
	s.size = (s.rfoff + 4 + 3) &^ 3
	return base, s, nil
}

// Name implements Quantizer: "rabitq", the precise_quantization_type of the layout.
func (s *RaBitQSplit) Name() string { return "rabitq" }

// Dim implements Quantizer.
func (s *RaBitQSplit) Dim() int { return s.base.dim }

// Metric implements Quantizer.
func (s *RaBitQSplit) Metric() metric.Kind { return s.base.metric }

// CodeSize implements Quantizer: the size of a rest record.
func (s *RaBitQSplit) CodeSize() int { return s.size }

// RestBits returns the bits per dimension of the rest records.
func (s *RaBitQSplit) RestBits() int { return s.rest }

// NeedTrain implements Quantizer: false, the state is the base quantizer's.
func (s *RaBitQSplit) NeedTrain() bool { return false }

// Trained implements Quantizer: whether the base quantizer is trained.
func (s *RaBitQSplit) Trained() bool { return s.base.trained }

// Train implements Quantizer: nothing to learn (train the base quantizer).
func (s *RaBitQSplit) Train(vectors []float32, n int) error { return nil }

// Base implements SplitPrecise.
func (s *RaBitQSplit) Base() Quantizer { return s.base }

// Encode implements Quantizer: the rest record of v.
func (s *RaBitQSplit) Encode(dst []byte, v []float32) { s.EncodeRest(dst, v) }

// EncodeRest implements SplitPrecise.
func (s *RaBitQSplit) EncodeRest(dst []byte, v []float32) {
	q := s.base
	dst = dst[:s.size]
	clear(dst)
	sc := q.scratch.Get().(*rqScratch)
	defer q.scratch.Put(sc)
	_, _, norm := q.encodeDir(v, sc, s.full)
	for i, u := range sc.u[:q.d] {
		for b := 0; b < s.rest; b++ {
			if u>>b&1 != 0 {
				dst[b*q.plane+i>>3] |= 1 << (i & 7)
			}
		}
	}
	f, _, _ := rqFactors(sc.o, sc.u, s.full, norm, q.d)
	putF32(dst[s.rfoff:], float32(f))
}

// Decode implements Quantizer. A rest record alone does not determine a vector: dst is zeroed.
// DecodeSplit decodes a pair of records.
func (s *RaBitQSplit) Decode(dst []float32, code []byte) { clear(dst[:s.base.dim]) }

// DecodeSplit implements SplitPrecise: the vector of the base and rest records, as the
// full-width code decodes; short records give zeros.
func (s *RaBitQSplit) DecodeSplit(dst []float32, base, rest []byte) {
	q := s.base
	if len(base) < q.size || len(rest) < s.size {
		clear(dst[:q.dim])
		return
	}
	sc := q.scratch.Get().(*rqScratch)
	defer q.scratch.Put(sc)
	c := float64(int(1)<<s.full-1) / 2
	var yn2 float64
	for i := 0; i < q.d; i++ {
		var u int
		for b := 0; b < s.rest; b++ {
			u |= int(rest[b*q.plane+i>>3]>>(i&7)&1) << b
		}
		for b := 0; b < q.bits; b++ {
			u |= int(base[b*q.plane+i>>3]>>(i&7)&1) << (s.rest + b)
		}
		y := float64(u) - c
		sc.o[i] = y
		yn2 += y * y
	}
	// the base record's norm: its factors describe the same vector
	q.unrotate(dst, sc, yn2, q.codeNorm(base))
}

// MarshalBinary implements Quantizer: tag "RBS1", the code dimension and the base and rest
// bits (the trained state is the base quantizer's).
func (s *RaBitQSplit) MarshalBinary() ([]byte, error) {
	w := &stateWriter{}
	w.raw([]byte("RBS1"))
	w.u32(uint32(s.base.d))
	w.u32(uint32(s.base.bits))
	w.u32(uint32(s.rest))
	return w.b, nil
}

// UnmarshalBinary implements Quantizer: the state must record this layout exactly.
func (s *RaBitQSplit) UnmarshalBinary(data []byte) error {
	if len(data) != 16 {
		return api.Errorf(api.InvalidBinary, "rabitq split: state of %d bytes, want 16", len(data))
	}
	r := &stateReader{name: "rabitq split", b: data}
	r.tag("RBS1")
	r.expect("code dim", uint32(s.base.d))
	r.expect("base bits", uint32(s.base.bits))
	r.expect("rest bits", uint32(s.rest))
	return r.done()
}

// NewComputer implements Quantizer. Its distances to rest records alone are +Inf; it also
// implements SplitComputer, which measures pairs of records.
func (s *RaBitQSplit) NewComputer() Computer { return s.newComputer() }

// NewSplitComputer implements SplitPrecise.
func (s *RaBitQSplit) NewSplitComputer() SplitComputer { return s.newComputer() }

func (s *RaBitQSplit) newComputer() *rabitqSplitComputer {
	return &rabitqSplitComputer{s: s, bc: s.base.NewComputer().(*rabitqComputer)}
}

// rabitqSplitComputer measures the full-width estimate: dist = cst + A - k*F*S with
// S = <u - (2^B-1)/2, q_n>, u the full code (rest planes low, base planes high), A from the
// base record and F from the rest record; cst, k and q_n are the base computer's.
type rabitqSplitComputer struct {
	s    *RaBitQSplit
	bc   *rabitqComputer
	csum float32 // (2^B-1)/2 · sum(q_n)
	t    []float32
}

// SetQuery implements SplitComputer and Computer.
func (c *rabitqSplitComputer) SetQuery(query []float32) {
	c.bc.SetQuery(query)
	var sum float32
	for _, x := range c.bc.qn {
		sum += x
	}
	c.csum = sum * float32(int(1)<<c.s.full-1) / 2
}

// DistanceSplit implements SplitComputer.
func (c *rabitqSplitComputer) DistanceSplit(base, rest []byte) float32 {
	q := c.s.base
	if len(base) < q.size || len(rest) < c.s.size {
		return float32(math.Inf(1))
	}
	qn := c.bc.qn
	// as DistanceSplitBatch: the base planes are the high bits
	sum := simd.MaskedSumPlanes(qn, base, q.plane, q.bits)
	if c.s.rest > 0 {
		sum = float32(int(1)<<c.s.rest)*sum + simd.MaskedSumPlanes(qn, rest, q.plane, c.s.rest)
	}
	return c.finish(base, rest, sum-c.csum)
}

func (c *rabitqSplitComputer) finish(base, rest []byte, s float32) float32 {
	a := getF32(base[c.s.base.foff+4*rqA:])
	f := getF32(rest[c.s.rfoff:])
	return c.bc.cst + a - c.bc.k*f*s
}

// DistanceSplitBatch implements SplitComputer.
func (c *rabitqSplitComputer) DistanceSplitBatch(baseSlab, restSlab []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	q := c.s.base
	bs, rs := q.size, c.s.size
	inside := true
	for _, id := range ids {
		if (int(id)+1)*bs > len(baseSlab) || (int(id)+1)*rs > len(restSlab) {
			inside = false
			break
		}
	}
	if !inside || len(ids) == 0 {
		for i, id := range ids {
			out[i] = c.DistanceSplit(row(baseSlab, int(id), bs), row(restSlab, int(id), rs))
		}
		return
	}
	if cap(c.t) < len(ids) {
		c.t = make([]float32, len(ids))
	}
	t := c.t[:len(ids)]
	// the base planes are the high bits: their sum weighs 2^rest against the rest planes'
	qn := c.bc.qn
	simd.MaskedSumPlanesRows(qn, baseSlab, bs, 0, q.plane, q.bits, ids, out)
	if c.s.rest > 0 {
		simd.MaskedSumPlanesRows(qn, restSlab, rs, 0, q.plane, c.s.rest, ids, t)
		w := float32(int(1) << c.s.rest)
		for i := range out {
			out[i] = w*out[i] + t[i]
		}
	}
	for i, id := range ids {
		out[i] = c.finish(baseSlab[int(id)*bs:], restSlab[int(id)*rs:], out[i]-c.csum)
	}
}

// row returns row id of slab at stride size, or nil when it lies outside slab.
func row(slab []byte, id, size int) []byte {
	if id < 0 || (id+1)*size > len(slab) {
		return nil
	}
	return slab[id*size : (id+1)*size]
}

// Distance implements Computer: +Inf, a rest record alone has no distance (use DistanceSplit).
func (c *rabitqSplitComputer) Distance(code []byte) float32 { return float32(math.Inf(1)) }

// DistanceBatch implements Computer: +Inf for every row (use DistanceSplitBatch).
func (c *rabitqSplitComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	for i := range ids {
		out[i] = float32(math.Inf(1))
	}
}

// DistanceRows implements Computer: +Inf for every row (use DistanceSplitBatch).
func (c *rabitqSplitComputer) DistanceRows(slab []byte, out []float32) {
	for i := range out {
		out[i] = float32(math.Inf(1))
	}
}
