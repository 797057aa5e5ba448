package core

import (
	"encoding/binary"
	"errors"
	"sort"
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/attr"
	"github.com/govsag/vsag/core/serial"
)

// attributes keeps the attribute set of each live label, for every index type alike, and an
// inverted index over them (kept in step under mu) that filter expressions compile against.
// Labels without attributes have no entry.
type attributes struct {
	mu     sync.RWMutex
	m      map[int64]attr.Set
	inv    *attr.Inverted
	setMem int64 // setBytes of the sets of m, kept in step under mu
}

// attrs returns the index's attribute table, creating it on first use.
func (x *Index) attrs() *attributes {
	if a := x.attrTable.Load(); a != nil {
		return a
	}
	x.attrTable.CompareAndSwap(nil, newAttributes(map[int64]attr.Set{}))
	return x.attrTable.Load()
}

// prepareAttrs validates and converts ds.Attributes before an insert (nil when no row has any).
func (x *Index) prepareAttrs(ds *Dataset, n int, what string) ([]attr.Set, error) {
	if len(ds.Attributes) == 0 || n == 0 {
		return nil, nil
	}
	if len(ds.Attributes) < n {
		return nil, api.Errorf(api.InvalidArgument, "%s: %d attribute rows for %d vectors", what, len(ds.Attributes), n)
	}
	sets := make([]attr.Set, n)
	any := false
	for i := 0; i < n; i++ {
		s, err := attr.FromMap(ds.Attributes[i])
		if err != nil {
			return nil, api.Wrap(api.InvalidArgument, err, "%s: attributes of row %d", what, i)
		}
		sets[i] = s
		any = any || len(s) > 0
	}
	if !any {
		return nil, nil
	}
	return sets, nil
}

// insertHook returns the engine hook that records the extra info and attributes of each row
// stored, or nil when there is nothing to record.
func (x *Index) insertHook(ds *Dataset, sets []attr.Set) api.InsertHook {
	ex := x.extra
	if sets != nil {
		x.attrs() // create the table before the engine runs the hook
	}
	return func(row int, label int64) {
		if ex != nil {
			ex.set(label, ds.ExtraInfos[row*ex.size:(row+1)*ex.size])
		}
		// loaded per row: another write may have created the table since this one started
		if table := x.attrTable.Load(); table != nil {
			// a label added again without attributes loses the ones it had before
			var s attr.Set
			if sets != nil {
				s = sets[row]
			}
			table.set(label, s)
		}
	}
}

// set stores the attributes of label (none: the entry is dropped).
func (a *attributes) set(label int64, s attr.Set) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inv.Remove(label, a.m[label])
	a.setMem -= setBytes(a.m[label])
	if len(s) == 0 {
		delete(a.m, label)
		return
	}
	a.m[label] = s
	a.setMem += setBytes(s)
	a.inv.Add(label, s)
}

func (x *Index) relabelAttrs(from, to int64) {
	a := x.attrTable.Load()
	if a == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.m[from]; ok {
		a.inv.Remove(from, s)
		a.inv.Remove(to, a.m[to])
		a.setMem -= setBytes(a.m[to])
		delete(a.m, from)
		a.m[to] = s
		a.inv.Add(to, s)
	}
}

func (x *Index) attrMemory() int64 {
	a := x.attrTable.Load()
	if a == nil {
		return 0
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.inv.MemoryUsage() + a.setMem
}

// GetAttributesByIDs returns the attributes of each label as plain Go values (see
// attr.Value.Any); a label without attributes gives nil. A label that is not live is
// INVALID_ARGUMENT.
func (x *Index) GetAttributesByIDs(labels []int64) ([]map[string]any, error) {
	out := make([]map[string]any, len(labels))
	a := x.attrTable.Load()
	for i, id := range labels {
		if !x.eng().Contains(id) {
			return nil, api.Errorf(api.InvalidArgument, "attributes: label %d does not exist", id)
		}
		if a != nil {
			a.mu.RLock()
			s := a.m[id]
			a.mu.RUnlock()
			out[i] = s.ToMap()
		}
	}
	return out, nil
}

const secAttributes = "core.attributes"

// saveAttrs adds the attributes section when any live label has attributes.
func (x *Index) saveAttrs(f *serial.File) {
	a := x.attrTable.Load()
	if a == nil {
		return
	}
	// Sets are never modified once stored, so a shallow copy is a consistent snapshot.
	a.mu.RLock()
	snap := make(map[int64]attr.Set, len(a.m))
	for l, s := range a.m {
		snap[l] = s
	}
	a.mu.RUnlock()
	labels := make([]int64, 0, len(snap))
	for l := range snap {
		if x.eng().Contains(l) {
			labels = append(labels, l)
		}
	}
	if len(labels) == 0 {
		return
	}
	sort.Slice(labels, func(i, j int) bool { return labels[i] < labels[j] })
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(labels)))
	for _, l := range labels {
		out = binary.LittleEndian.AppendUint64(out, uint64(l))
		out = attr.AppendBinary(out, snap[l])
	}
	f.Add(secAttributes, out)
}

// loadAttrs restores the attributes section (absent: no attributes).
func (x *Index) loadAttrs(f *serial.File) error {
	b, ok, err := f.Lookup(secAttributes)
	if err != nil {
		return readErr(err, "load attributes")
	}
	m := map[int64]attr.Set{}
	if ok {
		if len(b) < 8 {
			return api.Errorf(api.InvalidBinary, "load attributes: section too short")
		}
		n := binary.LittleEndian.Uint64(b)
		p := b[8:]
		if n > uint64(len(p))/12 {
			return api.Errorf(api.InvalidBinary, "load attributes: %d rows do not fit in %d bytes", n, len(p))
		}
		for i := uint64(0); i < n; i++ {
			if len(p) < 8 {
				return api.Errorf(api.InvalidBinary, "load attributes: truncated at row %d", i)
			}
			l := int64(binary.LittleEndian.Uint64(p))
			s, rest, err := attr.ReadBinary(p[8:])
			if err != nil {
				return api.Wrap(api.InvalidBinary, err, "load attributes: row %d", i)
			}
			if _, dup := m[l]; dup {
				return api.Errorf(api.InvalidBinary, "load attributes: label %d appears twice", l)
			}
			if !x.eng().Contains(l) {
				return api.Errorf(api.InvalidBinary, "load attributes: label %d is not in the index", l)
			}
			m[l] = s
			p = rest
		}
		if len(p) != 0 {
			return api.Errorf(api.InvalidBinary, "load attributes: %d bytes left over", len(p))
		}
	}
	x.attrTable.Store(newAttributes(m))
	return nil
}

// CompileFilterExpression parses an attribute filter expression (see package core/attr for the
// syntax). A syntax error is INVALID_ARGUMENT naming the position and the token.
func CompileFilterExpression(expr string) (*attr.Expr, error) {
	e, err := attr.Compile(expr)
	if err != nil {
		var se *attr.SyntaxError
		if errors.As(err, &se) {
			return nil, api.Errorf(api.InvalidArgument, "%s", se.Error())
		}
		return nil, api.Wrap(api.InvalidArgument, err, "filter expression")
	}
	return e, nil
}

// BatchAttributeFilter is AttributeFilter, kept for the searches of many queries that called
// it: every attribute filter is now compiled once against the inverted index into a set of
// labels, so each candidate of each query costs a bit test. Labels added while the filter is
// in use are judged as labels without attributes.
func (x *Index) BatchAttributeFilter(expr string, filter Filter) (Filter, error) {
	return x.AttributeFilter(expr, filter)
}

// AttributeFilter compiles expr and returns a Filter keeping the labels whose attributes satisfy
// it and that filter (nil: none) keeps as well; pass it to any search. An empty expr returns
// filter unchanged. The expression is evaluated through the inverted index of the attribute
// values into a set of labels (see attr.Expr.Match), so a search tests a bit per candidate,
// ValidRatio is the exact share of the labels that pass (times filter's), and an index's exact
// path can list the labels that pass instead of testing all of its own (api.KeptLister).
// Labels added while the filter is in use are judged as labels without attributes.
func (x *Index) AttributeFilter(expr string, filter Filter) (Filter, error) {
	if expr == "" {
		return filter, nil
	}
	e, err := CompileFilterExpression(expr)
	if err != nil {
		return nil, err
	}
	return x.matchFilter(e, filter), nil
}

// SearchWithFilterString is Search with an attribute filter expression: a label is returned
// only when its attributes satisfy filterExpr and filter (nil: none) keeps it. The expression
// is compiled once per call; an empty one filters nothing.
func (x *Index) SearchWithFilterString(query []float32, k int, searchJSON, filterExpr string, filter Filter) ([]Neighbor, error) {
	q, buf, err := x.searchQuery(&Dataset{NumElements: 1, Dim: len(query), Float32: query}, "knn search")
	defer putQueryBuf(buf)
	if err != nil {
		return nil, err
	}
	ns, _, err := x.searchVector(&SearchRequest{TopK: k, Params: searchJSON, Filter: filter, FilterExpr: filterExpr}, q)
	return ns, err
}

// KnnSearchWithFilterString is KnnSearch with an attribute filter expression (see
// SearchWithFilterString); the result carries extra infos like KnnSearch.
func (x *Index) KnnSearchWithFilterString(query *Dataset, k int, searchJSON, filterExpr string, filter Filter) (*Dataset, error) {
	res, err := x.SearchWithRequest(&SearchRequest{Query: query, TopK: k, Params: searchJSON, Filter: filter, FilterExpr: filterExpr})
	if err != nil {
		return nil, err
	}
	return res.Dataset, nil
}

// RangeSearchWithFilterString is RangeSearch with an attribute filter expression.
func (x *Index) RangeSearchWithFilterString(query *Dataset, radius float32, searchJSON, filterExpr string, filter Filter, limitedSize int) (*Dataset, error) {
	if err := checkLimitedSize(limitedSize); err != nil {
		return nil, err
	}
	res, err := x.SearchWithRequest(&SearchRequest{Query: query, Mode: RangeSearchMode, Radius: radius, LimitedSize: limitedSize,
		Params: searchJSON, Filter: filter, FilterExpr: filterExpr})
	if err != nil {
		return nil, err
	}
	return res.Dataset, nil
}

// BatchSearchIntoWithFilterString is BatchSearchInto with an attribute filter expression,
// compiled once for all queries (BatchKnnSearchInto over float32 rows).
func (x *Index) BatchSearchIntoWithFilterString(queries []float32, nq, k int, searchJSON, filterExpr string, filter Filter, ids []int64, dists []float32) error {
	return x.BatchKnnSearchInto(&Dataset{NumElements: nq, Dim: x.Dim(), Float32: queries}, k, searchJSON, filterExpr, filter, ids, dists)
}
