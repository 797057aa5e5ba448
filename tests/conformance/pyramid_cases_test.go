package conformance

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/pyramid"
	"github.com/govsag/vsag/core/params"
)

// The shared cases build and add datasets without paths, which a pyramid index refuses (a row
// without a path has no place in its trees). They run on pyramidAuto: pyramid with every row
// given the path of its label (labelPath), searched at the root (no query path), so every
// operation of the suite exercises the pyramid engine. The path-confined searches are checked
// against the oracle by TestPyramidPaths below.

// pyramidAuto is the name under which the suite's pyramid cases run.
const pyramidAuto = "pyramid_suite"

// labelPath is the path the suite's pyramid cases give a row: one of 5 groups, one of 3 shops.
func labelPath(label int64) string {
	if label < 0 {
		label = -label
	}
	return fmt.Sprintf("g%d/s%d", label%5, (label/5)%3)
}

// autoPath is a pyramid engine that gives rows without paths labelPath.
type autoPath struct{ *pyramid.Index }

func (a autoPath) InsertWithPaths(vectors []float32, ids []int64, paths map[string][]string, build bool, onInsert api.InsertHook) ([]int64, error) {
	if paths == nil && len(ids) > 0 {
		ps := make([]string, len(ids))
		for i, id := range ids {
			ps[i] = labelPath(id)
		}
		paths = map[string][]string{"": ps}
	}
	return a.Index.InsertWithPaths(vectors, ids, paths, build, onInsert)
}

// AnalysisSearchParams names the suite's search block.
func (a autoPath) AnalysisSearchParams() string {
	return strings.Replace(a.Index.AnalysisSearchParams(), `"pyramid"`, `"`+pyramidAuto+`"`, 1)
}

func (a autoPath) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return a.InsertWithPaths(vectors, ids, nil, true, onInsert)
}

func (a autoPath) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	return a.InsertWithPaths(vectors, ids, nil, false, onInsert)
}

func (a autoPath) ExportModel() (api.Engine, error) {
	e, err := a.Index.ExportModel()
	if err != nil {
		return nil, err
	}
	return autoPath{e.(*pyramid.Index)}, nil
}

func (a autoPath) Merge(sources []api.MergeSource, onMerge func(src int, from, to int64)) ([]int64, error) {
	inner := make([]api.MergeSource, len(sources))
	for i, s := range sources {
		inner[i] = s
		if w, ok := s.Engine.(autoPath); ok {
			inner[i].Engine = w.Index
		}
	}
	return a.Index.Merge(inner, onMerge)
}

func pyramidCreate(extra string) func(string, int) string {
	return func(metric string, dim int) string {
		return fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":"fp32","max_degree":16,"ef_construction":100%s}}`, metric, dim, extra)
	}
}

func init() {
	core.RegisterIndex(pyramidAuto, func(c *params.Create) (api.Engine, error) {
		e, err := pyramid.New(c)
		if err != nil {
			return nil, err
		}
		return autoPath{e}, nil
	})
	search := `{"pyramid_suite":{"ef_search":100}}` // the search block takes the index type's name
	register(Case{Name: "pyramid/fp32", Index: pyramidAuto, Create: pyramidCreate(""), Search: search, MinRecall: 0.95})
	register(Case{Name: "pyramid/sq8+reorder", Index: pyramidAuto, Create: pyramidCreate(`,"base_quantization_type":"sq8","use_reorder":true,"build_thread_count":2`), Search: search, MinRecall: 0.95, Quantizer: "sq8"})
	register(Case{Name: "pyramid/odescent", Index: pyramidAuto, Create: pyramidCreate(`,"graph_type":"odescent","build_thread_count":2`), Search: search, MinRecall: 0.95})
	register(Case{Name: "pyramid/support_duplicate", Index: pyramidAuto, Create: pyramidCreate(`,"support_duplicate":true`), Search: search, MinRecall: 0.95})
	register(Case{Name: "pyramid/min_size+no_build+raw", Index: pyramidAuto, Create: pyramidCreate(`,"base_quantization_type":"fp16","store_raw_vector":true,"index_min_size":300,"no_build_levels":[2]`), Search: search, MinRecall: 0.95, Quantizer: "fp16"})
}

// pyramidBuilt is a pyramid index of the fixture with the paths of labelPath.
func pyramidBuilt(t *testing.T, m, extra string) *core.Index {
	t.Helper()
	idx, err := core.CreateIndex("pyramid", pyramidCreate(extra)(m, dim))
	require.NoError(t, err)
	paths := make([]string, nb)
	for i, id := range data.ids {
		paths[i] = labelPath(id)
	}
	failed, err := idx.Build(&core.Dataset{NumElements: nb, Dim: dim, IDs: data.ids, Float32: data.base, Paths: paths})
	require.NoError(t, err)
	require.Empty(t, failed)
	return idx
}

// under reports whether label's path lies under p.
func under(label int64, p string) bool {
	lp := labelPath(label)
	return lp == p || len(lp) > len(p) && lp[:len(p)] == p && lp[len(p)] == '/'
}

// pathOracle is the oracle restricted to the labels under p.
func pathOracle(m string, q []float32, p string) []core.Neighbor {
	var out []core.Neighbor
	for _, n := range oracle(m, q, nil) {
		if under(n.ID, p) {
			out = append(out, n)
		}
	}
	return out
}

// TestPyramidPaths: searches confined to a path return only labels under it, in ascending
// distance, with the oracle's neighbours (exactly so when every group is scanned); range
// searches and filters inside a path; the answers survive serialization and cloning.
func TestPyramidPaths(t *testing.T) {
	for _, pc := range []struct {
		name, extra string
		exact       bool
	}{
		{"graphs", "", false},
		{"scanned", `,"index_min_size":100000`, true},
		{"no_build", `,"no_build_levels":[1],"use_reorder":true,"base_quantization_type":"sq8"`, false},
	} {
		t.Run(pc.name, func(t *testing.T) {
			for _, m := range []string{"l2", "ip", "cosine"} {
				idx := pyramidBuilt(t, m, pc.extra)
				hit, total := 0, 0
				for i := 0; i < nq; i++ {
					p := labelPath(data.ids[i*7])
					if i%2 == 1 {
						p = p[:2] // the group
					}
					ds := qds(i)
					ds.Paths = []string{p}
					res, err := idx.KnnSearch(ds, k, `{"pyramid":{"ef_search":100}}`, nil)
					require.NoError(t, err)
					requireAscending(t, res)
					truth := pathOracle(m, query(i), p)[:k]
					require.Len(t, res.IDs, k)
					for j, id := range res.IDs {
						require.True(t, under(id, p), "label %d outside %s", id, p)
						for _, tr := range truth {
							if tr.ID == id {
								hit++
							}
						}
						if pc.exact {
							require.InDelta(t, truth[j].Distance, res.Distances[j], 1e-3)
						}
					}
					total += k
				}
				if m == "l2" || pc.exact {
					require.GreaterOrEqual(t, float64(hit)/float64(total), 0.95, m)
				}
			}
			idx := pyramidBuilt(t, "l2", pc.extra)
			q := qds(3)
			q.Paths = []string{"g2"}
			truth := pathOracle("l2", query(3), "g2")
			radius := truth[7].Distance * 1.0001
			rr, err := idx.RangeSearch(q, radius, `{"pyramid":{"ef_search":100}}`, nil, -1)
			require.NoError(t, err)
			require.GreaterOrEqual(t, len(rr.IDs), 7)
			for j, id := range rr.IDs {
				require.True(t, under(id, "g2"))
				require.LessOrEqual(t, rr.Distances[j], radius)
			}
			// a filter inside the path: the bitset excludes the even labels
			bs := api.NewBitset()
			for _, id := range data.ids {
				if id%2 == 0 {
					bs.Set(id, true)
				}
			}
			res, err := idx.SearchWithRequest(&core.SearchRequest{Query: q, TopK: k, Params: `{"pyramid":{"ef_search":100}}`, IDs: bs})
			require.NoError(t, err)
			require.Len(t, res.IDs, k)
			for _, id := range res.IDs {
				require.True(t, under(id, "g2") && id%2 == 1)
			}
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			loaded, err := core.Load(&buf)
			require.NoError(t, err)
			clone, err := idx.Clone()
			require.NoError(t, err)
			want, err := idx.KnnSearch(q, k, `{"pyramid":{"ef_search":100}}`, nil)
			require.NoError(t, err)
			for _, other := range []*core.Index{loaded, clone} {
				got, err := other.KnnSearch(q, k, `{"pyramid":{"ef_search":100}}`, nil)
				require.NoError(t, err)
				require.Equal(t, want.IDs, got.IDs)
			}
			// batch search takes one path per query
			paths := make([]string, nq)
			for i := range paths {
				paths[i] = labelPath(data.ids[i*7])[:2]
			}
			batch, err := idx.BatchKnnSearch(&core.Dataset{NumElements: nq, Dim: dim, Float32: data.queries, Paths: paths}, k, `{"pyramid":{"ef_search":100}}`, nil)
			require.NoError(t, err)
			for i := 0; i < nq; i++ {
				for _, id := range batch.IDs[i*k : (i+1)*k] {
					require.True(t, id < 0 || under(id, paths[i]))
				}
			}
		})
	}
}
