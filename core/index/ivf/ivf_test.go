package ivf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/topk"
	"github.com/govsag/vsag/internal/dataset"
)

func seq(n int) []int64 {
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)
	}
	return ids
}

func create(m string, d int, block string) (*params.Create, error) {
	return params.ParseCreate(Name, fmt.Sprintf(`{"dtype":"float32","metric_type":%q,"dim":%d,"index_param":{%s}}`, m, d, block))
}

func mustIndex(t testing.TB, m string, d int, block string) *Index {
	t.Helper()
	c, err := create(m, d, block)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	return x
}

func exact(data []float32, d int, q []float32, k int) []int64 {
	type pair struct {
		d float32
		i int64
	}
	ps := make([]pair, len(data)/d)
	for i := range ps {
		ps[i] = pair{metric.Reference(metric.L2, q, data[i*d:(i+1)*d]), int64(i)}
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].d < ps[b].d })
	out := make([]int64, k)
	for i := range out {
		out[i] = ps[i].i
	}
	return out
}

func recall(t testing.TB, x *Index, data, queries []float32, d, k int, block string) float64 {
	t.Helper()
	hit, total := 0, 0
	for q := 0; q < len(queries)/d; q++ {
		qv := queries[q*d : (q+1)*d]
		ns, err := x.KnnSearch(qv, k, &api.SearchOptions{Block: []byte(block), Parallelism: 1})
		require.NoError(t, err)
		want := map[int64]bool{}
		for _, id := range exact(data, d, qv, k) {
			want[id] = true
		}
		for _, n := range ns {
			if want[n.ID] {
				hit++
			}
		}
		total += k
	}
	return float64(hit) / float64(total)
}

func TestParamsValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		dtype, block string
		code         api.ErrorCode
		msg          string
	}{
		"int8 refused":          {"int8", `"buckets_count":4`, api.InvalidArgument, "int8"},
		"zero buckets":          {"float32", `"buckets_count":0`, api.InvalidArgument, "buckets_count"},
		"unknown key":           {"float32", `"nlist":4`, api.InvalidArgument, "nlist"},
		"bad train type":        {"float32", `"ivf_train_type":"pq"`, api.InvalidArgument, "ivf_train_type"},
		"gno_imi needs first":   {"float32", `"partition_strategy_type":"gno_imi"`, api.InvalidArgument, "first_order_buckets_count"},
		"first order needs gno": {"float32", `"first_order_buckets_count":4`, api.InvalidArgument, "gno_imi"},
		"bucket layout reorder": {"float32", `"precise_codes_layout":"bucket"`, api.InvalidArgument, "use_reorder"},
		"bucket layout bpd":     {"float32", `"precise_codes_layout":"bucket","use_reorder":true,"buckets_per_data":2`, api.InvalidArgument, "buckets_per_data=1"},
		"bad layout":            {"float32", `"precise_codes_layout":"row"`, api.InvalidArgument, "precise_codes_layout"},
		"route degree":          {"float32", `"route_max_degree":2`, api.InvalidArgument, "route_max_degree"},
		"route ef":              {"float32", `"route_max_degree":64,"route_ef_construction":10`, api.InvalidArgument, "route_ef_construction"},
		"negative threshold":    {"float32", `"graph_build_threshold":-1`, api.InvalidArgument, "non-negative"},
		"bpd above buckets":     {"float32", `"buckets_count":2,"buckets_per_data":3`, api.InvalidArgument, "buckets_per_data"},
		"pq dim divides":        {"float32", `"base_quantization_type":"fp32","base_pq_dim":5`, 0, ""},
		"io type":               {"float32", `"base_io_type":"mmap_io"`, api.InvalidArgument, "base_io_type"},
	} {
		t.Run(name, func(t *testing.T) {
			c, err := params.ParseCreate(Name, fmt.Sprintf(`{"dtype":%q,"metric_type":"l2","dim":16,"index_param":{%s}}`, tc.dtype, tc.block))
			if err == nil {
				_, err = New(c)
			}
			if tc.code == 0 {
				require.NoError(t, err)
				return
			}
			require.Equal(t, tc.code, api.CodeOf(err), "%v", err)
			require.Contains(t, err.Error(), tc.msg)
		})
	}
	c, err := create("l2", 16, `"partition_strategy_type":"gno_imi","first_order_buckets_count":3,"second_order_buckets_count":5`)
	require.NoError(t, err)
	x, err := New(c)
	require.NoError(t, err)
	require.Equal(t, 15, x.BucketCount())
	c, err = create("l2", 16, `"partition_strategy_type":"gno_imi","first_order_buckets_count":3`)
	require.NoError(t, err)
	x, err = New(c)
	require.NoError(t, err)
	require.Equal(t, 9, x.BucketCount(), "second_order_buckets_count defaults to the first")
	require.Equal(t, 65536, x.p.TrainSampleCount)
	x = mustIndex(t, "l2", 4, `"buckets_count":2000`)
	require.Equal(t, 128000, x.p.TrainSampleCount, "64 samples per bucket above 1024 buckets")
}

func TestSearchValidation(t *testing.T) {
	d := 8
	data := dataset.Clustered(400, d, 8, 1)
	x := mustIndex(t, "l2", d, `"buckets_count":8`)
	_, err := x.Build(data, seq(400), nil)
	require.NoError(t, err)
	for block, msg := range map[string]string{
		`{}`:                                    "scan_buckets_count",
		`{"scan_buckets_count":0}`:              "scan_buckets_count",
		`{"scan_buckets_count":9}`:              "scan_buckets_count",
		`{"scan_buckets_count":2,"factor":0.5}`: "factor",
		`{"scan_buckets_count":2,"first_order_scan_ratio":2}`: "first_order_scan_ratio",
		`{"scan_buckets_count":2,"nprobe":2}`:                 "nprobe",
	} {
		_, err := x.KnnSearch(data[:d], 3, &api.SearchOptions{Block: []byte(block), Parallelism: 1})
		require.Equal(t, api.InvalidArgument, api.CodeOf(err), block)
		require.Contains(t, err.Error(), msg, block)
	}
}

// TestRecallGrowsWithProbes: more buckets scanned, better recall; all buckets is exact.
func TestRecallGrowsWithProbes(t *testing.T) {
	d, n := 16, 3000
	data := dataset.Clustered(n+50, d, 30, 2)
	base, queries := data[:n*d], data[n*d:]
	for _, block := range []string{`"buckets_count":32`, `"buckets_count":32,"ivf_train_type":"random"`, `"buckets_count":32,"use_residual":true,"base_quantization_type":"sq8"`} {
		x := mustIndex(t, "l2", d, block+`,"thread_count":2`)
		_, err := x.Build(base, seq(n), nil)
		require.NoError(t, err)
		prev := 0.0
		for _, probe := range []int{1, 4, 32} {
			r := recall(t, x, base, queries, d, 10, fmt.Sprintf(`{"scan_buckets_count":%d}`, probe))
			require.GreaterOrEqual(t, r, prev, "%s probe %d", block, probe)
			prev = r
		}
		if block == `"buckets_count":32` || block == `"buckets_count":32,"ivf_train_type":"random"` {
			require.Equal(t, 1.0, prev, "%s: every bucket scanned is exact", block)
		} else {
			require.Greater(t, prev, 0.9, block)
		}
	}
}

// TestRouteGraph: with many buckets the centroids are searched through a graph, which finds
// nearly the buckets an exact scan finds.
func TestRouteGraph(t *testing.T) {
	d, n := 8, 6000
	data := dataset.Clustered(n+40, d, 50, 3)
	base, queries := data[:n*d], data[n*d:]
	x := mustIndex(t, "l2", d, `"buckets_count":2048,"ivf_train_type":"random","route_max_degree":16,"route_ef_construction":64,"thread_count":2`)
	_, err := x.Build(base, seq(n), nil)
	require.NoError(t, err)
	fp := x.part.(*flatPartition)
	require.NotNil(t, fp.graph, "a route graph above %d buckets", routeGraphMin)
	same, total := 0, 0
	for q := 0; q < 40; q++ {
		qv := queries[q*d : (q+1)*d]
		got := fp.route(qv, &search{scan: 16, ef: 64}, nil)
		dist := make([]float32, 2048)
		distanceRows(metric.L2, qv, fp.cents, d, dist)
		want := nearest(dist, 16, topk.NewMaxHeap(16), nil)
		in := map[uint32]bool{}
		for _, b := range want {
			in[b] = true
		}
		for _, b := range got {
			if in[b] {
				same++
			}
		}
		total += 16
	}
	require.Greater(t, float64(same)/float64(total), 0.9)
	require.Greater(t, recall(t, x, base, queries, d, 10, `{"scan_buckets_count":64,"ef_search":128}`), 0.8)
}

func TestBucketIDsAndTimeout(t *testing.T) {
	d := 8
	data := dataset.Clustered(800, d, 8, 4)
	x := mustIndex(t, "l2", d, `"buckets_count":8`)
	_, err := x.Build(data, seq(800), nil)
	require.NoError(t, err)
	block := []byte(`{"scan_buckets_count":8}`)
	for b := 0; b < 8; b++ {
		ns, err := x.KnnSearch(data[:d], 800, &api.SearchOptions{Block: block, Parallelism: 1, BucketIDs: []int64{int64(b)}})
		require.NoError(t, err)
		require.Len(t, ns, len(x.buckets[b].rows))
		for _, n := range ns {
			require.Equal(t, uint64(b), x.loc[n.ID]>>32)
		}
	}
	_, err = x.KnnSearch(data[:d], 3, &api.SearchOptions{Block: block, Parallelism: 1, BucketIDs: []int64{8}})
	require.Equal(t, api.InvalidArgument, api.CodeOf(err))
	stats := &api.SearchStats{}
	ns, err := x.KnnSearch(data[:d], 5, &api.SearchOptions{Block: block, Parallelism: 1, Deadline: time.Now().Add(-time.Second), Stats: stats})
	require.NoError(t, err)
	require.True(t, stats.TimedOut)
	require.EqualValues(t, 1, stats.Hops, "the first bucket is always scanned")
	require.NotEmpty(t, ns)
}

func TestPersistRoundTripAndHostileBytes(t *testing.T) {
	d := 8
	data := dataset.Clustered(600, d, 8, 5)
	for _, block := range []string{
		`"buckets_count":8`,
		`"buckets_count":8,"use_reorder":true,"base_quantization_type":"sq8","precise_codes_layout":"bucket"`,
		`"partition_strategy_type":"gno_imi","first_order_buckets_count":3,"buckets_per_data":2,"use_residual":true`,
	} {
		x := mustIndex(t, "ip", d, block)
		_, err := x.Build(data, seq(600), nil)
		require.NoError(t, err)
		_, err = x.Remove([]int64{3, 4})
		require.NoError(t, err)
		var buf bytes.Buffer
		f := &serial.File{}
		require.NoError(t, x.Save(f))
		require.NoError(t, serial.Write(&buf, f))
		raw := buf.Bytes()
		y := mustIndex(t, "ip", d, block)
		rf, err := serial.NewReader(bytes.NewReader(raw))
		require.NoError(t, err)
		require.NoError(t, y.Load(rf))
		sb := []byte(`{"scan_buckets_count":3}`)
		for q := 0; q < 20; q++ {
			a, err := x.KnnSearch(data[q*d:(q+1)*d], 10, &api.SearchOptions{Block: sb, Parallelism: 1})
			require.NoError(t, err)
			b, err := y.KnnSearch(data[q*d:(q+1)*d], 10, &api.SearchOptions{Block: sb, Parallelism: 1})
			require.NoError(t, err)
			require.Equal(t, a, b, block)
		}
		// truncated and flipped files are errors, never panics
		for cut := 0; cut < len(raw); cut += max(1, len(raw)/40) {
			z := mustIndex(t, "ip", d, block)
			if rf, err := serial.NewReader(bytes.NewReader(raw[:cut])); err == nil {
				err := z.Load(rf)
				if err == nil {
					err = rf.Finish()
				}
				require.Error(t, err, "cut at %d of %d", cut, len(raw))
			}
		}
		other := mustIndex(t, "ip", d, `"buckets_count":9`)
		rf, err = serial.NewReader(bytes.NewReader(raw))
		require.NoError(t, err)
		require.Equal(t, api.InvalidArgument, api.CodeOf(other.Load(rf)))
	}
}

// TestBucketGraphs: buckets of graph_build_threshold rows are searched through graphs, which
// grow with later adds, survive a save and load, and skip removed rows.
func TestBucketGraphs(t *testing.T) {
	d, n := 16, 4000
	data := dataset.Clustered(n+40, d, 8, 6)
	base, queries := data[:n*d], data[n*d:]
	x := mustIndex(t, "l2", d, `"buckets_count":8,"graph_build_threshold":150,"thread_count":2`)
	_, err := x.Build(base[:n/2*d], seq(n/2), nil)
	require.NoError(t, err)
	graphs := 0
	for b := range x.buckets {
		if bg := x.buckets[b].graph; bg != nil {
			graphs++
			require.Equal(t, len(x.buckets[b].rows), bg.n)
		}
	}
	require.Positive(t, graphs)
	ids := seq(n)
	_, err = x.Add(base[n/2*d:], ids[n/2:], nil)
	require.NoError(t, err)
	for b := range x.buckets {
		if len(x.buckets[b].rows) >= 150 {
			require.NotNil(t, x.buckets[b].graph)
			require.Equal(t, len(x.buckets[b].rows), x.buckets[b].graph.n, "graphs extended by the add")
		}
	}
	block := `{"scan_buckets_count":3,"ef_search":100}`
	r := recall(t, x, base, queries, d, 10, block)
	require.Greater(t, r, 0.9)
	stats := &api.SearchStats{}
	_, err = x.KnnSearch(queries[:d], 10, &api.SearchOptions{Block: []byte(block), Parallelism: 1, Stats: stats})
	require.NoError(t, err)
	require.Less(t, stats.DistanceComputations, int64(n*3/8), "graphs compare fewer rows than a scan")

	top, err := x.KnnSearch(queries[:d], 1, &api.SearchOptions{Block: []byte(block), Parallelism: 1})
	require.NoError(t, err)
	_, err = x.Remove([]int64{top[0].ID})
	require.NoError(t, err)
	again, err := x.KnnSearch(queries[:d], 10, &api.SearchOptions{Block: []byte(block), Parallelism: 1})
	require.NoError(t, err)
	for _, nb := range again {
		require.NotEqual(t, top[0].ID, nb.ID)
	}

	var buf bytes.Buffer
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	require.NoError(t, serial.Write(&buf, f))
	y := mustIndex(t, "l2", d, `"buckets_count":8,"graph_build_threshold":150,"thread_count":2`)
	rf, err := serial.NewReader(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	require.NoError(t, y.Load(rf))
	for b := range y.buckets {
		require.Equal(t, x.buckets[b].graph != nil, y.buckets[b].graph != nil)
	}
	got, err := y.KnnSearch(queries[:d], 10, &api.SearchOptions{Block: []byte(block), Parallelism: 1})
	require.NoError(t, err)
	require.Equal(t, again, got)
}

// TestFP16RouteFindsTheExactBuckets: with many buckets a query is routed on fp16 centroids
// first and the candidates re-ranked on fp32 ones; the buckets chosen are the exact nearest.
func TestFP16RouteFindsTheExactBuckets(t *testing.T) {
	d, n := 32, 4000
	data := dataset.Clustered(n+50, d, 40, 7)
	for _, m := range []string{"l2", "ip"} {
		x := mustIndex(t, m, d, `"buckets_count":512,"ivf_train_type":"random"`)
		_, err := x.Build(data[:n*d], seq(n), nil)
		require.NoError(t, err)
		fp := x.part.(*flatPartition)
		require.NotNil(t, fp.cents16)
		kind, _ := metric.Parse(m)
		same, total := 0, 0
		for q := 0; q < 50; q++ {
			qv := data[(n+q)*d : (n+q+1)*d]
			for _, scan := range []int{1, 8, 32} {
				got := fp.route(qv, &search{scan: scan}, nil)
				dist := make([]float32, 512)
				distanceRows(kind, qv, fp.cents, d, dist)
				want := nearest(dist, scan, topk.NewMaxHeap(scan), nil)
				in := map[uint32]bool{}
				for _, b := range want {
					in[b] = true
				}
				for _, b := range got {
					if in[b] {
						same++
					}
				}
				total += scan
				require.Len(t, got, scan)
			}
		}
		require.GreaterOrEqual(t, float64(same)/float64(total), 0.99, m)
	}
}

// TestCosineScalarCodes: under cosine the scalar quantizers measure the codes of unit vectors
// by half their squared distance, but residuals (use_residual) are not unit vectors and keep the
// dot product; both scanned whole find the true neighbours.
func TestCosineScalarCodes(t *testing.T) {
	const d = 16
	base, queries := unitClustered(3000, d, false)
	for _, block := range []string{
		`"use_residual":true,"base_quantization_type":"sq8"`,
		`"use_residual":true,"base_quantization_type":"sq8_uniform"`,
		`"base_quantization_type":"sq8"`,
		`"base_quantization_type":"sq8_uniform"`,
	} {
		requireScanRecall(t, "cosine", d, 32, block, base, queries, 0.9)
	}
}

// unitClustered returns n clustered base vectors of d dimensions and 50 queries, at unit length
// and, with nonNeg, with negative components zeroed first (as pixels and tf-idf weights are).
func unitClustered(n, d int, nonNeg bool) (base, queries []float32) {
	data := dataset.Clustered(n+50, d, 30, 4)
	if nonNeg {
		for i := range data {
			data[i] = max(data[i], 0)
		}
	}
	for i := 0; i < len(data)/d; i++ {
		metric.Normalize(data[i*d : (i+1)*d])
	}
	return data[:n*d], data[n*d:]
}

// requireScanRecall builds an ivf index of base under metric m with the given buckets and
// index_param keys, and requires recall@10 of queries above floor with every bucket scanned.
func requireScanRecall(t *testing.T, m string, d, buckets int, block string, base, queries []float32, floor float64) {
	t.Helper()
	x := mustIndex(t, m, d, fmt.Sprintf(`"buckets_count":%d,"thread_count":2,%s`, buckets, block))
	_, err := x.Build(base, seq(len(base)/d), nil)
	require.NoError(t, err)
	r := recall(t, x, base, queries, d, 10, fmt.Sprintf(`{"scan_buckets_count":%d}`, buckets))
	require.Greater(t, r, floor, "%s %s", m, block)
}

// TestCosinePQCodes: under cosine, pq and pqfs codes of unit vectors are measured by half their
// squared distance to the query, as the scalar codes are; by one minus their dot product the
// same scans reached recall 0.37 (pq) and 0.23 (pqfs) with every bucket scanned and no rerank.
func TestCosinePQCodes(t *testing.T) {
	const d = 64
	base, queries := unitClustered(5000, d, true)
	for _, tc := range []struct {
		block string
		floor float64
	}{
		{`"base_quantization_type":"pq","base_pq_dim":16`, 0.6},    // 0.71 when written
		{`"base_quantization_type":"pqfs","base_pq_dim":32`, 0.45}, // 0.57
	} {
		requireScanRecall(t, "cosine", d, 16, tc.block, base, queries, tc.floor)
	}
}

// TestUniformIPQueryScale: under the inner product the uniform quantizers quantize a query over
// its own range, so queries at another scale than the data (three times here, as maximum inner
// product queries may be) are not clamped to the codes' range: recall with every bucket scanned
// went from 0.74 to 0.86 (sq8_uniform) and from 0.57 to 0.63 (sq4_uniform).
func TestUniformIPQueryScale(t *testing.T) {
	d, n := 32, 4000
	data := dataset.Clustered(n+50, d, 30, 4)
	for i := n * d; i < len(data); i++ {
		data[i] *= 3
	}
	base, queries := data[:n*d], data[n*d:]
	for _, tc := range []struct {
		quant string
		floor float64
	}{{"sq8_uniform", 0.8}, {"sq4_uniform", 0.6}} {
		requireScanRecall(t, "ip", d, 16, `"base_quantization_type":"`+tc.quant+`"`, base, queries, tc.floor)
	}
}

// TestResidualUniformQueries checks the uniform quantizers' residual codes under the inner
// product: the query, a whole vector, is quantized over its own range, not the residuals' (in
// which its components were clamped: recall 0.71 / 0.69 for sq8_uniform, 0.38 / 0.40 for
// sq4_uniform under cosine / ip before).
func TestResidualUniformQueries(t *testing.T) {
	const d = 16
	base, queries := unitClustered(3000, d, false)
	for _, tc := range []struct {
		metric, quant string
		floor         float64
	}{
		{"cosine", "sq8_uniform", 0.9},
		{"ip", "sq8_uniform", 0.9},
		{"cosine", "sq4_uniform", 0.6},
		{"ip", "sq4_uniform", 0.6},
	} {
		requireScanRecall(t, tc.metric, d, 32, `"use_residual":true,"base_quantization_type":"`+tc.quant+`"`, base, queries, tc.floor)
	}
}

// A bucket graph's size is unsigned in the file: one with its top bit set is refused, not taken
// for a negative length (which made make panic).
func TestReadGraphsRefusesHugeSizes(t *testing.T) {
	for _, size := range []uint64{1 << 63, ^uint64(0), 1 << 40} {
		payload := make([]byte, 12)
		binary.LittleEndian.PutUint64(payload[4:], size)
		buckets := []bucket{{rows: []uint32{0, 1}}}
		err := readGraphs(serial.NewSectionReader(secGraphs, serial.FormatVersion, payload), buckets)
		require.Equal(t, api.InvalidBinary, api.CodeOf(err), "%v", err)
	}
}

// ivf_train_type random applies to gno_imi too: both levels are drawn from the data (it was
// accepted and ignored, every gno_imi index trained by k-means).
func TestGNOIMIRandomTraining(t *testing.T) {
	d := 8
	data := dataset.Clustered(600, d, 8, 5)
	block := `"partition_strategy_type":"gno_imi","first_order_buckets_count":4,"second_order_buckets_count":4`
	km := mustIndex(t, "l2", d, block)
	rn := mustIndex(t, "l2", d, block+`,"ivf_train_type":"random"`)
	for _, x := range []*Index{km, rn} {
		_, err := x.Build(data, seq(600), nil)
		require.NoError(t, err)
	}
	gk, gr := km.part.(*gnoimiPartition), rn.part.(*gnoimiPartition)
	require.False(t, gk.random)
	require.True(t, gr.random)
	require.NotEqual(t, gk.s, gr.s)
	for q := 0; q < 20; q++ {
		// two of the 16 buckets: a row lies in its nearest bucket, which the search probes first
		nb, err := rn.KnnSearch(data[q*d:(q+1)*d], 1, &api.SearchOptions{Block: []byte(`{"scan_buckets_count":2}`), Parallelism: 1})
		require.NoError(t, err)
		require.Equal(t, int64(q), nb[0].ID)
	}
}
