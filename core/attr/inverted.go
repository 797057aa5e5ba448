package attr

import (
	"math"
	"math/bits"
	"sort"

	"github.com/govsag/vsag/core/api"
)

// This file holds the inverted index over attribute values (VSAG's attribute inverted index:
// for each field and value, the set of labels carrying it) and the compilation of an
// expression against it into a set of labels (Match), so that a search tests a bit per
// candidate instead of evaluating the expression on the candidate's attributes.

// chunkBits is the number of labels a chunk of a labelSet covers (label >> chunkBits is its key).
const chunkBits = 16

// arrayMax is the largest number of labels a chunk keeps as a sorted array; beyond it the
// chunk is a bitmap of 1 << chunkBits bits (8 KiB), so a label never costs more than 2 bytes.
const arrayMax = 4096

// chunk holds the labels of one key: a sorted array of their low bits, or a bitmap.
type chunk struct {
	arr []uint16
	bm  []uint64 // 1 << chunkBits bits when a bitmap
	n   int
}

// labelSet is a set of labels in chunks of 1 << chunkBits consecutive labels (a compressed
// bitmap in the manner of roaring bitmaps): memory stays proportional to the labels held
// whatever their spread.
type labelSet struct {
	chunks map[int64]*chunk
	n      int
	mem    int64 // the bytes of the chunks (chunkMemory summed), kept in step by add and remove
}

// chunkMemory returns the bytes c holds, roughly (0 for nil).
func chunkMemory(c *chunk) int64 {
	if c == nil {
		return 0
	}
	return 64 + int64(cap(c.arr))*2 + int64(len(c.bm))*8
}

func split(l int64) (int64, uint16) { return l >> chunkBits, uint16(l & (1<<chunkBits - 1)) }

// add inserts l; it reports whether l was absent.
func (s *labelSet) add(l int64) bool {
	key, low := split(l)
	if s.chunks == nil {
		s.chunks = map[int64]*chunk{}
	}
	c := s.chunks[key]
	before := chunkMemory(c) // 0 for a chunk made now
	if c == nil {
		c = &chunk{}
		s.chunks[key] = c
	}
	defer func() { s.mem += chunkMemory(c) - before }()
	if c.bm != nil {
		w, m := low>>6, uint64(1)<<(low&63)
		if c.bm[w]&m != 0 {
			return false
		}
		c.bm[w] |= m
	} else {
		i := sort.Search(len(c.arr), func(i int) bool { return c.arr[i] >= low })
		if i < len(c.arr) && c.arr[i] == low {
			return false
		}
		if len(c.arr) >= arrayMax {
			c.bm = make([]uint64, 1<<chunkBits/64)
			for _, v := range c.arr {
				c.bm[v>>6] |= 1 << (v & 63)
			}
			c.bm[low>>6] |= 1 << (low & 63)
			c.arr = nil
		} else {
			c.arr = append(c.arr, 0)
			copy(c.arr[i+1:], c.arr[i:])
			c.arr[i] = low
		}
	}
	c.n++
	s.n++
	return true
}

// remove deletes l; it reports whether l was present.
func (s *labelSet) remove(l int64) bool {
	key, low := split(l)
	c := s.chunks[key]
	if c == nil {
		return false
	}
	before := chunkMemory(c)
	defer func() {
		if s.chunks[key] == c {
			s.mem += chunkMemory(c) - before
		} else {
			s.mem -= before
		}
	}()
	if c.bm != nil {
		w, m := low>>6, uint64(1)<<(low&63)
		if c.bm[w]&m == 0 {
			return false
		}
		c.bm[w] &^= m
		if c.n-1 <= arrayMax/2 { // back to an array, with hysteresis
			c.arr = make([]uint16, 0, c.n-1)
			for wi, x := range c.bm {
				for x != 0 {
					t := bits.TrailingZeros64(x)
					c.arr = append(c.arr, uint16(wi<<6|t))
					x &= x - 1
				}
			}
			c.bm = nil
		}
	} else {
		i := sort.Search(len(c.arr), func(i int) bool { return c.arr[i] >= low })
		if i == len(c.arr) || c.arr[i] != low {
			return false
		}
		c.arr = append(c.arr[:i], c.arr[i+1:]...)
	}
	c.n--
	s.n--
	if c.n == 0 {
		delete(s.chunks, key)
	}
	return true
}

// orInto adds the labels >= 0 of s to b.
func (s *labelSet) orInto(b *api.Bitset) {
	for key, c := range s.chunks {
		if key < 0 {
			continue
		}
		base := key << (chunkBits - 6) // word index of the chunk's first label
		if c.bm != nil {
			for i, w := range c.bm {
				b.OrWord(base+int64(i), w)
			}
			continue
		}
		// consecutive entries often share a word: gather them before setting
		var cur int64 = -1
		var acc uint64
		for _, v := range c.arr {
			w := base + int64(v>>6)
			if w != cur {
				b.OrWord(cur, acc)
				cur, acc = w, 0
			}
			acc |= 1 << (v & 63)
		}
		b.OrWord(cur, acc)
	}
}

// maxLabel returns the largest label of s (-1 when s holds no label >= 0).
func (s *labelSet) maxLabel() int64 {
	top := int64(-1)
	var tc *chunk
	for key, c := range s.chunks {
		if key > top {
			top, tc = key, c
		}
	}
	if tc == nil {
		return -1
	}
	if tc.bm != nil {
		for i := len(tc.bm) - 1; i >= 0; i-- {
			if w := tc.bm[i]; w != 0 {
				return top<<chunkBits | int64(i<<6+63-bits.LeadingZeros64(w))
			}
		}
	}
	return top<<chunkBits | int64(tc.arr[len(tc.arr)-1])
}

// negatives returns the labels < 0 of s, ascending.
func (s *labelSet) negatives() []int64 {
	var out []int64
	for key, c := range s.chunks {
		if key >= 0 {
			continue
		}
		base := key << chunkBits
		if c.bm != nil {
			for i, w := range c.bm {
				for w != 0 {
					out = append(out, base+int64(i<<6|bits.TrailingZeros64(w)))
					w &= w - 1
				}
			}
			continue
		}
		for _, v := range c.arr {
			out = append(out, base+int64(v))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// fieldIndex maps each value of one field to the labels carrying it, by kind. NaN floats
// (which a map cannot find again) have a set of their own.
type fieldIndex struct {
	ints   map[int64]*labelSet
	floats map[float64]*labelSet
	strs   map[string]*labelSet
	nan    labelSet
}

// distinct returns the number of distinct values of the field.
func (f *fieldIndex) distinct() int { return len(f.ints) + len(f.floats) + len(f.strs) + 1 }

// Inverted is an inverted index over the attributes of labels: for every field and value, the
// labels whose attribute holds that value (any element of a multi-valued attribute), plus the
// set of labels that have attributes at all. It is not safe for concurrent use: the caller
// locks around it as around the attribute sets themselves.
type Inverted struct {
	all    labelSet
	fields map[string]*fieldIndex
	bytes  int64 // MemoryUsage, kept in step by Add and Remove
}

// NewInverted returns an empty inverted index.
func NewInverted() *Inverted { return &Inverted{fields: map[string]*fieldIndex{}, bytes: 48} }

// Len returns the number of labels with attributes.
func (ix *Inverted) Len() int { return ix.all.n }

// memory returns the bytes s holds, roughly.
func (s *labelSet) memory() int64 { return 48 + s.mem }

// memoryScan is memory counted chunk by chunk (what mem keeps in step).
func (s *labelSet) memoryScan() int64 {
	m := int64(48)
	for _, c := range s.chunks {
		m += chunkMemory(c)
	}
	return m
}

// MemoryUsage returns the bytes the index holds, roughly: the label sets' chunks, a set's and
// a map entry's overhead per value and field. It is kept in step by Add and Remove, so it
// costs nothing to ask.
func (ix *Inverted) MemoryUsage() int64 { return ix.bytes }

// memoryScan is MemoryUsage counted over every field, value and chunk.
func (ix *Inverted) memoryScan() int64 {
	m := ix.all.memoryScan()
	for name, f := range ix.fields {
		m += int64(len(name)) + 96 + f.nan.memoryScan()
		for _, s := range f.ints {
			m += 24 + s.memoryScan()
		}
		for _, s := range f.floats {
			m += 24 + s.memoryScan()
		}
		for x, s := range f.strs {
			m += 32 + int64(len(x)) + s.memoryScan()
		}
	}
	return m
}

// Add records the attributes s of label (nothing when s is empty). A label must be removed
// (with the set it had) before it is added again.
func (ix *Inverted) Add(label int64, s Set) {
	if len(s) == 0 {
		return
	}
	ix.bytes += addTo(&ix.all, label)
	for name, v := range s {
		f := ix.fields[name]
		if f == nil {
			f = &fieldIndex{}
			ix.fields[name] = f
			ix.bytes += int64(len(name)) + 96 + f.nan.memory()
		}
		for _, x := range v.Ints {
			if f.ints == nil {
				f.ints = map[int64]*labelSet{}
			}
			p := f.ints[x]
			if p == nil {
				p = &labelSet{}
				f.ints[x] = p
				ix.bytes += 24 + p.memory()
			}
			ix.bytes += addTo(p, label)
		}
		for _, x := range v.Floats {
			if math.IsNaN(x) {
				ix.bytes += addTo(&f.nan, label)
				continue
			}
			if f.floats == nil {
				f.floats = map[float64]*labelSet{}
			}
			p := f.floats[x]
			if p == nil {
				p = &labelSet{}
				f.floats[x] = p
				ix.bytes += 24 + p.memory()
			}
			ix.bytes += addTo(p, label)
		}
		for _, x := range v.Strs {
			if f.strs == nil {
				f.strs = map[string]*labelSet{}
			}
			p := f.strs[x]
			if p == nil {
				p = &labelSet{}
				f.strs[x] = p
				ix.bytes += 32 + int64(len(x)) + p.memory()
			}
			ix.bytes += addTo(p, label)
		}
	}
}

// addTo adds label to s and returns the bytes s grew by.
func addTo(s *labelSet, label int64) int64 {
	before := s.mem
	s.add(label)
	return s.mem - before
}

// removeFrom removes label from s and returns the bytes s grew by (negative: shrank) and
// whether label was there.
func removeFrom(s *labelSet, label int64) (int64, bool) {
	before := s.mem
	ok := s.remove(label)
	return s.mem - before, ok
}

// Remove forgets label, whose attributes were s (the set given to Add).
func (ix *Inverted) Remove(label int64, s Set) {
	if len(s) == 0 {
		return
	}
	d, _ := removeFrom(&ix.all, label)
	ix.bytes += d
	for name, v := range s {
		f := ix.fields[name]
		if f == nil {
			continue
		}
		for _, x := range v.Ints {
			if p := f.ints[x]; p != nil {
				d, ok := removeFrom(p, label)
				ix.bytes += d
				if ok && p.n == 0 {
					delete(f.ints, x)
					ix.bytes -= 24 + p.memory()
				}
			}
		}
		for _, x := range v.Floats {
			if math.IsNaN(x) {
				d, _ := removeFrom(&f.nan, label)
				ix.bytes += d
			} else if p := f.floats[x]; p != nil {
				d, ok := removeFrom(p, label)
				ix.bytes += d
				if ok && p.n == 0 {
					delete(f.floats, x)
					ix.bytes -= 24 + p.memory()
				}
			}
		}
		for _, x := range v.Strs {
			if p := f.strs[x]; p != nil {
				d, ok := removeFrom(p, label)
				ix.bytes += d
				if ok && p.n == 0 {
					delete(f.strs, x)
					ix.bytes -= 32 + int64(len(x)) + p.memory()
				}
			}
		}
		if len(f.ints) == 0 && len(f.floats) == 0 && len(f.strs) == 0 && f.nan.n == 0 {
			delete(ix.fields, name)
			ix.bytes -= int64(len(name)) + 96 + f.nan.memory()
		}
	}
}

// Match is an expression compiled against an inverted index: the labels that pass, as a
// bitset a search tests per candidate. It is immutable and safe for concurrent use; it does
// not follow later changes of the index.
type Match struct {
	// bits holds the labels >= 0 that pass or, when nilPass, those with attributes that fail.
	bits    *api.Bitset
	nilPass bool // whether a label without attributes passes
	neg     map[int64]bool
	count   int // labels with attributes that pass (bits' count plus passing negatives)
	fails   int // labels with attributes that fail
}

// Test reports whether label passes.
func (m *Match) Test(label int64) bool {
	if label < 0 {
		if v, ok := m.neg[label]; ok {
			return v
		}
		return m.nilPass
	}
	return m.bits.Test(label) != m.nilPass
}

// NilPass reports whether a label without attributes passes.
func (m *Match) NilPass() bool { return m.nilPass }

// Count returns the number of labels with attributes that pass.
func (m *Match) Count() int { return m.count }

// Fails returns the number of labels with attributes that fail.
func (m *Match) Fails() int { return m.fails }

// maxListSpan is the widest label range whose passing labels are listed when labels without
// attributes pass (every label of the range is then a candidate).
const maxListSpan = 1 << 22

// CountKept returns the number of labels in [lo, hi] that pass, and false when they cannot be
// listed cheaply (labels without attributes pass and the range is wide).
func (m *Match) CountKept(lo, hi int64) (int, bool) {
	if lo > hi {
		return 0, true
	}
	if !m.nilPass {
		n := m.bits.CountRange(lo, hi)
		for l, v := range m.neg {
			if v && l >= lo && l <= hi {
				n++
			}
		}
		return n, true
	}
	if uint64(hi-lo) >= maxListSpan {
		return 0, false
	}
	n := int(hi-lo+1) - m.bits.CountRange(lo, hi)
	for l, v := range m.neg {
		if !v && l >= lo && l <= hi {
			n--
		}
	}
	return n, true
}

// ForEachKept calls fn with each label in [lo, hi] that passes, ascending, until fn returns
// false. With labels without attributes passing, call it only when CountKept reported true.
func (m *Match) ForEachKept(lo, hi int64, fn func(label int64) bool) {
	if lo > hi {
		return
	}
	if m.nilPass {
		m.bits.ForEachClear(lo, hi, func(l int64) bool {
			if l < 0 && !m.Test(l) {
				return true
			}
			return fn(l)
		})
		return
	}
	if lo < 0 && len(m.neg) > 0 {
		negs := make([]int64, 0, len(m.neg))
		for l, v := range m.neg {
			if v && l >= lo && l <= hi {
				negs = append(negs, l)
			}
		}
		sort.Slice(negs, func(i, j int) bool { return negs[i] < negs[j] })
		for _, l := range negs {
			if !fn(l) {
				return
			}
		}
	}
	if hi < 0 {
		return
	}
	m.bits.ForEach(func(l int64) bool {
		if l < lo {
			return true
		}
		if l > hi {
			return false
		}
		return fn(l)
	})
}

// Match compiles e against ix. lookup returns the attributes of a label with attributes; it
// serves the parts of the expression cheaper to evaluate label by label (a predicate over a
// field of many distinct values, once the other side of an AND has narrowed the labels) and
// the negative labels, which bitsets cannot hold. The caller keeps ix and the sets unchanged
// during the call.
func (e *Expr) Match(ix *Inverted, lookup func(label int64) Set) *Match {
	c := &compiler{ix: ix, lookup: lookup, top: ix.all.maxLabel()}
	m := &Match{nilPass: e.Eval(nil)}
	pass := c.bits(e.root)
	nPass := pass.Count()
	withAttrs := ix.all.n
	negs := ix.all.negatives()
	nonNeg := withAttrs - len(negs)
	if m.nilPass {
		fail := c.universe().Clone()
		fail.AndNot(pass)
		m.bits = fail
		m.fails = nonNeg - nPass
		m.count = nPass
	} else {
		m.bits = pass
		m.count = nPass
		m.fails = nonNeg - nPass
	}
	if len(negs) > 0 {
		m.neg = make(map[int64]bool, len(negs))
		for _, l := range negs {
			v := e.Eval(lookup(l))
			m.neg[l] = v
			if v {
				m.count++
			} else {
				m.fails++
			}
		}
	}
	return m
}

// compiler turns expression nodes into label bitsets (labels >= 0 with attributes for which
// the node holds).
type compiler struct {
	ix     *Inverted
	lookup func(int64) Set
	all    *api.Bitset // the labels >= 0 with attributes, built on first use
	top    int64       // the largest label with attributes, sizing every bitset
}

// newBits returns an empty bitset sized for the labels of the index.
func (c *compiler) newBits() *api.Bitset { return api.NewBitsetFor(c.top) }

func (c *compiler) universe() *api.Bitset {
	if c.all == nil {
		c.all = c.newBits()
		c.ix.all.orInto(c.all)
	}
	return c.all
}

// Costs, in units of one distinct value tested: a label evaluated on its attributes (a map
// look-up and the predicate) costs perLabel; a label of a set merged costs a fraction.
const (
	perLabel = 8
	perMerge = 0.05
)

// cost estimates the work of bits(n).
func (c *compiler) cost(n node) float64 {
	switch n := n.(type) {
	case andNode:
		return c.cost(n.l) + c.cost(n.r)
	case orNode:
		return c.cost(n.l) + c.cost(n.r)
	case notNode:
		return c.cost(n.x) + float64(c.ix.all.n)*perMerge
	case constNode:
		return float64(c.ix.all.n) * perMerge
	case *cmpNode:
		f := c.ix.fields[n.field]
		if f == nil {
			return 1
		}
		if sets, ok := c.direct(n, f); ok {
			return mergeCost(sets)
		}
		return float64(f.distinct())
	case *inNode:
		f := c.ix.fields[n.field]
		if f == nil {
			return 1
		}
		if sets, ok := c.directIn(n, f); ok {
			return mergeCost(sets)
		}
		return float64(f.distinct())
	}
	return float64(c.ix.all.n) * perLabel
}

// bits returns the labels for which n holds, in a bitset the caller owns.
func (c *compiler) bits(n node) *api.Bitset {
	switch n := n.(type) {
	case constNode:
		if n {
			return c.universe().Clone()
		}
		return c.newBits()
	case notNode:
		u := c.universe().Clone()
		u.AndNot(c.bits(n.x))
		return u
	case orNode:
		l := c.bits(n.l)
		l.Or(c.bits(n.r))
		return l
	case andNode:
		first, second := n.l, n.r
		cf, cs := c.cost(first), c.cost(second)
		if cs < cf {
			first, second, cs = second, first, cf
		}
		b := c.bits(first)
		if cnt := b.Count(); float64(cnt)*perLabel < cs {
			// few labels left: evaluate the costly side on each of them
			var drop []int64
			b.ForEach(func(l int64) bool {
				if !second.eval(c.lookup(l)) {
					drop = append(drop, l)
				}
				return true
			})
			for _, l := range drop {
				b.Set(l, false)
			}
			return b
		}
		b.And(c.bits(second))
		return b
	case *cmpNode:
		return c.leaf(n.field, n, func(f *fieldIndex) ([]*labelSet, bool) { return c.direct(n, f) })
	case *inNode:
		return c.leaf(n.field, n, func(f *fieldIndex) ([]*labelSet, bool) { return c.directIn(n, f) })
	}
	// a node kind the index does not know: evaluate it on every label with attributes
	out := c.newBits()
	c.universe().ForEach(func(l int64) bool {
		if n.eval(c.lookup(l)) {
			out.Set(l, true)
		}
		return true
	})
	return out
}

// elemMatcher is a leaf predicate tested on one element of an attribute.
type elemMatcher interface {
	matchInt(x int64) bool
	matchFloat(x float64) bool
	matchStr(x string) bool
}

// leaf unions the label sets of the field's values the predicate accepts: found directly for
// equality and IN when direct can, else by testing every distinct value of the field.
func (c *compiler) leaf(field string, m elemMatcher, direct func(*fieldIndex) ([]*labelSet, bool)) *api.Bitset {
	out := c.newBits()
	f := c.ix.fields[field]
	if f == nil {
		return out
	}
	if sets, ok := direct(f); ok {
		for _, s := range sets {
			s.orInto(out)
		}
	} else {
		for x, s := range f.ints {
			if m.matchInt(x) {
				s.orInto(out)
			}
		}
		for x, s := range f.floats {
			if m.matchFloat(x) {
				s.orInto(out)
			}
		}
		for x, s := range f.strs {
			if m.matchStr(x) {
				s.orInto(out)
			}
		}
	}
	if f.nan.n > 0 && m.matchFloat(math.NaN()) {
		f.nan.orInto(out)
	}
	return out
}

// exactInt reports whether the float x is an integer every int64 converting to it equals.
func exactInt(x float64) (int64, bool) {
	if x != math.Trunc(x) || math.Abs(x) >= 1<<53 {
		return 0, false
	}
	return int64(x), true
}

// direct returns the label sets of the values an equality accepts (NaN aside), and false for
// other comparisons or when the values cannot be looked up one by one.
// mergeCost is the cost of joining the label sets of the values a comparison looks up.
func mergeCost(sets []*labelSet) float64 {
	w := float64(len(sets))
	for _, s := range sets {
		w += float64(s.n) * perMerge
	}
	return w
}

func (c *compiler) direct(n *cmpNode, f *fieldIndex) ([]*labelSet, bool) {
	if n.op != tEq {
		return nil, false
	}
	var out []*labelSet
	add := func(s *labelSet) {
		if s != nil {
			out = append(out, s)
		}
	}
	switch n.kind {
	case KindString:
		add(f.strs[n.s])
	case KindInt:
		add(f.ints[n.i])
		add(f.floats[float64(n.i)])
	default:
		add(f.floats[n.f])
		if n.f == math.Trunc(n.f) {
			i, ok := exactInt(n.f)
			if !ok {
				return nil, false // large integers round to the literal: test them all
			}
			add(f.ints[i])
		}
	}
	return out, true
}

// directIn is direct for IN lists.
func (c *compiler) directIn(n *inNode, f *fieldIndex) ([]*labelSet, bool) {
	var out []*labelSet
	add := func(s *labelSet) {
		if s != nil {
			out = append(out, s)
		}
	}
	if n.strOK {
		for _, s := range n.strs {
			add(f.strs[s])
		}
	}
	if n.numOK {
		if n.hasFloat {
			for _, x := range n.floats {
				if x == math.Trunc(x) {
					i, ok := exactInt(x)
					if !ok {
						return nil, false
					}
					add(f.ints[i])
				}
			}
		} else {
			for _, i := range n.ints {
				add(f.ints[i])
			}
		}
		for _, x := range n.floats {
			add(f.floats[x])
		}
	}
	// a list may repeat an item: its set would be merged twice, harmlessly
	return out, true
}

func (n *cmpNode) matchInt(x int64) bool {
	switch n.kind {
	case KindString:
		return false
	case KindInt:
		return cmpResult(n.op, cmpInt(x, n.i))
	}
	return cmpResult(n.op, cmpFloat(float64(x), n.f))
}

func (n *cmpNode) matchFloat(x float64) bool {
	return n.kind != KindString && cmpResult(n.op, cmpFloat(x, n.f))
}

func (n *cmpNode) matchStr(x string) bool {
	if n.kind != KindString {
		return false
	}
	c := 0
	if x < n.s {
		c = -1
	} else if x > n.s {
		c = 1
	}
	return cmpResult(n.op, c)
}

func (n *inNode) matchInt(x int64) bool     { return n.numOK && n.hasInt(x) }
func (n *inNode) matchFloat(x float64) bool { return n.numOK && n.hasF(x) }
func (n *inNode) matchStr(x string) bool    { return n.strOK && n.hasS(x) }
