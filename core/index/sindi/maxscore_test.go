package sindi

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
)

// requireSameAnswer checks that use_max_score answers q like the reference search ref (the
// same distances to float rounding, live and admitted documents).
func requireSameAnswer(t *testing.T, x *Index, q api.SparseVector, k int, filter api.Filter, ncand int, ref func() ([]api.Neighbor, error), what string) {
	t.Helper()
	want, err := ref()
	require.NoError(t, err)
	block := []byte(`{"use_max_score":true}`)
	if ncand > 0 {
		block = fmt.Appendf(nil, `{"use_max_score":true,"n_candidate":%d}`, ncand)
	}
	got, err := x.KnnSearchSparse(q, k, &api.SearchOptions{Filter: filter, Block: block})
	require.NoError(t, err)
	require.Len(t, got, len(want), what)
	for i := range want {
		require.InDelta(t, want[i].Distance, got[i].Distance, 1e-4, "%s rank %d", what, i)
		require.True(t, filter == nil || filter.CheckValid(got[i].ID), what)
		require.True(t, x.Contains(got[i].ID), what)
	}
}

// TestMaxScoreIsExact: use_max_score returns the distances of the exhaustive scan (every
// posting of every term scored) for every value format, with and without the whole documents,
// across windows, with removed and replaced documents, a filter, n_candidate and a negative
// query weight (the plain scan answers it).
func TestMaxScoreIsExact(t *testing.T) {
	rows, ids := zipfRows(23000, 3000, 1)
	queries, _ := zipfRows(60, 3000, 2)
	for _, block := range []string{
		`{"window_size":10000,"doc_ordered_postings":true}`,
		`{"window_size":10000,"doc_ordered_postings":true,"use_reorder":true}`,
		`{"window_size":10000,"doc_ordered_postings":true,"use_quantization":true}`,
		`{"window_size":10000,"doc_ordered_postings":true,"use_quantization":"fp16"}`,
		`{"window_size":10000,"doc_ordered_postings":true,"use_reorder":true,"immutable":true}`,
	} {
		t.Run(block, func(t *testing.T) {
			x := newTest(t, block)
			// two batches: the second extends the document-ordered postings
			cut := 15000
			first := api.SparseBatch{Offsets: rows.Offsets[:cut+1], IDs: rows.IDs[:rows.Offsets[cut]], Values: rows.Values[:rows.Offsets[cut]]}
			failed, err := x.AddSparse(first, ids[:cut], nil)
			require.NoError(t, err)
			require.Empty(t, failed)
			if !x.cfg.Immutable {
				second := api.SparseBatch{Offsets: make([]int64, len(ids)-cut+1), IDs: rows.IDs[rows.Offsets[cut]:], Values: rows.Values[rows.Offsets[cut]:]}
				for j := range second.Offsets {
					second.Offsets[j] = rows.Offsets[cut+j] - rows.Offsets[cut]
				}
				_, err = x.AddSparse(second, ids[cut:], nil)
				require.NoError(t, err)
				// an update moves a label to a fresh slot
				require.NoError(t, x.UpdateSparse(ids[5], rows.Row(9), true))
			}
			require.Equal(t, len(x.labels), x.do.n)
			removed := []int64{}
			for i := 0; i < int(x.NumElements()); i += 97 {
				removed = append(removed, ids[i])
			}
			_, err = x.Remove(removed)
			require.NoError(t, err)
			odd := api.ExcludeFunc(func(l int64) bool { return l%3 == 0 })
			for qi := 0; qi < queries.Len(); qi++ {
				q := queries.Row(qi)
				if qi == 7 {
					q.Values = append([]float32(nil), q.Values...)
					q.Values[0] = -q.Values[0]
				}
				for _, filter := range []api.Filter{nil, odd} {
					for _, k := range []int{1, 10, 40} {
						requireSameAnswer(t, x, q, k, filter, 0, func() ([]api.Neighbor, error) { return x.ExactKnnSparse(q, k, filter) }, block)
					}
				}
				requireSameAnswer(t, x, q, 10, nil, 200, func() ([]api.Neighbor, error) {
					return x.KnnSearchSparse(q, 10, &api.SearchOptions{Block: []byte(`{"n_candidate":200}`)})
				}, block+" n_candidate")
			}
		})
	}
}

// TestMaxScoreReadsLess: on a skewed corpus the search reads a fraction of the postings the
// plain scan reads.
func TestMaxScoreReadsLess(t *testing.T) {
	requireReadsLess(t, `{"window_size":20000,"doc_ordered_postings":true}`, `{"use_max_score":true}`)
}

// TestMaxScoreParams: the keys are validated, use_max_score needs doc_ordered_postings, and
// the postings are rebuilt on load whichever way the file was written.
func TestMaxScoreParams(t *testing.T) {
	for js, ok := range map[string]bool{
		`{"use_max_score":true}`:                                      true,
		`{"use_max_score":1}`:                                         false,
		`{"use_max_score":true,"use_dynamic_pruning":true}`:           false,
		`{"use_max_score":true,"term_prune_ratio":0.5}`:               false,
		`{"use_max_score":true,"term_retain_threshold":100}`:          false,
		`{"use_max_score":true,"query_prune_ratio":0.5}`:              true,
		`{"use_max_score":false,"use_dynamic_pruning":true}`:          true,
		`{"use_max_score":true,"n_candidate":100}`:                    true,
		`{"use_max_score":true,"filter_callback_limit":3}`:            true,
		`{"use_max_score":true,"term_prune_ratio":0,"n_candidate":0}`: true,
	} {
		_, err := parseSearch([]byte(js))
		require.Equal(t, ok, err == nil, js)
	}
	_, err := parseConfig([]byte(`{"doc_ordered_postings":"yes"}`))
	require.Error(t, err)

	rows, ids := zipfRows(3000, 500, 8)
	plain := newTest(t, `{"window_size":10000}`)
	_, err = plain.AddSparse(rows, ids, nil)
	require.NoError(t, err)
	_, err = plain.KnnSearchSparse(rows.Row(0), 10, &api.SearchOptions{Block: []byte(`{"use_max_score":true}`)})
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	empty := newTest(t, `{"window_size":10000,"doc_ordered_postings":true}`)
	got, err := empty.KnnSearchSparse(rows.Row(0), 10, &api.SearchOptions{Block: []byte(`{"use_max_score":true}`)})
	require.NoError(t, err)
	require.Empty(t, got)

	// a file written without the postings loads into an index with them, and back
	withDO := newTest(t, `{"window_size":10000,"doc_ordered_postings":true}`)
	f := &serial.File{}
	require.NoError(t, plain.Save(f))
	require.NoError(t, withDO.Load(f))
	require.NotNil(t, withDO.do)
	require.Equal(t, 3000, withDO.do.n)
	g := &serial.File{}
	require.NoError(t, withDO.Save(g))
	again := newTest(t, `{"window_size":10000}`)
	require.NoError(t, again.Load(g))
	require.Nil(t, again.do)
	for qi := 0; qi < 20; qi++ {
		q := rows.Row(qi * 31)
		requireSameAnswer(t, withDO, q, 10, nil, 0, func() ([]api.Neighbor, error) { return again.ExactKnnSparse(q, 10, nil) }, "loaded")
	}
	require.Positive(t, withDO.MemoryUsage()-again.MemoryUsage())
}

// TestMaxScoreNegativeValues: a stored negative value voids the bounds; the plain scan answers.
func TestMaxScoreNegativeValues(t *testing.T) {
	x := newTest(t, `{"window_size":10000,"doc_ordered_postings":true}`)
	rows := api.SparseBatch{Offsets: []int64{0, 2, 3, 5}, IDs: []uint32{1, 5, 2, 1, 7}, Values: []float32{1, -2, 3, 4, 5}}
	_, err := x.AddSparse(rows, []int64{10, 11, 12}, nil)
	require.NoError(t, err)
	require.True(t, x.do.neg)
	q := api.SparseVector{IDs: []uint32{1, 5}, Values: []float32{1, 1}}
	requireSameAnswer(t, x, q, 3, nil, 0, func() ([]api.Neighbor, error) { return x.ExactKnnSparse(q, 3, nil) }, "negative")
}

// TestMaxScoreConcurrent: max-score searches run beside adds, updates and removes (run with
// -race); every answer holds live documents only, and the final answers are exact.
func TestMaxScoreConcurrent(t *testing.T) {
	rows, ids := zipfRows(6000, 800, 6)
	x := newTest(t, `{"window_size":10000,"doc_ordered_postings":true}`)
	searchesBesideWrites(t, x, rows, ids, []byte(`{"use_max_score":true}`), true)
	for qi := 0; qi < 50; qi++ {
		q := rows.Row(qi * 97)
		requireSameAnswer(t, x, q, 10, nil, 0, func() ([]api.Neighbor, error) { return x.ExactKnnSparse(q, 10, nil) }, "after")
	}
}

// timeout_ms inside the sindi block bounds a search as the top-level key does: an expired
// deadline stops every kind of knn search before its first window.
func TestBlockTimeout(t *testing.T) {
	rows, ids := zipfRows(23000, 3000, 1)
	x := newTest(t, `{"window_size":10000,"doc_ordered_postings":true}`)
	_, err := x.AddSparse(rows, ids, nil)
	require.NoError(t, err)
	q := rows.Row(3)
	for _, extra := range []string{``, `,"use_max_score":true`, `,"use_dynamic_pruning":true`} {
		got, err := x.KnnSearchSparse(q, 10, &api.SearchOptions{Block: []byte(`{}`)})
		require.NoError(t, err)
		require.Len(t, got, 10, extra)
		stats := &api.SearchStats{}
		got, err = x.KnnSearchSparse(q, 10, &api.SearchOptions{Block: []byte(`{"timeout_ms":1e-9` + extra + `}`), Stats: stats})
		require.NoError(t, err)
		require.Empty(t, got, extra)
		require.True(t, stats.TimedOut, extra)
	}
}

// The dmq8 rerank refuses adds after the build, so the index does not claim them.
func TestDMQ8IsBuildOnly(t *testing.T) {
	x := newTest(t, `{"use_reorder":true,"rerank_type":"dmq8"}`)
	require.True(t, x.BuildOnly())
	require.False(t, x.Features().Has(api.SupportAddConcurrent))
	rows, ids := zipfRows(50, 300, 1)
	_, err := x.AddSparse(rows, ids, nil)
	require.NoError(t, err)
	more, more2 := zipfRows(5, 300, 2)
	for i := range more2 {
		more2[i] += 1000
	}
	_, err = x.AddSparse(more, more2, nil)
	require.Equal(t, api.UnsupportedIndexOperation, api.CodeOf(err))
	require.False(t, newTest(t, `{"use_reorder":true}`).BuildOnly())
}
