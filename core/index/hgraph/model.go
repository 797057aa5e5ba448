package hgraph

import (
	"bytes"
	"reflect"
	"strconv"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
)

// ExportModel implements api.ModelExporter: a new, empty index with the same parameters and
// the trained state of every quantizer (sq ranges, pq codebooks, rabitq rotations, leanvec
// matrices), so that indexes filled from copies of it can be merged without re-encoding. An
// untrained index exports an untrained model.
func (x *Index) ExportModel() (api.Engine, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	y, err := newFromParams(&params.Create{DType: params.Float32, Metric: x.metric, Dim: x.dim}, x.p)
	if err != nil {
		return nil, err
	}
	for _, q := range [][2]quant.Quantizer{{x.base, y.base}, {x.precise, y.precise}} {
		if q[0] == nil {
			continue
		}
		st, err := quant.MarshalState(q[0])
		if err == nil && len(st) > 0 {
			err = q[1].UnmarshalBinary(st)
		}
		if err != nil {
			return nil, api.Wrap(api.InternalError, err, "hgraph: export the %s quantizer", q[0].Name())
		}
	}
	y.resetPools()
	return y, nil
}

// model returns the bytes that identify the trained state of the quantizers. Caller holds mu.
func (x *Index) model() ([]byte, error) {
	var b bytes.Buffer
	for _, q := range []quant.Quantizer{x.base, x.precise} {
		if q == nil {
			continue
		}
		st, err := quant.MarshalState(q)
		if err != nil {
			return nil, err
		}
		b.WriteString(q.Name())
		b.WriteString(strconv.Itoa(len(st)))
		b.Write(st)
	}
	return b.Bytes(), nil
}

// mergeParams returns the parameters two indexes must share to be merged: all of them but the
// ones that do not shape the codes or the graph (threads, initial capacity, io types), with the
// codebook keys in their effective form. Caller holds mu.
func (x *Index) mergeParams() Params {
	p := x.p
	p.BuildThreadCount, p.HGraphInitCapacity = 0, 0
	p.BaseIOType, p.PreciseIOType, p.BaseFilePath, p.PreciseFilePath = "", "", "", ""
	p.SupportRemove = false
	p.Keys = quant.Keys{}
	rate := quant.DefaultOptions().SQ4UniformTruncRate
	if p.SQ4UniformTruncRate != nil {
		rate = *p.SQ4UniformTruncRate
	}
	p.SQ4UniformTruncRate = &rate
	return p
}

// Merge implements api.Merger. The sources must be hgraph indexes of the same parameters and
// trained model (ExportModel); their codes are copied, not re-encoded. The first source merged
// into an empty index brings its graph along when all its rows are kept (no removed or unmapped
// labels); every other node is linked into the graph by the normal insertion path, searched
// with its vector as the source holds it (exactly with raw or fp32 codes, else decoded from the
// codes the graph is built on), at the level it had in its source. Searches run meanwhile, as
// during Add.
func (x *Index) Merge(sources []api.MergeSource, onMerge func(src int, from, to int64)) ([]int64, error) {
	srcs := make([]*Index, len(sources))
	for i, s := range sources {
		y, ok := s.Engine.(*Index)
		if !ok || y == x {
			return nil, api.Errorf(api.InvalidArgument, "hgraph: merge source %d is not another hgraph index", i)
		}
		srcs[i] = y
	}
	x.tuneMu.Lock() // the codes keep their format for the length of the merge
	defer x.tuneMu.Unlock()
	x.mu.RLock()
	mine, err := x.model()
	want, untrained := x.mergeParams(), x.untrained()
	x.mu.RUnlock()
	if err != nil {
		return nil, api.Wrap(api.InternalError, err, "hgraph: merge")
	}
	for i, y := range srcs {
		y.mu.RLock()
		theirs, err := y.model()
		have, live := y.mergeParams(), y.labels.Live()
		y.mu.RUnlock()
		switch {
		case err != nil:
			return nil, api.Wrap(api.InternalError, err, "hgraph: merge source %d", i)
		case !reflect.DeepEqual(want, have):
			return nil, api.Errorf(api.InvalidArgument, "hgraph: merge source %d has other parameters", i)
		case live == 0:
			continue
		case untrained:
			return nil, api.Errorf(api.WrongStatus, "hgraph: merge into an untrained index: export the model of the sources' index first")
		case !bytes.Equal(mine, theirs):
			return nil, api.Errorf(api.InvalidArgument, "hgraph: merge source %d was trained on another model (its quantizer state differs)", i)
		}
	}
	var failed []int64
	for i, y := range srcs {
		part := y.mergeRows(sources[i].Map)
		if len(part.rows) == 0 {
			continue
		}
		if !bytes.Equal(mine, part.model) || !reflect.DeepEqual(want, part.params) {
			return failed, api.Errorf(api.InvalidArgument, "hgraph: merge source %d was tuned during the merge", i)
		}
		f, err := x.mergeIn(i, part, onMerge)
		failed = append(failed, f...)
		if err != nil {
			return failed, err
		}
	}
	return failed, nil
}

// mergePart is what a merge takes from one source: its kept rows with their labels, codes and
// levels, and the source's graph when every row is kept.
type mergePart struct {
	rows             []uint32
	from, to         []int64
	levels           []int32
	base, prec, raw  []byte       // codes of the kept rows, one after the other
	bs, ps, rs       int          // their strides
	g                *graph.Graph // the source's graph when every row is kept, else nil
	dim, sinceRepair int
	model            []byte // the source's model and parameters when the rows were taken
	params           Params
}

// mergeRows copies out of y, under its shared lock, the live rows that mapID keeps.
func (y *Index) mergeRows(mapID func(int64) (int64, bool)) *mergePart {
	y.mu.RLock()
	defer y.mu.RUnlock()
	n := y.labels.Total()
	m := &mergePart{dim: y.dim, bs: y.baseCodes.Stride(), params: y.mergeParams()}
	m.model, _ = y.model() // Merge has seen it marshal without error
	seen := make(map[int64]struct{})
	whole := y.labels.NumRemoved() == 0
	for r := uint32(0); r < uint32(n); r++ {
		if y.labels.IsRemoved(r) {
			continue
		}
		from := y.labels.Label(r)
		to := from
		if mapID != nil {
			var keep bool
			if to, keep = mapID(from); !keep {
				whole = false
				continue
			}
			if _, dup := seen[to]; dup {
				whole = false // the second of two labels mapped alike fails
			}
			seen[to] = struct{}{}
		}
		m.rows = append(m.rows, r)
		m.from, m.to = append(m.from, from), append(m.to, to)
	}
	copyRows := func(c *store.Codes) []byte {
		if c == nil {
			return nil
		}
		st := c.Stride()
		out := make([]byte, 0, len(m.rows)*st)
		for _, r := range m.rows {
			out = append(out, c.Code(int(r))...)
		}
		return out
	}
	m.base, m.prec, m.raw = copyRows(y.baseCodes), copyRows(y.preciseCodes), copyRows(y.raw)
	if y.preciseCodes != nil {
		m.ps = y.preciseCodes.Stride()
	}
	if y.raw != nil {
		m.rs = y.raw.Stride()
	}
	m.levels = make([]int32, len(m.rows))
	for i, r := range m.rows {
		m.levels[i] = int32(y.g.NodeLevel(r))
	}
	if whole && len(m.rows) == n {
		m.g, m.sinceRepair = y.g.Clone(), int(y.sinceRepair.Load())
	}
	return m
}

// mergeIn adds the rows of one source: with the source's graph when x is empty and the part
// brought it, else appended chunk by chunk under the exclusive lock and linked like an Add.
func (x *Index) mergeIn(src int, m *mergePart, onMerge func(int, int64, int64)) ([]int64, error) {
	if m.g != nil {
		if done, err := x.adoptGraph(src, m, onMerge); done || err != nil {
			return nil, err
		}
	}
	vectors := m.decode(x)
	var failed []int64
	pending := make([]pendingNode, 0, len(m.rows))
	var err error
	for lo := 0; lo < len(m.rows) && err == nil; lo += appendChunk {
		hi := min(lo+appendChunk, len(m.rows))
		err = x.underExclusive(func() error {
			if err := x.growFor(x.labels.Total() + len(m.rows) - lo); err != nil {
				return err
			}
			for i := lo; i < hi; i++ {
				inner, err := x.labels.Append(m.to[i])
				if err != nil {
					failed = append(failed, m.to[i])
					continue
				}
				x.appendCodes(m, i)
				level := int(m.levels[i])
				if x.p.GraphType == "vamana" {
					level = 0
				}
				if gid := x.g.AddNode(level); gid != inner {
					panic("hgraph: graph and label table disagree") // an internal invariant
				}
				if onMerge != nil {
					onMerge(src, m.from[i], m.to[i])
				}
				pending = append(pending, pendingNode{id: inner, level: int32(level), row: int32(i)})
			}
			return nil
		})
	}
	if lerr := x.linkAll(pending, vectors); lerr != nil {
		return failed, lerr
	}
	return failed, err
}

// appendCodes appends row i of m to every code store. Caller holds the exclusive lock.
func (x *Index) appendCodes(m *mergePart, i int) {
	r := x.baseCodes.AppendCode(m.base[i*m.bs : (i+1)*m.bs])
	if x.primCodes != nil {
		x.primCodes.push(x.baseCodes.Code(r))
	}
	if x.preciseCodes != nil {
		x.preciseCodes.AppendCode(m.prec[i*m.ps : (i+1)*m.ps])
	}
	if x.raw != nil {
		x.raw.AppendCode(m.raw[i*m.rs : (i+1)*m.rs])
	}
}

// adoptGraph takes the rows of m and the graph that links them into x when x is empty; it
// reports false, changing nothing, when x is not.
func (x *Index) adoptGraph(src int, m *mergePart, onMerge func(int, int64, int64)) (bool, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.labels.Total() > 0 || x.g.Len() > 0 {
		return false, nil
	}
	n := len(m.rows)
	if err := x.checkAdopt(m.g, n, "hgraph: merging "+strconv.Itoa(n)+" nodes"); err != nil {
		return false, err
	}
	// the stores grow for the rows; m.g, which has room for them, replaces the empty graph
	// (growing that one would only waste the memory), and is charged once adopted
	old := x.g
	x.g = m.g
	if err := x.tryReserve(n); err != nil { // the allocator refused: nothing changed but room
		x.g = old
		return false, err
	}
	old.ReleaseCharge()
	if x.acct != nil {
		x.g.SetAccount(x.acct)
	}
	defer x.chargeSide()
	for i := 0; i < n; i++ {
		if _, err := x.labels.Append(m.to[i]); err != nil {
			panic("hgraph: a merged label is taken in an empty index") // mergeRows checked them
		}
		x.appendCodes(m, i)
		if onMerge != nil {
			onMerge(src, m.from[i], m.to[i])
		}
	}
	x.sinceRepair.Store(int64(m.sinceRepair))
	return true, nil
}

// decode returns the vectors of the rows of m for linking them into x: exact from raw or fp32
// codes, else decoded from the codes x builds its graph on (the split layout's rest records
// with their own base records, as m's rows are not in x's stores).
func (m *mergePart) decode(x *Index) []float32 {
	// fp32 rows (raw vectors first) are the vectors already, one after the other
	rawQ := quant.Quantizer(nil)
	if x.raw != nil {
		rawQ = x.raw.Quantizer()
	}
	for _, c := range []struct {
		q    quant.Quantizer
		slab []byte
	}{{rawQ, m.raw}, {x.precise, m.prec}, {x.base, m.base}} {
		if c.q != nil && quant.Exact(c.q) && len(c.slab) == len(m.rows)*m.dim*4 {
			return quant.AsFloat32(c.slab)
		}
	}
	out := make([]float32, len(m.rows)*m.dim)
	byBase := x.precise == nil || x.p.BuildByBase
	for i := range m.rows {
		dst := out[i*m.dim : (i+1)*m.dim]
		base, prec := m.base[i*m.bs:(i+1)*m.bs], m.prec[i*m.ps:(i+1)*m.ps]
		switch {
		case x.raw != nil:
			x.raw.Quantizer().Decode(dst, m.raw[i*m.rs:(i+1)*m.rs])
		case x.precise != nil && quant.Exact(x.precise):
			x.precise.Decode(dst, prec)
		case quant.Exact(x.base) || byBase:
			withFastDecode(x.base).Decode(dst, base)
		case x.split != nil:
			x.split.DecodeSplit(dst, base, prec)
		default:
			withFastDecode(x.precise).Decode(dst, prec)
		}
	}
	return out
}
