package pyramid_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/index/pyramid"
)

// TestODescentBuild builds with graph_type "odescent" (every sub-graph at once) and checks that
// tenant-confined and root searches find their neighbours, that every group large enough got a
// graph, and that adds after the build (nsw insertions), persistence and clone keep working.
func TestODescentBuild(t *testing.T) {
	for _, c := range []struct{ name, extra string }{
		{"one-thread", `,"graph_type":"odescent","graph_iter_turn":10`},
		{"threads-reorder", `,"graph_type":"odescent","build_thread_count":2,"use_reorder":true,"base_quantization_type":"sq8"`},
		{"hierarchies", `,"graph_type":"odescent","hierarchies":["tenant",{"name":"flat","max_degree":8,"alpha":1.0}]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := makeData(1, 3000, 30)
			queries := nearQueries(d, 40)
			idx := create(t, "l2", c.extra)
			named := bytes.Contains([]byte(c.extra), []byte("hierarchies"))
			ds := &core.Dataset{NumElements: len(d.ids), Dim: dim, IDs: d.ids, Float32: d.vecs}
			if named {
				flat := make([]string, len(d.ids))
				for i := range flat {
					flat[i] = fmt.Sprintf("g%d", i%5)
				}
				ds.HierarchyPaths = map[string][]string{"tenant": d.paths, "flat": flat}
			} else {
				ds.Paths = d.paths
			}
			failed, err := idx.Build(ds)
			require.NoError(t, err)
			require.Empty(t, failed)
			st := idx.Engine().(*pyramid.Index).Stats()
			for _, h := range st.Hierarchies {
				require.Greater(t, h.Levels[0].GraphNodes, 0, "hierarchy %q has no root graph", h.Name)
				require.Greater(t, h.Levels[0].Edges, int64(0))
			}
			hname := ""
			if named {
				hname = "tenant"
			}
			check := func(idx *core.Index, d tenantData) {
				hit, total, rhit, rtotal := 0, 0, 0, 0
				for i := range queries.ids {
					q := queries.vecs[i*dim : (i+1)*dim]
					tn := queries.tenant[i]
					got := search(t, idx, q, 10, ef, map[string]string{hname: fmt.Sprintf("t%d", tn)})
					for _, g := range got {
						require.Equal(t, tn, d.tenant[rowOf(g.ID)])
					}
					h, n := recall(got, exact("l2", d, q, 10, func(r int) bool { return d.tenant[r] == tn }))
					hit, total = hit+h, total+n
					if !named {
						h, n = recall(search(t, idx, q, 10, ef, nil), exact("l2", d, q, 10, nil))
						rhit, rtotal = rhit+h, rtotal+n
					}
				}
				require.GreaterOrEqual(t, float64(hit)/float64(total), 0.95, "tenant recall")
				if rtotal > 0 {
					require.GreaterOrEqual(t, float64(rhit)/float64(rtotal), 0.95, "root recall")
				}
			}
			check(idx, d)
			if named {
				return
			}
			// adds after the build go in by insertion
			more := makeData(3, 1000, 30)
			for i := range more.ids {
				more.ids[i] = int64(10_000 + 7*(3000+i))
			}
			failed, err = idx.Add(&core.Dataset{NumElements: len(more.ids), Dim: dim, IDs: more.ids, Float32: more.vecs, Paths: more.paths})
			require.NoError(t, err)
			require.Empty(t, failed)
			all := tenantData{vecs: append(append([]float32{}, d.vecs...), more.vecs...), ids: append(append([]int64{}, d.ids...), more.ids...),
				paths: append(append([]string{}, d.paths...), more.paths...), tenant: append(append([]int{}, d.tenant...), more.tenant...)}
			check(idx, all)
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			loaded, err := core.Load(bytes.NewReader(buf.Bytes()))
			require.NoError(t, err)
			check(loaded, all)
			cl, err := idx.Clone()
			require.NoError(t, err)
			check(cl, all)
		})
	}
}

// nearQueries returns n queries drawn from d's distribution (rows of d moved by a little
// noise), each with the tenant of its row: ODescent's graphs, refined from nearest
// neighbours, are built for queries that look like the data.
func nearQueries(d tenantData, n int) tenantData {
	r := rand.New(rand.NewPCG(5, 5))
	q := tenantData{vecs: make([]float32, n*dim), ids: make([]int64, n), tenant: make([]int, n)}
	for i := 0; i < n; i++ {
		row := r.IntN(len(d.ids))
		for j := 0; j < dim; j++ {
			q.vecs[i*dim+j] = d.vecs[row*dim+j] + float32(0.3*r.NormFloat64())
		}
		q.tenant[i] = d.tenant[row]
	}
	return q
}
