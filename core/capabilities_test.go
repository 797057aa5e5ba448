package core

import (
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

// minimalEngine implements only the required api.Engine: an exact list scan with no optional
// capability, the smallest index type that can be registered.
type minimalEngine struct {
	mu   sync.RWMutex
	dim  int
	ids  []int64
	vecs []float32
}

func (e *minimalEngine) Name() string             { return "minimal_test" }
func (e *minimalEngine) Features() api.FeatureSet { return api.NewFeatureSet(api.SupportMetricTypeL2) }
func (e *minimalEngine) Add(v []float32, ids []int64, hook api.InsertHook) ([]int64, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var failed []int64
	for i, id := range ids {
		if slices.Contains(e.ids, id) {
			failed = append(failed, id)
			continue
		}
		e.ids = append(e.ids, id)
		e.vecs = append(e.vecs, v[i*e.dim:(i+1)*e.dim]...)
		if hook != nil {
			hook(i, id)
		}
	}
	return failed, nil
}
func (e *minimalEngine) KnnSearch(q []float32, k int, opts *api.SearchOptions) ([]api.Neighbor, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []api.Neighbor
	for i, id := range e.ids {
		if opts.Filter != nil && !opts.Filter.CheckValid(id) {
			continue
		}
		var d float32
		for j, x := range q {
			t := x - e.vecs[i*e.dim+j]
			d += t * t
		}
		out = append(out, api.Neighbor{ID: id, Distance: d})
	}
	slices.SortFunc(out, func(a, b api.Neighbor) int {
		if a.Distance < b.Distance {
			return -1
		}
		if a.Distance > b.Distance {
			return 1
		}
		return 0
	})
	return out[:min(k, len(out))], nil
}
func (e *minimalEngine) Contains(l int64) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Contains(e.ids, l)
}
func (e *minimalEngine) NumElements() int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return int64(len(e.ids))
}
func (e *minimalEngine) ExportIDs() []int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := slices.Clone(e.ids)
	slices.Sort(out)
	return out
}
func (e *minimalEngine) MemoryUsage() int64        { return int64(len(e.vecs))*4 + int64(len(e.ids))*8 }
func (e *minimalEngine) Save(f *serial.File) error { return nil }
func (e *minimalEngine) Load(f *serial.File) error { return nil }

func TestMinimalEngineCapabilities(t *testing.T) {
	RegisterIndex("minimal_test", func(c *params.Create) (api.Engine, error) { return &minimalEngine{dim: c.Dim}, nil })
	defer delete(factories, "minimal_test")
	idx, err := CreateIndex("minimal_test", `{"dtype":"float32","metric_type":"l2","dim":2,"index_param":{}}`)
	require.NoError(t, err)
	failed, err := idx.Build(&Dataset{NumElements: 3, Dim: 2, IDs: []int64{5, 6, 7}, Float32: []float32{0, 0, 1, 1, 2, 2}})
	require.NoError(t, err)
	require.Empty(t, failed)
	_, err = idx.Build(&Dataset{NumElements: 1, Dim: 2, IDs: []int64{9}, Float32: []float32{3, 3}})
	require.Equal(t, api.BuildTwice, api.CodeOf(err), "core builds by adding to an empty index")
	res, err := idx.Search([]float32{1.1, 1}, 2, `{}`, nil)
	require.NoError(t, err)
	require.EqualValues(t, 6, res[0].ID)
	lo, hi, err := idx.GetMinAndMaxID()
	require.NoError(t, err)
	require.Equal(t, [2]int64{5, 7}, [2]int64{lo, hi}, "derived from ExportIDs")

	on := []Feature{api.SupportBuild, api.SupportAddAfterBuild, api.SupportKnnSearch, api.SupportKnnSearchWithIDFilter,
		api.SupportBatchSearch, api.SupportSerializeFile, api.SupportClone, api.SupportExportIDs, api.SupportMetricTypeL2}
	for _, f := range on {
		require.True(t, idx.CheckFeature(f), "flag %d", f)
	}
	off := []Feature{api.NeedTrain, api.SupportDeleteByID, api.SupportRangeSearch, api.SupportCalDistanceByID,
		api.SupportBatchCalcDistanceByID, api.SupportGetRawVectorByIDs, api.SupportEstimateMemory, api.SupportMetricTypeCosine}
	for _, f := range off {
		require.False(t, idx.CheckFeature(f), "flag %d", f)
	}

	unsupported := map[string]error{}
	_, unsupported["remove"] = idx.Remove(5)
	_, unsupported["range"] = idx.RangeSearchVector([]float32{0, 0}, 1, `{}`, nil, -1)
	_, unsupported["distance"] = idx.CalcDistanceByIDs([]float32{0, 0}, []int64{5})
	_, unsupported["raw"] = idx.GetRawVectorByIDs([]int64{5})
	unsupported["train"] = idx.Train(&Dataset{NumElements: 1, Dim: 2, Float32: []float32{1, 1}})
	unsupported["update id"] = idx.UpdateID(5, 50)
	unsupported["update vector"] = idx.UpdateVector(5, &Dataset{NumElements: 1, Dim: 2, Float32: []float32{1, 1}}, true)
	for what, err := range unsupported {
		require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err), what)
	}
	require.Zero(t, idx.EstimateMemory(100))
	require.Zero(t, idx.GetNumberRemoved())
	require.EqualValues(t, 3, idx.GetNumElements())
}
