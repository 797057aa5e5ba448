// Command pyramid is one index for many tenants: every vector carries its tenant's path
// ("tenant/shop"), and a search names its tenant's path, so it runs on that tenant's own graph
// and never returns another tenant's vectors. A second hierarchy partitions the same vectors
// by category; a search can join both subtrees (hierarchy_op intersection or union).
package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/govsag/vsag/core"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pyramid:", err)
		os.Exit(1)
	}
}

func run() error {
	const dim, n, tenants = 16, 4000, 40
	r := rand.New(rand.NewPCG(1, 2))
	vecs := make([]float32, n*dim)
	for i := range vecs {
		vecs[i] = r.Float32()
	}
	ids := make([]int64, n)
	tenant := make([]int, n)
	shops := make([]string, n)
	cats := make([]string, n)
	for i := range ids {
		ids[i] = int64(i)
		// skewed tenants: tenant t holds about 1/(t+1) of the rows
		tenant[i] = min(tenants-1, int(math.Exp(r.Float64()*math.Log(tenants+1)))-1)
		shops[i] = fmt.Sprintf("tenant%d/shop%d", tenant[i], i%3)
		cats[i] = fmt.Sprintf("cat%d", i%4)
	}
	idx, err := core.CreateIndex("pyramid", fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":%d,
		"index_param":{"max_degree":16,"ef_construction":100,"index_min_size":32,"hierarchies":["shop","category"]}}`, dim))
	if err != nil {
		return err
	}
	if _, err := idx.Build(&core.Dataset{NumElements: n, Dim: dim, IDs: ids, Float32: vecs,
		HierarchyPaths: map[string][]string{"shop": shops, "category": cats}}); err != nil {
		return err
	}
	q := vecs[7*dim : 8*dim]
	mine := fmt.Sprintf("tenant%d", tenant[7])
	search := func(params string, paths map[string]string) ([]int64, error) {
		ds := &core.Dataset{NumElements: 1, Dim: dim, Float32: q, HierarchyPaths: map[string][]string{}}
		for h, p := range paths {
			ds.HierarchyPaths[h] = []string{p}
		}
		res, err := idx.KnnSearch(ds, 5, params, nil)
		if err != nil {
			return nil, err
		}
		return res.IDs, nil
	}
	got, err := search(`{"pyramid":{"ef_search":64}}`, map[string]string{"shop": mine})
	if err != nil {
		return err
	}
	fmt.Printf("%s: %v\n", mine, got)
	for _, id := range got {
		if tenant[id] != tenant[7] {
			return fmt.Errorf("label %d is not %s's", id, mine)
		}
	}
	both, err := search(`{"pyramid":{"ef_search":64,"hierarchy_op":"intersection"}}`, map[string]string{"shop": mine, "category": "cat3"})
	if err != nil {
		return err
	}
	fmt.Printf("%s and cat3: %v\n", mine, both)
	for _, id := range both {
		if tenant[id] != tenant[7] || id%4 != 3 {
			return fmt.Errorf("label %d is not in %s and cat3", id, mine)
		}
	}
	// the trees are saved with the index
	var buf bytes.Buffer
	if err := idx.Serialize(&buf); err != nil {
		return err
	}
	loaded, err := core.Load(&buf)
	if err != nil {
		return err
	}
	res, err := loaded.KnnSearch(&core.Dataset{NumElements: 1, Dim: dim, Float32: q, HierarchyPaths: map[string][]string{"shop": {mine}}}, 5, `{"pyramid":{"ef_search":64}}`, nil)
	if err != nil {
		return err
	}
	fmt.Printf("loaded, %s: %v\n", mine, res.IDs)
	return nil
}
