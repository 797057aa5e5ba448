package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("leanvec", func(dim int, m metric.Kind, o Options) (Quantizer, error) { return NewLeanVec(dim, m, o) })
}

// QueryTrainer is implemented by quantizers that also learn from sample queries (leanvec with
// leanvec_training "ood"). Indexes that receive training queries call it instead of Train.
type QueryTrainer interface {
	// TrainWithQueries is Train with nq sample queries (row-major, nq may be 0).
	TrainWithQueries(vectors []float32, n int, queries []float32, nq int) error
}

// LeanVec is the leanvec quantizer: a learned linear map (Transform) reduces each vector from
// dim to d dimensions; the reduced vector is stored with the primary encoding (fp32, fp16,
// lvq8 or lvq4) for graph traversal and the full vector with the secondary encoding (fp32,
// fp16 or lvq8) for reranking. It implements TwoStage: NewComputer gives the secondary
// (precise) distances, NewPrimaryComputer the reduced ones, and Primary() a quantizer of the
// primary codes alone.
//
// A code is the primary code of the reduced vector (followed, for l2 with leanvec_training
// "ood", by ||x||^2 as float32 at the next 4-byte boundary), then at the next 4-byte boundary the
// secondary code of the full vector; CodeSize is a multiple of 4.
//
// Primary distances approximate the metric's: with "pca" (one matrix M, mean m) l2 is
// ||M(q-m) - y||^2 + ||q-m||^2 - ||M(q-m)||^2 (the query's part outside the subspace, a
// constant per query) and ip is 1 - <q,m> - <Mq, y>; with "ood" (query matrix A, data matrix B)
// ip is 1 - <q,m> - <Aq, y> and l2 is ||q||^2 + ||x||^2 - 2(<q,m> + <Aq, y>), y the decoded
// primary code of B(x - m).
type LeanVec struct {
	dim, d       int
	metric       metric.Kind
	training     string
	pkind, skind string
	prim, sec    lvCodec
	tr           *Transform
	given        bool // transform set by SetTransform
	norms        bool // primary codes carry ||x||^2
	l2proj       bool // primary distance is l2 in the reduced space
	pcode        int  // bytes of the primary codec's code
	psize        int  // primary prefix
	soff         int  // offset of the secondary code
	size         int
	trained      bool
	losses       []float64
	scratch      sync.Pool // *lvScratch
	qmat         atomic.Pointer[lvQueryMat]
}

type lvScratch struct{ y, c []float32 }

var (
	leanvecPrimaryKinds   = []string{"fp32", "fp16", "lvq8", "lvq4"}
	leanvecSecondaryKinds = []string{"fp32", "fp16", "lvq8"}
	leanvecTrainings      = []string{"pca", "ood"}
)

// NewLeanVec returns a leanvec quantizer for vectors of dim dimensions configured by the
// leanvec options (typed fields of o first, then the keys leanvec_dims, leanvec_primary,
// leanvec_secondary and leanvec_training of o.Extra).
func NewLeanVec(dim int, m metric.Kind, o Options) (*LeanVec, error) {
	if dim <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "leanvec: dim %d must be positive", dim)
	}
	d, err := leanvecInt(o.LeanVecDims, o.Extra, "leanvec_dims")
	if err != nil {
		return nil, err
	}
	if d == 0 {
		d = (dim + 1) / 2
	}
	if d < 1 || d > dim {
		return nil, api.Errorf(api.InvalidArgument, "leanvec: key \"leanvec_dims\" is %d, must be in [1, %d]", d, dim)
	}
	lv := &LeanVec{dim: dim, d: d, metric: m}
	for _, opt := range []struct {
		dst   *string
		typed string
		key   string
		def   string
		valid []string
	}{
		{&lv.pkind, o.LeanVecPrimary, "leanvec_primary", "lvq8", leanvecPrimaryKinds},
		{&lv.skind, o.LeanVecSecondary, "leanvec_secondary", "fp16", leanvecSecondaryKinds},
		{&lv.training, o.LeanVecTraining, "leanvec_training", "pca", leanvecTrainings},
	} {
		v, err := leanvecString(opt.typed, o.Extra, opt.key)
		if err != nil {
			return nil, err
		}
		if v == "" {
			v = opt.def
		}
		if lvIndex(opt.valid, v) < 0 {
			return nil, api.Errorf(api.InvalidArgument, "leanvec: key %q is %q, not one of %v", opt.key, v, opt.valid)
		}
		*opt.dst = v
	}
	lv.l2proj = !m.UsesInnerProduct() && lv.training == "pca"
	lv.norms = !m.UsesInnerProduct() && lv.training == "ood"
	pm := metric.IP
	if lv.l2proj {
		pm = metric.L2
	}
	if lv.prim, err = newLvCodec(lv.pkind, d, pm); err != nil {
		return nil, err
	}
	if lv.sec, err = newLvCodec(lv.skind, dim, m); err != nil {
		return nil, err
	}
	lv.pcode = lv.prim.size()
	lv.psize = lv.pcode
	if lv.norms {
		lv.psize = lvAlign4(lv.pcode) + 4
	}
	lv.soff = lvAlign4(lv.psize)
	lv.size = lv.soff + lvAlign4(lv.sec.size())
	lv.scratch.New = func() any { return &lvScratch{y: make([]float32, d), c: make([]float32, dim)} }
	return lv, nil
}

func lvAlign4(n int) int { return (n + 3) &^ 3 }

func lvIndex(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// leanvecInt returns typed if set, else the integer under key in extra (0 when absent).
func leanvecInt(typed int, extra map[string]any, key string) (int, error) {
	if typed != 0 {
		return typed, nil
	}
	v, ok := extra[key]
	if !ok {
		return 0, nil
	}
	var f float64
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		f = float64(x)
	case float64:
		f = x
	case float32:
		f = float64(x)
	default:
		return 0, api.Errorf(api.InvalidArgument, "leanvec: key %q must be an integer, got %T", key, v)
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<30 {
		return 0, api.Errorf(api.InvalidArgument, "leanvec: key %q must be an integer, got %v", key, f)
	}
	return int(f), nil
}

// leanvecString returns typed if set, else the string under key in extra ("" when absent).
func leanvecString(typed string, extra map[string]any, key string) (string, error) {
	if typed != "" {
		return typed, nil
	}
	v, ok := extra[key]
	if !ok {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", api.Errorf(api.InvalidArgument, "leanvec: key %q must be a string, got %T", key, v)
	}
	return s, nil
}

// Name implements Quantizer.
func (lv *LeanVec) Name() string { return "leanvec" }

// Dim implements Quantizer.
func (lv *LeanVec) Dim() int { return lv.dim }

// Metric implements Quantizer.
func (lv *LeanVec) Metric() metric.Kind { return lv.metric }

// CodeSize implements Quantizer.
func (lv *LeanVec) CodeSize() int { return lv.size }

// NeedTrain implements Quantizer.
func (lv *LeanVec) NeedTrain() bool { return true }

// Trained implements Quantizer.
func (lv *LeanVec) Trained() bool { return lv.trained }

// ReducedDim returns leanvec_dims.
func (lv *LeanVec) ReducedDim() int { return lv.d }

// Kinds returns the primary encoding, the secondary encoding and the training mode.
func (lv *LeanVec) Kinds() (primary, secondary, training string) {
	return lv.pkind, lv.skind, lv.training
}

// Transform returns the learned (or given) transform, nil before training. It must not be
// modified.
func (lv *LeanVec) Transform() *Transform { return lv.tr }

// Losses returns the LeanVec-OOD loss after each Frank-Wolfe step of the last training (nil
// for pca or a given transform).
func (lv *LeanVec) Losses() []float64 { return lv.losses }

// SetTransform makes Train use t instead of learning one (the data and query matrices of
// SVS's LeanVecLoader). t maps dim to leanvec_dims dimensions; different data and query
// matrices need leanvec_training "ood". It must be called before training.
func (lv *LeanVec) SetTransform(t *Transform) error {
	if lv.trained {
		return api.Errorf(api.WrongStatus, "leanvec: the transform is set before training")
	}
	if t == nil {
		return api.Errorf(api.InvalidArgument, "leanvec: nil transform")
	}
	if err := t.check(); err != nil {
		return err
	}
	if t.In != lv.dim || t.Out != lv.d {
		return api.Errorf(api.InvalidArgument, "leanvec: transform maps %d to %d dimensions, want %d to %d", t.In, t.Out, lv.dim, lv.d)
	}
	if lv.training == "pca" && !t.Same() {
		return api.Errorf(api.InvalidArgument, "leanvec: different data and query matrices need leanvec_training \"ood\"")
	}
	c := &Transform{In: t.In, Out: t.Out, Mean: append([]float32(nil), t.Mean...), Data: append([]float32(nil), t.Data...)}
	c.Query = c.Data
	if !t.Same() {
		c.Query = append([]float32(nil), t.Query...)
	}
	lv.tr, lv.given = c, true
	return nil
}

// lvCodecRows caps the reduced vectors the primary encoding learns its mean from.
const lvCodecRows = 20000

// Train implements Quantizer: TrainWithQueries without sample queries.
func (lv *LeanVec) Train(vectors []float32, n int) error {
	return lv.TrainWithQueries(vectors, n, nil, 0)
}

// TrainWithQueries implements QueryTrainer. Unless a transform was given, "pca" learns
// LeanVec-ID from the vectors and "ood" learns LeanVec-OOD from the vectors and the queries
// (with no queries, from the vectors standing in for them). Then the primary encoding learns
// from the reduced first up to 20 000 vectors and the secondary from all vectors.
func (lv *LeanVec) TrainWithQueries(vectors []float32, n int, queries []float32, nq int) error {
	if n <= 0 || len(vectors) < n*lv.dim {
		return api.Errorf(api.InvalidArgument, "leanvec: training needs vectors: %d values for %d vectors of dim %d", len(vectors), n, lv.dim)
	}
	if nq < 0 || len(queries) < nq*lv.dim {
		return api.Errorf(api.InvalidArgument, "leanvec: %d values do not hold %d queries of dim %d", len(queries), nq, lv.dim)
	}
	tr, losses := lv.tr, []float64(nil)
	if !lv.given {
		var err error
		if lv.training == "pca" {
			tr, err = LearnPCA(vectors, n, lv.dim, lv.d)
		} else {
			if nq == 0 {
				queries, nq = vectors, n
			}
			tr, losses, err = LearnOOD(vectors, n, queries, nq, lv.dim, lv.d)
		}
		if err != nil {
			return err
		}
	}
	rows := finiteRows(vectors, n, lv.dim, lvCodecRows)
	if len(rows) == 0 {
		rows = []int{0}
	}
	reduced := make([]float32, len(rows)*lv.d)
	scratch := make([]float32, lv.dim)
	for i, r := range rows {
		tr.ProjectData(reduced[i*lv.d:(i+1)*lv.d], vectors[r*lv.dim:(r+1)*lv.dim], scratch)
	}
	// the codecs learn in place: computers made earlier see the new state
	if err := lv.prim.train(reduced, len(rows)); err != nil {
		return err
	}
	if err := lv.sec.train(vectors, n); err != nil {
		return err
	}
	lv.tr, lv.losses, lv.trained = tr, losses, true
	return nil
}

// Encode implements Quantizer.
func (lv *LeanVec) Encode(dst []byte, v []float32) {
	dst = dst[:lv.size]
	lv.encodePrimary(dst[:lv.psize], v[:lv.dim])
	clear(dst[lv.psize:lv.soff])
	lv.sec.encode(dst[lv.soff:lv.soff+lv.sec.size()], v)
	clear(dst[lv.soff+lv.sec.size():])
}

// encodePrimary writes the primary prefix of v's code into dst (len psize).
func (lv *LeanVec) encodePrimary(dst []byte, v []float32) {
	if lv.tr == nil { // untrained: a zero code rather than a crash
		clear(dst)
		return
	}
	s := lv.scratch.Get().(*lvScratch)
	lv.tr.ProjectData(s.y, v, s.c)
	lv.prim.encode(dst[:lv.pcode], s.y)
	lv.scratch.Put(s)
	if lv.norms {
		clear(dst[lv.pcode:])
		var nx float64
		for _, x := range v[:lv.dim] {
			nx += float64(x) * float64(x)
		}
		binary.LittleEndian.PutUint32(dst[lvAlign4(lv.pcode):], math.Float32bits(float32(nx)))
	}
}

// Decode implements Quantizer: the decoded secondary code.
func (lv *LeanVec) Decode(dst []float32, code []byte) {
	lv.sec.decode(dst[:lv.dim], code[lv.soff:lv.soff+lv.sec.size()])
}

// NewComputer implements Quantizer: distances of the secondary codes.
func (lv *LeanVec) NewComputer() Computer {
	return &lvOffsetComputer{inner: lv.sec.computer(lv.size), off: lv.soff, size: lv.sec.size()}
}

// PrimaryCodeSize implements TwoStage.
func (lv *LeanVec) PrimaryCodeSize() int { return lv.psize }

// NewPrimaryComputer implements TwoStage: the reduced distance over rows of CodeSize bytes.
func (lv *LeanVec) NewPrimaryComputer() Computer { return lv.newPrimaryComputer(lv.size) }

func (lv *LeanVec) newPrimaryComputer(stride int) Computer {
	return &lvPrimaryComputer{
		lv: lv, inner: lv.prim.computer(stride), stride: stride,
		z: make([]float32, lv.d), c: make([]float32, lv.dim),
	}
}

// Primary implements TwoStage: the quantizer of the primary prefixes, sharing this one's state.
func (lv *LeanVec) Primary() Quantizer { return &leanVecPrimary{lv: lv} }

// lvOffsetComputer applies a computer to the part of each row at off.
type lvOffsetComputer struct {
	inner     Computer
	off, size int
}

func (c *lvOffsetComputer) SetQuery(q []float32) { c.inner.SetQuery(q) }

func (c *lvOffsetComputer) Distance(code []byte) float32 {
	return c.inner.Distance(code[c.off : c.off+c.size])
}

func (c *lvOffsetComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	if len(ids) == 0 {
		return
	}
	c.inner.DistanceBatch(slab[c.off:], ids, out)
}

func (c *lvOffsetComputer) DistanceRows(slab []byte, out []float32) {
	if len(out) == 0 {
		return
	}
	c.inner.DistanceRows(slab[c.off:], out)
}

// lvPrimaryComputer projects the query and corrects the reduced distance (see LeanVec).
type lvPrimaryComputer struct {
	lv     *LeanVec
	inner  Computer
	stride int
	z, c   []float32
	add    float32
}

func (c *lvPrimaryComputer) SetQuery(q []float32) {
	c.add = c.lv.primaryQuery(c.z, c.c, q)
	c.inner.SetQuery(c.z)
}

// primaryQuery writes the reduced query of q into z (scratch c of dim floats) and returns the
// offset the primary distance adds to the primary codec's distance of z (see LeanVec).
func (lv *LeanVec) primaryQuery(z, c, q []float32) float32 {
	q = q[:lv.dim]
	if lv.tr == nil {
		clear(z)
		return 0
	}
	t := lv.tr
	if lv.l2proj {
		m := lv.projectQuery(z, q, c, true)
		// ||q - Mean||^2 expanded: the offset is the same for every row of this query, so its
		// rounding does not reorder them
		full := float64(simd.InnerProduct(q, q)) - 2*float64(simd.InnerProduct(q, t.Mean)) + m.meanNorm
		in := float64(simd.InnerProduct(z, z))
		return float32(max(0, full-in))
	}
	lv.projectQuery(z, q, c, false)
	var qm, qq float64
	for j, x := range q {
		qm += float64(x) * float64(t.Mean[j])
		qq += float64(x) * float64(x)
	}
	if lv.norms {
		return float32(qq - 2*qm - 2)
	}
	return float32(-qm)
}

// fix turns the primary codec's distance d of a row into the leanvec primary distance.
func (c *lvPrimaryComputer) fix(d float32, row []byte) float32 {
	if c.lv.norms {
		nx := math.Float32frombits(binary.LittleEndian.Uint32(row[lvAlign4(c.lv.pcode):]))
		return 2*d + nx + c.add
	}
	return d + c.add
}

func (c *lvPrimaryComputer) Distance(code []byte) float32 {
	return c.fix(c.inner.Distance(code[:c.lv.pcode]), code)
}

func (c *lvPrimaryComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	c.inner.DistanceBatch(slab, ids, out)
	for i, id := range ids {
		if c.lv.norms {
			out[i] = c.fix(out[i], slab[int(id)*c.stride:])
		} else {
			out[i] += c.add
		}
	}
}

func (c *lvPrimaryComputer) DistanceRows(slab []byte, out []float32) {
	c.inner.DistanceRows(slab, out)
	for i := range out {
		if c.lv.norms {
			out[i] = c.fix(out[i], slab[i*c.stride:])
		} else {
			out[i] += c.add
		}
	}
}

// leanVecPrimary is the quantizer of leanvec's primary prefixes. Its state is the leanvec's.
type leanVecPrimary struct{ lv *LeanVec }

func (p *leanVecPrimary) Name() string        { return "leanvec_primary" }
func (p *leanVecPrimary) Dim() int            { return p.lv.dim }
func (p *leanVecPrimary) Metric() metric.Kind { return p.lv.metric }
func (p *leanVecPrimary) CodeSize() int       { return p.lv.psize }
func (p *leanVecPrimary) NeedTrain() bool     { return true }
func (p *leanVecPrimary) Trained() bool       { return p.lv.trained }

// Train trains the leanvec quantizer unless it already is.
func (p *leanVecPrimary) Train(vectors []float32, n int) error {
	if p.lv.trained {
		return nil
	}
	return p.lv.Train(vectors, n)
}

func (p *leanVecPrimary) Encode(dst []byte, v []float32) {
	p.lv.encodePrimary(dst[:p.lv.psize], v[:p.lv.dim])
}

// Decode maps the decoded reduced vector back: Data^T y + Mean (the least-squares
// reconstruction for "pca").
func (p *leanVecPrimary) Decode(dst []float32, code []byte) {
	lv := p.lv
	dst = dst[:lv.dim]
	if lv.tr == nil {
		clear(dst)
		return
	}
	s := lv.scratch.Get().(*lvScratch)
	lv.prim.decode(s.y, code[:lv.pcode])
	copy(dst, lv.tr.Mean)
	for r, y := range s.y {
		row := lv.tr.Data[r*lv.dim : (r+1)*lv.dim]
		for j, m := range row {
			dst[j] += y * m
		}
	}
	lv.scratch.Put(s)
}

func (p *leanVecPrimary) NewComputer() Computer { return p.lv.newPrimaryComputer(p.lv.psize) }

// MarshalBinary returns an empty state: the state is the leanvec quantizer's.
func (p *leanVecPrimary) MarshalBinary() ([]byte, error) { return nil, nil }

// UnmarshalBinary accepts only the empty state.
func (p *leanVecPrimary) UnmarshalBinary(b []byte) error {
	if len(b) != 0 {
		return api.Errorf(api.InvalidBinary, "leanvec: a traversal quantizer has no state of its own, got %d bytes", len(b))
	}
	return nil
}

// lvCodec is one of leanvec's encodings of a vector of fixed dimension.
type lvCodec interface {
	kind() string
	metric() metric.Kind
	size() int
	train(v []float32, n int) error
	encode(dst []byte, v []float32)
	decode(dst []float32, code []byte)
	// computer returns a computer over rows of stride bytes holding the code at their start.
	computer(stride int) Computer
	state() []byte
	setState(b []byte) error
}

func newLvCodec(kind string, dim int, m metric.Kind) (lvCodec, error) {
	switch kind {
	case "fp32", "fp16":
		return &lvFloat{dim: dim, half: kind == "fp16", m: m}, nil
	case "lvq8", "lvq4":
		b := 8
		if kind == "lvq4" {
			b = 4
		}
		q, err := NewLVQ(dim, m, b, 0)
		if err != nil {
			return nil, err
		}
		return lvLVQ{q}, nil
	}
	return nil, api.Errorf(api.InvalidArgument, "leanvec: encoding %q is not supported", kind)
}

type lvLVQ struct{ q *LVQ }

func (c lvLVQ) kind() string                      { return c.q.name }
func (c lvLVQ) metric() metric.Kind               { return c.q.metric }
func (c lvLVQ) size() int                         { return c.q.CodeSize() }
func (c lvLVQ) train(v []float32, n int) error    { return c.q.Train(v, n) }
func (c lvLVQ) encode(dst []byte, v []float32)    { c.q.Encode(dst, v) }
func (c lvLVQ) decode(dst []float32, code []byte) { c.q.Decode(dst, code) }
func (c lvLVQ) computer(stride int) Computer      { return c.q.newComputer(stride, 0) }
func (c lvLVQ) state() []byte                     { b, _ := c.q.MarshalBinary(); return b }
func (c lvLVQ) setState(b []byte) error           { return c.q.UnmarshalBinary(b) }

// lvFloat stores vectors as float32 or IEEE half (clamped to the finite half range).
type lvFloat struct {
	dim  int
	half bool
	m    metric.Kind
}

func (c *lvFloat) kind() string {
	if c.half {
		return "fp16"
	}
	return "fp32"
}
func (c *lvFloat) metric() metric.Kind { return c.m }
func (c *lvFloat) size() int {
	if c.half {
		return 2 * c.dim
	}
	return 4 * c.dim
}
func (c *lvFloat) train([]float32, int) error { return nil }
func (c *lvFloat) state() []byte              { return nil }
func (c *lvFloat) setState(b []byte) error {
	if len(b) != 0 {
		return api.Errorf(api.InvalidBinary, "leanvec: %s has no state, got %d bytes", c.kind(), len(b))
	}
	return nil
}

func (c *lvFloat) encode(dst []byte, v []float32) {
	v = v[:c.dim]
	if !c.half {
		for j, x := range v {
			binary.LittleEndian.PutUint32(dst[4*j:], math.Float32bits(x))
		}
		return
	}
	for j, x := range v {
		if lvqFinite(x) {
			x = max(-lvqMaxHalf, min(lvqMaxHalf, x))
		}
		binary.LittleEndian.PutUint16(dst[2*j:], lvqToHalf(x))
	}
}

func (c *lvFloat) decode(dst []float32, code []byte) {
	if c.half {
		simd.F16ToF32(dst[:c.dim], asUint16(code[:2*c.dim]))
		return
	}
	for j := range dst[:c.dim] {
		dst[j] = math.Float32frombits(binary.LittleEndian.Uint32(code[4*j:]))
	}
}

func (c *lvFloat) computer(stride int) Computer {
	return &lvFloatComputer{c: c, stride: stride, ip: c.m.UsesInnerProduct(), q: make([]float32, c.dim)}
}

// lvFloatComputer computes distances to fp32 or fp16 codes at the start of rows of stride
// bytes (a multiple of 4, as leanvec lays them out).
type lvFloatComputer struct {
	c      *lvFloat
	stride int
	ip     bool
	q      []float32
	one1   [1]float32 // result of a one-row fp16 batch
}

func (c *lvFloatComputer) SetQuery(q []float32) { copy(c.q, q[:c.c.dim]) }

func (c *lvFloatComputer) one(code []byte) float32 {
	n := c.c.dim
	switch {
	case c.c.half:
		// the batch kernel for one row, so that every path gives the same bits
		return halfOne(f16Batch(c.ip), c.q, asUint16(code[:2*n]), &c.one1)
	case c.ip:
		return simd.InnerProduct(c.q, lvqFloats(code[:4*n]))
	}
	return simd.L2Sqr(c.q, lvqFloats(code[:4*n]))
}

func (c *lvFloatComputer) Distance(code []byte) float32 {
	d := c.one(code)
	if c.ip {
		return 1 - d
	}
	return d
}

func (c *lvFloatComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	out = out[:len(ids)]
	switch {
	case !c.c.half && c.ip:
		simd.InnerProductBatch(c.q, lvqFloats(slab), c.stride/4, ids, out)
	case !c.c.half:
		simd.L2SqrBatch(c.q, lvqFloats(slab), c.stride/4, ids, out)
	default:
		// the rerank reads secondary codes of ids scattered over the slab: eight rows in flight
		f16Batch(c.ip)(c.q, asUint16(slab), c.stride/2, ids, out)
	}
	if c.ip {
		oneMinus(out)
	}
}

func (c *lvFloatComputer) DistanceRows(slab []byte, out []float32) {
	switch {
	case !c.c.half && c.ip:
		simd.InnerProductRows(c.q, lvqFloats(slab), c.stride/4, out)
	case !c.c.half:
		simd.L2SqrRows(c.q, lvqFloats(slab), c.stride/4, out)
	default:
		halfRowsByID(f16Batch(c.ip), c.q, asUint16(slab), c.stride/2, out)
	}
	if c.ip {
		oneMinus(out)
	}
}

// Serialized state: "LVN1", dim and d as uint32, training, primary and secondary kinds as
// indexes and a flag byte (1: one matrix, 2: given transform), the mean, the data matrix, the
// query matrix unless it is the data matrix (float32), then the primary and secondary states,
// each after its length as uint32. All little-endian.
const leanvecTag = "LVN1"

// MarshalBinary implements Quantizer. An untrained quantizer has an empty state.
func (lv *LeanVec) MarshalBinary() ([]byte, error) {
	if !lv.trained {
		return nil, nil
	}
	t := lv.tr
	out := []byte(leanvecTag)
	out = binary.LittleEndian.AppendUint32(out, uint32(lv.dim))
	out = binary.LittleEndian.AppendUint32(out, uint32(lv.d))
	var flags byte
	if t.Same() {
		flags |= 1
	}
	if lv.given {
		flags |= 2
	}
	out = append(out, byte(lvIndex(leanvecTrainings, lv.training)), byte(lvIndex(leanvecPrimaryKinds, lv.pkind)),
		byte(lvIndex(leanvecSecondaryKinds, lv.skind)), flags)
	arrays := [][]float32{t.Mean, t.Data}
	if !t.Same() {
		arrays = append(arrays, t.Query)
	}
	for _, a := range arrays {
		for _, v := range a {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	for _, s := range [][]byte{lv.prim.state(), lv.sec.state()} {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(s)))
		out = append(out, s...)
	}
	return out, nil
}

// UnmarshalBinary implements Quantizer. Input that is not exactly a state written by
// MarshalBinary for the same configuration is INVALID_BINARY and changes nothing.
func (lv *LeanVec) UnmarshalBinary(data []byte) error {
	bad := func(format string, args ...any) error {
		return api.Errorf(api.InvalidBinary, "leanvec: state "+format, args...)
	}
	if len(data) < 16 || string(data[:4]) != leanvecTag {
		return bad("has no leanvec header")
	}
	dim, d := binary.LittleEndian.Uint32(data[4:]), binary.LittleEndian.Uint32(data[8:])
	if dim != uint32(lv.dim) || d != uint32(lv.d) {
		return bad("is for %d->%d dimensions, want %d->%d", dim, d, lv.dim, lv.d)
	}
	tr, pk, sk, flags := int(data[12]), int(data[13]), int(data[14]), data[15]
	if tr >= len(leanvecTrainings) || leanvecTrainings[tr] != lv.training ||
		pk >= len(leanvecPrimaryKinds) || leanvecPrimaryKinds[pk] != lv.pkind ||
		sk >= len(leanvecSecondaryKinds) || leanvecSecondaryKinds[sk] != lv.skind || flags > 3 {
		return bad("has a different configuration (training %d, primary %d, secondary %d, flags %d)", tr, pk, sk, flags)
	}
	same := flags&1 != 0
	nm := lv.d * lv.dim
	want := lv.dim + nm
	if !same {
		want += nm
	}
	off := 16
	if len(data) < off+4*want {
		return bad("is truncated")
	}
	vals := make([]float32, want)
	for i := range vals {
		vals[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[off+4*i:]))
	}
	off += 4 * want
	t := &Transform{In: lv.dim, Out: lv.d, Mean: vals[:lv.dim], Data: vals[lv.dim : lv.dim+nm]}
	t.Query = t.Data
	if !same {
		t.Query = vals[lv.dim+nm:]
	}
	if err := t.check(); err != nil {
		return bad("holds a bad transform: %v", err)
	}
	var states [2][]byte
	for i := range states {
		if len(data)-off < 4 {
			return bad("is truncated")
		}
		n := int(binary.LittleEndian.Uint32(data[off:]))
		off += 4
		if n > len(data)-off {
			return bad("is truncated")
		}
		states[i] = data[off : off+n]
		off += n
	}
	if off != len(data) {
		return bad("has %d trailing bytes", len(data)-off)
	}
	prim, err := newLvCodec(lv.pkind, lv.d, lv.prim.metric())
	if err != nil {
		return err
	}
	sec, err := newLvCodec(lv.skind, lv.dim, lv.metric)
	if err != nil {
		return err
	}
	// validate on fresh codecs, then load into the live ones (computers made earlier keep
	// working)
	if err := prim.setState(states[0]); err != nil {
		return api.Wrap(api.InvalidBinary, err, "leanvec: primary state")
	}
	if err := sec.setState(states[1]); err != nil {
		return api.Wrap(api.InvalidBinary, err, "leanvec: secondary state")
	}
	_ = lv.prim.setState(states[0])
	_ = lv.sec.setState(states[1])
	lv.tr, lv.given, lv.losses, lv.trained = t, flags&2 != 0, nil, true
	return nil
}

// String describes the configuration, for logs.
func (lv *LeanVec) String() string {
	return fmt.Sprintf("leanvec(%d->%d, %s/%s, %s)", lv.dim, lv.d, lv.pkind, lv.skind, lv.training)
}

var (
	_ TwoStage     = (*LeanVec)(nil)
	_ QueryTrainer = (*LeanVec)(nil)
	_ TwoStage     = (*LVQ)(nil)
)
