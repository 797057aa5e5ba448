package graph

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
	"github.com/govsag/vsag/core/topk"
)

func TestRouteLayersPruneStrictly(t *testing.T) {
	// pivot 0 and candidates 1, 2 and 10 on a line (squared distances 1, 4 and 100; 1 and 81
	// from the first): the strict rule drops 2 and 10, alpha 5 keeps 2 and the list is then
	// full; the route layers prune strictly whatever alpha, or tighter below 1
	q, err := quant.New("fp32", 2, metric.L2, quant.DefaultOptions())
	require.NoError(t, err)
	codes := store.NewCodes(q)
	for _, x := range []float32{0, 1, 2, 10} {
		codes.Append([]float32{x, 0})
	}
	for _, tc := range []struct {
		alpha     float32
		level     int
		want      []uint32
		wantAlpha float32
	}{
		{alpha: 5, level: 0, want: []uint32{1, 2}, wantAlpha: 5},
		{alpha: 5, level: 1, want: []uint32{1}, wantAlpha: 1},
		{alpha: 5, level: 3, want: []uint32{1}, wantAlpha: 1},
		{alpha: 1, level: 0, want: []uint32{1}, wantAlpha: 1},
		{alpha: 0.5, level: 2, want: []uint32{1}, wantAlpha: 0.5},
	} {
		b := &Builder{G: New(4), Quant: q, Slab: codes.Slab(), Alpha: tc.alpha, EfConstruction: 8}
		require.Equal(t, tc.wantAlpha, b.alphaAt(tc.level), "alpha %v level %d", tc.alpha, tc.level)
		w := b.NewWorker()
		cands := []topk.Item{{Dist: 1, ID: 1}, {Dist: 4, ID: 2}, {Dist: 100, ID: 3}}
		var got []uint32
		for _, it := range b.prune(w, cands, 2, b.alphaAt(tc.level)) {
			got = append(got, it.ID)
		}
		require.Equal(t, tc.want, got, "alpha %v level %d", tc.alpha, tc.level)
	}
}

func TestRelaxedGraphFindsTheQuerysCluster(t *testing.T) {
	// Gaussian clusters far apart, a small degree and a large alpha: the bottom lists fill with
	// near neighbours of the same cluster, so a search reaches its query's cluster through the
	// route layers, which keep their long edges. With 8 route neighbours the descent still
	// misses now and then (86 of 4 000 here; none at alpha 1, whose bottom lists keep long
	// edges to recover from it)
	const n, d, clusters, deg = 4000, 32, 16, 16
	q, err := quant.New("fp32", d, metric.L2, quant.DefaultOptions())
	require.NoError(t, err)
	codes := store.NewCodes(q)
	r := rand.New(rand.NewPCG(3, 4))
	centres := make([]float32, clusters*d)
	for i := range centres {
		centres[i] = float32(r.NormFloat64() * 20)
	}
	data := make([]float32, n*d)
	label := make([]int, n)
	for i := 0; i < n; i++ {
		c := r.IntN(clusters)
		label[i] = c
		for j := 0; j < d; j++ {
			data[i*d+j] = centres[c*d+j] + float32(r.NormFloat64())
		}
	}
	g := New(deg)
	for i := 0; i < n; i++ {
		codes.Append(data[i*d : (i+1)*d])
		g.AddNode(RandomLevel(1-r.Float64(), deg))
	}
	b := &Builder{G: g, Quant: q, Slab: codes.Slab(), Alpha: 4, EfConstruction: 32}
	w := b.NewWorker()
	for i := 0; i < n; i++ {
		b.Insert(w, uint32(i), g.NodeLevel(uint32(i)), data[i*d:(i+1)*d])
	}
	s := NewSearcher(deg)
	qc := q.NewComputer()
	missed := 0
	for i := 0; i < n; i++ {
		qc.SetQuery(data[i*d : (i+1)*d])
		res := s.Search(g, Space{Comp: qc, Slab: codes.Slab(), Stride: q.CodeSize()}, &Params{Ef: 32})
		if len(res) == 0 || label[res[0].ID] != label[i] {
			missed++
		}
	}
	// with the bottom layer's alpha on the route layers too, 730 of them (1 224 at alpha 2)
	require.LessOrEqual(t, missed, n/20, "searches that ended in another cluster than their query's")
}
