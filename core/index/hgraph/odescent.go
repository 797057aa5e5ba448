package hgraph

import (
	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/params"
)

// odescentKeys fills in and validates the graph_type "odescent" keys through
// params.ParseODescentKeys (shared with pyramid): graph_iter_turn (1..1000),
// neighbor_sample_rate (0..1, above 0), min_in_degree (0..max_degree), build_block_size
// (1..2^30), and alpha, whose default is 1.2 there (VSAG reads the same key for both builders
// and fills 1.2 into the ODescent block). With another graph_type the odescent keys are refused.
func (p *Params) odescentKeys(raw json.RawMessage) error {
	k, err := params.ParseODescentKeys(raw, p.GraphType == "odescent", p.MaxDegree)
	if err != nil || p.GraphType != "odescent" {
		return err
	}
	if !k.AlphaGiven {
		p.Alpha = params.ODescentAlpha
	}
	p.GraphIterTurn, p.NeighborSampleRate = k.GraphIterTurn, k.NeighborSampleRate
	p.MinInDegree, p.BuildBlockSize = k.MinInDegree, k.BuildBlockSize
	return nil
}

// linkODescent links the nodes of a Build on an odescent index: ODescent over all of them at
// once (graph.BuildODescent) on the build threads, with the distances of the codes the nsw
// build prunes with. When the graph already has an entry point (an Add ran meanwhile), or the
// machine cannot hold the build's working memory, the nodes are inserted as nsw does instead.
//
// The shared lock is held for the whole build (the code slabs must stay put), so a writer that
// comes meanwhile waits for it, and the searches queued behind that writer too; until this
// first batch is linked the index has no graph to search anyway.
func (x *Index) linkODescent(pending []pendingNode, vectors []float32) error {
	if len(pending) == 0 {
		return nil
	}
	linked := false
	if err := x.underShared(func() error {
		_, _, linked = x.g.Entry()
		return nil
	}); err != nil || linked {
		return x.linkAll(pending, vectors)
	}
	// The build's own lists and pools live for its while only; a machine that cannot hold them
	// still gets its graph, by insertion.
	if memguard.Check(graph.ODescentMemory(int64(len(pending)), x.p.MaxDegree, x.p.NeighborSampleRate), "hgraph: odescent build") != nil {
		return x.linkAll(pending, vectors)
	}
	return x.underShared(func() error {
		nodes := make([]uint32, len(pending))
		levels := make([]int, len(pending))
		for i, pn := range pending {
			nodes[i], levels[i] = pn.id, int(pn.level)
		}
		b := x.builder()
		err := b.BuildODescent(nodes, levels, &graph.ODescentParams{
			Turns: x.p.GraphIterTurn, SampleRate: x.p.NeighborSampleRate, MinInDegree: x.p.MinInDegree,
			BlockSize: x.p.BuildBlockSize, Alpha: float32(x.p.Alpha), Threads: x.threads,
			Seed: 0x0de5ce47 ^ uint64(len(pending))<<32, OnTurn: x.odescentProgress(len(pending)),
		})
		x.sinceRepair.Store(0)
		return err
	})
}
