package quant

import (
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/simd"
)

// Linear maps shared by rabitq and the tq transformers: random rotations (a dense random
// orthogonal matrix, or random sign flips with fast Hadamard transforms) and PCA projections.
// Rotations are seeded, so an index trained twice on the same data gets the same codes; the
// learned state is serialized with the quantizer that owns the map.

// rotation is an orthogonal map of d dimensions.
type rotation interface {
	// dim returns d.
	dim() int
	// apply writes R·src into dst (len d each; dst and src must not overlap).
	apply(dst, src []float32)
	// inverse writes R^T·src into dst.
	inverse(dst, src []float32)
	// marshal appends the state to w.
	marshal(w *stateWriter)
	// unmarshal reads the state written by marshal.
	unmarshal(r *stateReader)
}

// Seeds of the rotations: fixed so that training is reproducible.
const (
	rotSeed1 = 0x7261626974710001
	rotSeed2 = 0x9e3779b97f4a7c15
)

// newRotation returns an untrained rotation of d dimensions: Hadamard-based when fht, else a
// dense random orthogonal matrix. train fills it.
func newRotation(d int, fht bool) rotation {
	if fht {
		return newFHTRotation(d)
	}
	return &denseRotation{d: d}
}

// denseRotation is a random orthogonal d×d matrix (row-major), drawn uniformly (Haar) as the Q
// factor of the QR decomposition of a Gaussian matrix with the signs of R's diagonal folded in.
type denseRotation struct {
	d int
	m []float32
}

func (r *denseRotation) dim() int { return r.d }

// train draws the matrix from the seeded generator.
func (r *denseRotation) train(seed uint64) error {
	d := r.d
	rng := rand.New(rand.NewPCG(seed, rotSeed2))
	g := make([]float64, d*d)
	for i := range g {
		g[i] = rng.NormFloat64()
	}
	var qr mat.QR
	qr.Factorize(mat.NewDense(d, d, g))
	var q, rr mat.Dense
	qr.QTo(&q)
	qr.RTo(&rr)
	m := make([]float32, d*d)
	for c := 0; c < d; c++ {
		s := 1.0
		if rr.At(c, c) < 0 {
			s = -1
		}
		for row := 0; row < d; row++ {
			v := q.At(row, c) * s
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return api.Errorf(api.InternalError, "rotation: the QR decomposition gave a non-finite value")
			}
			m[row*d+c] = float32(v)
		}
	}
	r.m = m
	return nil
}

func (r *denseRotation) apply(dst, src []float32) {
	simd.InnerProductRows(src[:r.d], r.m, r.d, dst[:r.d])
}

func (r *denseRotation) inverse(dst, src []float32) {
	d := r.d
	dst = dst[:d]
	clear(dst)
	for i, s := range src[:d] {
		if s == 0 {
			continue
		}
		simd.Axpy(dst, r.m[i*d:(i+1)*d], s)
	}
}

func (r *denseRotation) marshal(w *stateWriter) { w.f32s(r.m) }

func (r *denseRotation) unmarshal(rd *stateReader) {
	m := make([]float32, r.d*r.d)
	rd.f32s(m)
	r.m = m
}

// fhtRounds is the number of sign-flip rounds of the Hadamard rotation.
const fhtRounds = 4

// fhtRotation rotates with random sign flips and normalized fast Walsh-Hadamard transforms. For
// d a power of two each of 4 rounds flips signs and transforms all d coordinates. Otherwise,
// with t the largest power of two below d, rounds alternate between the first t and the last t
// coordinates, each followed by a butterfly that mixes the two halves of the vector
// ((a+b)/√2, (a-b)/√2), so every coordinate is mixed with every other; the dimension is kept.
type fhtRotation struct {
	d, t  int
	flips []byte   // fhtRounds rounds of (d+7)/8 bytes, bit i of a round flips coordinate i
	signs []uint32 // fhtRounds rounds of d sign masks (0 or 1<<31) derived from flips
}

func newFHTRotation(d int) *fhtRotation {
	t := 1
	for t*2 <= d {
		t *= 2
	}
	return &fhtRotation{d: d, t: t}
}

func (r *fhtRotation) dim() int { return r.d }

// train draws the sign flips from the seeded generator.
func (r *fhtRotation) train(seed uint64) {
	rng := rand.New(rand.NewPCG(seed, rotSeed2))
	flips := make([]byte, fhtRounds*((r.d+7)/8))
	for i := range flips {
		flips[i] = byte(rng.Uint32())
	}
	r.setFlips(flips)
}

// setFlips installs the flip bits and derives the sign masks.
func (r *fhtRotation) setFlips(flips []byte) {
	nb := (r.d + 7) / 8
	r.flips = flips
	r.signs = make([]uint32, fhtRounds*r.d)
	for k := 0; k < fhtRounds; k++ {
		for i := 0; i < r.d; i++ {
			r.signs[k*r.d+i] = uint32(flips[k*nb+i>>3]>>(i&7)&1) << 31
		}
	}
}

// round returns the sign masks of round k.
func (r *fhtRotation) round(k int) []uint32 { return r.signs[k*r.d : (k+1)*r.d] }

// flipSigns flips the sign of v[i] where signs[i] is 1<<31.
func flipSigns(v []float32, signs []uint32) {
	signs = signs[:len(v)]
	for i, x := range v {
		v[i] = math.Float32frombits(math.Float32bits(x) ^ signs[i])
	}
}

// fwht applies the normalized Walsh-Hadamard transform (its own inverse) to v, len(v) a power
// of two: radix-4 passes (two levels per pass over v), one radix-2 pass first when the number of
// levels is odd, the scaling 1/sqrt(len) folded into the last pass.
func fwht(v []float32) {
	n := len(v)
	if n < 2 {
		return
	}
	s := float32(1 / math.Sqrt(float64(n)))
	levels := bits.TrailingZeros(uint(n))
	h := 1
	if levels%2 == 1 {
		sc := float32(1)
		if n == 2 {
			sc = s
		}
		for i := 0; i+2 <= n; i += 2 {
			w := v[i : i+2 : i+2]
			w[0], w[1] = (w[0]+w[1])*sc, (w[0]-w[1])*sc
		}
		h = 2
	}
	for ; h < n; h *= 4 {
		sc := float32(1)
		if 4*h == n {
			sc = s
		}
		for i := 0; i < n; i += 4 * h {
			a := v[i : i+h : i+h]
			b := v[i+h : i+2*h : i+2*h]
			c := v[i+2*h : i+3*h : i+3*h]
			d := v[i+3*h : i+4*h : i+4*h]
			for j := range a {
				p, q, r, t := a[j]+b[j], a[j]-b[j], c[j]+d[j], c[j]-d[j]
				a[j], b[j], c[j], d[j] = (p+r)*sc, (q+t)*sc, (p-r)*sc, (q-t)*sc
			}
		}
	}
}

// butterfly mixes the two halves of v: (a, b) -> ((a+b)/√2, (a-b)/√2) for v[i], v[i+len/2]
// (the last coordinate of an odd length is left alone). It is symmetric and orthogonal, so its
// own inverse.
func butterfly(v []float32) {
	h := len(v) / 2
	a, b := v[:h], v[h:2*h]
	const s = 0.70710678118654752
	for i := range a {
		x, y := a[i], b[i]
		a[i], b[i] = (x+y)*s, (x-y)*s
	}
}

func (r *fhtRotation) apply(dst, src []float32) {
	v := dst[:r.d]
	copy(v, src[:r.d])
	if r.t == r.d {
		for k := 0; k < fhtRounds; k++ {
			flipSigns(v, r.round(k))
			fwht(v)
		}
		return
	}
	start := r.d - r.t
	for k := 0; k < fhtRounds; k += 2 {
		flipSigns(v, r.round(k))
		fwht(v[:r.t])
		butterfly(v)
		flipSigns(v, r.round(k+1))
		fwht(v[start:])
		butterfly(v)
	}
}

func (r *fhtRotation) inverse(dst, src []float32) {
	v := dst[:r.d]
	copy(v, src[:r.d])
	if r.t == r.d {
		for k := fhtRounds - 1; k >= 0; k-- {
			fwht(v)
			flipSigns(v, r.round(k))
		}
		return
	}
	start := r.d - r.t
	for k := fhtRounds - 2; k >= 0; k -= 2 {
		butterfly(v)
		fwht(v[start:])
		flipSigns(v, r.round(k+1))
		butterfly(v)
		fwht(v[:r.t])
		flipSigns(v, r.round(k))
	}
}

func (r *fhtRotation) marshal(w *stateWriter) { w.raw(r.flips) }

func (r *fhtRotation) unmarshal(rd *stateReader) {
	b := rd.bytes(fhtRounds * ((r.d + 7) / 8))
	if rd.err == nil {
		r.setFlips(append([]byte(nil), b...))
	}
}

// trainRotation fills rot from its seed.
func trainRotation(rot rotation, seed uint64) error {
	switch r := rot.(type) {
	case *denseRotation:
		return r.train(seed)
	case *fhtRotation:
		r.train(seed)
	}
	return nil
}

// pcaMap projects in-dimensional vectors onto the out principal directions learned from a
// sample: y = M·(x - mean). With centre false the mean is zero and the directions are those of
// the uncentred second moment, which keeps inner products (<My, Mx> ≈ <y, x> on the data's
// subspace); centred projections keep differences, hence l2 distances.
type pcaMap struct {
	in, out int
	centre  bool
	mean    []float32 // in values (zero when !centre)
	m       []float32 // out×in, row-major, orthonormal rows
}

// pcaSampleRows caps the rows the projection is learned from.
const pcaSampleRows = 20000

// train learns the projection from n row-major vectors; rows with a non-finite value are
// skipped.
func (p *pcaMap) train(vectors []float32, n int) error {
	rows := finiteRows(vectors, n, p.in, n)
	if len(rows) == 0 {
		return api.Errorf(api.InvalidArgument, "pca: no finite training vector")
	}
	if len(rows) > pcaSampleRows {
		idx := sampleRows(len(rows), pcaSampleRows)
		for i, j := range idx {
			idx[i] = rows[j]
		}
		rows = idx
	}
	p.mean = make([]float32, p.in)
	if p.centre {
		sum := make([]float64, p.in)
		for _, r := range rows {
			for j, v := range vectors[r*p.in : (r+1)*p.in] {
				sum[j] += float64(v)
			}
		}
		for j := range sum {
			p.mean[j] = float32(sum[j] / float64(len(rows)))
		}
	}
	var centre []float32
	if p.centre {
		centre = p.mean
	}
	g, err := gram(vectors, p.in, rows, centre)
	if err != nil {
		return err
	}
	ev, err := topEigenvectors(g, p.out)
	if err != nil {
		return err
	}
	p.m = rowsOf(ev)
	return nil
}

// project writes M·(x - mean) into dst (len out) and returns ||x - mean||^2 - ||dst||^2, the
// energy the projection drops (>= 0); scratch holds in values.
func (p *pcaMap) project(dst, x, scratch []float32) float32 {
	c := scratch[:p.in]
	for j, v := range x[:p.in] {
		c[j] = v - p.mean[j]
	}
	for i := range dst[:p.out] {
		dst[i] = simd.InnerProduct(p.m[i*p.in:(i+1)*p.in], c)
	}
	res := simd.InnerProduct(c, c) - simd.InnerProduct(dst[:p.out], dst[:p.out])
	return max(res, 0)
}

// lift writes M^T·y + mean into dst (len in): the vector of the subspace that projects to y.
func (p *pcaMap) lift(dst, y []float32) {
	dst = dst[:p.in]
	copy(dst, p.mean)
	for i, s := range y[:p.out] {
		row := p.m[i*p.in : (i+1)*p.in]
		for j, v := range row {
			dst[j] += s * v
		}
	}
}

func (p *pcaMap) marshal(w *stateWriter) {
	w.f32s(p.mean)
	w.f32s(p.m)
}

func (p *pcaMap) unmarshal(r *stateReader) {
	mean, m := make([]float32, p.in), make([]float32, p.in*p.out)
	r.f32s(mean)
	r.f32s(m)
	p.mean, p.m = mean, m
}

// stateWriter appends little-endian values to a state blob.
type stateWriter struct{ b []byte }

func (w *stateWriter) u32(v uint32) { w.b = binary.LittleEndian.AppendUint32(w.b, v) }

func (w *stateWriter) f32s(a []float32) {
	for _, v := range a {
		w.b = binary.LittleEndian.AppendUint32(w.b, math.Float32bits(v))
	}
}

func (w *stateWriter) raw(b []byte) { w.b = append(w.b, b...) }

// stateReader reads a state blob written by stateWriter, treating it as hostile: the first
// short read or non-finite float sets err, and later reads return zero values.
type stateReader struct {
	name string
	b    []byte
	off  int
	err  error
}

func (r *stateReader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || n > len(r.b)-r.off {
		r.err = api.Errorf(api.InvalidBinary, "%s: state is truncated at byte %d (need %d more, have %d)", r.name, r.off, n, len(r.b)-r.off)
		return false
	}
	return true
}

func (r *stateReader) u32() uint32 {
	if !r.need(4) {
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *stateReader) f32s(dst []float32) {
	if !r.need(4 * len(dst)) {
		return
	}
	for i := range dst {
		v := math.Float32frombits(binary.LittleEndian.Uint32(r.b[r.off:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			r.err = api.Errorf(api.InvalidBinary, "%s: state holds a non-finite value at byte %d", r.name, r.off)
			return
		}
		dst[i] = v
		r.off += 4
	}
}

func (r *stateReader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b
}

// expect checks a tag and a uint32 value written by the owner (a dimension, a flag).
func (r *stateReader) expect(what string, want uint32) {
	if got := r.u32(); r.err == nil && got != want {
		r.err = api.Errorf(api.InvalidBinary, "%s: state has %s %d, want %d", r.name, what, got, want)
	}
}

// tag checks the 4-byte format tag.
func (r *stateReader) tag(want string) {
	if b := r.bytes(4); r.err == nil && string(b) != want {
		r.err = api.Errorf(api.InvalidBinary, "%s: state has tag %q, want %q", r.name, b, want)
	}
}

// done reports the first error, or trailing bytes.
func (r *stateReader) done() error {
	if r.err == nil && r.off != len(r.b) {
		r.err = api.Errorf(api.InvalidBinary, "%s: state has %d trailing bytes", r.name, len(r.b)-r.off)
	}
	return r.err
}
