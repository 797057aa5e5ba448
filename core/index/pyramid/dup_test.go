package pyramid_test

import (
	"bytes"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/index/pyramid"
)

// dupData is d with copies: every 10th row's vector repeated copies times under new labels,
// the copies on the row's own path (one on a sibling shop of the same tenant).
func dupData(d tenantData, copies int) (tenantData, map[int64][]int64) {
	groups := map[int64][]int64{}
	out := d
	out.vecs = append([]float32{}, d.vecs...)
	out.ids = append([]int64{}, d.ids...)
	out.paths = append([]string{}, d.paths...)
	out.tenant = append([]int{}, d.tenant...)
	next := int64(1)
	for r := 0; r < len(d.ids); r += 10 {
		for c := 0; c < copies; c++ {
			out.vecs = append(out.vecs, d.vecs[r*dim:(r+1)*dim]...)
			out.ids = append(out.ids, next)
			p := d.paths[r]
			if c == 0 {
				p = fmt.Sprintf("t%d/other", d.tenant[r])
			}
			out.paths = append(out.paths, p)
			out.tenant = append(out.tenant, d.tenant[r])
			groups[d.ids[r]] = append(groups[d.ids[r]], next)
			next++
		}
	}
	return out, groups
}

func labelsAt0(res []core.Neighbor) []int64 {
	var out []int64
	for _, n := range res {
		if n.Distance <= 1e-5 {
			out = append(out, n.ID)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// TestSupportDuplicate checks VSAG's support_duplicate: equal vectors are held as duplicates
// of the first (not linked), and searches return them all; removing the head keeps its
// duplicates findable, removing a duplicate hides it; adds, odescent builds, filters, range
// search and persistence keep the groups.
func TestSupportDuplicate(t *testing.T) {
	for _, gt := range []string{"nsw", "odescent"} {
		t.Run(gt, func(t *testing.T) {
			base := makeData(21, 2000, 20)
			d, groups := dupData(base, 3)
			idx := create(t, "l2", fmt.Sprintf(`,"support_duplicate":true,"graph_type":%q`, gt))
			half := len(base.ids) // the originals at build, the copies added after
			_, err := idx.Build(&core.Dataset{NumElements: half, Dim: dim, IDs: d.ids[:half], Float32: d.vecs[:half*dim], Paths: d.paths[:half]})
			require.NoError(t, err)
			_, err = idx.Add(&core.Dataset{NumElements: len(d.ids) - half, Dim: dim, IDs: d.ids[half:], Float32: d.vecs[half*dim:], Paths: d.paths[half:]})
			require.NoError(t, err)
			st := idx.Engine().(*pyramid.Index).Stats()
			require.Equal(t, 3*len(groups), st.Hierarchies[0].Levels[0].Duplicates, "every copy is a duplicate in the root graph")
			check := func(idx *core.Index, removed map[int64]bool) {
				for head, copies := range groups {
					r := rowOf(head)
					q := d.vecs[r*dim : (r+1)*dim]
					want := []int64{}
					for _, id := range append([]int64{head}, copies...) {
						if !removed[id] {
							want = append(want, id)
						}
					}
					sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
					// at the root every copy; in the tenant every copy; in the head's shop the
					// copies on its path
					require.Equal(t, want, labelsAt0(search(t, idx, q, 10, ef, nil)), "root, group of %d", head)
					require.Equal(t, want, labelsAt0(search(t, idx, q, 10, ef, map[string]string{"": fmt.Sprintf("t%d", d.tenant[r])})))
					shop := labelsAt0(search(t, idx, q, 10, ef, map[string]string{"": d.paths[r]}))
					for _, id := range shop {
						require.NotEqual(t, copies[0], id, "the copy on another shop")
					}
					// range search returns them too
					rr, err := idx.RangeSearchVector(q, 1e-4, ef, nil, -1)
					require.NoError(t, err)
					require.Equal(t, want, labelsAt0(rr))
				}
			}
			check(idx, nil)
			// remove some heads and some copies
			removed := map[int64]bool{}
			i := 0
			for head, copies := range groups {
				if i%2 == 0 {
					removed[head] = true
				} else {
					removed[copies[1]] = true
				}
				i++
			}
			var rm []int64
			for id := range removed {
				rm = append(rm, id)
			}
			_, err = idx.Remove(rm...)
			require.NoError(t, err)
			check(idx, removed)
			// an id filter that drops the heads behaves as removing them
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			loaded, err := core.Load(bytes.NewReader(buf.Bytes()))
			require.NoError(t, err)
			check(loaded, removed)
			require.Equal(t, idx.Engine().(*pyramid.Index).Stats(), loaded.Engine().(*pyramid.Index).Stats())
			// a file of a support_duplicate index loads only into one
			other := create(t, "l2", fmt.Sprintf(`,"graph_type":%q`, gt))
			require.Error(t, other.Deserialize(bytes.NewReader(buf.Bytes())))
		})
	}
}

// TestSupportDuplicateFilter drops heads with an id filter: their duplicates still come back.
func TestSupportDuplicateFilter(t *testing.T) {
	base := makeData(22, 1500, 10)
	d, groups := dupData(base, 2)
	idx := create(t, "l2", `,"support_duplicate":true`)
	build(t, idx, d)
	var heads []int64
	for h := range groups {
		heads = append(heads, h)
	}
	f := core.ExcludeIDsFilter(heads, int64(len(d.ids)))
	for head, copies := range groups {
		r := rowOf(head)
		res, err := idx.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: d.vecs[r*dim : (r+1)*dim]}, 10, ef, f)
		require.NoError(t, err)
		got := make([]core.Neighbor, len(res.IDs))
		for i := range res.IDs {
			got[i] = core.Neighbor{ID: res.IDs[i], Distance: res.Distances[i]}
		}
		want := append([]int64{}, copies...)
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		require.Equal(t, want, labelsAt0(got))
	}
}
