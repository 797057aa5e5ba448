package quant

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

func tqOptions(chain string, pcaDim, mrleDim int) Options {
	o := DefaultOptions()
	for _, s := range strings.Split(chain, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.Codebook.TQChain = append(o.Codebook.TQChain, s)
		}
	}
	o.Codebook.PCADim, o.Codebook.MRLEDim = pcaDim, mrleDim
	return o
}

func newTQ(t testing.TB, chain string, dim int, m metric.Kind, pcaDim, mrleDim int) *TQ {
	t.Helper()
	q, err := New("tq", dim, m, tqOptions(chain, pcaDim, mrleDim))
	require.NoError(t, err)
	return q.(*TQ)
}

// TestTQChains builds each chain, trains it and compares its distances with the exact ones:
// rotations keep distances (up to the terminal's error), mrle gives the distance of the kept
// coordinates, pca approximates well on data of low rank, and ranking by the codes then
// reranking the best few exactly finds the true neighbours.
func TestTQChains(t *testing.T) {
	const dim, n, nq, k = 48, 1500, 15, 10
	for _, tc := range []struct {
		chain       string
		pca, mrle   int
		m           metric.Kind
		maxRelErr   float64 // mean |est - exact| / deviation of the exact distances
		cand        int
		bounded     bool
		transformed int
	}{
		{"rom, fp32", 0, 0, metric.L2, 1e-5, 10, false, 48},
		{"fht, fp32", 0, 0, metric.IP, 1e-5, 10, false, 48},
		{"fht, rom, fp32", 0, 0, metric.Cosine, 1e-5, 10, false, 48},
		{"pca, fp32", 32, 0, metric.L2, 0.02, 20, false, 32},
		{"pca, fp32", 32, 0, metric.IP, 0.02, 20, false, 32},
		{"pca, rom, sq8_uniform", 24, 0, metric.L2, 0.05, 30, false, 24},
		{"fht, sq8", 0, 0, metric.L2, 0.01, 20, false, 48},
		{"rom, sq4_uniform", 0, 0, metric.IP, 0.1, 40, false, 48},
		{"fht, fp16", 0, 0, metric.L2, 1e-3, 10, false, 48},
		{"rom, bf16", 0, 0, metric.L2, 0.01, 10, false, 48},
		{"rom, sq4", 0, 0, metric.L2, 0.1, 40, false, 48},
		{"fht, rabitq", 0, 0, metric.L2, 0.3, 150, true, 48},
		{"pca, rom, rabitq", 32, 0, metric.L2, 0.3, 150, false, 32},
		{"mrle, rabitq", 0, 40, metric.L2, math.Inf(1), 150, false, 40},
		{"mrle, fp32", 0, 32, metric.L2, math.Inf(1), 10, false, 32},
		{"mrle, fht, fp32", 0, 32, metric.Cosine, math.Inf(1), 10, false, 32},
	} {
		t.Run(fmt.Sprintf("%s/%s/pca%d/mrle%d", tc.chain, tc.m, tc.pca, tc.mrle), func(t *testing.T) {
			all := lowRank(n+nq, dim, 12, 8, 21)
			if tc.m == metric.Cosine {
				normalizeRows(all, dim)
			}
			data, queries := all[:n*dim], all[n*dim:]
			q := newTQ(t, tc.chain, dim, tc.m, tc.pca, tc.mrle)
			require.Equal(t, tc.transformed, q.TransformedDim())
			require.Equal(t, q.Terminal().CodeSize(), q.CodeSize())
			if q.NeedTrain() {
				require.False(t, q.Trained())
				require.NoError(t, q.Train(data, n))
			}
			require.True(t, q.Trained())
			slab := encodeAll(q, data)
			c := q.NewComputer()
			_, isBounded := c.(Bounded)
			require.Equal(t, tc.bounded, isBounded)
			// the reference distance: the whole vectors, or for mrle their kept prefixes
			ref := func(a, b []float32) float32 {
				if tc.mrle == 0 {
					return metric.Reference(tc.m, a, b)
				}
				pa, pb := slices.Clone(a[:tc.mrle]), slices.Clone(b[:tc.mrle])
				if tc.m == metric.Cosine {
					metric.Normalize(pa)
					metric.Normalize(pb)
				}
				return metric.Reference(tc.m, pa, pb)
			}
			est := make([]float32, n)
			var errSum, sq, mean float64
			recall := 0.0
			for i := 0; i < nq; i++ {
				qv := queries[i*dim : (i+1)*dim]
				c.SetQuery(qv)
				c.DistanceRows(slab, est)
				exact := make([]float32, n)
				for j := range exact {
					exact[j] = ref(qv, data[j*dim:(j+1)*dim])
					errSum += math.Abs(float64(est[j] - exact[j]))
					sq += float64(exact[j]) * float64(exact[j])
					mean += float64(exact[j])
				}
				recall += rerankRecall(est, exact, k, tc.cand) / nq
			}
			cnt := float64(n * nq)
			mean /= cnt
			dev := math.Sqrt(sq/cnt - mean*mean)
			t.Logf("mean |error| %.3g of the distances' deviation; recall@%d after reranking %d: %.3f", errSum/cnt/dev, k, tc.cand, recall)
			require.Less(t, errSum/cnt/dev, tc.maxRelErr)
			require.GreaterOrEqual(t, recall, 0.95)
			// decoded vectors encode to the same code
			out := make([]float32, dim)
			code := make([]byte, q.CodeSize())
			if !strings.Contains(tc.chain, "sq") && !strings.Contains(tc.chain, "rabitq") {
				for j := 0; j < 5; j++ {
					q.Decode(out, slab[j*q.CodeSize():])
					q.Encode(code, out)
					c.SetQuery(out)
					require.InDelta(t, 0, c.Distance(code)-c.Distance(slab[j*q.CodeSize():]), 1e-3)
				}
			}
		})
	}
}

// rerankRecall returns the recall@k of ranking by est, reranking the best cand by exact.
func rerankRecall(est, exact []float32, k, cand int) float64 {
	order := make([]int, len(est))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmpF(est[a], est[b]) })
	top := slices.Clone(order[:cand])
	slices.SortFunc(top, func(a, b int) int { return cmpF(exact[a], exact[b]) })
	slices.SortFunc(order, func(a, b int) int { return cmpF(exact[a], exact[b]) })
	hit := 0
	for _, a := range top[:k] {
		if slices.Contains(order[:k], a) {
			hit++
		}
	}
	return float64(hit) / float64(k)
}

func cmpF(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestTQErrors: chain and dimension errors are INVALID_ARGUMENT with VSAG's wording.
func TestTQErrors(t *testing.T) {
	for _, tc := range []struct {
		chain     string
		pca, mrle int
		msg       string
	}{
		{"", 0, 0, "must contains 1 or more transformer and 1 quantizer"},
		{"rom", 0, 0, "must contains 1 or more transformer and 1 quantizer"},
		{"rom, int8", 0, 0, `base quantizer: "int8" is invalid`},
		{"rom, tq", 0, 0, `base quantizer: "tq" is invalid`},
		{"rom, leanvec", 0, 0, `base quantizer: "leanvec" is invalid`},
		{"rom, fp32, fp32", 0, 0, "invalid transformer name fp32"},
		{"residual, fp32", 0, 0, "invalid transformer name residual"},
		{"rom, mrle, fp32", 0, 8, "MRLE must be first if exists"},
		{"mrle, fp32", 0, 40, "mrle dim must be less than input dim"},
		{"mrle, pca, fp32", 24, 16, "pca dim 24 must not exceed its input dim 16"},
	} {
		_, err := New("tq", 32, metric.L2, tqOptions(tc.chain, tc.pca, tc.mrle))
		require.Error(t, err, tc.chain)
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), tc.chain)
		require.Contains(t, err.Error(), tc.msg, tc.chain)
	}
	// mrle alone with fp32 learns nothing
	q := newTQ(t, "mrle, fp32", 32, metric.L2, 0, 8)
	require.False(t, q.NeedTrain())
	require.True(t, q.Trained())
	require.Equal(t, []string{"mrle", "fp32"}, q.Chain())
}

// TestTQSerialization: a round trip gives the same codes and distances; hostile states are
// INVALID_BINARY and change nothing.
func TestTQSerialization(t *testing.T) {
	const dim, n = 32, 300
	data := lowRank(n, dim, 8, 4, 5)
	for _, tc := range []struct {
		chain     string
		pca, mrle int
	}{
		{"pca, rom, sq8_uniform", 16, 0}, {"fht, rabitq", 0, 0}, {"mrle, fht, fp32", 0, 24}, {"mrle, fp32", 0, 16},
	} {
		q := newTQ(t, tc.chain, dim, metric.IP, tc.pca, tc.mrle)
		if q.NeedTrain() {
			_, err := q.MarshalBinary()
			require.Equal(t, api.WrongStatus, api.CodeOf(err), tc.chain)
		}
		require.NoError(t, q.Train(data, n))
		blob, err := q.MarshalBinary()
		require.NoError(t, err)
		p := newTQ(t, tc.chain, dim, metric.IP, tc.pca, tc.mrle)
		require.NoError(t, p.UnmarshalBinary(blob))
		require.True(t, p.Trained())
		require.Equal(t, encodeAll(q, data), encodeAll(p, data), tc.chain)
		cq, cp := q.NewComputer(), p.NewComputer()
		cq.SetQuery(data[:dim])
		cp.SetQuery(data[:dim])
		code := encodeAll(q, data[dim:2*dim])
		require.Equal(t, cq.Distance(code), cp.Distance(code))

		bad := map[string][]byte{
			"empty":     {},
			"truncated": blob[:len(blob)-1],
			"trailing":  append(slices.Clone(blob), 1),
			"tag":       append([]byte("XXXX"), blob[4:]...),
		}
		if len(blob) > 12 {
			stages := slices.Clone(blob)
			stages[8]++
			bad["stages"] = stages
		}
		for name, b := range bad {
			r := newTQ(t, tc.chain, dim, metric.IP, tc.pca, tc.mrle)
			err := r.UnmarshalBinary(b)
			require.Error(t, err, "%s %s", tc.chain, name)
			require.Equal(t, api.InvalidBinary, api.CodeOf(err), "%s %s", tc.chain, name)
			require.Equal(t, !r.NeedTrain(), r.Trained(), "%s %s: nothing changed", tc.chain, name)
		}
	}
	// a state of another chain is refused
	a := newTQ(t, "fht, fp32", dim, metric.L2, 0, 0)
	require.NoError(t, a.Train(data, n))
	blob, err := a.MarshalBinary()
	require.NoError(t, err)
	b := newTQ(t, "rom, fp32", dim, metric.L2, 0, 0)
	require.Equal(t, api.InvalidBinary, api.CodeOf(b.UnmarshalBinary(blob)))
}

func FuzzTQUnmarshal(f *testing.F) {
	const dim = 12
	data := lowRank(40, dim, 4, 2, 1)
	chains := []string{"pca, fht, sq8", "rom, rabitq"}
	for i, ch := range chains {
		q := newTQ(f, ch, dim, metric.L2, 8, 0)
		require.NoError(f, q.Train(data, 40))
		blob, err := q.MarshalBinary()
		require.NoError(f, err)
		f.Add(blob, uint8(i))
	}
	f.Fuzz(func(t *testing.T, b []byte, which uint8) {
		q := newTQ(t, chains[int(which)%len(chains)], dim, metric.L2, 8, 0)
		if err := q.UnmarshalBinary(b); err != nil {
			require.Equal(t, api.InvalidBinary, api.CodeOf(err))
			require.False(t, q.Trained())
			return
		}
		code := make([]byte, q.CodeSize())
		q.Encode(code, data[:dim])
		c := q.NewComputer()
		c.SetQuery(data[dim : 2*dim])
		_ = c.Distance(code)
		q.Decode(make([]float32, dim), code)
	})
}
