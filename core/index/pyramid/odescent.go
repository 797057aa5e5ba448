package pyramid

import (
	"sort"

	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/internal/parallel"
)

// odescentBig is the group size from which one sub-graph's ODescent build takes every build
// thread; smaller groups are built side by side, one thread each.
const odescentBig = 4096

// linkODescent links the nodes of a Build on an odescent index: each sub-graph that got nodes
// is built at once by ODescent (graph.BuildODescent, the builder hgraph uses) over its group,
// with the distances of the codes the nsw build prunes with, as VSAG's pyramid builds every
// node's graph by ODescent. A graph that was linked meanwhile (an Add ran during the build)
// takes its nodes by insertion, as does every graph when the machine cannot hold the largest
// build's working memory.
//
// The shared lock is held for each build (the code slabs must stay put); until the build's
// graphs are ready, searches scan their groups.
func (x *Index) linkODescent(pending []pendingLink, vectors []float32) error {
	if len(pending) == 0 {
		return nil
	}
	byNode := map[*node][]pendingLink{}
	var order []*node
	for _, pl := range pending {
		if _, ok := byNode[pl.n]; !ok {
			order = append(order, pl.n)
		}
		byNode[pl.n] = append(byNode[pl.n], pl)
	}
	sort.SliceStable(order, func(i, j int) bool { return len(byNode[order[i]]) > len(byNode[order[j]]) })
	largest := len(byNode[order[0]])
	if memguard.Check(graph.ODescentMemory(int64(largest), x.p.MaxDegree, x.p.od.NeighborSampleRate)*int64(max(1, min(x.threads, len(order)))), "pyramid: odescent build") != nil {
		return x.linkAll(pending, vectors)
	}
	var rest []pendingLink
	err := x.underShared(func() error {
		var od []*node
		for _, n := range order {
			if _, _, ok := n.g.Entry(); ok {
				rest = append(rest, byNode[n]...)
			} else {
				od = append(od, n)
			}
		}
		lk := x.newLinker(1)
		build := func(n *node, threads int) error {
			pls := byNode[n]
			nodes := make([]uint32, len(pls))
			levels := make([]int, len(pls))
			for i, pl := range pls {
				nodes[i], levels[i] = pl.local, int(pl.level)
			}
			h := x.hierOf(n)
			b := lk.builder(n)
			err := b.BuildODescent(nodes, levels, &graph.ODescentParams{
				Turns: x.p.od.GraphIterTurn, SampleRate: x.p.od.NeighborSampleRate, MinInDegree: x.p.od.MinInDegree,
				BlockSize: x.p.od.BuildBlockSize, Alpha: float32(h.hp.Alpha), Threads: threads,
				Seed: 0x0de5ce47 ^ uint64(len(nodes))<<32 ^ uint64(n.level),
			})
			n.sinceRepair.Store(0)
			n.ready.Store(true)
			return err
		}
		i := 0
		for ; i < len(od) && len(byNode[od[i]]) >= odescentBig; i++ {
			if err := build(od[i], x.threads); err != nil {
				return err
			}
		}
		small := od[i:]
		return parallel.For(len(small), x.threads, func(_, j int) error { return build(small[j], 1) })
	})
	if err != nil {
		return err
	}
	return x.linkAll(rest, vectors)
}
