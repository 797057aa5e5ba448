package sindi

import (
	"math"
	"sort"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/simd"
)

// f16Table decodes every half-precision value.
var f16Table = func() []float32 {
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	out := make([]float32, 1<<16)
	simd.F16ToF32(out, src)
	return out
}()

func f32ToF16(v float32) uint16 {
	var dst [1]uint16
	src := [1]float32{v}
	simd.F32ToF16(dst[:], src[:])
	return dst[0]
}

// prune returns the terms of v that doc_prune_ratio keeps (VSAG's rule: the heaviest terms
// until (1 - ratio) of the weight mass is reached), in ascending term order.
func (x *Index) prune(v api.SparseVector, ids []uint32, vals []float32) ([]uint32, []float32) {
	ids, vals = append(ids[:0], v.IDs...), append(vals[:0], v.Values...)
	if x.cfg.DocPruneRatio == 0 || len(ids) <= 1 {
		return ids, vals
	}
	order := make([]int, len(ids))
	total := float32(0)
	for i := range order {
		order[i] = i
		total += vals[i]
	}
	sort.Slice(order, func(a, b int) bool {
		if vals[order[a]] != vals[order[b]] {
			return vals[order[a]] > vals[order[b]]
		}
		return ids[order[a]] < ids[order[b]]
	})
	target := total * (1 - x.cfg.DocPruneRatio)
	keep, mass := 0, float32(0)
	for mass < target && keep < len(order) {
		mass += vals[order[keep]]
		keep++
	}
	keep = max(keep, 1)
	kept := order[:keep]
	sort.Ints(kept)
	for j, i := range kept {
		ids[j], vals[j] = ids[i], vals[i]
	}
	return ids[:keep], vals[:keep]
}

// checkRows validates a batch before anything is stored: non-empty rows, term ids below
// term_id_limit (or, with remap_term_ids, no more distinct terms than that).
func (x *Index) checkRows(rows api.SparseBatch, what string) error {
	var fresh map[uint32]struct{}
	for i := 0; i < rows.Len(); i++ {
		r := rows.Row(i)
		if len(r.IDs) == 0 {
			return api.Errorf(api.InvalidArgument, "sindi: %s: row %d is empty (a document needs at least one term)", what, i)
		}
		if !x.cfg.RemapTermIDs {
			if last := r.IDs[len(r.IDs)-1]; last >= x.cfg.TermIDLimit {
				return api.Errorf(api.InvalidArgument, "sindi: %s: row %d: term id %d is not below term_id_limit %d", what, i, last, x.cfg.TermIDLimit)
			}
			continue
		}
		for _, t := range r.IDs {
			if _, ok := x.slots[t]; ok {
				continue
			}
			if fresh == nil {
				fresh = map[uint32]struct{}{}
			}
			fresh[t] = struct{}{}
		}
		if len(x.slots)+len(fresh) > int(x.cfg.TermIDLimit) {
			return api.Errorf(api.InvalidArgument, "sindi: %s: row %d: more than term_id_limit %d distinct terms", what, i, x.cfg.TermIDLimit)
		}
	}
	return nil
}

// AddSparse implements api.SparseEngine.
func (x *Index) AddSparse(rows api.SparseBatch, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	n := rows.Len()
	if len(ids) < n {
		return nil, api.Errorf(api.InvalidArgument, "sindi: add: %d ids for %d rows", len(ids), n)
	}
	if x.cfg.Immutable && x.built {
		return nil, api.Errorf(api.InvalidArgument, "sindi: add: the immutable sindi runtime does not support Add after its build")
	}
	if x.cfg.RerankDMQ8 && x.built && len(x.labels) > 0 {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "sindi: add: dmq8 rerank does not support incremental Add")
	}
	if err := x.checkRows(rows, "add"); err != nil {
		return nil, err
	}
	if len(x.labels)+n > math.MaxUint32 {
		return nil, api.Errorf(api.InvalidArgument, "sindi: add: the index would exceed %d documents", uint32(math.MaxUint32))
	}
	if x.cfg.Value == valueSQ8 && !x.sqSet && n > 0 {
		x.learnSQ(rows)
	}
	if x.fwd != nil && x.fwd.dmq && !x.fwd.trained && n > 0 {
		x.fwd.train(rows)
	}
	var failed []int64
	touched := map[[2]int]struct{}{}
	var pids []uint32
	var pvals []float32
	seen := make(map[int64]struct{}, n)
	for i := 0; i < n; i++ {
		label := ids[i]
		if _, dup := x.byLabel[label]; dup {
			failed = append(failed, label)
			continue
		}
		if _, dup := seen[label]; dup {
			failed = append(failed, label)
			continue
		}
		seen[label] = struct{}{}
		row := rows.Row(i)
		pids, pvals = x.prune(row, pids, pvals)
		in := uint32(len(x.labels))
		x.insertDoc(in, pids, pvals, touched)
		x.labels = append(x.labels, label)
		x.state = append(x.state, live)
		x.byLabel[label] = in
		if x.fwd != nil {
			x.fwd.append(row, x.slotsOf(row.IDs))
		}
		if onInsert != nil {
			onInsert(i, label)
		}
	}
	for k := range touched {
		l := &x.windows[k[0]].lists[k[1]]
		sort.Sort(byValue{l, x})
		x.memberBits(l)
	}
	if n > 0 {
		x.built = true
	}
	x.extendDocOrder()
	if x.cfg.Immutable {
		x.compact()
	}
	return failed, nil
}

// learnSQ sets the sq8 range from the first batch (VSAG: min and max of its values).
func (x *Index) learnSQ(rows api.SparseBatch) {
	lo, hi := float32(math.MaxFloat32), float32(-math.MaxFloat32)
	for _, v := range rows.Values {
		lo, hi = min(lo, v), max(hi, v)
	}
	if len(rows.Values) == 0 {
		lo, hi = 0, 0
	}
	diff := hi - lo
	if diff < 1e-6 {
		diff = 1
	}
	x.sqMin, x.sqScale, x.sqSet = lo, diff/255, true
}

// slot returns the slot of term t, creating it.
func (x *Index) slot(t uint32) uint32 {
	s, ok := x.slots[t]
	if !ok {
		s = uint32(len(x.slotTerm))
		x.slots[t] = s
		x.slotTerm = append(x.slotTerm, t)
	}
	return s
}

// slotsOf returns the slots of terms, creating them (reusing one buffer).
func (x *Index) slotsOf(terms []uint32) []uint32 {
	x.slotBuf = x.slotBuf[:0]
	for _, t := range terms {
		x.slotBuf = append(x.slotBuf, x.slot(t))
	}
	return x.slotBuf
}

// insertDoc appends the postings of document in; touched collects the lists to sort.
func (x *Index) insertDoc(in uint32, ids []uint32, vals []float32, touched map[[2]int]struct{}) {
	wi := int(in) / x.cfg.WindowSize
	for len(x.windows) <= wi {
		x.windows = append(x.windows, &window{})
	}
	w := x.windows[wi]
	local := uint16(int(in) % x.cfg.WindowSize)
	for j, t := range ids {
		s := x.slot(t)
		if int(s) >= len(w.at) {
			grow := make([]int32, max(int(s)+1, 2*len(w.at)))
			copy(grow, w.at)
			w.at = grow
		}
		li := w.at[s] - 1
		if li < 0 {
			li = int32(len(w.lists))
			w.lists = append(w.lists, plist{})
			w.terms = append(w.terms, s)
			w.at[s] = li + 1
		}
		l := &w.lists[li]
		l.docs = append(l.docs, local)
		switch x.cfg.Value {
		case valueSQ8:
			l.q8 = append(l.q8, x.sqCode(vals[j]))
		case valueFP16:
			l.f16 = append(l.f16, f32ToF16(vals[j]))
		default:
			l.f32 = append(l.f32, vals[j])
		}
		touched[[2]int{wi, int(li)}] = struct{}{}
	}
}

// compact trims the capacity of every slice (the immutable runtime's compact layout).
func (x *Index) compact() {
	for _, w := range x.windows {
		for i := range w.lists {
			l := &w.lists[i]
			l.docs = trim(l.docs)
			l.f32, l.f16, l.q8 = trim(l.f32), trim(l.f16), trim(l.q8)
		}
		w.lists, w.at, w.terms = trim(w.lists), trim(w.at), trim(w.terms)
	}
	x.labels, x.state = trim(x.labels), trim(x.state)
	if x.fwd != nil {
		x.fwd.compact()
	}
	if x.do != nil {
		x.do.compact()
	}
}

func trim[T any](s []T) []T {
	if cap(s) == len(s) || s == nil {
		return s
	}
	return append(make([]T, 0, len(s)), s...)
}

// byValue sorts a posting list by value descending, then document ascending.
type byValue struct {
	l *plist
	x *Index
}

func (b byValue) Len() int { return len(b.l.docs) }
func (b byValue) Less(i, j int) bool {
	var vi, vj float32
	switch b.x.cfg.Value {
	case valueSQ8:
		vi, vj = float32(b.l.q8[i]), float32(b.l.q8[j])
	case valueFP16:
		vi, vj = f16Table[b.l.f16[i]], f16Table[b.l.f16[j]]
	default:
		vi, vj = b.l.f32[i], b.l.f32[j]
	}
	if vi != vj {
		return vi > vj
	}
	return b.l.docs[i] < b.l.docs[j]
}
func (b byValue) Swap(i, j int) {
	b.l.docs[i], b.l.docs[j] = b.l.docs[j], b.l.docs[i]
	switch b.x.cfg.Value {
	case valueSQ8:
		b.l.q8[i], b.l.q8[j] = b.l.q8[j], b.l.q8[i]
	case valueFP16:
		b.l.f16[i], b.l.f16[j] = b.l.f16[j], b.l.f16[i]
	default:
		b.l.f32[i], b.l.f32[j] = b.l.f32[j], b.l.f32[i]
	}
}

// docTerms returns the stored (pruned, quantized) terms of inner id in, by scanning its window.
func (x *Index) docTerms(in uint32) api.SparseVector {
	w, local := x.windowOf(in)
	var out api.SparseVector
	for li := range w.lists {
		l := &w.lists[li]
		for i, d := range l.docs {
			if d == local {
				out.IDs = append(out.IDs, x.slotTerm[w.terms[li]])
				out.Values = append(out.Values, x.value(l, i))
				break
			}
		}
	}
	sortVector(out)
	return out
}

func sortVector(v api.SparseVector) {
	sort.Sort(vecSorter(v))
}

type vecSorter api.SparseVector

func (v vecSorter) Len() int           { return len(v.IDs) }
func (v vecSorter) Less(i, j int) bool { return v.IDs[i] < v.IDs[j] }
func (v vecSorter) Swap(i, j int) {
	v.IDs[i], v.IDs[j] = v.IDs[j], v.IDs[i]
	v.Values[i], v.Values[j] = v.Values[j], v.Values[i]
}

// stored returns the most precise row held for inner id in: the whole document with
// use_reorder, else the postings' terms.
func (x *Index) stored(in uint32) api.SparseVector {
	if x.fwd != nil {
		return x.fwd.row(in, x.slotTerm)
	}
	return x.docTerms(in)
}

// GetSparse implements api.SparseEngine.
func (x *Index) GetSparse(ids []int64) ([]api.SparseVector, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([]api.SparseVector, len(ids))
	for i, l := range ids {
		in, ok := x.byLabel[l]
		if !ok {
			return nil, api.Errorf(api.InvalidArgument, "sindi: label %d does not exist", l)
		}
		out[i] = x.stored(in)
	}
	return out, nil
}

// UpdateSparse implements api.SparseEngine: the document of label is replaced (its old slot
// is retired, the new row takes a fresh one under the same label). Without force the new row
// must hold every term of the old one (VSAG's subset rule).
func (x *Index) UpdateSparse(label int64, v api.SparseVector, force bool) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.cfg.RerankDMQ8 {
		return api.Errorf(api.UnsupportedIndexOperation, "sindi: dmq8 rerank does not support UpdateVector")
	}
	if x.cfg.Immutable {
		return api.Errorf(api.InvalidArgument, "sindi: the immutable sindi runtime does not support UpdateVector")
	}
	in, ok := x.byLabel[label]
	if !ok {
		return api.Errorf(api.InvalidArgument, "sindi: update vector: label %d does not exist", label)
	}
	rows := api.SparseBatch{Offsets: []int64{0, int64(len(v.IDs))}, IDs: v.IDs, Values: v.Values}
	if err := x.checkRows(rows, "update vector"); err != nil {
		return err
	}
	if !force && !subset(x.stored(in).IDs, v.IDs) {
		return api.Errorf(api.InvalidArgument, "sindi: update vector: the new row of label %d drops terms of the old one (use force)", label)
	}
	if len(x.labels) >= math.MaxUint32 {
		return api.Errorf(api.InvalidArgument, "sindi: update vector: the index is full")
	}
	touched := map[[2]int]struct{}{}
	pids, pvals := x.prune(v, nil, nil)
	nin := uint32(len(x.labels))
	x.insertDoc(nin, pids, pvals, touched)
	x.labels = append(x.labels, label)
	x.state = append(x.state, live)
	x.state[in] = replaced
	x.byLabel[label] = nin
	if x.fwd != nil {
		x.fwd.append(v, x.slotsOf(v.IDs))
	}
	for k := range touched {
		l := &x.windows[k[0]].lists[k[1]]
		sort.Sort(byValue{l, x})
		x.memberBits(l)
	}
	x.extendDocOrder()
	return nil
}

// subset reports whether every id of a (sorted) is in b (sorted).
func subset(a, b []uint32) bool {
	j := 0
	for _, t := range a {
		for j < len(b) && b[j] < t {
			j++
		}
		if j == len(b) || b[j] != t {
			return false
		}
	}
	return true
}
