package quant

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("tq", func(dim int, m metric.Kind, o Options) (Quantizer, error) { return NewTQ(dim, m, o) })
}

// tqTerminals are the quantizers a tq chain may end with (the flat quantizers VSAG's transform
// quantizer dispatches to).
var tqTerminals = []string{"fp32", "sq8", "sq8_uniform", "sq4", "sq4_uniform", "bf16", "fp16", "pq", "pqfs", "rabitq"}

// tqTransformers are the transformer names a chain may use.
var tqTransformers = []string{"pca", "rom", "fht", "mrle"}

// TQ is the transform quantizer (base_quantization_type "tq"): the transformers of tq_chain
// map each vector, one after the other, and the chain's last element, a flat quantizer built
// for the transformed dimension, encodes the result. Queries go through the same chain, so
// distances are the terminal quantizer's distances between transformed vectors.
//
// Transformers: "pca" projects onto the top rabitq_pca_dim principal directions of the
// training data (centred for l2; for ip and cosine the uncentred second moment, so that inner
// products are kept), "rom" rotates by a random orthogonal matrix, "fht" by random sign flips
// and fast Hadamard transforms, "mrle" keeps the first mrle_dim coordinates (renormalised for
// cosine) and must come first. Rotations keep distances exactly; pca and mrle approximate them.
// When the chain holds only rotations and the terminal quantizer's computer is Bounded (rabitq),
// the tq computer is Bounded (and Margined) too.
//
// The code is the terminal quantizer's code. Training learns every transformer from the output
// of the ones before it, on up to 20 000 evenly spaced rows, then the terminal quantizer on the
// transformed rows.
type TQ struct {
	dim     int
	metric  metric.Kind
	chain   []tqStage
	term    Quantizer
	out     int
	names   []string
	trained bool
	scratch sync.Pool // *tqScratch
}

// tqStage is one transformer of a chain.
type tqStage struct {
	kind    string
	in, out int
	pca     *pcaMap
	rot     rotation
	norm    bool // mrle for cosine: renormalise the kept coordinates
}

type tqScratch struct{ a, b, c []float32 }

// tqTrainRows caps the rows a chain learns from.
const tqTrainRows = 20000

// NewTQ returns a transform quantizer for vectors of dim dimensions: o.Codebook.TQChain names
// the transformers and then the terminal quantizer; rabitq_pca_dim (o.Codebook.PCADim) is the
// output dimension of pca and mrle_dim (o.Codebook.MRLEDim) that of mrle (0: the input
// dimension). Errors are INVALID_ARGUMENT with VSAG's messages.
func NewTQ(dim int, m metric.Kind, o Options) (*TQ, error) {
	cb := o.Codebook
	chain := cb.TQChain
	if len(chain) <= 1 {
		return nil, api.Errorf(api.InvalidArgument, "tq_chain: (%s) must contains 1 or more transformer and 1 quantizer, e.g., tq_chain: \"rom, fp32\"", strings.Join(chain, ", "))
	}
	termName := chain[len(chain)-1]
	if !slices.Contains(tqTerminals, termName) {
		return nil, api.Errorf(api.InvalidArgument, "base quantizer: %q is invalid (a tq chain ends with one of %s)", termName, strings.Join(tqTerminals, ", "))
	}
	t := &TQ{dim: dim, metric: m, names: slices.Clone(chain)}
	in := dim
	for i, name := range chain[:len(chain)-1] {
		st := tqStage{kind: name, in: in, out: in}
		switch name {
		case "pca":
			if cb.PCADim > 0 {
				st.out = cb.PCADim
			}
			if st.out > in {
				return nil, api.Errorf(api.InvalidArgument, "pca dim %d must not exceed its input dim %d", st.out, in)
			}
			st.pca = &pcaMap{in: in, out: st.out, centre: !m.UsesInnerProduct()}
		case "rom":
			st.rot = newRotation(in, false)
		case "fht":
			st.rot = newRotation(in, true)
		case "mrle":
			if i > 0 {
				return nil, api.Errorf(api.InvalidArgument, "MRLE must be first if exists")
			}
			if cb.MRLEDim != 0 {
				if cb.MRLEDim > in {
					return nil, api.Errorf(api.InvalidArgument, "mrle dim must be less than input dim (mrle_dim %d, input dim %d)", cb.MRLEDim, in)
				}
				st.out = cb.MRLEDim
			}
			st.norm = m == metric.Cosine
		default:
			return nil, api.Errorf(api.InvalidArgument, "invalid transformer name %s (one of %s)", name, strings.Join(tqTransformers, ", "))
		}
		t.chain = append(t.chain, st)
		in = st.out
	}
	t.out = in
	to := o
	if slices.Contains(chain, "pca") {
		// rabitq_pca_dim drove the pca transformer; the terminal does not reduce again
		to.Codebook.PCADim = 0
	}
	to.Codebook.TQChain = nil
	if to.Codebook.PCADim > t.out {
		to.Codebook.PCADim = 0
	}
	term, err := New(termName, t.out, m, to)
	if err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "tq: terminal quantizer %s on %d dimensions", termName, t.out)
	}
	t.term = term
	t.trained = !t.NeedTrain()
	t.scratch.New = func() any {
		return &tqScratch{a: make([]float32, dim), b: make([]float32, dim), c: make([]float32, dim)}
	}
	return t, nil
}

// Name implements Quantizer.
func (t *TQ) Name() string { return "tq" }

// Dim implements Quantizer.
func (t *TQ) Dim() int { return t.dim }

// Metric implements Quantizer.
func (t *TQ) Metric() metric.Kind { return t.metric }

// CodeSize implements Quantizer: the terminal quantizer's code size.
func (t *TQ) CodeSize() int { return t.term.CodeSize() }

// Chain returns the chain: the transformer names, then the terminal quantizer's.
func (t *TQ) Chain() []string { return slices.Clone(t.names) }

// Terminal returns the terminal quantizer, which encodes vectors of TransformedDim dimensions.
func (t *TQ) Terminal() Quantizer { return t.term }

// TransformedDim returns the dimension of the transformed vectors.
func (t *TQ) TransformedDim() int { return t.out }

// NeedTrain implements Quantizer: any transformer but mrle learns (pca) or draws (rom, fht)
// its state, and so may the terminal quantizer.
func (t *TQ) NeedTrain() bool {
	for _, st := range t.chain {
		if st.kind != "mrle" {
			return true
		}
	}
	return t.term.NeedTrain()
}

// Trained implements Quantizer.
func (t *TQ) Trained() bool { return t.trained }

// Train implements Quantizer.
func (t *TQ) Train(vectors []float32, n int) error {
	if err := checkTrain("tq", vectors, n, t.dim); err != nil {
		return err
	}
	rows := sampleRows(n, tqTrainRows)
	buf := make([]float32, len(rows)*t.dim)
	for i, r := range rows {
		copy(buf[i*t.dim:(i+1)*t.dim], vectors[r*t.dim:(r+1)*t.dim])
	}
	m := len(rows)
	chain := make([]tqStage, len(t.chain))
	tmp := make([]float32, t.dim)
	scratch := make([]float32, t.dim)
	for i, st := range t.chain {
		var err error
		switch st.kind {
		case "pca":
			p := &pcaMap{in: st.in, out: st.out, centre: st.pca.centre}
			err = p.train(buf, m)
			st.pca = p
		case "rom", "fht":
			rot := newRotation(st.in, st.kind == "fht")
			err = trainRotation(rot, rotSeed1+uint64(i))
			st.rot = rot
		}
		if err != nil {
			return api.Wrap(api.InvalidArgument, err, "tq: train %s", st.kind)
		}
		chain[i] = st
		// transform the sample in place: row r's output (st.out <= st.in values) never reaches
		// the input of a later row
		for r := 0; r < m; r++ {
			st.apply(tmp, buf[r*st.in:(r+1)*st.in], scratch)
			copy(buf[r*st.out:(r+1)*st.out], tmp[:st.out])
		}
	}
	if t.term.NeedTrain() {
		if err := t.term.Train(buf[:m*t.out], m); err != nil {
			return api.Wrap(api.InvalidArgument, err, "tq: train %s", t.term.Name())
		}
	}
	t.chain, t.trained = chain, true
	return nil
}

// apply writes the stage's output for src (st.in values) into dst; scratch holds st.in values.
func (st *tqStage) apply(dst, src, scratch []float32) {
	switch st.kind {
	case "pca":
		st.pca.project(dst, src, scratch)
	case "rom", "fht":
		st.rot.apply(dst[:st.in], src[:st.in])
	case "mrle":
		copy(dst[:st.out], src[:st.out])
		if st.norm {
			simd.Normalize(dst[:st.out])
		}
	}
}

// transform runs the chain on v and returns the transformed vector (a slice of s).
func (t *TQ) transform(v []float32, s *tqScratch) []float32 {
	cur := s.a[:t.dim]
	copy(cur, v[:t.dim])
	next := s.b
	for i := range t.chain {
		st := &t.chain[i]
		st.apply(next, cur, s.c)
		cur, next = next[:st.out], cur[:cap(cur)]
	}
	return cur
}

// Encode implements Quantizer.
func (t *TQ) Encode(dst []byte, v []float32) {
	s := t.scratch.Get().(*tqScratch)
	defer t.scratch.Put(s)
	t.term.Encode(dst, t.transform(v, s))
}

// Decode implements Quantizer: the terminal's decoded vector taken back through the chain as
// far as it goes (rotations inverted, pca lifted from its subspace, coordinates mrle dropped set
// to zero), a vector that the chain maps to the decoded one.
func (t *TQ) Decode(dst []float32, code []byte) {
	s := t.scratch.Get().(*tqScratch)
	defer t.scratch.Put(s)
	cur := s.a[:t.out]
	t.term.Decode(cur, code)
	next := s.b
	for i := len(t.chain) - 1; i >= 0; i-- {
		st := &t.chain[i]
		out := next[:st.in]
		switch st.kind {
		case "pca":
			st.pca.lift(out, cur)
		case "rom", "fht":
			st.rot.inverse(out, cur)
		case "mrle":
			copy(out, cur)
			clear(out[st.out:])
		}
		cur, next = out, cur[:cap(cur)]
	}
	copy(dst[:t.dim], cur)
}

// MarshalBinary implements Quantizer: tag "TQC1", the dimension and stage count, each stage's
// kind, dimensions and state, then the terminal quantizer's state with its length.
func (t *TQ) MarshalBinary() ([]byte, error) {
	if !t.trained {
		return nil, api.Errorf(api.WrongStatus, "tq: the quantizer is not trained")
	}
	w := &stateWriter{}
	w.raw([]byte("TQC1"))
	w.u32(uint32(t.dim))
	w.u32(uint32(len(t.chain)))
	for _, st := range t.chain {
		w.u32(uint32(slices.Index(tqTransformers, st.kind)))
		w.u32(uint32(st.in))
		w.u32(uint32(st.out))
		switch st.kind {
		case "pca":
			st.pca.marshal(w)
		case "rom", "fht":
			st.rot.marshal(w)
		}
	}
	var ts []byte
	if t.term.NeedTrain() {
		var err error
		if ts, err = t.term.MarshalBinary(); err != nil {
			return nil, err
		}
	}
	w.u32(uint32(len(ts)))
	w.raw(ts)
	return w.b, nil
}

// UnmarshalBinary implements Quantizer. The state must describe this chain exactly (kinds and
// dimensions); every array's size follows from the chain, so nothing is allocated from the
// data's say-so. Nothing changes on an error.
func (t *TQ) UnmarshalBinary(data []byte) error {
	r := &stateReader{name: "tq", b: data}
	r.tag("TQC1")
	r.expect("dim", uint32(t.dim))
	r.expect("stages", uint32(len(t.chain)))
	chain := make([]tqStage, len(t.chain))
	for i, st := range t.chain {
		r.expect(fmt.Sprintf("stage %d kind", i), uint32(slices.Index(tqTransformers, st.kind)))
		r.expect(fmt.Sprintf("stage %d input dim", i), uint32(st.in))
		r.expect(fmt.Sprintf("stage %d output dim", i), uint32(st.out))
		if r.err != nil {
			return r.err
		}
		switch st.kind {
		case "pca":
			if !r.need(4 * (st.in + st.in*st.out)) {
				return r.err
			}
			p := &pcaMap{in: st.in, out: st.out, centre: st.pca.centre}
			p.unmarshal(r)
			st.pca = p
		case "rom", "fht":
			rot := newRotation(st.in, st.kind == "fht")
			size := fhtRounds * ((st.in + 7) / 8)
			if st.kind == "rom" {
				size = 4 * st.in * st.in
			}
			if !r.need(size) {
				return r.err
			}
			rot.unmarshal(r)
			st.rot = rot
		}
		chain[i] = st
	}
	n := int(r.u32())
	ts := r.bytes(n)
	if err := r.done(); err != nil {
		return err
	}
	if t.term.NeedTrain() {
		if err := t.term.UnmarshalBinary(ts); err != nil {
			return api.Wrap(api.InvalidBinary, err, "tq: terminal quantizer %s", t.term.Name())
		}
	} else if n != 0 {
		return api.Errorf(api.InvalidBinary, "tq: terminal quantizer %s has no state but got %d bytes", t.term.Name(), n)
	}
	t.chain, t.trained = chain, true
	return nil
}

// distancePreserving reports whether every transformer is a rotation.
func (t *TQ) distancePreserving() bool {
	for _, st := range t.chain {
		if st.kind != "rom" && st.kind != "fht" {
			return false
		}
	}
	return true
}

// NewComputer implements Quantizer. The computer is Bounded when the chain holds only rotations
// and the terminal's computer is Bounded.
func (t *TQ) NewComputer() Computer {
	c := &tqComputer{t: t, inner: t.term.NewComputer(), s: t.scratch.New().(*tqScratch)}
	if b, ok := c.inner.(Bounded); ok && t.distancePreserving() {
		bc := &tqBoundedComputer{tqComputer: c, b: b}
		if m, ok := b.(Margined); ok {
			return &tqMarginedComputer{tqBoundedComputer: bc, m: m}
		}
		return bc
	}
	return c
}

// tqComputer transforms the query and hands it to the terminal's computer.
type tqComputer struct {
	t     *TQ
	inner Computer
	s     *tqScratch
}

// SetQuery implements Computer.
func (c *tqComputer) SetQuery(q []float32) { c.inner.SetQuery(c.t.transform(q, c.s)) }

// Distance implements Computer.
func (c *tqComputer) Distance(code []byte) float32 { return c.inner.Distance(code) }

// DistanceBatch implements Computer.
func (c *tqComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	c.inner.DistanceBatch(slab, ids, out)
}

// DistanceRows implements Computer.
func (c *tqComputer) DistanceRows(slab []byte, out []float32) { c.inner.DistanceRows(slab, out) }

// tqBoundedComputer is a tqComputer whose terminal gives error bounds that the chain keeps.
type tqBoundedComputer struct {
	*tqComputer
	b Bounded
}

// DistanceBound implements Bounded.
func (c *tqBoundedComputer) DistanceBound(code []byte) (est, lower float32) {
	return c.b.DistanceBound(code)
}

// tqMarginedComputer is a tqBoundedComputer whose terminal is Margined.
type tqMarginedComputer struct {
	*tqBoundedComputer
	m Margined
}

// Margin implements Margined.
func (c *tqMarginedComputer) Margin(code []byte) float32 { return c.m.Margin(code) }
