package ivf

import (
	"bytes"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
)

// ExportModel implements api.ModelExporter: a new index with the same parameters, centroids
// and quantizer state, and no vectors. An untrained index exports an untrained model.
func (x *Index) ExportModel() (api.Engine, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.RLock()
	defer x.mu.RUnlock()
	c := &params.Create{DType: params.Float32, Metric: x.metric, Dim: x.dim}
	y, err := newIndex(c, x.p)
	if err != nil {
		return nil, err
	}
	if !x.trained {
		return y, nil
	}
	state, err := x.part.marshal()
	if err == nil {
		err = y.part.unmarshal(state)
	}
	for _, q := range [][2]quant.Quantizer{{x.base, y.base}, {x.precise, y.precise}} {
		if err != nil || q[0] == nil {
			continue
		}
		var st []byte
		if st, err = quant.MarshalState(q[0]); err == nil && len(st) > 0 {
			err = q[1].UnmarshalBinary(st)
		}
	}
	if err != nil {
		return nil, api.Wrap(api.InternalError, err, "ivf: export model")
	}
	y.trained = true
	return y, nil
}

// model returns the bytes that identify a trained model: centroids and quantizer states.
func (x *Index) model() ([]byte, error) {
	var b bytes.Buffer
	st, err := x.part.marshal()
	if err != nil {
		return nil, err
	}
	b.Write(st)
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

// Merge implements api.Merger: the codes of each source bucket are appended to the same
// bucket here, so sources must share this index's parameters and trained model.
func (x *Index) Merge(sources []api.MergeSource, onMerge func(src int, from, to int64)) ([]int64, error) {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	srcs := make([]*Index, len(sources))
	for i, s := range sources {
		y, ok := s.Engine.(*Index)
		if !ok || y == x {
			return nil, api.Errorf(api.InvalidArgument, "ivf: merge source %d is not another ivf index", i)
		}
		yi, xi := y.info(), x.info()
		yi.Trained, xi.Trained = false, false
		if yi != xi {
			return nil, api.Errorf(api.InvalidArgument, "ivf: merge source %d has other parameters", i)
		}
		srcs[i] = y
	}
	var mine []byte
	for i, y := range srcs {
		y.mu.RLock()
		empty, trained := y.labels.Live() == 0, y.trained
		var theirs []byte
		var err error
		if trained {
			theirs, err = y.model()
		}
		y.mu.RUnlock()
		if err != nil {
			return nil, api.Wrap(api.InternalError, err, "ivf: merge source %d", i)
		}
		if empty {
			continue
		}
		if !x.trained {
			return nil, api.Errorf(api.WrongStatus, "ivf: merge into an untrained index: export the model of the sources' index first")
		}
		if mine == nil {
			if mine, err = x.model(); err != nil {
				return nil, api.Wrap(api.InternalError, err, "ivf: merge")
			}
		}
		if !bytes.Equal(mine, theirs) {
			return nil, api.Errorf(api.InvalidArgument, "ivf: merge source %d was trained on another model (centroids or quantizers differ)", i)
		}
	}
	if err := x.checkMerge(srcs); err != nil {
		return nil, err
	}
	var failed []int64
	for i, y := range srcs {
		failed = x.mergeOne(i, y, sources[i].Map, onMerge, failed)
	}
	x.recharge()
	return failed, x.refreshGraphs()
}

// mergeOne appends the live rows of y, bucket by bucket, holding mu for one bucket at a time.
func (x *Index) mergeOne(src int, y *Index, mapID func(int64) (int64, bool), onMerge func(int, int64, int64), failed []int64) []int64 {
	y.mu.RLock()
	defer y.mu.RUnlock()
	cs := x.base.CodeSize()
	ps := 0
	if x.precise != nil {
		ps = x.precise.CodeSize()
	}
	// new row of each source row, so buckets_per_data copies land on the same row
	rows := make(map[uint32]uint32)
	for b := range y.buckets {
		yb := &y.buckets[b]
		x.mu.Lock()
		for pos, r := range yb.rows {
			if y.labels.IsRemoved(r) {
				continue
			}
			to, seen := rows[r]
			if !seen {
				from := y.labels.Label(r)
				label := from
				if mapID != nil {
					var keep bool
					if label, keep = mapID(from); !keep {
						continue
					}
				}
				nr, err := x.labels.Append(label)
				if err != nil {
					failed = append(failed, label)
					rows[r] = ^uint32(0)
					continue
				}
				to, rows[r] = nr, nr
				x.loc = append(x.loc, uint64(b)<<32|uint64(len(x.buckets[b].rows)))
				if x.preciseCodes != nil {
					x.preciseCodes.AppendCode(y.preciseCodes.Code(int(r)))
				}
				if onMerge != nil {
					onMerge(src, from, label)
				}
			} else if to == ^uint32(0) {
				continue
			}
			x.push(uint32(b), to, yb.codes[pos*cs:(pos+1)*cs])
			if ps > 0 && x.preciseCodes == nil {
				x.buckets[b].precise = append(x.buckets[b].precise, yb.precise[pos*ps:(pos+1)*ps]...)
			}
		}
		x.mu.Unlock()
	}
	return failed
}
