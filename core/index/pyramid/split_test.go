package pyramid_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/metric"
)

// TestRaBitQSplit builds on rabitq's split layout (base records of 1 bit per dimension searched,
// rest records of 6 more reranking with them): tenant searches find their neighbours, distances
// by id are the 7-bit estimates, and a saved file, a clone and an exported model's build search
// alike.
func TestRaBitQSplit(t *testing.T) {
	const extra = `,"base_quantization_type":"rabitq","use_reorder":true,"precise_quantization_type":"rabitq","rabitq_version":"split","rabitq_bits_per_dim_precise":6`
	for _, gt := range []string{"nsw", "odescent"} {
		t.Run(gt, func(t *testing.T) {
			d := makeData(41, 3000, 20)
			queries := nearQueries(d, 30)
			idx := create(t, "l2", extra+fmt.Sprintf(`,"graph_type":%q`, gt))
			build(t, idx, d)
			p := `{"pyramid":{"ef_search":100}}`
			hit, total := 0, 0
			for i := range queries.tenant {
				q := queries.vecs[i*dim : (i+1)*dim]
				tn := queries.tenant[i]
				got := search(t, idx, q, 10, p, map[string]string{"": fmt.Sprintf("t%d", tn)})
				for _, g := range got {
					require.Equal(t, tn, d.tenant[rowOf(g.ID)])
				}
				h, n := recall(got, exact("l2", d, q, 10, func(r int) bool { return d.tenant[r] == tn }))
				hit, total = hit+h, total+n
			}
			require.GreaterOrEqual(t, float64(hit)/float64(total), 0.9)
			q := queries.vecs[:dim]
			dist, err := idx.CalcDistanceByID(q, d.ids[5])
			require.NoError(t, err)
			want := metric.Reference(metric.L2, q, d.vecs[5*dim:6*dim])
			require.InDelta(t, want, dist, 0.05*float64(want)+0.5)
			var buf bytes.Buffer
			require.NoError(t, idx.Serialize(&buf))
			loaded, err := core.Load(bytes.NewReader(buf.Bytes()))
			require.NoError(t, err)
			m, err := idx.ExportModel()
			require.NoError(t, err)
			build(t, m, d)
			for i := 0; i < 5; i++ {
				q := queries.vecs[i*dim : (i+1)*dim]
				path := map[string]string{"": fmt.Sprintf("t%d", queries.tenant[i])}
				want := search(t, idx, q, 10, p, path)
				require.Equal(t, want, search(t, loaded, q, 10, p, path))
				require.Equal(t, want, search(t, m, q, 10, p, path))
			}
		})
	}
}
