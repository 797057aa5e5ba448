package hgraph

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
)

// TestProductQuantizedBase builds hgraph on pq and pqfs base codes of 16 bytes (base_pq_dim 16
// and 32 of dim 32) with fp32 re-ranking, for every metric, and checks recall@10 with and without the re-ranking
// step, that re-ranked distances are exact, and that a save/load round trip answers alike.
func TestProductQuantizedBase(t *testing.T) {
	const n, nq, d, k, ef = 2000, 30, 32, 10, 80
	pqDim := map[string]int{"pq": 16, "pqfs": 32}
	for _, base := range []string{"pq", "pqfs"} {
		for _, mt := range []metric.Kind{metric.L2, metric.IP, metric.Cosine} {
			t.Run(fmt.Sprintf("%s/%s", base, mt), func(t *testing.T) {
				all := clustered(41, n+nq, d, 20)
				if mt != metric.L2 {
					normalizeRows(all, d)
				}
				data, queries := all[:n*d], all[n*d:]
				js := fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{"base_quantization_type":%q,"base_pq_dim":%d,"max_degree":16,"ef_construction":100,"use_reorder":true,"precise_quantization_type":"fp32"}}`, mt, d, base, pqDim[base])
				c, err := params.ParseCreate(Name, js)
				require.NoError(t, err)
				x, err := New(c)
				require.NoError(t, err)
				require.True(t, x.NeedsTraining())
				failed, err := x.Build(data, seq(0, n), nil)
				require.NoError(t, err)
				require.Empty(t, failed)

				withReorder := meanRecall(t, x, mt, data, queries, d, k, ef, nil)
				var baseOnly float64
				noReorder := &api.SearchOptions{Block: []byte(fmt.Sprintf(`{"ef_search":%d,"enable_reorder":false}`, ef)), Parallelism: 1}
				for i := 0; i < nq; i++ {
					q := queries[i*d : (i+1)*d]
					got, err := x.KnnSearch(q, k, noReorder)
					require.NoError(t, err)
					baseOnly += recallOf(got, oracle(mt, data, d, q, k, nil)) / nq
					got, err = x.KnnSearch(q, k, searchOpts(ef))
					require.NoError(t, err)
					for _, g := range got {
						require.InDelta(t, metric.Reference(mt, q, data[int(g.ID)*d:int(g.ID+1)*d]), g.Distance, 1e-4)
					}
				}
				t.Logf("recall@%d with fp32 reorder %.3f, %s codes alone %.3f", k, withReorder, base, baseOnly)
				require.GreaterOrEqual(t, withReorder, 0.9)
				// unit vectors crowd their neighbours closer than 16-byte codes resolve
				require.GreaterOrEqual(t, baseOnly, map[metric.Kind]float64{metric.L2: 0.7, metric.IP: 0.45, metric.Cosine: 0.45}[mt])

				f := &serial.File{}
				require.NoError(t, x.Save(f))
				y, err := New(c)
				require.NoError(t, err)
				require.NoError(t, y.Load(f))
				for _, opts := range []*api.SearchOptions{searchOpts(ef), noReorder} {
					a, err := x.KnnSearch(queries[:d], k, opts)
					require.NoError(t, err)
					b, err := y.KnnSearch(queries[:d], k, opts)
					require.NoError(t, err)
					require.Equal(t, a, b)
				}
			})
		}
	}
}

// TestProductQuantizedBaseParams: base_pq_dim must divide dim.
func TestProductQuantizedBaseParams(t *testing.T) {
	for _, base := range []string{"pq", "pqfs"} {
		js := fmt.Sprintf(`{"dtype":"float32","metric_type":"l2","dim":30,"index_param":{"base_quantization_type":%q,"base_pq_dim":7}}`, base)
		c, err := params.ParseCreate(Name, js)
		if err == nil {
			_, err = New(c)
		}
		require.Error(t, err, base)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err))
		require.Contains(t, err.Error(), "pq_dim(7) does not divide evenly into dim(30)")
	}
}

// TestLoadOtherPQDimIsInvalidArgument: a file of another base_pq_dim is refused naming the
// setting, not read as a broken file.
func TestLoadOtherPQDimIsInvalidArgument(t *testing.T) {
	d := 16
	data := clustered(9, 300, d, 4)
	x := newIndex(t, "l2", d, `,"base_quantization_type":"pq","base_pq_dim":8`)
	_, err := x.Build(data, seq(0, 300), nil)
	require.NoError(t, err)
	var buf bytes.Buffer
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	require.NoError(t, serial.Write(&buf, f))
	y := newIndex(t, "l2", d, `,"base_quantization_type":"pq","base_pq_dim":4`)
	rf, err := serial.NewReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	err = y.Load(rf)
	require.Equal(t, api.InvalidArgument, api.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), "base_pq_dim")
}
