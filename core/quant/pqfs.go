package quant

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("pqfs", func(dim int, m metric.Kind, o Options) (Quantizer, error) {
		b, err := newProductCodebook("pqfs", dim, o.Codebook.PQDim, pqfsCentroids)
		if err != nil {
			return nil, err
		}
		q := &pqfsQuant{productCodebook: b, metric: m, byL2: cosineByL2(m, o), nb: (b.m + 1) / 2}
		q.mp = (b.m + 3) &^ 3
		q.blockBytes = q.mp * 16
		return q, nil
	})
}

// Packed is implemented by quantizers whose contiguous scans are fastest over codes interleaved in blocks (pqfs: 32 rows per block).
type Packed interface {
	// PackedSize returns the bytes n rows take in the packed layout (whole blocks).
	PackedSize(n int) int
	// PackRow writes code (one row's CodeSize bytes, as Encode writes it) as row r of the packed slab; slab holds at least PackedSize(r+1) bytes.
	PackRow(slab []byte, r int, code []byte)
}

// PackedComputer scans packed slabs; the computers of Packed quantizers implement it.
type PackedComputer interface {
	// DistancePacked writes the distances of the query to rows 0..len(out)-1 of the packed slab into out.
	DistancePacked(slab []byte, out []float32)
}

const (
	// pqfsCentroids is the number of centroids per subspace of pqfs (a nibble per subspace).
	pqfsCentroids = 16
	// pqfsBlockRows is the number of rows of one block of the packed layout.
	pqfsBlockRows = 32
	// pqfsChunk is the most subspaces whose 8-bit table entries a uint16 sum holds (256*255 <
	// 65536); longer codes are scanned in chunks of this many subspaces into wider sums.
	pqfsChunk = 256
)

// pqfsQuant is VSAG's fast-scan product quantizer "pqfs": pq as in pqQuant, but with 16
// centroids per subspace, so a subspace's code is a nibble. Rows stored one after another use
// CodeSize = (pq_dim+1)/2 bytes: subspace s in byte s/2, low nibble for even s (the unused
// high nibble of an odd pq_dim is zero).
//
// The computer's Distance, DistanceBatch and DistanceRows read that layout through a float
// table of 256 entries per code byte (the sums of the two subspaces' entries), so they give
// the distance between the query and the decoded vector, as pq does.
//
// For contiguous scans pqfs also implements Packed: rows are interleaved in blocks of 32, a
// block holding for every subspace s (counted up to a multiple of 4, the extra ones zero) 16
// bytes, byte s*16+i carrying row i's code in its low nibble and row i+16's in its high
// nibble, which is the layout of simd.LookupAccumulate32. DistancePacked looks the codes up in
// an 8-bit copy of the query's table: each subspace's 16 entries less their minimum, divided by
// one step shared by all subspaces (the largest subspace range / 255) and rounded; the uint16
// sums map back to distances by the sum of the minima plus sum*step. Each subspace's entry is
// off by at most step/2, so a packed distance differs from the float one by at most
// pq_dim*step/2.
type pqfsQuant struct {
	productCodebook
	metric     metric.Kind
	byL2       bool // cosine codes measured by half their squared distance (cosineByL2)
	trained    bool
	nb         int // bytes per row code
	mp         int // subspaces of the packed layout: m rounded up to a multiple of 4
	blockBytes int // bytes of one packed block: mp*16
}

func (q *pqfsQuant) Name() string        { return "pqfs" }
func (q *pqfsQuant) Dim() int            { return q.dim }
func (q *pqfsQuant) Metric() metric.Kind { return q.metric }
func (q *pqfsQuant) CodeSize() int       { return q.nb }
func (q *pqfsQuant) NeedTrain() bool     { return true }
func (q *pqfsQuant) Trained() bool       { return q.trained }

func (q *pqfsQuant) Train(vectors []float32, n int) error {
	if err := q.train(vectors, n); err != nil {
		return err
	}
	q.trained = true
	return nil
}

func (q *pqfsQuant) Encode(dst []byte, v []float32) {
	dst, v = dst[:q.nb], v[:q.dim]
	clear(dst)
	var scratch [pqCentroids]float32
	for s := 0; s < q.m; s++ {
		dst[s/2] |= uint8(q.nearest(v, s, &scratch)) << (4 * uint(s&1))
	}
}

func (q *pqfsQuant) Decode(dst []float32, code []byte) {
	dst, code = dst[:q.dim], code[:q.nb]
	for s := 0; s < q.m; s++ {
		q.decodeSub(dst, s, int(nibble(code, s)))
	}
}

func (q *pqfsQuant) MarshalBinary() ([]byte, error) {
	if !q.trained {
		return nil, api.Errorf(api.WrongStatus, "%s: the quantizer is not trained", q.name)
	}
	return q.marshal("PQ4C"), nil
}

func (q *pqfsQuant) UnmarshalBinary(data []byte) error {
	cent, err := q.unmarshal("PQ4C", data)
	if err != nil {
		return err
	}
	q.setCentroids(cent)
	q.trained = true
	return nil
}

// PackedSize implements Packed.
func (q *pqfsQuant) PackedSize(n int) int {
	return (n + pqfsBlockRows - 1) / pqfsBlockRows * q.blockBytes
}

// PackRow implements Packed. It overwrites row r's nibbles only, so rows of one block can be
// written in any order and rewritten.
func (q *pqfsQuant) PackRow(slab []byte, r int, code []byte) {
	b := r / pqfsBlockRows
	blk := slab[b*q.blockBytes : (b+1)*q.blockBytes]
	code = code[:q.nb]
	i := r % pqfsBlockRows
	col, shift, keep := i, uint(0), uint8(0xf0)
	if i >= 16 {
		col, shift, keep = i-16, 4, 0x0f
	}
	for s := 0; s < q.mp; s++ {
		var v uint8
		if s < q.m {
			v = nibble(code, s)
		}
		p := &blk[s*16+col]
		*p = *p&keep | v<<shift
	}
}

func (q *pqfsQuant) NewComputer() Computer {
	c := &pqfsComputer{
		q: q, ip: q.metric.UsesInnerProduct() && !q.byL2,
		sub:  make([]float32, q.m*pqfsCentroids),
		pair: make([]float32, q.nb*256),
		lut8: make([]uint8, q.blockBytes),
	}
	if c.ip {
		c.bias = 1
	}
	return c
}

// pqfsComputer holds the query's float table per subspace and derives, on first use after
// SetQuery, the table per code byte (per-row layout) and the 8-bit table (packed layout).
type pqfsComputer struct {
	q    *pqfsQuant
	ip   bool
	bias float32   // 1 for ip (the tables hold negated dot products), 0 for l2
	sub  []float32 // m tables of 16 entries

	pair   []float32 // nb tables of 256 entries: byte j's value is sub[2j][lo] + sub[2j+1][hi]
	pairOK bool

	lut8         []uint8 // mp tables of 16 entries, the 8-bit table of DistancePacked
	packA, packB float32 // packed distance = packA + packB*sum
	packOK       bool
}

func (c *pqfsComputer) SetQuery(v []float32) {
	c.q.queryTables(v, c.ip, c.q.byL2, c.sub)
	c.pairOK, c.packOK = false, false
}

// pairTables builds the per-byte tables from the per-subspace ones.
func (c *pqfsComputer) pairTables() []float32 {
	if c.pairOK {
		return c.pair
	}
	m := c.q.m
	for j := 0; j < c.q.nb; j++ {
		t := (*[256]float32)(c.pair[j*256:])
		lo := (*[16]float32)(c.sub[2*j*16:])
		if 2*j+1 == m {
			for b := range t {
				t[b] = lo[b&15]
			}
			continue
		}
		hi := (*[16]float32)(c.sub[(2*j+1)*16:])
		for h, x := range hi {
			row := (*[16]float32)(t[h*16:])
			for l, y := range lo {
				row[l] = y + x
			}
		}
	}
	c.pairOK = true
	return c.pair
}

// packTables builds the 8-bit table and the map of its sums back to distances.
func (c *pqfsComputer) packTables() {
	if c.packOK {
		return
	}
	m := c.q.m
	var mins [pqfsChunk]float32
	mn := mins[:0]
	if m > pqfsChunk {
		mn = make([]float32, 0, m)
	}
	var rng float32
	a := float64(c.bias)
	for s := 0; s < m; s++ {
		t := (*[16]float32)(c.sub[s*16:])
		lo, hi := t[0], t[0]
		for _, x := range t {
			lo, hi = min(lo, x), max(hi, x)
		}
		mn = append(mn, lo)
		rng = max(rng, hi-lo)
		a += float64(lo)
	}
	step := rng / 255
	inv := invScale(rng, 255)
	for s, lo := range mn {
		t := (*[16]float32)(c.sub[s*16:])
		o := (*[16]uint8)(c.lut8[s*16:])
		for i, x := range t {
			o[i] = level(x, lo, inv, 255)
		}
	}
	clear(c.lut8[m*16:])
	c.packA, c.packB = float32(a), step
	c.packOK = true
}

func (c *pqfsComputer) Distance(code []byte) float32 {
	return c.bias + lutSum(c.pairTables(), code[:c.q.nb])
}

func (c *pqfsComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	lutBatch(c.pairTables(), c.bias, slab, c.q.nb, ids, out)
}

func (c *pqfsComputer) DistanceRows(slab []byte, out []float32) {
	lutRows(c.pairTables(), c.bias, slab, c.q.nb, out)
}

// DistancePacked implements PackedComputer.
func (c *pqfsComputer) DistancePacked(slab []byte, out []float32) {
	n := len(out)
	if n == 0 {
		return
	}
	c.packTables()
	bb, mp := c.q.blockBytes, c.q.mp
	nblk := (n + pqfsBlockRows - 1) / pqfsBlockRows
	slab = slab[:nblk*bb]
	a, s := c.packA, c.packB
	var sums [pqfsBlockRows]uint16
	var wide [pqfsBlockRows]uint32
	for b := 0; b < nblk; b++ {
		blk := slab[b*bb : (b+1)*bb]
		o := out[b*pqfsBlockRows : min(n, (b+1)*pqfsBlockRows)]
		if mp <= pqfsChunk {
			simd.LookupAccumulate32(blk, c.lut8, mp, &sums)
			if len(o) == pqfsBlockRows {
				o32 := (*[pqfsBlockRows]float32)(o)
				for i, v := range sums {
					o32[i] = a + s*float32(v)
				}
				continue
			}
			for i := range o {
				o[i] = a + s*float32(sums[i])
			}
			continue
		}
		wide = [pqfsBlockRows]uint32{}
		for s0 := 0; s0 < mp; s0 += pqfsChunk {
			s1 := min(mp, s0+pqfsChunk)
			simd.LookupAccumulate32(blk[s0*16:s1*16], c.lut8[s0*16:s1*16], s1-s0, &sums)
			for i, v := range sums {
				wide[i] += uint32(v)
			}
		}
		for i := range o {
			o[i] = a + s*float32(wide[i])
		}
	}
}
