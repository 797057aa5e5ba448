package core

import (
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
)

func TestResetDropsPayloads(t *testing.T) {
	idx, search := requestIndex(t, "hgraph")
	require.True(t, idx.CheckFeature(api.SupportReset))
	require.NoError(t, idx.Reset())
	require.Zero(t, idx.GetNumElements())
	_, err := idx.GetExtraInfoByIDs([]int64{100})
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	ds := &Dataset{NumElements: 1, Dim: 2, IDs: []int64{100}, Float32: []float32{5, 5}, ExtraInfos: []byte{9}}
	_, err = idx.Add(ds)
	require.NoError(t, err)
	at, err := idx.GetAttributesByIDs([]int64{100})
	require.NoError(t, err)
	require.Nil(t, at[0], "attributes from before the reset are gone")
	res, err := idx.KnnSearch(&Dataset{NumElements: 1, Dim: 2, Float32: []float32{5, 5}}, 1, search, nil)
	require.NoError(t, err)
	require.Equal(t, []byte{9}, res.ExtraInfos)
}

func TestUpdateExtraInfo(t *testing.T) {
	idx, search := requestIndex(t, "brute_force")
	require.True(t, idx.CheckFeature(api.SupportUpdateExtraInfoConcurrent))
	require.NoError(t, idx.UpdateExtraInfo([]int64{101, 103}, []byte{41, 43}))
	got, err := idx.GetExtraInfoByIDs([]int64{100, 101, 103})
	require.NoError(t, err)
	require.Equal(t, []byte{0, 41, 43}, got)
	// a missing label or a wrong length changes nothing
	require.Equal(t, api.InvalidArgument, api.CodeOf(idx.UpdateExtraInfo([]int64{102, 999}, []byte{1, 2})))
	require.Equal(t, api.InvalidArgument, api.CodeOf(idx.UpdateExtraInfo([]int64{102}, []byte{1, 2})))
	got, err = idx.GetExtraInfoByIDs([]int64{102})
	require.NoError(t, err)
	require.Equal(t, []byte{2}, got)
	res, err := idx.KnnSearch(&Dataset{NumElements: 1, Dim: 2, Float32: []float32{1, 0}}, 1, search, nil)
	require.NoError(t, err)
	require.Equal(t, []byte{41}, res.ExtraInfos)

	plain, err := CreateIndex("brute_force", `{"dtype":"float32","metric_type":"l2","dim":2,"index_param":{}}`)
	require.NoError(t, err)
	require.False(t, plain.CheckFeature(api.SupportUpdateExtraInfoConcurrent))
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(plain.UpdateExtraInfo(nil, nil)))
}

// Updates of extra info race searches and a save: every result and the snapshot carry one
// whole update.
func TestConcurrentUpdateExtraInfo(t *testing.T) {
	idx, err := CreateIndex("hgraph", concCreate(8))
	require.NoError(t, err)
	v, ids, extra := concRows(6, 0, 300)
	_, err = idx.Build(&Dataset{NumElements: 300, Dim: concDim, IDs: ids, Float32: v, ExtraInfos: extra})
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for round := uint64(1); round <= 50; round++ {
			b := make([]byte, 8*len(ids))
			for i, id := range ids {
				binary.LittleEndian.PutUint64(b[i*8:], uint64(id)*3+1+round*1000)
			}
			assert.NoError(t, idx.UpdateExtraInfo(ids, b))
		}
	}()
	go func() {
		defer wg.Done()
		for i := 0; i < 200; i++ {
			res, err := idx.KnnSearch(&Dataset{NumElements: 1, Dim: concDim, Float32: v[(i%300)*concDim : (i%300+1)*concDim]}, 3, concSearch, nil)
			if !assert.NoError(t, err) {
				return
			}
			for j, id := range res.IDs {
				got := binary.LittleEndian.Uint64(res.ExtraInfos[j*8:])
				assert.EqualValues(t, uint64(id)*3+1, got%1000, "label %d carries another label's extra info", id)
			}
		}
	}()
	wg.Wait()
	got, err := idx.GetExtraInfoByIDs([]int64{7})
	require.NoError(t, err)
	require.EqualValues(t, 7*3+1+50*1000, binary.LittleEndian.Uint64(got))
}

// TestMergeInOppositeOrdersDoesNotDeadlock: merges taking the same indexes in opposite orders
// run one after the other instead of waiting for each other.
func TestMergeInOppositeOrdersDoesNotDeadlock(t *testing.T) {
	create := `{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"buckets_count":2}}`
	seed, err := CreateIndex("ivf", create)
	require.NoError(t, err)
	v := make([]float32, 40*4)
	for i := range v {
		v[i] = float32(i%13) * 0.5
	}
	ids := make([]int64, 40)
	for i := range ids {
		ids[i] = int64(i)
	}
	require.NoError(t, seed.Train(&Dataset{NumElements: 40, Dim: 4, Float32: v}))
	a, err := seed.ExportModel()
	require.NoError(t, err)
	b, err := seed.ExportModel()
	require.NoError(t, err)
	_, err = a.Add(&Dataset{NumElements: 20, Dim: 4, IDs: ids[:20], Float32: v[:80]})
	require.NoError(t, err)
	_, err = b.Add(&Dataset{NumElements: 20, Dim: 4, IDs: ids[20:], Float32: v[80:]})
	require.NoError(t, err)
	// many goroutines merge in both directions at once; without one order between merges,
	// two of them soon hold each other's source lock and wait for the other's target
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				src, dst := a, b
				if (g+i)%2 == 0 {
					src, dst = b, a
				}
				if _, err := dst.Merge([]MergeUnit{{Index: src}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(20 * time.Second):
		t.Fatal("merges in opposite orders deadlocked")
	}
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.EqualValues(t, 40, a.GetNumElements())
	require.EqualValues(t, 40, b.GetNumElements())
}
