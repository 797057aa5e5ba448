package pyramid

import (
	"bytes"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
)

// ExportModel implements api.ModelExporter: a new index with the same parameters and trained
// quantizers, and no vectors. Indexes filled from copies of it merge back (Merge).
func (x *Index) ExportModel() (api.Engine, error) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := &params.Create{DType: params.Float32, Metric: x.metric, Dim: x.dim}
	y := &Index{dim: x.dim, metric: x.metric, p: x.p, threads: x.threads, labels: store.NewLabels(), rng: newRNG(), modelID: x.modelID}
	var err error
	if y.base, y.split, err = newBase(c, x.p); err != nil {
		return nil, err
	}
	if err := copyState(x.base, y.base); err != nil {
		return nil, err
	}
	y.baseCodes = store.NewCodes(y.base)
	if y.split != nil {
		y.precise, y.preciseCodes = y.split, store.NewCodes(y.split)
	} else if x.precise != nil {
		if y.precise, err = quant.New(x.precise.Name(), c.Dim, c.Metric, x.p.preciseOptions()); err != nil {
			return nil, err
		}
		if err := copyState(x.precise, y.precise); err != nil {
			return nil, err
		}
		y.preciseCodes = store.NewCodes(y.precise)
	}
	if x.raw != nil {
		y.raw = store.NewCodes(x.raw.Quantizer())
	}
	y.LabelView = store.LabelView{Mu: &y.mu, Table: func() *store.Labels { return y.labels }, Index: Name}
	y.parsed.Parse = parseSearch
	y.hiers = newHierarchies(x.p)
	y.resetPools()
	return y, nil
}

// copyState copies a trained quantizer's state into a fresh one of the same settings.
func copyState(from, to quant.Quantizer) error {
	st, err := quant.MarshalState(from)
	if err != nil || len(st) == 0 {
		return err
	}
	if err := to.UnmarshalBinary(st); err != nil {
		return api.Wrap(api.InternalError, err, "pyramid: export model")
	}
	return nil
}

// model returns the bytes that identify the model: its id and the quantizer states. Without a
// quantizer that trains there is no learned state, so every index of the same parameters holds
// the same model (as for hgraph and ivf) and the id is left out.
func (x *Index) model() ([]byte, error) {
	var b bytes.Buffer
	if x.base.NeedTrain() || (x.precise != nil && x.precise.NeedTrain()) {
		b.WriteString(strconv.FormatUint(x.modelID, 16))
	}
	for _, q := range []quant.Quantizer{x.base, x.precise} {
		if q == nil {
			continue
		}
		st, err := quant.MarshalState(q)
		if err != nil {
			return nil, err
		}
		b.Write(st)
	}
	return b.Bytes(), nil
}

// settings returns the parameters that must agree between merged indexes.
func (x *Index) settings() string {
	inf := x.info()
	inf.BaseTrained, inf.PreciseTrained, inf.Model = false, false, ""
	b, _ := json.Marshal(inf)
	return string(b)
}

// Merge implements api.Merger: the live vectors of every source, with their codes as they are
// and their paths in every hierarchy, are added to this index and linked into its graphs. The
// sources must have this index's parameters and trained model (ExportModel's copies of one
// index); labels already present are returned and skipped.
func (x *Index) Merge(sources []api.MergeSource, onMerge func(src int, from, to int64)) ([]int64, error) {
	srcs := make([]*Index, len(sources))
	mine := x.settings()
	for i, s := range sources {
		y, ok := s.Engine.(*Index)
		if !ok || y == x {
			return nil, api.Errorf(api.InvalidArgument, "pyramid: merge source %d is not another pyramid index", i)
		}
		if y.settings() != mine {
			return nil, api.Errorf(api.InvalidArgument, "pyramid: merge source %d has other parameters", i)
		}
		srcs[i] = y
	}
	x.mu.RLock()
	model, err := x.model()
	untrained := x.untrained()
	x.mu.RUnlock()
	if err != nil {
		return nil, api.Wrap(api.InternalError, err, "pyramid: merge")
	}
	for i, y := range srcs {
		y.mu.RLock()
		empty := y.labels.Live() == 0
		theirs, err := y.model()
		y.mu.RUnlock()
		if err != nil {
			return nil, api.Wrap(api.InternalError, err, "pyramid: merge source %d", i)
		}
		if empty {
			continue
		}
		if untrained {
			return nil, api.Errorf(api.WrongStatus, "pyramid: merge into an untrained index: export the model of the sources' index first")
		}
		if !bytes.Equal(model, theirs) {
			return nil, api.Errorf(api.InvalidArgument, "pyramid: merge source %d comes from another model (merge the indexes filled from copies of one ExportModel)", i)
		}
	}
	var failed []int64
	for i, y := range srcs {
		f, err := x.mergeOne(i, y, sources[i].Map, onMerge)
		failed = append(failed, f...)
		if err != nil {
			return failed, err
		}
	}
	return failed, nil
}

// mergedRow is one live vector of a merge source: its label, codes and paths.
type mergedRow struct {
	from               int64
	base, precise, raw []byte
	paths              []string // per hierarchy; "" for none
}

// mergeOne copies the live rows of y (under y's shared lock only), then adds them here as an
// insert does, linking them from their decoded build codes.
func (x *Index) mergeOne(src int, y *Index, mapID func(int64) (int64, bool), onMerge func(int, int64, int64)) ([]int64, error) {
	y.mu.RLock()
	rows := make([]mergedRow, 0, y.labels.Live())
	for r := 0; r < y.labels.Total(); r++ {
		if y.labels.IsRemoved(uint32(r)) {
			continue
		}
		m := mergedRow{from: y.labels.Label(uint32(r)), base: append([]byte(nil), y.baseCodes.Code(r)...), paths: make([]string, len(y.hiers))}
		if y.preciseCodes != nil {
			m.precise = append([]byte(nil), y.preciseCodes.Code(r)...)
		}
		if y.raw != nil {
			m.raw = append([]byte(nil), y.raw.Code(r)...)
		}
		for i, h := range y.hiers {
			if l := h.leaf[r]; l != nil {
				m.paths[i] = l.path()
			}
		}
		rows = append(rows, m)
	}
	y.mu.RUnlock()
	var failed []int64
	var pending []pendingLink
	for lo := 0; lo < len(rows); lo += appendChunk {
		chunk := rows[lo:min(lo+appendChunk, len(rows))]
		err := x.underExclusive(func() error {
			if err := x.ensure(len(chunk)); err != nil {
				return err
			}
			var touched []*node
			seen := map[*node]bool{}
			for _, m := range chunk {
				label := m.from
				if mapID != nil {
					var keep bool
					if label, keep = mapID(m.from); !keep {
						continue
					}
				}
				inner, err := x.labels.Append(label)
				if err != nil {
					failed = append(failed, label)
					continue
				}
				x.baseCodes.AppendCode(m.base)
				if x.preciseCodes != nil {
					x.preciseCodes.AppendCode(m.precise)
				}
				if x.raw != nil {
					x.raw.AppendCode(m.raw)
				}
				for hi, h := range x.hiers {
					for len(h.leaf) <= int(inner) {
						h.leaf = append(h.leaf, nil)
					}
					if m.paths[hi] == "" {
						continue
					}
					x.place(h, inner, splitPath(m.paths[hi]), func(n *node) {
						if n.g != nil {
							if pl, ok := x.addGraphMember(n, uint32(len(n.members)-1), -1); ok {
								pending = append(pending, pl)
							}
						} else if !seen[n] {
							seen[n] = true
							touched = append(touched, n)
						}
					})
				}
				if onMerge != nil {
					onMerge(src, m.from, label)
				}
			}
			pending = x.openGraphs(touched, 0, nil, pending, len(rows)-lo-len(chunk))
			return nil
		})
		if err != nil {
			return failed, err
		}
	}
	return failed, x.linkAll(pending, nil)
}
