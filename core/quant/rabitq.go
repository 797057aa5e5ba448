package quant

import (
	"container/heap"
	"encoding/binary"
	"math"
	"sync"
	"unsafe"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("rabitq", func(dim int, m metric.Kind, o Options) (Quantizer, error) {
		return NewRaBitQ(dim, m, o.Codebook)
	})
}

// Bounded is implemented by computers whose distances are estimates with a known error bound.
type Bounded interface {
	// DistanceBound returns the estimated distance to code and a lower bound of the true distance (at the configured rabitq_error_rate).
	DistanceBound(code []byte) (est, lower float32)
}

// Margined is implemented by Bounded computers that also give the width of the bound alone, so
// that a caller already holding a code's estimate (the distance a graph search computed with
// the same computer and query) gets its lower bound as estimate - Margin without recomputing
// the estimate.
type Margined interface {
	Bounded
	// Margin returns est - lower for code, as DistanceBound would give them.
	Margin(code []byte) float32
}

// RaBitQ is the rabitq quantizer (RaBitQ, with the multi-bit codes of Extended RaBitQ).
//
// Training learns an optional PCA projection to rabitq_pca_dim dimensions (centred, top
// principal directions), a random rotation (a dense random orthogonal matrix, or with
// rabitq_use_fht sign flips and fast Hadamard transforms) and the centroid c of the rotated
// training data. A vector x maps to x' = R·P(x - m) (P and m absent without PCA), then to the
// unit direction o = (x' - c)/||x' - c||. Its code stores B = rabitq_bits_per_dim_base bits per
// dimension: u_i in [0, 2^B-1], chosen so that ybar = (u - (2^B-1)/2)/||u - (2^B-1)/2|| is as
// close to o as the grid allows (the sign of o_i for one bit; a fast coordinate-adjustment
// search or, with fast_encode_rabitq false, an exact search over the grid's scalings for more
// bits), stored as B bit planes, with float32 factors: the norm ||x' - c||, the alignment
// <ybar, o>, the PCA residual energy and, for ip and cosine, ||x||^2.
//
// For a query q the computer forms q_n = (R·P(q - m) - c)/||R·P(q - m) - c|| and estimates
// <o, q_n> by <ybar, q_n>/<ybar, o>, which is unbiased; with a 32-bit query <u, q_n> is a sum
// of query coordinates selected by the bit planes (simd.MaskedSum), with a 4-bit query q_n is
// scalar-quantized into 4 bit planes and the products are popcounts (simd.PopcountPlanes4). The l2
// estimate is ||x'-c||^2 + ||q'-c||^2 - 2||x'-c|| ||q'-c|| <o, q_n> plus the residual energies
// of both vectors; ip is 1 - (||q||^2 + ||x||^2 - l2)/2 (cosine: vectors are normalised by the
// caller). The estimate of <o, q_n> lies within rabitq_error_rate·sqrt((1 - <ybar,o>^2) /
// (<ybar,o>^2 (D-1))) of the truth with high probability (D the coded dimension); DistanceBound
// turns that into a lower bound of the distance, which rerankers use to skip candidates. With
// PCA the residual part is bounded by (||r_x|| - ||r_q||)^2, so the bound still holds.
//
// Code layout: B planes of PlaneBytes bytes (bit i of a plane is bit i%8 of byte i/8; unused
// bits are zero; PlaneBytes is (D+7)/8, rounded up to a multiple of 8 for 4-bit queries), then
// the float32 factors (little-endian) A, F, G, H and, with PCA, the residual norm R; CodeSize is
// a multiple of 4 (of 8 for 4-bit queries). A folds the norms
// (l2: N^2 + R^2; ip: (N^2 + R^2 - ||x||^2)/2), F = N/(||u - (2^B-1)/2|| <ybar,o>) scales the
// masked sums, G = 2N sqrt((1 - <ybar,o>^2)/(<ybar,o>^2 (D-1))) scales the error bound and
// H = N/<ybar,o> the error a 4-bit query adds (N = ||x' - c||).
type RaBitQ struct {
	dim, d   int
	metric   metric.Kind
	bits     int
	qbits    int
	errRate  float32
	fast     bool
	rounds   int
	fht      bool
	pca      *pcaMap
	rot      rotation
	centroid []float32
	trained  bool
	plane    int // bytes of one bit plane
	foff     int // offset of the factors
	nf       int // number of factors
	size     int
	// splitBits, when above bits, is the width of the full code whose top planes the base
	// records of the split layout hold (NewRaBitQSplit).
	splitBits int
	scratch   sync.Pool // *rqScratch
}

// Factor indexes.
const (
	rqA = iota
	rqF
	rqG
	rqH
	rqR
)

type rqScratch struct {
	p, c, x []float32 // pca output (d), pca input (dim), rotated (d)
	o       []float64
	u       []uint8
}

// NewRaBitQ returns an untrained rabitq quantizer for vectors of dim dimensions, configured by
// the codebook options (rabitq_pca_dim, the bit widths, rabitq_error_rate, rabitq_use_fht and
// the fast encoder settings).
func NewRaBitQ(dim int, m metric.Kind, o CodebookOptions) (*RaBitQ, error) {
	if dim <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "rabitq: dim %d must be positive", dim)
	}
	if o.RaBitQBitsBase == 0 {
		o.RaBitQBitsBase = 1
	}
	if o.RaBitQBitsQuery == 0 {
		o.RaBitQBitsQuery = 32
	}
	if o.RaBitQErrorRate == 0 {
		o.RaBitQErrorRate = DefaultCodebook().RaBitQErrorRate
	}
	if o.FastEncodeRounds == 0 {
		o.FastEncodeRounds = DefaultCodebook().FastEncodeRounds
	}
	switch {
	case o.RaBitQBitsBase < 1 || o.RaBitQBitsBase > 8:
		return nil, api.Errorf(api.InvalidArgument, "rabitq: rabitq_bits_per_dim_base must be in [1, 8], got %d", o.RaBitQBitsBase)
	case o.RaBitQBitsQuery != 4 && o.RaBitQBitsQuery != 32:
		return nil, api.Errorf(api.InvalidArgument, "rabitq: rabitq_bits_per_dim_query must be 4 or 32, got %d", o.RaBitQBitsQuery)
	case !(o.RaBitQErrorRate > 0) || math.IsInf(o.RaBitQErrorRate, 0):
		return nil, api.Errorf(api.InvalidArgument, "rabitq: rabitq_error_rate must be finite and positive, got %g", o.RaBitQErrorRate)
	case o.FastEncodeRounds < 1 || o.FastEncodeRounds > 32:
		return nil, api.Errorf(api.InvalidArgument, "rabitq: fast_encode_rabitq_rounds must be in [1, 32], got %d", o.FastEncodeRounds)
	case o.PCADim < 0 || o.PCADim > dim:
		return nil, api.Errorf(api.InvalidArgument, "rabitq: rabitq_pca_dim %d is out of range [0, %d]", o.PCADim, dim)
	}
	q := &RaBitQ{
		dim: dim, d: dim, metric: m, bits: o.RaBitQBitsBase, qbits: o.RaBitQBitsQuery,
		errRate: float32(o.RaBitQErrorRate), fast: o.FastEncode, rounds: o.FastEncodeRounds, fht: o.RaBitQUseFHT,
	}
	if o.PCADim > 0 && o.PCADim < dim {
		q.d = o.PCADim
		q.pca = &pcaMap{in: dim, out: q.d, centre: true}
	}
	q.rot = newRotation(q.d, q.fht)
	// popcounts read the planes of 4-bit queries as uint64 words: 8-byte planes and rows
	align := 4
	q.plane = (q.d + 7) / 8
	if q.qbits == 4 {
		q.plane, align = (q.d+63)/64*8, 8
	}
	q.foff = q.bits * q.plane
	q.nf = 4
	if q.pca != nil {
		q.nf = 5
	}
	q.size = (q.foff + 4*q.nf + align - 1) &^ (align - 1)
	q.scratch.New = func() any {
		return &rqScratch{p: make([]float32, q.d), c: make([]float32, q.dim), x: make([]float32, q.d), o: make([]float64, q.d), u: make([]uint8, q.d)}
	}
	return q, nil
}

// Name implements Quantizer.
func (q *RaBitQ) Name() string { return "rabitq" }

// Dim implements Quantizer.
func (q *RaBitQ) Dim() int { return q.dim }

// CodeDim returns the dimension the codes hold (rabitq_pca_dim when PCA reduces, else Dim).
func (q *RaBitQ) CodeDim() int { return q.d }

// Bits returns the bits per dimension of the codes.
func (q *RaBitQ) Bits() int { return q.bits }

// PlaneBytes returns the bytes of one bit plane of a code.
func (q *RaBitQ) PlaneBytes() int { return q.plane }

// Metric implements Quantizer.
func (q *RaBitQ) Metric() metric.Kind { return q.metric }

// CodeSize implements Quantizer.
func (q *RaBitQ) CodeSize() int { return q.size }

// NeedTrain implements Quantizer.
func (q *RaBitQ) NeedTrain() bool { return true }

// Trained implements Quantizer.
func (q *RaBitQ) Trained() bool { return q.trained }

// ErrorRate returns rabitq_error_rate, the width of the error bound in standard deviations.
func (q *RaBitQ) ErrorRate() float32 { return q.errRate }

// Train implements Quantizer: the PCA projection (with rabitq_pca_dim), the rotation and the
// centroid (the mean of the finite training values, projected and rotated).
func (q *RaBitQ) Train(vectors []float32, n int) error {
	if err := checkTrain("rabitq", vectors, n, q.dim); err != nil {
		return err
	}
	var pca *pcaMap
	if q.pca != nil {
		pca = &pcaMap{in: q.dim, out: q.d, centre: true}
		if err := pca.train(vectors, n); err != nil {
			return api.Wrap(api.InvalidArgument, err, "rabitq: pca")
		}
	}
	rot := newRotation(q.d, q.fht)
	if err := trainRotation(rot, rotSeed1); err != nil {
		return err
	}
	mean := lvqMean(vectors, n, q.dim)
	cbar := mean
	if pca != nil {
		cbar = make([]float32, q.d)
		pca.project(cbar, mean, make([]float32, q.dim))
	}
	centroid := make([]float32, q.d)
	rot.apply(centroid, cbar)
	q.pca, q.rot, q.centroid, q.trained = pca, rot, centroid, true
	return nil
}

// forward writes x' - c of v into dst (len d) and returns the PCA residual energy of v (0
// without PCA).
func (q *RaBitQ) forward(dst, v []float32, s *rqScratch) float32 {
	src := v[:q.dim]
	var res float32
	if q.pca != nil {
		res = q.pca.project(s.p, src, s.c)
		src = s.p
	}
	q.rot.apply(dst, src)
	for i, c := range q.centroid {
		dst[i] -= c
	}
	return res
}

func putF32(b []byte, v float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(v)) }

func getF32(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// factor returns factor k of code.
func (q *RaBitQ) factor(code []byte, k int) float32 { return getF32(code[q.foff+4*k:]) }

// Encode implements Quantizer. A base quantizer of the split layout (NewRaBitQSplit) writes the
// top Bits() bit planes of the code the full base+precise bits would give, with the factors of
// that truncated code.
func (q *RaBitQ) Encode(dst []byte, v []float32) {
	dst = dst[:q.size]
	clear(dst)
	s := q.scratch.Get().(*rqScratch)
	defer q.scratch.Put(s)
	bits := q.bits
	if q.splitBits > q.bits {
		bits = q.splitBits
	}
	res, n2, norm := q.encodeDir(v, s, bits)
	if shift := bits - q.bits; shift > 0 {
		for i := range s.u[:q.d] {
			s.u[i] >>= shift
		}
	}
	for i, u := range s.u[:q.d] {
		for b := 0; b < q.bits; b++ {
			if u>>b&1 != 0 {
				dst[b*q.plane+i>>3] |= 1 << (i & 7)
			}
		}
	}
	f, g, h := rqFactors(s.o, s.u, q.bits, norm, q.d)
	a := n2 + float64(res)
	if q.metric.UsesInnerProduct() {
		raw := float64(simd.InnerProduct(v[:q.dim], v[:q.dim]))
		a = (a - raw) / 2
	}
	fac := dst[q.foff:]
	putF32(fac[4*rqA:], float32(a))
	putF32(fac[4*rqF:], float32(f))
	putF32(fac[4*rqG:], float32(g))
	putF32(fac[4*rqH:], float32(h))
	if q.pca != nil {
		putF32(fac[4*rqR:], float32(math.Sqrt(float64(res))))
	}
}

// encodeDir maps v to the unit direction o (s.o) and its codes u at bits bits per dimension
// (s.u), and returns the PCA residual energy, ||x' - c||^2 and ||x' - c||.
func (q *RaBitQ) encodeDir(v []float32, s *rqScratch, bits int) (res float32, n2, norm float64) {
	res = q.forward(s.x, v, s)
	for _, x := range s.x {
		n2 += float64(x) * float64(x)
	}
	norm = math.Sqrt(n2)
	o := s.o
	for i, x := range s.x {
		if norm > 0 {
			o[i] = float64(x) / norm
		} else {
			o[i] = 0
		}
		if math.IsNaN(o[i]) {
			o[i] = 0
		}
	}
	u := s.u
	switch {
	case bits == 1:
		for i, x := range o {
			u[i] = 0
			if x >= 0 {
				u[i] = 1
			}
		}
	case q.fast:
		rqFastEncode(o, u, bits, q.rounds)
	default:
		rqExactEncode(o, u, bits)
	}
	return res, n2, norm
}

// rqFactors returns the factors F, G and H of the bits-bit codes u of the unit direction o of
// a vector at distance norm from the centroid, in d coded dimensions.
func rqFactors(o []float64, u []uint8, bits int, norm float64, d int) (f, g, h float64) {
	c := float64(int(1)<<bits-1) / 2
	var ip, yn2 float64
	for i, x := range o {
		y := float64(u[i]) - c
		ip += y * x
		yn2 += y * y
	}
	ynorm := math.Sqrt(yn2)
	if norm > 0 && ynorm > 0 && ip > 0 {
		e := ip / ynorm
		h = norm / e
		f = h / ynorm
		g = 2 * norm * math.Sqrt(max(0, 1-e*e)/(e*e*float64(max(1, d-1))))
	}
	return f, g, h
}

// rqFastEncode picks B-bit codes u for the unit direction o: a uniform grid over
// [-max|o_i|, max|o_i|] to start, then up to rounds passes that move each coordinate by one
// level when that raises the cosine between u - (2^B-1)/2 and o.
func rqFastEncode(o []float64, u []uint8, b, rounds int) {
	top := int(1)<<b - 1
	c := float64(top) / 2
	var mx float64
	for _, x := range o {
		mx = max(mx, math.Abs(x))
	}
	if !(mx > 0) || math.IsInf(mx, 0) {
		for i := range u {
			u[i] = uint8(top / 2)
		}
		return
	}
	inv := float64(top+1) / (2 * mx)
	var ip, n2 float64
	for i, x := range o {
		k := int(math.Floor((x + mx) * inv))
		k = min(max(k, 0), top)
		u[i] = uint8(k)
		y := float64(k) - c
		ip += y * x
		n2 += y * y
	}
	score := func(ip, n2 float64) float64 {
		if ip <= 0 || n2 <= 0 {
			return 0
		}
		return ip * ip / n2
	}
	for r := 0; r < rounds; r++ {
		moved := false
		for i, x := range o {
			y := float64(u[i]) - c
			best, bip, bn2, bd := score(ip, n2), ip, n2, 0
			for _, dir := range [2]int{-1, 1} {
				k := int(u[i]) + dir
				if k < 0 || k > top {
					continue
				}
				nip := ip + float64(dir)*x
				nn2 := n2 + 2*y*float64(dir) + 1
				if sc := score(nip, nn2); sc > best*(1+1e-12) {
					best, bip, bn2, bd = sc, nip, nn2, dir
				}
			}
			if bd != 0 {
				u[i] = uint8(int(u[i]) + bd)
				ip, n2 = bip, bn2
				moved = true
			}
		}
		if !moved {
			break
		}
	}
}

// rqEvent is the scaling t at which coordinate i moves one level further from the centre.
type rqEvent struct {
	t float64
	i int
}

type rqEvents []rqEvent

func (h rqEvents) Len() int           { return len(h) }
func (h rqEvents) Less(a, b int) bool { return h[a].t < h[b].t }
func (h rqEvents) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *rqEvents) Push(x any)        { *h = append(*h, x.(rqEvent)) }
func (h *rqEvents) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// rqExactEncode picks the B-bit codes u that maximize the cosine between u - (2^B-1)/2 and o
// among the grid points nearest to t·o for every scaling t (the optimum is one of them): as t
// grows, coordinate i moves one level away from the centre at t = k/|o_i|; all d·(2^(B-1)-1)
// events are visited in order and the best cosine is kept. It costs O(d 2^B log d) per vector,
// which is why the fast encoder is the default.
func rqExactEncode(o []float64, u []uint8, b int) {
	top := int(1)<<b - 1
	half := top / 2 // levels above the centre: magnitudes 1/2, 3/2, ..., top/2
	var mx float64
	for _, x := range o {
		mx = max(mx, math.Abs(x))
	}
	if !(mx > 0) || math.IsInf(mx, 0) {
		for i := range u {
			u[i] = uint8(top / 2)
		}
		return
	}
	lvl := make([]int, len(o)) // magnitude index k: |y_i| = k + 1/2
	h := make(rqEvents, 0, len(o))
	var ip, n2 float64
	for i, x := range o {
		ip += 0.5 * math.Abs(x)
		n2 += 0.25
		if ax := math.Abs(x); ax > 0 && half > 0 {
			h = append(h, rqEvent{1 / ax, i})
		}
	}
	heap.Init(&h)
	best, bestT := ip/math.Sqrt(n2), 0.0
	for h.Len() > 0 {
		ev := heap.Pop(&h).(rqEvent)
		i := ev.i
		k := lvl[i]
		ax := math.Abs(o[i])
		ip += ax
		n2 += float64(2*k + 2) // (k+1.5)^2 - (k+0.5)^2
		lvl[i] = k + 1
		if cos := ip / math.Sqrt(n2); cos > best {
			best, bestT = cos, ev.t
		}
		if k+1 < half {
			heap.Push(&h, rqEvent{float64(k+2) / ax, i})
		}
	}
	for i, x := range o {
		k := 0
		if bestT > 0 {
			k = min(int(math.Floor(bestT*math.Abs(x)*(1+1e-12))), half)
		}
		// magnitude k + 1/2 on the side of x's sign
		if x >= 0 {
			u[i] = uint8(half + 1 + k)
		} else {
			u[i] = uint8(half - k)
		}
	}
}

// Decode implements Quantizer: the direction of the code at the stored norm, moved back by the
// centroid, the inverse rotation and (with PCA) lifted from the subspace.
func (q *RaBitQ) Decode(dst []float32, code []byte) {
	s := q.scratch.Get().(*rqScratch)
	defer q.scratch.Put(s)
	yn2 := q.levels(s.o, code)
	q.unrotate(dst, s, yn2, q.codeNorm(code))
}

// levels writes the centred levels u - (2^B-1)/2 of code into o and returns their squared
// length. Eight dimensions at a time: byte t of lanes is the level of dimension i+t, gathered
// from the planes' byte i/8 (B <= 8, so a level fits its byte).
func (q *RaBitQ) levels(o []float64, code []byte) float64 {
	c := float64(int(1)<<q.bits-1) / 2
	var yn2 float64
	for i := 0; i < q.d; i += 8 {
		var lanes uint64
		for b := 0; b < q.bits; b++ {
			lanes |= bitLanes[code[b*q.plane+i>>3]] << b
		}
		for t := i; t < min(i+8, q.d); t++ {
			y := float64(lanes&0xff) - c
			lanes >>= 8
			o[t] = y
			yn2 += y * y
		}
	}
	return yn2
}

// bitLanes[x] holds bit t of x in the lowest bit of byte t, for t < 8.
var bitLanes = func() (t [256]uint64) {
	for x := range t {
		for b := 0; b < 8; b++ {
			t[x] |= uint64(x>>b&1) << (8 * b)
		}
	}
	return t
}()

// unrotate finishes a decode: the code's centred levels in s.o (their squared length yn2) are
// scaled to norm, moved back by the centroid, rotated back and, with PCA, lifted.
func (q *RaBitQ) unrotate(dst []float32, s *rqScratch, yn2, norm float64) {
	scale := 0.0
	if yn2 > 0 {
		scale = norm / math.Sqrt(yn2)
	}
	for i := range s.x {
		s.x[i] = float32(s.o[i]*scale) + q.centroid[i]
	}
	if q.pca == nil {
		q.rot.inverse(dst[:q.dim], s.x)
		return
	}
	q.rot.inverse(s.p, s.x)
	q.pca.lift(dst[:q.dim], s.p)
}

// codeNorm returns ||x' - c|| of a code from its factors: with e = <ybar, o>, G = 2N·s and
// H = N/e, where s^2 = (1 - e^2)/(e^2 (D-1)), e^2 = 1 - (D-1)G^2/(4H^2).
func (q *RaBitQ) codeNorm(code []byte) float64 {
	g, h := float64(q.factor(code, rqG)), float64(q.factor(code, rqH))
	if !(h > 0) {
		return 0
	}
	e2 := 1 - float64(max(1, q.d-1))*g*g/(4*h*h)
	return h * math.Sqrt(min(max(e2, 0), 1))
}

// MarshalBinary implements Quantizer: tag "RBQ1", the dimensions, bit width and rotation kind,
// the centroid, the rotation and the PCA projection.
func (q *RaBitQ) MarshalBinary() ([]byte, error) {
	if !q.trained {
		return nil, api.Errorf(api.WrongStatus, "rabitq: the quantizer is not trained")
	}
	w := &stateWriter{}
	w.raw([]byte("RBQ1"))
	q.marshalHeader(w)
	w.f32s(q.centroid)
	q.rot.marshal(w)
	if q.pca != nil {
		q.pca.marshal(w)
	}
	return w.b, nil
}

func (q *RaBitQ) marshalHeader(w *stateWriter) {
	w.u32(uint32(q.dim))
	w.u32(uint32(q.d))
	w.u32(uint32(q.bits))
	w.u32(b2u(q.fht))
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// UnmarshalBinary implements Quantizer. The state must match the quantizer's configuration
// (dimensions, bits, rotation kind) exactly and hold only finite values; nothing changes on an
// error.
func (q *RaBitQ) UnmarshalBinary(data []byte) error {
	r := &stateReader{name: "rabitq", b: data}
	r.tag("RBQ1")
	r.expect("dim", uint32(q.dim))
	r.expect("code dim", uint32(q.d))
	r.expect("bits", uint32(q.bits))
	r.expect("fht", b2u(q.fht))
	if r.err != nil {
		return r.err
	}
	// sizes are fixed by the configuration; check the length before allocating
	want := 4 + 16 + 4*q.d + q.rotStateSize()
	if q.pca != nil {
		want += 4 * (q.dim + q.dim*q.d)
	}
	if len(data) != want {
		return api.Errorf(api.InvalidBinary, "rabitq: state of %d bytes, want %d", len(data), want)
	}
	centroid := make([]float32, q.d)
	r.f32s(centroid)
	rot := newRotation(q.d, q.fht)
	rot.unmarshal(r)
	var pca *pcaMap
	if q.pca != nil {
		pca = &pcaMap{in: q.dim, out: q.d, centre: true}
		pca.unmarshal(r)
	}
	if err := r.done(); err != nil {
		return err
	}
	q.centroid, q.rot, q.pca, q.trained = centroid, rot, pca, true
	return nil
}

// rotStateSize returns the bytes of the rotation's state.
func (q *RaBitQ) rotStateSize() int {
	if q.fht {
		return fhtRounds * ((q.d + 7) / 8)
	}
	return 4 * q.d * q.d
}

// NewComputer implements Quantizer. The computer implements Bounded.
func (q *RaBitQ) NewComputer() Computer {
	c := &rabitqComputer{q: q, qn: make([]float32, q.d), s: q.scratch.New().(*rqScratch)}
	if q.qbits == 4 {
		w := q.plane / 8
		c.qplanes = make([]uint64, 4*w)
		c.tmp = make([]uint64, q.bits*w)
	}
	return c
}

// rabitqComputer holds a prepared query: dist = cst + A - k*F*S and
// lower = dist - kb*sqrt(G^2 + (dq*H)^2) - kr*R, where S = <u - (2^B-1)/2, q_n> is computed
// from the code's planes and dq is the step of a 4-bit query (0 for a 32-bit one): the
// randomized rounding of the query moves S by a zero-mean error whose standard deviation is at
// most dq/2·||u - (2^B-1)/2||, which adds H·dq/2 per unit of k to the estimate's spread.
type rabitqComputer struct {
	q       *RaBitQ
	s       *rqScratch
	qn      []float32 // q_n, the rotated, centred, normalized query
	cst     float32
	k       float32
	kb, kr  float32
	csum    float32 // (2^B-1)/2 · sum(q_n)
	qplanes []uint64
	lo, dq  float32 // 4-bit query: q_n[i] ≈ lo + dq·level
	tmp     []uint64
	seq     []uint32 // 0, 1, 2, ...: the ids of DistanceRows' contiguous rows
	pw, po  []int64  // a 4-bit query's batch: the weighted and plain popcounts per row
}

// SetQuery implements Computer.
func (c *rabitqComputer) SetQuery(query []float32) {
	q := c.q
	res := q.forward(c.qn, query, c.s)
	raw := float32(0)
	if q.metric.UsesInnerProduct() {
		raw = simd.InnerProduct(query[:q.dim], query[:q.dim])
	}
	c.prepare(res, raw)
}

// SetQueryCode implements CodeQuerier (without PCA): the code's rotated, centred vector is its
// centred levels scaled to the code's norm, which Decode would rotate back and SetQuery rotate
// forward again, so both rotations are skipped; the squared norm of the decoded vector, which
// the inner product needs, is that of the rotated one.
func (c *rabitqComputer) SetQueryCode(code []byte) bool {
	q := c.q
	if q.pca != nil || len(code) < q.size {
		return false
	}
	s := c.s
	yn2 := q.levels(s.o, code)
	scale := 0.0
	if yn2 > 0 {
		scale = q.codeNorm(code) / math.Sqrt(yn2)
	}
	for i := range c.qn {
		c.qn[i] = float32(s.o[i] * scale)
	}
	raw := float32(0)
	if q.metric.UsesInnerProduct() {
		for i, v := range c.qn {
			x := v + q.centroid[i]
			raw += x * x
		}
	}
	c.prepare(0, raw)
	return true
}

// prepare finishes SetQuery once c.qn holds the rotated, centred query: res is the energy PCA
// left out and raw the query's squared norm (inner product metrics).
func (c *rabitqComputer) prepare(res, raw float32) {
	q := c.q
	n2 := float64(simd.InnerProduct(c.qn, c.qn))
	nq := math.Sqrt(n2)
	inv := float32(0)
	if nq > 0 && !math.IsInf(nq, 0) {
		inv = float32(1 / nq)
	}
	var s0, s1 float32
	qn := c.qn
	i := 0
	for ; i+2 <= len(qn); i += 2 {
		a, b := qn[i]*inv, qn[i+1]*inv
		qn[i], qn[i+1] = a, b
		s0 += a
		s1 += b
	}
	for ; i < len(qn); i++ {
		qn[i] *= inv
		s0 += qn[i]
	}
	sum := s0 + s1
	if sum != sum { // a non-finite query: make every estimate the same instead of NaN
		clear(qn)
		sum, n2, nq = 0, 0, 0
	}
	c.csum = sum * float32(int(1)<<q.bits-1) / 2
	base := float32(n2) + res // ||q'-c||^2 + residual energy
	rq := float32(math.Sqrt(float64(res)))
	if q.metric.UsesInnerProduct() {
		c.cst = 1 - raw/2 + base/2
		c.k = float32(nq)
		c.kb = q.errRate * float32(nq) / 2
		c.kr = rq
	} else {
		c.cst = base
		c.k = 2 * float32(nq)
		c.kb = q.errRate * float32(nq)
		c.kr = 2 * rq
	}
	if q.qbits == 4 {
		c.quantizeQuery()
	}
}

// quantizeQuery scalar-quantizes q_n to 4 bits over [min, max] into 4 bit planes of the code
// layout. The rounding is randomized (a dither drawn from a hash of the query, so one query
// always gets the same levels), which keeps the estimates unbiased: plain rounding errors are
// fixed per query and would shift every distance of a code the same way.
func (c *rabitqComputer) quantizeQuery() {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, x := range c.qn { // plain comparisons: q_n is finite, and min/max pay for NaN rules
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	if len(c.qn) == 0 || !(hi > lo) {
		if len(c.qn) == 0 {
			lo = 0
		}
		hi = lo
	}
	c.lo, c.dq = lo, (hi-lo)/15
	inv := float32(0)
	if c.dq > 0 {
		inv = 1 / c.dq
	}
	clear(c.qplanes)
	w := c.q.plane / 8
	var lsum uint64
	var seed uint64 // a digest of the query: independent products, no serial chain
	for i, x := range c.qn {
		seed += uint64(math.Float32bits(x)) * uint64(2*i+1)
	}
	rng := splitmix64(seed) | 1
	var r64 uint64
	for wi := 0; wi*64 < len(c.qn); wi++ {
		var p0, p1, p2, p3 uint64
		blk := c.qn[wi*64 : min(len(c.qn), wi*64+64)]
		for j, x := range blk {
			if j&3 == 0 { // xorshift64*: 16 bits of dither per coordinate
				rng ^= rng >> 12
				rng ^= rng << 25
				rng ^= rng >> 27
				r64 = rng * 0x2545f4914f6cdd1d
			}
			r := float32(r64>>(16*(j&3))&0xffff) * (1.0 / 65536)
			v := (x-lo)*inv + r
			if v < 0 {
				v = 0
			}
			if v > 15 {
				v = 15
			}
			l := uint64(v)
			lsum += l
			p0 |= (l & 1) << j
			p1 |= (l >> 1 & 1) << j
			p2 |= (l >> 2 & 1) << j
			p3 |= (l >> 3) << j
		}
		c.qplanes[wi], c.qplanes[w+wi], c.qplanes[2*w+wi], c.qplanes[3*w+wi] = p0, p1, p2, p3
	}
	// the centre term from the quantized query too, so the rounding errors are weighed by the
	// centred code u - (2^B-1)/2
	half := float64(int(1)<<c.q.bits-1) / 2
	c.csum = float32(half * (float64(len(c.qn))*float64(lo) + float64(c.dq)*float64(lsum)))
}

// splitmix64 is the SplitMix64 output function: a well-mixed 64-bit value of x.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// words returns the first b planes of code as uint64 words (copied when code is not 8-byte
// aligned).
func (c *rabitqComputer) words(code []byte) []uint64 {
	n := c.q.bits * c.q.plane / 8
	p := unsafe.Pointer(unsafe.SliceData(code))
	if uintptr(p)&7 == 0 {
		return unsafe.Slice((*uint64)(p), n)
	}
	for i := range c.tmp[:n] {
		c.tmp[i] = binary.LittleEndian.Uint64(code[8*i:])
	}
	return c.tmp[:n]
}

// dot returns S = <u - (2^B-1)/2, q_n> for code.
func (c *rabitqComputer) dot(code []byte) float32 {
	q := c.q
	if q.qbits == 32 {
		return simd.MaskedSumPlanes(c.qn, code, q.plane, q.bits) - c.csum
	}
	w := q.plane / 8
	words := c.words(code[:q.foff])
	var ones, prod int
	for b := 0; b < q.bits; b++ {
		pw, po := simd.PopcountPlanes4(words[b*w:(b+1)*w], c.qplanes)
		prod += pw << b
		ones += po << b
	}
	return c.lo*float32(ones) + c.dq*float32(prod) - c.csum
}

// Distance implements Computer.
func (c *rabitqComputer) Distance(code []byte) float32 {
	code = code[:c.q.size]
	return c.finish(code, c.dot(code))
}

func (c *rabitqComputer) finish(code []byte, s float32) float32 {
	f := code[c.q.foff:]
	return c.cst + getF32(f[4*rqA:]) - c.k*getF32(f[4*rqF:])*s
}

// DistanceBound implements Bounded: the estimate and estimate minus the error bound.
func (c *rabitqComputer) DistanceBound(code []byte) (est, lower float32) {
	code = code[:c.q.size]
	est = c.Distance(code)
	return est, est - c.Margin(code)
}

// Margin implements Margined: the width of the error bound below the estimate of code.
func (c *rabitqComputer) Margin(code []byte) float32 {
	f := code[c.q.foff:c.q.size]
	g := getF32(f[4*rqG:])
	if c.dq > 0 {
		hd := getF32(f[4*rqH:]) * c.dq
		g = float32(math.Sqrt(float64(g*g + hd*hd)))
	}
	m := c.kb * g
	if c.q.pca != nil {
		m += c.kr * getF32(f[4*rqR:])
	}
	return m
}

// DistanceBatch implements Computer.
func (c *rabitqComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	if len(ids) > 0 {
		c.batch(slab, ids, out)
	}
}

// DistanceRows implements Computer: the rows go through the batch kernels, as DistanceBatch's
// rows by id do.
func (c *rabitqComputer) DistanceRows(slab []byte, out []float32) {
	size := c.q.size
	if len(out) > 0 && len(out)*size <= len(slab) {
		if cap(c.seq) < len(out) {
			c.seq = make([]uint32, len(out))
			for i := range c.seq {
				c.seq[i] = uint32(i)
			}
		}
		c.batch(slab, c.seq[:len(out)], out)
		return
	}
	for i := range out {
		out[i] = c.Distance(slab[i*size : (i+1)*size])
	}
}

// batch measures the rows ids of slab into out with one kernel call (the kernels prefetch
// whole rows ahead of the one they measure): the masked sums of the planes for a float query,
// the planes' popcounts against the query's four planes for a 4-bit one. The estimates equal
// Distance's.
func (c *rabitqComputer) batch(slab []byte, ids []uint32, out []float32) {
	q := c.q
	if q.qbits == 32 {
		simd.MaskedSumPlanesRows(c.qn, slab, q.size, 0, q.plane, q.bits, ids, out)
		for i, id := range ids {
			off := int(id) * q.size
			out[i] = c.finish(slab[off:off+q.size], out[i]-c.csum)
		}
		return
	}
	if cap(c.pw) < len(ids) {
		c.pw, c.po = make([]int64, len(ids)), make([]int64, len(ids))
	}
	pw, po := c.pw[:len(ids)], c.po[:len(ids)]
	simd.PopcountPlanes4Rows(c.qplanes[:4*(q.plane/8)], slab, q.size, q.plane, q.bits, ids, pw, po)
	for i, id := range ids {
		off := int(id) * q.size
		out[i] = c.finish(slab[off:off+q.size], c.lo*float32(po[i])+c.dq*float32(pw[i])-c.csum)
	}
}
