package core

import (
	"hash/maphash"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"
	"unsafe"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/summary"
	"github.com/govsag/vsag/internal/parallel"
)

// Index introspection, VSAG's GetStats and AnalyzeIndexBySearch (SUPPORT_GET_STATS,
// SUPPORT_ANALYZE_INDEX_BY_SEARCH), for the index types whose engine is an api.Introspector.
// Both answer a JSON object with VSAG's key names where VSAG has them:
//
// GetStats: total_count, deleted_count, num_elements; the engine's structure (hgraph:
// connect_components, maximal_component_size, in/out_degree_distribution, average_degree, ...;
// ivf: bucket_count, bucket_num, bucket_radius, ...); duplicate_ratio; and, from a sample of
// stored vectors searched as queries: recall_base, self_recall, avg_distance_base,
// time_cost_query, quantization_bias_ratio, quantization_inversion_count_rate and, for graphs,
// proximity_recall_neighbor. self_recall is the fraction of sampled vectors found among their
// own k results (or an identical vector found); under ip a vector need not be its own nearest
// neighbour, so it can be below 1 on a perfect index.
//
// AnalyzeIndexBySearch: for a query set, recall_query, avg_distance_query, time_cost_query,
// latency_ms, quantization_bias_ratio_query and quantization_inversion_count_rate_query.
//
// Ground truth is an exhaustive scan of the live vectors in the most precise form the index
// holds (raw vectors, else precise codes, else base codes; ground_truth_codes names it and
// ground_truth_exact tells whether it reproduces the input vectors). Recall counts a result as
// a hit when its distance is within the k-th ground-truth distance (ties and duplicates count
// once each). The quantization bias is the mean relative error |base - precise| / |precise| of
// the base codes' distances against the most precise ones over the results, and the inversion
// rate the fraction of result pairs the base codes order the other way; an index that holds
// nothing more precise than lossy base codes reports {"skipped_reason": ...} instead.

// StatsOptions tunes GetStatsWithOptions; zero values take the defaults.
type StatsOptions struct {
	// SampleSize is the number of stored vectors sampled as queries (default
	// DefaultStatsSampleSize, capped at the live count).
	SampleSize int
	// TopK is the k of the sampled searches and of their ground truth (default
	// DefaultStatsTopK, VSAG's, capped at the live count).
	TopK int
	// SearchParams is the search JSON of the sampled searches ("": the index type's own;
	// hgraph searches with ef_search = ef_construction, as VSAG does).
	SearchParams string
	// Seed picks the sample; the default draws the same sample on every call.
	Seed uint64
}

// Defaults of StatsOptions.
const (
	// DefaultStatsSampleSize is the number of stored vectors GetStats samples.
	DefaultStatsSampleSize = 100
	// DefaultStatsTopK is the k of GetStats' sampled searches (VSAG's DEFAULT_TOPK).
	DefaultStatsTopK = 100
	// maxStatsSampleSize bounds a caller's sample size.
	maxStatsSampleSize = 1 << 20
)

// statsSeed is the sample seed when StatsOptions.Seed is 0.
const statsSeed = 0x57a75

// skipped is the value of a metric that cannot be measured on this index.
type skipped struct {
	Reason string `json:"skipped_reason"`
}

var noPreciseForm = skipped{"the index holds no form of its vectors more precise than its lossy base codes (set use_reorder or store_raw_vector)"}

// GetStats returns the index's statistics as VSAG's GetStats JSON object, with the default
// StatsOptions. Writes wait while it runs; searches do not.
func (x *Index) GetStats() (string, error) { return x.GetStatsWithOptions(StatsOptions{}) }

// GetStatsWithOptions is GetStats with the sample, k and search parameters of o.
func (x *Index) GetStatsWithOptions(o StatsOptions) (_ string, err error) {
	if x.sparseIndex() {
		return x.sparseStats()
	}
	if x.multiVectorIndex() {
		return x.multiVectorStats()
	}
	defer recovered(&err)
	const what = "get stats"
	if o.SampleSize < 0 || o.SampleSize > maxStatsSampleSize {
		return "", api.Errorf(api.InvalidArgument, "%s: sample size %d is out of range [0, %d]", what, o.SampleSize, maxStatsSampleSize)
	}
	if o.TopK < 0 {
		return "", api.Errorf(api.InvalidArgument, "%s: topk %d must not be negative", what, o.TopK)
	}
	if o.SampleSize == 0 {
		o.SampleSize = DefaultStatsSampleSize
	}
	if o.TopK == 0 {
		o.TopK = DefaultStatsTopK
	}
	if o.Seed == 0 {
		o.Seed = statsSeed
	}
	defer x.snapshotting()()
	eng := x.eng()
	in, ok := eng.(api.Introspector)
	if !ok {
		return "", api.Errorf(api.UnsupportedIndexOperation, "%s is not supported by %s", what, x.name)
	}
	if o.SearchParams == "" {
		o.SearchParams = in.AnalysisSearchParams()
	}
	opts, err := x.searchOptions(o.SearchParams, nil)
	if err != nil {
		return "", err
	}
	out, err := in.StructureStats()
	if err != nil {
		return "", err
	}
	out = x.countStats(out, eng)
	rep := in.Representations()
	describe(out, rep)
	a := &analysis{x: x, in: in, rep: rep, d: x.create.Dim, seed: maphash.MakeSeed()}
	ids := eng.ExportIDs()
	dups, err := a.duplicates(ids)
	if err != nil {
		return "", err
	}
	out["duplicate_ratio"] = ratio(dups, len(ids))
	out["duplicate_count"] = dups
	m := min(o.SampleSize, len(ids))
	out["sample_size"] = m
	if m == 0 {
		return render(out)
	}
	// a partial shuffle picks m distinct labels
	rng := rand.New(rand.NewPCG(o.Seed, 0x5a3b1e))
	for i := 0; i < m; i++ {
		j := i + rng.IntN(len(ids)-i)
		ids[i], ids[j] = ids[j], ids[i]
	}
	sample := ids[:m]
	queries := make([]float32, m*a.d)
	if err := in.DecodeByIDs(sample, queries); err != nil {
		return "", err
	}
	k := min(o.TopK, len(ids))
	out["topk"] = k
	out["search_params"] = o.SearchParams
	runs, err := a.run(queries, m, k, opts, sample)
	if err != nil {
		return "", err
	}
	out["recall_base"] = runs.recall
	out["self_recall"] = runs.self
	out["avg_distance_base"] = runs.avgDistance
	out["time_cost_query"] = runs.latency.mean
	out["quantization_bias_ratio"] = runs.bias
	out["quantization_inversion_count_rate"] = runs.inversion
	if runs.neighborRecall != nil {
		out["proximity_recall_neighbor"] = runs.neighborRecall
	}
	return render(out)
}

// AnalyzeIndexBySearch searches every query of queries with k and searchJSON and returns, as
// VSAG's AnalyzeIndexBySearch JSON object, the recall against exact ground truth, the latency
// and the quantization error observed on the results. Queries run one at a time, each timed
// alone. An empty index is INDEX_EMPTY. Writes wait while it runs; searches do not.
func (x *Index) AnalyzeIndexBySearch(queries *Dataset, k int, searchJSON string) (_ string, err error) {
	defer recovered(&err)
	const what = "analyze index by search"
	if k <= 0 {
		return "", api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	if queries == nil {
		return "", api.Errorf(api.InvalidArgument, "%s: query dataset is nil", what)
	}
	v, nq, err := x.vectors(queries, what, false)
	if err != nil {
		return "", err
	}
	if nq == 0 {
		return "", api.Errorf(api.InvalidArgument, "%s: query dataset holds no vector", what)
	}
	opts, err := x.searchOptions(searchJSON, nil)
	if err != nil {
		return "", err
	}
	defer x.snapshotting()()
	eng := x.eng()
	in, ok := eng.(api.Introspector)
	if !ok {
		return "", api.Errorf(api.UnsupportedIndexOperation, "%s is not supported by %s", what, x.name)
	}
	live := eng.NumElements()
	if live == 0 {
		return "", api.Errorf(api.IndexEmpty, "%s: the index holds no vectors", what)
	}
	k = int(min(int64(k), live))
	rep := in.Representations()
	a := &analysis{x: x, in: in, rep: rep, d: x.create.Dim, seed: maphash.MakeSeed()}
	runs, err := a.run(v, nq, k, opts, nil)
	if err != nil {
		return "", err
	}
	out := map[string]any{
		"num_queries":                   nq,
		"topk":                          k,
		"search_params":                 searchJSON,
		"recall_query":                  runs.recall,
		"recall_query_distribution":     summary.Distribution(runs.recalls),
		"avg_distance_query":            runs.avgDistance,
		"time_cost_query":               runs.latency.mean,
		"latency_ms":                    runs.latency.json(),
		"dist_cmp_query":                runs.distCmp,
		"hops_query":                    runs.hops,
		"quantization_bias_ratio_query": runs.bias,
		"quantization_inversion_count_rate_query": runs.inversion,
	}
	if x.name == "ivf" {
		// VSAG's IVF names these two without the _query suffix
		out["quantization_bias_ratio"] = runs.bias
		out["quantization_inversion_count_rate"] = runs.inversion
	}
	describe(out, rep)
	return render(out)
}

// AnalyzeIndexBySearchRequest is AnalyzeIndexBySearch in VSAG's form: every row of req.Query
// is a query, with req.TopK and req.Params. The analysis runs unfiltered knn searches, so a
// request with a range mode, ids, a filter, a filter expression, buckets or expected labels is
// INVALID_ARGUMENT.
func (x *Index) AnalyzeIndexBySearchRequest(req *SearchRequest) (string, error) {
	if req == nil {
		return "", api.Errorf(api.InvalidArgument, "analyze index by search: request is nil")
	}
	if req.Mode != KnnSearchMode || req.IDs != nil || req.Filter != nil || req.FilterExpr != "" || req.BucketIDs != nil || req.ExpectedLabels != nil {
		return "", api.Errorf(api.InvalidArgument, "analyze index by search: only unfiltered knn requests are analysed (no range mode, ids, filter, filter expression, buckets or expected labels)")
	}
	return x.AnalyzeIndexBySearch(req.Query, req.TopK, req.Params)
}

// describe records which codes the analysis compares.
func describe(out map[string]any, rep api.Representations) {
	out["base_codes"] = rep.Base
	out["ground_truth_codes"] = rep.Best
	out["ground_truth_exact"] = rep.BestExact
}

// render marshals an analysis object as VSAG prints it (indented by four spaces).
func render(out map[string]any) (string, error) {
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return "", api.Wrap(api.InternalError, err, "index analysis: encode JSON")
	}
	return string(b), nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// analysis holds one GetStats or AnalyzeIndexBySearch call's state.
type analysis struct {
	x    *Index
	in   api.Introspector
	rep  api.Representations
	d    int
	seed maphash.Seed
}

// hash returns a digest of a decoded vector: equal vectors, equal digests.
func (a *analysis) hash(v []float32) uint64 {
	return maphash.Bytes(a.seed, unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*4))
}

// decodeChunk is the number of vectors decoded per call while looking for duplicates.
const decodeChunk = 1024

// duplicates returns how many of the live vectors ids repeat another one exactly (same
// decoded vector from the most precise form held): the vectors minus the distinct ones.
func (a *analysis) duplicates(ids []int64) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	digests := make([]uint64, len(ids))
	chunks := (len(ids) + decodeChunk - 1) / decodeChunk
	workers := runtime.GOMAXPROCS(0)
	bufs := make([][]float32, workers)
	err := parallel.For(chunks, workers, func(w, c int) error {
		lo, hi := c*decodeChunk, min((c+1)*decodeChunk, len(ids))
		if bufs[w] == nil {
			bufs[w] = make([]float32, decodeChunk*a.d)
		}
		buf := bufs[w][:(hi-lo)*a.d]
		if err := a.in.DecodeByIDs(ids[lo:hi], buf); err != nil {
			return err
		}
		for i := lo; i < hi; i++ {
			digests[i] = a.hash(buf[(i-lo)*a.d : (i-lo+1)*a.d])
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.Sort(digests)
	distinct := len(slices.Compact(digests))
	return len(ids) - distinct, nil
}

// latency summarises per-query wall times in milliseconds.
type latency struct {
	mean, p50, p90, p99, max float64
}

func (l latency) json() map[string]any {
	return map[string]any{"mean": l.mean, "p50": l.p50, "p90": l.p90, "p99": l.p99, "max": l.max}
}

func newLatency(ms []float64) latency {
	s := slices.Clone(ms)
	slices.Sort(s)
	if len(s) == 0 {
		return latency{}
	}
	return latency{mean: summary.Mean(s), p50: summary.Percentile(s, 0.5), p90: summary.Percentile(s, 0.9),
		p99: summary.Percentile(s, 0.99), max: s[len(s)-1]}
}

// runs is what searching a query set measured.
type runs struct {
	recall, self, avgDistance float64
	recalls                   []float64
	latency                   latency
	distCmp, hops             float64
	bias, inversion           any // float64, or skipped
	neighborRecall            any // float64 for graphs whose samples have live neighbours
}

// perQuery is one query's measurements.
type perQuery struct {
	recall       float64
	selfHit      bool
	gtDistance   float64 // sum of the ground-truth distances
	gtCount      int
	bias         float64
	biasN        int
	inversions   float64
	inversionOK  bool
	nbRecall     float64
	nbRecallOK   bool
	found        []Neighbor
	neighborList []int64
}

// run searches the nq queries of v (row-major, already validated) one at a time with k and
// opts, computes their ground truth on all cores and measures each. labels, when non-nil,
// are the stored vectors the queries were decoded from (GetStats' sample): each query's self
// hit and, on graphs, the proximity recall of its neighbour list are measured too.
func (a *analysis) run(v []float32, nq, k int, opts *api.SearchOptions, labels []int64) (*runs, error) {
	eng := a.x.eng()
	pq := make([]perQuery, nq)
	ms := make([]float64, nq)
	var distCmp, hops int64
	var timeout time.Duration
	if !opts.Deadline.IsZero() {
		timeout = time.Until(opts.Deadline)
	}
	for i := 0; i < nq; i++ {
		o := *opts // each query gets its own copy and its own deadline
		st := &api.SearchStats{}
		o.Stats = st
		if timeout > 0 {
			o.Deadline = time.Now().Add(timeout)
		}
		start := time.Now()
		ns, err := eng.KnnSearch(v[i*a.d:(i+1)*a.d], k, &o)
		ms[i] = float64(time.Since(start).Nanoseconds()) / 1e6
		if err != nil {
			return nil, err
		}
		pq[i].found = ns
		distCmp += st.DistanceComputations
		hops += st.Hops
	}
	gi, isGraph := a.in.(api.GraphIntrospector)
	isGraph = isGraph && labels != nil
	err := parallel.For(nq, runtime.GOMAXPROCS(0), func(_, i int) error {
		q := v[i*a.d : (i+1)*a.d]
		p := &pq[i]
		gtk := k
		if isGraph {
			nbs, _ := gi.NeighborLabels(labels[i])
			for _, l := range nbs {
				if eng.Contains(l) { // removed neighbours still route, but are no answer
					p.neighborList = append(p.neighborList, l)
				}
			}
			gtk = max(k, len(p.neighborList)+1)
		}
		gt, err := a.in.ExactKnn(q, gtk)
		if err != nil {
			return err
		}
		var label int64
		if labels != nil {
			label = labels[i]
		}
		return a.measure(q, p, gt, k, labels != nil, label)
	})
	if err != nil {
		return nil, err
	}
	r := &runs{latency: newLatency(ms), recalls: make([]float64, nq)}
	r.distCmp, r.hops = float64(distCmp)/float64(nq), float64(hops)/float64(nq)
	var gtSum float64
	var gtN, selfHits, biasN, invN, nbN int
	var biasSum, invSum, nbSum float64
	for i := range pq {
		p := &pq[i]
		r.recalls[i] = p.recall
		gtSum += p.gtDistance
		gtN += p.gtCount
		if p.selfHit {
			selfHits++
		}
		biasSum += p.bias
		biasN += p.biasN
		if p.inversionOK {
			invSum += p.inversions
			invN++
		}
		if p.nbRecallOK {
			nbSum += p.nbRecall
			nbN++
		}
	}
	r.recall = summary.Mean(r.recalls)
	r.self = ratio(selfHits, nq)
	r.avgDistance = 0
	if gtN > 0 {
		r.avgDistance = gtSum / float64(gtN)
	}
	switch {
	case a.rep.Separate:
		r.bias, r.inversion = 0.0, 0.0
		if biasN > 0 {
			r.bias = biasSum / float64(biasN)
		}
		if invN > 0 {
			r.inversion = invSum / float64(invN)
		}
	case a.rep.BaseExact:
		r.bias, r.inversion = 0.0, 0.0 // the base codes are the vectors
	default:
		r.bias, r.inversion = noPreciseForm, noPreciseForm
	}
	if isGraph && nbN > 0 {
		r.neighborRecall = nbSum / float64(nbN)
	}
	return r, nil
}

// within reports whether distance d is no farther than bound, allowing the rounding of
// distances measured by different kernels.
func within(d, bound float32) bool {
	return float64(d) <= float64(bound)+1e-5*math.Max(1, math.Abs(float64(bound)))
}

// measure fills p from the query q, its results p.found and its ground truth gt (gtk >= k
// entries when the index holds that many). self tells that q is the stored vector of label.
func (a *analysis) measure(q []float32, p *perQuery, gt []Neighbor, k int, self bool, label int64) error {
	top := gt[:min(k, len(gt))]
	for _, g := range top {
		p.gtDistance += float64(g.Distance)
	}
	p.gtCount = len(top)
	ids := make([]int64, len(p.found))
	for j, n := range p.found {
		ids[j] = n.ID
	}
	best := make([]float32, len(ids))
	if err := a.in.MeasureByIDs(q, ids, api.BestRepresentation, best); err != nil {
		return err
	}
	if len(top) > 0 {
		bound := top[len(top)-1].Distance
		hits := 0
		for _, d := range best {
			if within(d, bound) {
				hits++
			}
		}
		p.recall = float64(min(hits, len(top))) / float64(len(top))
	} else {
		p.recall = 1
	}
	if self {
		hit, err := a.selfHit(q, label, ids)
		if err != nil {
			return err
		}
		p.selfHit = hit
	}
	if a.rep.Separate && len(ids) > 0 {
		base := make([]float32, len(ids))
		if err := a.in.MeasureByIDs(q, ids, api.BaseRepresentation, base); err != nil {
			return err
		}
		pairs, flips := 0, 0
		for j := range ids {
			if math.Abs(float64(best[j])) > 1e-12 {
				p.bias += math.Abs(float64(base[j]-best[j])) / math.Abs(float64(best[j]))
				p.biasN++
			}
			for l := j + 1; l < len(ids); l++ {
				pairs++
				if (float64(base[j])-float64(base[l]))*(float64(best[j])-float64(best[l])) < 0 {
					flips++
				}
			}
		}
		if pairs > 0 {
			p.inversions, p.inversionOK = float64(flips)/float64(pairs), true
		}
	}
	if len(p.neighborList) > 0 {
		a.neighborRecall(q, p, gt, label)
	}
	return nil
}

// selfHit reports whether the results ids of a stored vector's search hold its label or a
// vector identical to it.
func (a *analysis) selfHit(q []float32, label int64, ids []int64) (bool, error) {
	if slices.Contains(ids, label) {
		return true, nil
	}
	if len(ids) == 0 {
		return false, nil
	}
	vs := make([]float32, len(ids)*a.d)
	if err := a.in.DecodeByIDs(ids, vs); err != nil {
		return false, err
	}
	h := a.hash(q)
	for j := range ids {
		if a.hash(vs[j*a.d:(j+1)*a.d]) == h {
			return true, nil
		}
	}
	return false, nil
}

// neighborRecall measures the proximity recall of a sampled node's live bottom neighbours
// (p.neighborList): the fraction of them within the distance of its n-th nearest other
// vector, n the number of those neighbours (VSAG's proximity_recall_neighbor).
func (a *analysis) neighborRecall(q []float32, p *perQuery, gt []Neighbor, label int64) {
	dist := make([]float32, len(p.neighborList))
	if a.in.MeasureByIDs(q, p.neighborList, api.BestRepresentation, dist) != nil {
		return
	}
	others := make([]Neighbor, 0, len(gt))
	for _, g := range gt {
		if g.ID != label {
			others = append(others, g)
		}
	}
	n := min(len(dist), len(others))
	if n == 0 {
		return
	}
	bound := others[n-1].Distance
	hits := 0
	for _, d := range dist {
		if within(d, bound) {
			hits++
		}
	}
	p.nbRecall, p.nbRecallOK = float64(min(hits, n))/float64(n), true
}

// AnalysisSearchParams returns the search JSON GetStats searches with by default (hgraph:
// ef_search = ef_construction), a starting point for AnalyzeIndexBySearch;
// UNSUPPORTED_INDEX_OPERATION for index types without analysis.
func (x *Index) AnalysisSearchParams() (string, error) {
	in, ok := x.eng().(api.Introspector)
	if !ok {
		return "", api.Errorf(api.UnsupportedIndexOperation, "index analysis is not supported by %s", x.name)
	}
	return in.AnalysisSearchParams(), nil
}

// countStats puts the element counts every GetStats reports (total_count, deleted_count,
// num_elements) into out, made when nil, and returns it.
func (x *Index) countStats(out map[string]any, eng api.Engine) map[string]any {
	if out == nil {
		out = map[string]any{}
	}
	live, removed := eng.NumElements(), x.numRemoved(eng)
	out["total_count"] = live + removed
	out["deleted_count"] = removed
	out["num_elements"] = live
	return out
}
