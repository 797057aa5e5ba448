package core

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

// Small graphs keep these tests quick under the race detector; batches stay at or above 256 so
// the parallel link path runs.
const concDim = 8

func concCreate(extra int) string {
	return fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"extra_info_size":%d,`+
		`"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":40,"build_thread_count":2}}`, concDim, extra)
}

const concSearch = `{"hgraph":{"ef_search":60}}`

func concRows(seed uint64, lo, n int) ([]float32, []int64, []byte) {
	r := rand.New(rand.NewPCG(seed, 7))
	v := make([]float32, n*concDim)
	for i := range v {
		v[i] = r.Float32()
	}
	ids := make([]int64, n)
	extra := make([]byte, n*8)
	for i := range ids {
		ids[i] = int64(lo + i)
		binary.LittleEndian.PutUint64(extra[i*8:], uint64(ids[i])*3+1)
	}
	return v, ids, extra
}

// checkSnapshot loads a serialized index and checks that every label it holds is found by its
// own vector and carries its own extra info, and that it holds exactly one of the counts a
// consistent snapshot can have.
func checkSnapshot(t *testing.T, b []byte, counts ...int64) {
	t.Helper()
	idx, err := LoadBytes(b)
	require.NoError(t, err)
	require.Contains(t, counts, idx.GetNumElements())
	labels := idx.ExportIDs()
	vecs, err := idx.GetRawVectorByIDs(labels)
	require.NoError(t, err)
	extra, err := idx.GetExtraInfoByIDs(labels)
	require.NoError(t, err)
	missing := 0
	for i, l := range labels {
		require.EqualValues(t, uint64(l)*3+1, binary.LittleEndian.Uint64(extra[i*8:]), "extra info of %d", l)
		res, err := idx.Search(vecs.Float32[i*concDim:(i+1)*concDim], 1, concSearch, nil)
		require.NoError(t, err)
		if len(res) == 0 || res[0].Distance > 0 {
			missing++
		}
	}
	require.Zero(t, missing, "labels not found by their own vector in a snapshot of %d", len(labels))
}

func TestConcurrentSaveDuringAdd(t *testing.T) {
	idx, err := CreateIndex("hgraph", concCreate(8))
	require.NoError(t, err)
	v, ids, extra := concRows(1, 0, 600)
	_, err = idx.Build(&Dataset{NumElements: 600, Dim: concDim, IDs: ids, Float32: v, ExtraInfos: extra})
	require.NoError(t, err)

	v2, ids2, extra2 := concRows(2, 600, 1500)
	var done atomic.Bool
	var snaps [][]byte
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !done.Load() || len(snaps) == 0 {
			var buf bytes.Buffer
			if !assert.NoError(t, idx.Serialize(&buf)) {
				return
			}
			snaps = append(snaps, buf.Bytes())
			c, err := idx.Clone()
			if !assert.NoError(t, err) {
				return
			}
			assert.Contains(t, []int64{600, 1100, 1600, 2100}, c.GetNumElements())
		}
	}()
	// batches of 500: appended under the write lock, linked under the shared lock in chunks
	for lo := 0; lo < 1500; lo += 500 {
		failed, err := idx.Add(&Dataset{NumElements: 500, Dim: concDim, IDs: ids2[lo : lo+500],
			Float32: v2[lo*concDim : (lo+500)*concDim], ExtraInfos: extra2[lo*8 : (lo+500)*8]})
		require.NoError(t, err)
		require.Empty(t, failed)
	}
	done.Store(true)
	wg.Wait()
	require.NotEmpty(t, snaps)
	for _, b := range snaps {
		checkSnapshot(t, b, 600, 1100, 1600, 2100)
	}
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	checkSnapshot(t, buf.Bytes(), 2100)
}

// TestConcurrentRemoveReaddKeepsPayloads races writers that remove and re-add the same labels
// with new vectors and payloads: every label left must carry the payload written with its
// vector, and a search never returns a label without its extra info.
func TestConcurrentRemoveReaddKeepsPayloads(t *testing.T) {
	for _, name := range []string{"hgraph", "brute_force"} {
		t.Run(name, func(t *testing.T) {
			create := concCreate(8)
			search := concSearch
			if name == "brute_force" {
				create = fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"extra_info_size":8,"index_param":{"base_quantization_type":"fp32"}}`, concDim)
				search = `{}`
			}
			idx, err := CreateIndex(name, create)
			require.NoError(t, err)
			const labels = 32
			var version atomic.Int64
			row := func(l int64) *Dataset {
				ver := version.Add(1)
				vec := make([]float32, concDim)
				vec[0] = float32(ver) // the vector records its version ...
				vec[1] = float32(l)
				extra := make([]byte, 8)
				binary.LittleEndian.PutUint64(extra, uint64(ver)) // ... and so does its payload
				attrs := []map[string]any{{"ver": ver}}
				return &Dataset{NumElements: 1, Dim: concDim, IDs: []int64{l}, Float32: vec, ExtraInfos: extra, Attributes: attrs}
			}
			for l := int64(0); l < labels; l++ {
				_, err := idx.Add(row(l))
				require.NoError(t, err)
			}
			var wg, searcher sync.WaitGroup
			var stop atomic.Bool
			for w := 0; w < 4; w++ {
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					r := rand.New(rand.NewPCG(uint64(w), 3))
					for i := 0; i < 300; i++ {
						l := int64(r.IntN(labels))
						if r.IntN(2) == 0 {
							_, err := idx.Remove(l)
							assert.NoError(t, err)
						} else {
							_, err := idx.Add(row(l))
							assert.NoError(t, err)
						}
					}
				}(w)
			}
			searcher.Add(1)
			go func() {
				defer searcher.Done()
				q := &Dataset{NumElements: 1, Dim: concDim, Float32: make([]float32, concDim)}
				for !stop.Load() {
					res, err := idx.KnnSearch(q, 8, search, nil)
					if !assert.NoError(t, err) {
						return
					}
					for i := range res.IDs {
						assert.NotZero(t, binary.LittleEndian.Uint64(res.ExtraInfos[i*8:]), "label %d returned without its extra info", res.IDs[i])
					}
				}
			}()
			wg.Wait()
			stop.Store(true)
			searcher.Wait()
			for _, l := range idx.ExportIDs() {
				raw, err := idx.GetRawVectorByIDs([]int64{l})
				require.NoError(t, err)
				ex, err := idx.GetExtraInfoByIDs([]int64{l})
				require.NoError(t, err)
				at, err := idx.GetAttributesByIDs([]int64{l})
				require.NoError(t, err)
				ver := int64(raw.Float32[0])
				require.EqualValues(t, ver, binary.LittleEndian.Uint64(ex), "label %d: payload of another write", l)
				require.EqualValues(t, ver, at[0]["ver"], "label %d: attributes of another write", l)
			}
			// a snapshot holds the same
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			again, err := LoadBytes(buf.Bytes())
			require.NoError(t, err)
			require.Equal(t, idx.ExportIDs(), again.ExportIDs())
		})
	}
}

// TestParallelLinkRace runs the parallel link path (batches of 300) from two writers while
// others search and remove, under the race detector in `make test-race`.
func TestParallelLinkRace(t *testing.T) {
	idx, err := CreateIndex("hgraph", concCreate(8))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for w := 0; w < 2; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for b := 0; b < 2; b++ {
				lo := (w*2 + b) * 300
				v, ids, extra := concRows(uint64(lo+9), lo, 300)
				failed, err := idx.Add(&Dataset{NumElements: 300, Dim: concDim, IDs: ids, Float32: v, ExtraInfos: extra})
				assert.NoError(t, err)
				assert.Empty(t, failed)
			}
		}(w)
	}
	var stop atomic.Bool
	for s := 0; s < 2; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(s), 5))
			q := make([]float32, concDim)
			for !stop.Load() {
				for i := range q {
					q[i] = r.Float32()
				}
				_, err := idx.Search(q, 10, concSearch, nil)
				assert.NoError(t, err)
				if s == 1 {
					_, err = idx.Remove(int64(r.IntN(1200)))
					assert.NoError(t, err)
				}
			}
		}(s)
	}
	for idx.GetNumElements()+idx.GetNumberRemoved() < 1200 {
	}
	stop.Store(true)
	wg.Wait()
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf))
	checkSnapshot(t, buf.Bytes(), idx.GetNumElements())
}

func TestConcurrentDeserializeAndSearch(t *testing.T) {
	src, err := CreateIndex("hgraph", concCreate(8))
	require.NoError(t, err)
	v, ids, extra := concRows(3, 0, 300)
	_, err = src.Build(&Dataset{NumElements: 300, Dim: concDim, IDs: ids, Float32: v, ExtraInfos: extra})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, src.Serialize(&buf))

	dst, err := CreateIndex("hgraph", concCreate(8))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var stop atomic.Bool
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			res, err := dst.KnnSearch(&Dataset{NumElements: 1, Dim: concDim, Float32: v[:concDim]}, 3, concSearch, nil)
			if assert.NoError(t, err) && len(res.IDs) > 0 {
				assert.EqualValues(t, 1, binary.LittleEndian.Uint64(res.ExtraInfos))
			}
		}
	}()
	require.NoError(t, dst.Deserialize(bytes.NewReader(buf.Bytes())))
	for dst.GetNumElements() == 0 {
	}
	stop.Store(true)
	wg.Wait()
	require.EqualValues(t, 300, dst.GetNumElements())
	err = dst.Deserialize(bytes.NewReader(buf.Bytes()))
	require.Equal(t, api.IndexNotEmpty, api.CodeOf(err))
}

// A filter that panics inside the worker goroutines of a batch search comes back as
// INTERNAL_ERROR and the index keeps working.
func TestParallelWorkerPanicIsAnError(t *testing.T) {
	for _, name := range []string{"hgraph", "brute_force"} {
		t.Run(name, func(t *testing.T) {
			create := concCreate(0)
			if name == "brute_force" {
				create = fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,"index_param":{"base_quantization_type":"fp32"}}`, concDim)
			}
			idx, err := CreateIndex(name, create)
			require.NoError(t, err)
			v, ids, _ := concRows(4, 0, 400)
			_, err = idx.Build(&Dataset{NumElements: 400, Dim: concDim, IDs: ids, Float32: v})
			require.NoError(t, err)
			boom := ExcludeFunc(func(l int64) bool {
				if l == 7 {
					panic(errors.New("filter fault"))
				}
				return false
			})
			search := `{"hgraph":{"ef_search":400}}`
			if name == "brute_force" {
				search = `{}`
			}
			_, err = idx.BatchKnnSearch(&Dataset{NumElements: 64, Dim: concDim, Float32: v[:64*concDim]}, 10, search, boom)
			require.Equal(t, api.InternalError, api.CodeOf(err))
			require.Contains(t, err.Error(), "filter fault")
			res, err := idx.Search(v[:concDim], 1, search, nil)
			require.NoError(t, err)
			require.EqualValues(t, 0, res[0].ID)
		})
	}
}

// hgraph_init_capacity is a hint: 2^30 rows of dim 1024 cannot be reserved, so the index
// starts small, grows as vectors come, and the process stays alive.
func TestHostileInitCapacity(t *testing.T) {
	idx, err := CreateIndex("hgraph", `{"dtype":"float32","metric_type":"l2","dim":1024,"index_param":{"base_quantization_type":"fp32","hgraph_init_capacity":1073741824}}`)
	require.NoError(t, err)
	require.Less(t, idx.GetMemoryUsage(), int64(64<<20))
	v := make([]float32, 3*1024)
	for i := range v {
		v[i] = float32(i % 7)
	}
	failed, err := idx.Add(&Dataset{NumElements: 3, Dim: 1024, IDs: []int64{1, 2, 3}, Float32: v})
	require.NoError(t, err)
	require.Empty(t, failed)
	require.EqualValues(t, 3, idx.GetNumElements())
	require.Less(t, idx.GetMemoryUsage(), int64(256<<20))
}

// A filter that panics on the caller's goroutine comes back as INTERNAL_ERROR too.
func TestParallelCallerPanicIsAnError(t *testing.T) {
	idx, err := CreateIndex("hgraph", concCreate(0))
	require.NoError(t, err)
	v, ids, _ := concRows(5, 0, 300)
	_, err = idx.Build(&Dataset{NumElements: 300, Dim: concDim, IDs: ids, Float32: v})
	require.NoError(t, err)
	boom := KeepFunc(func(int64) bool { panic("caller-side filter fault") }, 1)
	_, err = idx.Search(v[:concDim], 5, concSearch, boom)
	require.Equal(t, api.InternalError, api.CodeOf(err))
	_, err = idx.SearchWithRequest(&SearchRequest{Query: &Dataset{NumElements: 1, Dim: concDim, Float32: v[:concDim]}, TopK: 5, Params: concSearch, Filter: boom})
	require.Equal(t, api.InternalError, api.CodeOf(err))
	_, err = idx.RangeSearchVector(v[:concDim], 1, concSearch, boom, -1)
	require.Equal(t, api.InternalError, api.CodeOf(err))
	res, err := idx.Search(v[:concDim], 1, concSearch, nil)
	require.NoError(t, err)
	require.EqualValues(t, 0, res[0].ID)
	// writes still go through: no engine lock was left held
	_, err = idx.Add(&Dataset{NumElements: 1, Dim: concDim, IDs: []int64{5000}, Float32: v[:concDim]})
	require.NoError(t, err)
}
