package core

import (
	"errors"
	"io"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/internal/parallel"
	"github.com/govsag/vsag/simd"
)

// Index is an index of any type. All methods are safe for concurrent use; searches run in
// parallel with each other and with Add/Remove for index types that report the *_CONCURRENT
// features.
type Index struct {
	name      string
	create    *params.Create
	engine    atomic.Pointer[engineRef] // replaced whole by Deserialize into an empty index
	immutable atomic.Bool
	extra     *extraInfos                // nil when extra_info_size is 0
	attrTable atomic.Pointer[attributes] // nil until a label gets attributes

	// tuned holds the create parameters of the last Tune (tune.go), nil before one.
	tuned atomic.Pointer[params.Create]

	// snap orders writes against snapshots: writes hold it shared, snapshots (Serialize in
	// every form, Clone) and Deserialize hold it exclusively. Searches never take it.
	snap sync.RWMutex

	searchMu    sync.RWMutex
	searchCache map[string]*params.Search // parsed search JSON by string

	res resources // memory account and progress callback (resources.go)
}

// Name returns the index type, such as "brute_force".
func (x *Index) Name() string { return x.name }

// Dim returns the vector dimension.
func (x *Index) Dim() int { return x.create.Dim }

// MetricType returns "l2", "ip" or "cosine".
func (x *Index) MetricType() string { return x.create.Metric.String() }

// DataType returns the input dtype, such as "float32".
func (x *Index) DataType() string { return string(x.create.DType) }

// CreateParams returns the create JSON the index was made with, or the one a Tune put in force.
func (x *Index) CreateParams() string { return x.createParams().Raw }

// Engine returns the underlying engine (for tools that need index-specific access).
func (x *Index) Engine() api.Engine { return x.eng() }

// engineRef holds the engine so that it can be swapped atomically.
type engineRef struct{ e api.Engine }

// eng returns the current engine.
func (x *Index) eng() api.Engine { return x.engine.Load().e }

// vectors validates ds and returns its first n rows as float32, normalised for cosine. The
// returned slice never aliases caller memory when it must be modified.
func (x *Index) vectors(ds *Dataset, what string, needIDs bool) ([]float32, int, error) {
	return x.vectorsInto(ds, what, needIDs, nil)
}

// vectorsInto is vectors with the copy a cosine normalisation makes of the caller's rows put in
// *buf (grown as needed) when buf is not nil.
func (x *Index) vectorsInto(ds *Dataset, what string, needIDs bool, buf *[]float32) ([]float32, int, error) {
	if ds == nil {
		return nil, 0, api.Errorf(api.InvalidArgument, "%s: dataset is nil", what)
	}
	n := ds.NumElements
	if n < 0 {
		return nil, 0, api.Errorf(api.InvalidArgument, "%s: num_elements %d is negative", what, n)
	}
	if err := x.checkRowKind(ds, what); err != nil {
		return nil, 0, err
	}
	if x.sparseIndex() {
		return nil, 0, x.sparseOnly(ds, what)
	}
	if n == 0 {
		return nil, 0, nil
	}
	d := x.create.Dim
	if ds.Dim != d {
		return nil, 0, api.Errorf(api.DimensionNotEqual, "%s: dataset dim %d does not match the index dim %d", what, ds.Dim, d)
	}
	if needIDs && len(ds.IDs) < n {
		return nil, 0, api.Errorf(api.InvalidArgument, "%s: %d ids for %d vectors", what, len(ds.IDs), n)
	}
	v, err := toFloat32(ds, n*d, x.create.DType, what)
	if err != nil {
		return nil, 0, err
	}
	if i := firstNonFinite(v); i >= 0 {
		return nil, 0, api.Errorf(api.InvalidArgument, "%s: vector %d has a NaN or infinite value at dimension %d", what, i/d, i%d)
	}
	if x.create.Metric.NeedsNormalize() {
		v = normalizedCopyInto(v, ds.Float32, d, buf)
	}
	return v, n, nil
}

// firstNonFinite returns the index of the first NaN or infinite value of v, or -1. Every query
// passes through here, so the common case is one SIMD pass: a finite sum of squares means every
// value is finite, since a NaN makes the sum NaN and an infinity makes it +Inf. A sum that is
// not finite (a bad value, or large finite values whose squares overflow) falls to the scan: a
// float32 is NaN or infinite exactly when its exponent bits are all set, and the bits of eight
// values are reduced before the one branch.
func firstNonFinite(v []float32) int {
	if s := float64(simd.InnerProduct(v, v)); !math.IsNaN(s) && !math.IsInf(s, 0) {
		return -1
	}
	const exp = 0x7f800000
	i := 0
	for ; i+8 <= len(v); i += 8 {
		w := v[i : i+8 : i+8]
		m := math.Float32bits(w[0])&exp ^ exp
		m = min(m, math.Float32bits(w[1])&exp^exp, math.Float32bits(w[2])&exp^exp, math.Float32bits(w[3])&exp^exp)
		m = min(m, math.Float32bits(w[4])&exp^exp, math.Float32bits(w[5])&exp^exp, math.Float32bits(w[6])&exp^exp, math.Float32bits(w[7])&exp^exp)
		if m == 0 {
			break
		}
	}
	for ; i < len(v); i++ {
		if math.Float32bits(v[i])&exp == exp {
			return i
		}
	}
	return -1
}

// checkRowKind validates sparse rows, multi-vector rows and paths and refuses them: the index
// types available take dense vectors only.
func (x *Index) checkRowKind(ds *Dataset, what string) error {
	switch ds.Kind() {
	case api.SparseRows:
		if err := ds.CheckSparse(what); err != nil {
			return err
		}
		if x.sparseIndex() {
			return nil
		}
		return api.Errorf(api.InvalidArgument, "%s: %s takes dense %s vectors, the dataset holds sparse rows", what, x.name, x.create.DType)
	case api.MultiVectorRows:
		if _, err := ds.CheckMultiVector(what); err != nil {
			return err
		}
		if x.multiVectorIndex() { // the paths that take documents branch to multivector.go first
			return api.Errorf(api.UnsupportedIndexOperation, "%s is not supported for the multi-vector documents of %s", what, x.name)
		}
		return api.Errorf(api.InvalidArgument, "%s: %s takes one vector per row, the dataset holds multi-vector documents", what, x.name)
	}
	if ds.HasPaths() {
		if err := ds.CheckAllPaths(what); err != nil {
			return err
		}
		if _, ok := x.eng().(api.PathInserter); ok {
			return nil
		}
		return api.Errorf(api.InvalidArgument, "%s: paths are for pyramid indexes, not %s", what, x.name)
	}
	return nil
}

// toFloat32 returns count values of the dataset's vector field as float32. Float32 input is
// returned without copying.
func toFloat32(ds *Dataset, count int, dt params.DType, what string) ([]float32, error) {
	short := func(field string, have int) error {
		return api.Errorf(api.InvalidArgument, "%s: %s holds %d values, need num_elements*dim = %d", what, field, have, count)
	}
	pick := dt
	switch {
	case dt == params.Float32 && ds.Float32 == nil, dt == params.Float16 && ds.Float16 == nil,
		dt == params.BFloat16 && ds.BFloat16 == nil, dt == params.Int8 && ds.Int8 == nil:
		// the dtype's field is empty: accept any other vector field that is set
		switch {
		case ds.Float32 != nil:
			pick = params.Float32
		case ds.Float16 != nil:
			pick = params.Float16
		case ds.BFloat16 != nil:
			pick = params.BFloat16
		case ds.Int8 != nil:
			pick = params.Int8
		default:
			return nil, api.Errorf(api.InvalidArgument, "%s: dataset has no vectors", what)
		}
	}
	switch pick {
	case params.Float32:
		if len(ds.Float32) < count {
			return nil, short("float32 vectors", len(ds.Float32))
		}
		return ds.Float32[:count], nil
	case params.Float16:
		if len(ds.Float16) < count {
			return nil, short("float16 vectors", len(ds.Float16))
		}
		out := make([]float32, count)
		simd.F16ToF32(out, ds.Float16[:count])
		return out, nil
	case params.BFloat16:
		if len(ds.BFloat16) < count {
			return nil, short("bfloat16 vectors", len(ds.BFloat16))
		}
		out := make([]float32, count)
		simd.BF16ToF32(out, ds.BFloat16[:count])
		return out, nil
	default:
		if len(ds.Int8) < count {
			return nil, short("int8 vectors", len(ds.Int8))
		}
		out := make([]float32, count)
		for i, b := range ds.Int8[:count] {
			out[i] = float32(b)
		}
		return out, nil
	}
}

// normalizedCopy normalises rows of v, copying first when v aliases the caller's float32 slice.
func normalizedCopy(v, caller []float32, d int) []float32 {
	return normalizedCopyInto(v, caller, d, nil)
}

// normalizedCopyInto is normalizedCopy with the copy made in *buf (grown as needed) when buf is
// not nil.
func normalizedCopyInto(v, caller []float32, d int, buf *[]float32) []float32 {
	if len(caller) > 0 && len(v) > 0 && &v[0] == &caller[0] {
		if buf == nil {
			v = append([]float32(nil), v...)
		} else {
			*buf = append((*buf)[:0], v...)
			v = *buf
		}
	}
	for i := 0; i+d <= len(v); i += d {
		metric.Normalize(v[i : i+d])
	}
	return v
}

func (x *Index) checkMutable(what string) error {
	if x.immutable.Load() {
		return api.Errorf(api.WrongStatus, "%s: the index is immutable", what)
	}
	return nil
}

// Build adds the first batch of vectors (training the quantizers first when they need it) and
// returns the labels that could not be added, such as duplicates.
func (x *Index) Build(ds *Dataset) ([]int64, error) { return x.insert(ds, "build") }

// insert validates ds and hands it to the engine's Build or Add. The extra info and
// attributes of each row are recorded through the engine's insert hook, in the same step as
// its label, so searches, snapshots and concurrent writes never see one without the other.
func (x *Index) insert(ds *Dataset, what string) (_ []int64, err error) {
	if x.sparseIndex() {
		return x.insertSparse(ds, what)
	}
	if x.multiVectorIndex() {
		return x.insertMulti(ds, what)
	}
	defer recovered(&err)
	if err := x.checkMutable(what); err != nil {
		return nil, err
	}
	v, n, err := x.vectors(ds, what, true)
	if err != nil {
		return nil, err
	}
	if err := x.checkExtra(ds, n, what); err != nil {
		return nil, err
	}
	sets, err := x.prepareAttrs(ds, n, what)
	if err != nil {
		return nil, err
	}
	hook := x.insertHook(ds, sets)
	defer x.writing()()
	release, err := x.reserveExtra(what, n)
	if err != nil {
		return nil, err
	}
	defer release()
	releaseAttrs, err := x.reserveAttrs(what, idsOf(ds, n), sets)
	if err != nil {
		return nil, err
	}
	defer releaseAttrs()
	eng := x.eng()
	hook, end, err := x.startInsert(what, n, hook, eng)
	if err != nil {
		return nil, err
	}
	defer func() { end(err) }()
	if pi, ok := eng.(api.PathInserter); ok {
		return pi.InsertWithPaths(v, idsOf(ds, n), ds.RowPaths(n), what == "build", hook)
	}
	if what == "build" {
		if b, ok := eng.(api.Builder); ok {
			return b.Build(v, idsOf(ds, n), hook)
		}
		if eng.NumElements() > 0 || x.numRemoved(eng) > 0 {
			return nil, api.Errorf(api.BuildTwice, "%s: the index is already built", x.name)
		}
	}
	return eng.Add(v, idsOf(ds, n), hook)
}

// writing holds the snapshot lock shared for the length of a write and returns its release.
// Writes run in parallel with each other and with searches (which never take it); a snapshot
// takes it exclusively, so it waits for the writes in flight to finish and sees each label
// with its codes, edges, extra info and attributes, or not at all.
func (x *Index) writing() func() {
	x.snap.RLock()
	return x.snap.RUnlock
}

// snapshotting holds the snapshot lock exclusively and returns its release.
func (x *Index) snapshotting() func() {
	x.snap.Lock()
	return x.snap.Unlock
}

// Train learns the quantizers' state from ds without adding the vectors.
func (x *Index) Train(ds *Dataset) (err error) {
	defer recovered(&err)
	if err := x.checkMutable("train"); err != nil {
		return err
	}
	v, n, err := x.vectors(ds, "train", false)
	if err != nil {
		return err
	}
	if n == 0 {
		return api.Errorf(api.InvalidArgument, "train: the dataset is empty")
	}
	tr, ok := x.eng().(api.Trainer)
	if !ok {
		return api.Errorf(api.UnsupportedIndexOperation, "train is not supported by %s", x.name)
	}
	defer x.writing()()
	end, err := x.trainProgress(n)
	if err != nil {
		return err
	}
	defer func() { end(err) }()
	return tr.Train(v, n)
}

// TrainWithQueries is Train that also passes sample queries to quantizers that learn from them
// (leanvec with leanvec_training "ood"). Index types without such quantizers return
// UNSUPPORTED_INDEX_OPERATION.
func (x *Index) TrainWithQueries(ds, queries *Dataset) (err error) {
	defer recovered(&err)
	if err := x.checkMutable("train"); err != nil {
		return err
	}
	qt, ok := x.eng().(api.QueryTrainer)
	if !ok {
		return api.Errorf(api.UnsupportedIndexOperation, "training with queries is not supported by %s", x.name)
	}
	v, n, err := x.vectors(ds, "train", false)
	if err != nil {
		return err
	}
	if n == 0 {
		return api.Errorf(api.InvalidArgument, "train: the dataset is empty")
	}
	q, nq, err := x.vectors(queries, "train queries", false)
	if err != nil {
		return err
	}
	defer x.writing()()
	return qt.TrainWithQueries(v, n, q, nq)
}

// Add inserts vectors and returns the labels that could not be added, such as duplicates.
func (x *Index) Add(ds *Dataset) ([]int64, error) { return x.insert(ds, "add") }

func idsOf(ds *Dataset, n int) []int64 {
	if n == 0 {
		return nil
	}
	return ds.IDs[:n]
}

// Remove marks labels removed and returns how many were removed; absent labels are skipped.
func (x *Index) Remove(ids ...int64) (_ int, err error) {
	defer recovered(&err)
	if err := x.checkMutable("remove"); err != nil {
		return 0, err
	}
	rm, ok := x.eng().(api.Remover)
	if !ok {
		return 0, api.Errorf(api.UnsupportedIndexOperation, "remove is not supported by %s", x.name)
	}
	// The extra info and attributes of a removed label stay until the label is added again
	// (they are overwritten then) or the index is saved (only live labels are written): a search
	// that found the label just before the removal still reads them.
	defer x.writing()()
	return rm.Remove(ids)
}

// UpdateID changes the label of a vector from one label to another.
func (x *Index) UpdateID(from, to int64) (err error) {
	defer recovered(&err)
	if err := x.checkMutable("update id"); err != nil {
		return err
	}
	rl, ok := x.eng().(api.Relabeler)
	if !ok {
		return api.Errorf(api.UnsupportedIndexOperation, "update id is not supported by %s", x.name)
	}
	defer x.writing()()
	defer x.chargeAttrs() // the label may move to another chunk of the inverted index
	return rl.UpdateID(from, to, func() {
		if x.extra != nil {
			x.extra.relabel(from, to)
		}
		x.relabelAttrs(from, to)
	})
}

// UpdateVector replaces the vector of label (ds holds one vector). Without force an index may
// refuse a vector too far from the old one.
func (x *Index) UpdateVector(label int64, ds *Dataset, force bool) (err error) {
	if x.sparseIndex() {
		return x.updateSparse(label, ds, force)
	}
	defer recovered(&err)
	if err := x.checkMutable("update vector"); err != nil {
		return err
	}
	v, n, err := x.vectors(ds, "update vector", false)
	if err != nil {
		return err
	}
	if n != 1 {
		return api.Errorf(api.InvalidArgument, "update vector: dataset must hold exactly one vector, has %d", n)
	}
	up, ok := x.eng().(api.VectorUpdater)
	if !ok {
		return api.Errorf(api.UnsupportedIndexOperation, "update vector is not supported by %s", x.name)
	}
	defer x.writing()()
	return up.UpdateVector(label, v, force)
}

// SetImmutable makes the index read-only: later Build, Add, Remove and updates fail with
// WRONG_STATUS.
func (x *Index) SetImmutable() error {
	x.immutable.Store(true)
	return nil
}

// Immutable reports whether SetImmutable was called.
func (x *Index) Immutable() bool { return x.immutable.Load() }

// searchOptions parses search JSON into options for the engine.
func (x *Index) searchOptions(js string, filter Filter) (*api.SearchOptions, error) {
	sp, err := x.parsedSearch(js)
	if err != nil {
		return nil, err
	}
	opts := &api.SearchOptions{Block: sp.Block, Parallelism: sp.Parallelism, Filter: filter}
	if sp.TimeoutMs > 0 {
		opts.Deadline = time.Now().Add(time.Duration(sp.TimeoutMs * float64(time.Millisecond)))
	}
	return opts, nil
}

// searchCacheMax bounds the parsed search strings an index remembers.
const searchCacheMax = 64

// parsedSearch parses search JSON, remembering the result per string: callers repeat the same
// few parameter strings, and parsing is a map allocation per query otherwise. Parsed values are
// never modified after they are stored.
func (x *Index) parsedSearch(js string) (*params.Search, error) {
	x.searchMu.RLock()
	sp, ok := x.searchCache[js]
	x.searchMu.RUnlock()
	if ok {
		return sp, nil
	}
	sp, err := params.ParseSearch(x.name, js)
	if err != nil {
		return nil, err
	}
	x.searchMu.Lock()
	if x.searchCache == nil {
		x.searchCache = map[string]*params.Search{}
	}
	if len(x.searchCache) < searchCacheMax {
		x.searchCache[js] = sp
	}
	x.searchMu.Unlock()
	return sp, nil
}

func (x *Index) query(ds *Dataset, what string) ([]float32, error) {
	return x.queryInto(ds, what, nil)
}

// queryInto is query with a cosine query's normalised copy put in *buf when buf is not nil.
func (x *Index) queryInto(ds *Dataset, what string, buf *[]float32) ([]float32, error) {
	if ds == nil {
		return nil, api.Errorf(api.InvalidArgument, "%s: query dataset is nil", what)
	}
	if ds.NumElements < 1 {
		return nil, api.Errorf(api.InvalidArgument, "%s: query dataset holds no vector", what)
	}
	one := *ds
	one.NumElements = 1
	v, _, err := x.vectorsInto(&one, what, false, buf)
	return v, err
}

// checkQuery validates a raw float32 query and normalises a copy for cosine.
func (x *Index) checkQuery(q []float32, what string) ([]float32, error) {
	return x.query(&Dataset{NumElements: 1, Dim: len(q), Float32: q}, what)
}

// queryBufs holds the buffers that searches normalise cosine queries into. A fresh copy per
// query was an allocation each (2.3 us for 784 dimensions in a micro-benchmark, most of it
// clearing and faulting in fresh memory; 15% of a cosine search's profile).
var queryBufs = sync.Pool{New: func() any { return new([]float32) }}

// searchQuery is query for a search that is done with the vector when it returns: a cosine
// query is normalised into a buffer from queryBufs, returned as buf for putQueryBuf (nil for
// the other metrics).
func (x *Index) searchQuery(ds *Dataset, what string) (q []float32, buf *[]float32, err error) {
	if x.create.Metric.NeedsNormalize() {
		buf = queryBufs.Get().(*[]float32)
	}
	q, err = x.queryInto(ds, what, buf)
	return q, buf, err
}

// putQueryBuf hands a buffer of searchQuery back (nil: none was taken).
func putQueryBuf(buf *[]float32) {
	if buf != nil {
		queryBufs.Put(buf)
	}
}

// KnnSearch returns the k nearest neighbours of the first vector of query as a Dataset with
// IDs and Distances in ascending distance (fewer than k when the index holds fewer).
func (x *Index) KnnSearch(query *Dataset, k int, searchJSON string, filter Filter) (*Dataset, error) {
	return x.KnnSearchWithStats(query, k, searchJSON, filter, nil)
}

// KnnSearchWithStats is KnnSearch that also fills stats (when non-nil).
func (x *Index) KnnSearchWithStats(query *Dataset, k int, searchJSON string, filter Filter, stats *SearchStats) (*Dataset, error) {
	res, err := x.SearchWithRequest(&SearchRequest{Query: query, TopK: k, Params: searchJSON, Filter: filter, Stats: stats})
	if err != nil {
		return nil, err
	}
	return res.Dataset, nil
}

// Search is KnnSearch on a float32 query returning the neighbours directly.
func (x *Index) Search(query []float32, k int, searchJSON string, filter Filter) ([]Neighbor, error) {
	q, buf, err := x.searchQuery(&Dataset{NumElements: 1, Dim: len(query), Float32: query}, "knn search")
	defer putQueryBuf(buf)
	if err != nil {
		return nil, err
	}
	ns, _, err := x.searchVector(&SearchRequest{TopK: k, Params: searchJSON, Filter: filter}, q)
	return ns, err
}

func (x *Index) search(q []float32, k int, searchJSON string, filter Filter, stats *SearchStats, buckets []int64, paths map[string]string) (_ []Neighbor, err error) {
	defer recovered(&err)
	if k <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "knn search: k %d must be positive", k)
	}
	opts, err := x.searchOptions(searchJSON, filter)
	if err != nil {
		return nil, err
	}
	opts.Stats = stats
	opts.BucketIDs = buckets
	opts.Paths = paths
	var start time.Time
	if stats != nil { // the clock is read only for a caller that asked for the time
		start = time.Now()
	}
	// k never sizes an allocation beyond the live count (a caller's k may be 1<<43)
	k = x.capK(k)
	ns, err := x.eng().KnnSearch(q, k, opts)
	if stats != nil {
		stats.ElapsedMs = float64(time.Since(start).Nanoseconds()) / 1e6
	}
	return ns, err
}

// RangeSearch returns every neighbour of the first vector of query within radius (same units as
// the distances), ascending; limitedSize -1 is unlimited, n > 0 caps the count, 0 is invalid.
func (x *Index) RangeSearch(query *Dataset, radius float32, searchJSON string, filter Filter, limitedSize int) (*Dataset, error) {
	if err := checkLimitedSize(limitedSize); err != nil {
		return nil, err
	}
	res, err := x.SearchWithRequest(&SearchRequest{Query: query, Mode: RangeSearchMode, Radius: radius, LimitedSize: limitedSize, Params: searchJSON, Filter: filter})
	if err != nil {
		return nil, err
	}
	return res.Dataset, nil
}

// checkLimitedSize refuses a range search's limited_size other than -1 (unlimited) or positive.
func checkLimitedSize(limitedSize int) error {
	if limitedSize == 0 || limitedSize < -1 {
		return api.Errorf(api.InvalidArgument, "range search: limited_size %d must be -1 (unlimited) or positive", limitedSize)
	}
	return nil
}

// RangeSearchVector is RangeSearch on a float32 query returning the neighbours directly.
func (x *Index) RangeSearchVector(query []float32, radius float32, searchJSON string, filter Filter, limitedSize int) ([]Neighbor, error) {
	if err := checkLimitedSize(limitedSize); err != nil {
		return nil, err
	}
	q, buf, err := x.searchQuery(&Dataset{NumElements: 1, Dim: len(query), Float32: query}, "range search")
	defer putQueryBuf(buf)
	if err != nil {
		return nil, err
	}
	ns, _, err := x.searchVector(&SearchRequest{Mode: RangeSearchMode, Radius: radius, LimitedSize: limitedSize, Params: searchJSON, Filter: filter}, q)
	return ns, err
}

func (x *Index) rangeSearch(q []float32, radius float32, searchJSON string, filter Filter, limitedSize int, buckets []int64, paths map[string]string) (_ []Neighbor, err error) {
	defer recovered(&err)
	if err := checkLimitedSize(limitedSize); err != nil {
		return nil, err
	}
	if math.IsNaN(float64(radius)) || radius < 0 {
		return nil, api.Errorf(api.InvalidArgument, "range search: radius %g must be a non-negative number", radius)
	}
	rs, ok := x.eng().(api.RangeSearcher)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "range search is not supported by %s", x.name)
	}
	opts, err := x.searchOptions(searchJSON, filter)
	if err != nil {
		return nil, err
	}
	opts.BucketIDs = buckets
	opts.Paths = paths
	return rs.RangeSearch(q, radius, limitedSize, opts)
}

// BatchKnnSearch searches every query of queries on all cores and returns a Dataset with
// NumElements = number of queries, Dim = k, and nq*k IDs/Distances padded with -1 / +Inf.
func (x *Index) BatchKnnSearch(queries *Dataset, k int, searchJSON string, filter Filter) (*Dataset, error) {
	if x.sparseIndex() {
		return x.batchSearchSparse(queries, k, searchJSON, filter)
	}
	if x.multiVectorIndex() {
		return x.batchKnnSearchMulti(queries, k, searchJSON, filter)
	}
	if queries == nil {
		return nil, api.Errorf(api.InvalidArgument, "batch search: query dataset is nil")
	}
	if k <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "batch search: k %d must be positive", k)
	}
	v, nq, err := x.vectors(queries, "batch search", false)
	if err != nil {
		return nil, err
	}
	if queries.HasPaths() {
		return x.batchSearchWithPaths(queries, v, nq, k, searchJSON, filter)
	}
	k = x.capK(k) // the result rows hold at most the live count
	if nq > 0 && k > maxResultEntries/nq {
		return nil, api.Errorf(api.NoEnoughMemory, "batch search: %d queries x k %d results do not fit in memory", nq, k)
	}
	out := &Dataset{NumElements: nq, Dim: k, IDs: make([]int64, nq*k), Distances: make([]float32, nq*k)}
	if err := x.batchSearch(v, nq, k, searchJSON, filter, out.IDs, out.Distances); err != nil {
		return nil, err
	}
	return out, nil
}

// BatchSearchInto searches nq float32 queries (row-major, already validated length nq*dim) on
// all cores, writing row i's results into ids[i*k:(i+1)*k] and dists[i*k:(i+1)*k] with -1 ids
// and +Inf distances as padding. It is the zero-copy form used by the bindings.
func (x *Index) BatchSearchInto(queries []float32, nq, k int, searchJSON string, filter Filter, ids []int64, dists []float32) error {
	if k <= 0 {
		return api.Errorf(api.InvalidArgument, "batch search: k %d must be positive", k)
	}
	if nq < 0 || (nq > 0 && (k > len(ids)/nq || k > len(dists)/nq)) {
		return api.Errorf(api.InvalidArgument, "batch search: output buffers hold %d/%d entries, need %d", len(ids), len(dists), nq*k)
	}
	v, n, err := x.vectors(&Dataset{NumElements: nq, Dim: x.create.Dim, Float32: queries}, "batch search", false)
	if err != nil {
		return err
	}
	return x.batchSearch(v, n, k, searchJSON, filter, ids, dists)
}

func (x *Index) batchSearch(v []float32, nq, k int, searchJSON string, filter Filter, ids []int64, dists []float32) (err error) {
	defer recovered(&err)
	opts, err := x.searchOptions(searchJSON, filter)
	if err != nil {
		return err
	}
	if kk := x.capK(k); kk < k {
		// fewer live rows than k: search for kk per query, then spread the rows out to stride k
		sids, sdists := make([]int64, nq*kk), make([]float32, nq*kk)
		if err := x.batchSearchOpts(v, nq, kk, opts, sids, sdists); err != nil {
			return err
		}
		for i := 0; i < nq; i++ {
			copy(ids[i*k:], sids[i*kk:(i+1)*kk])
			copy(dists[i*k:], sdists[i*kk:(i+1)*kk])
			padRow(ids[i*k+kk:(i+1)*k], dists[i*k+kk:(i+1)*k])
		}
		return nil
	}
	return x.batchSearchOpts(v, nq, k, opts, ids, dists)
}

// maxResultEntries bounds the result entries (ids and distances) one batch search allocates.
const maxResultEntries = 1 << 31

// capK caps a requested k at the live count (at least 1), so that no caller-given k sizes an
// allocation beyond what the index can return.
func (x *Index) capK(k int) int {
	if live := x.eng().NumElements(); int64(k) > live {
		return int(max(live, 1))
	}
	return k
}

func (x *Index) batchSearchOpts(v []float32, nq, k int, opts *api.SearchOptions, ids []int64, dists []float32) error {
	if bs, ok := x.eng().(api.BatchSearcher); ok {
		return bs.BatchKnnSearch(v, nq, k, opts, ids, dists)
	}
	d := x.create.Dim
	var timeout time.Duration
	if !opts.Deadline.IsZero() {
		timeout = time.Until(opts.Deadline)
	}
	// a row searcher only reads opts, so its queries share them unless each needs a deadline of
	// its own (a copy per query is an allocation per query); KnnSearch gets a copy each
	rs, rows := x.eng().(api.RowSearcher)
	return parallel.For(nq, runtime.GOMAXPROCS(0), func(_, i int) error {
		o := opts
		if timeout > 0 || !rows {
			own := *opts
			if timeout > 0 {
				own.Deadline = time.Now().Add(timeout)
			}
			o = &own
		}
		q, rowIDs, rowDists := v[i*d:(i+1)*d], ids[i*k:(i+1)*k], dists[i*k:(i+1)*k]
		if rows {
			n, err := rs.KnnSearchInto(q, k, o, rowIDs, rowDists)
			if err != nil {
				return err
			}
			padRow(rowIDs[n:], rowDists[n:])
			return nil
		}
		ns, err := x.eng().KnnSearch(q, k, o)
		if err != nil {
			return err
		}
		writeRow(ns, rowIDs, rowDists)
		return nil
	})
}

// CalcDistanceByID returns the distance of query to the vector of label, or -1 when the label
// does not exist.
func (x *Index) CalcDistanceByID(query []float32, label int64) (float32, error) {
	out, err := x.CalcDistanceByIDs(query, []int64{label})
	if err != nil {
		return 0, err
	}
	return out[0], nil
}

// CalcDistanceByIDs returns the distance of query to each label (-1 where a label is missing).
func (x *Index) CalcDistanceByIDs(query []float32, labels []int64) (_ []float32, err error) {
	defer recovered(&err)
	q, err := x.checkQuery(query, "calc distance by id")
	if err != nil {
		return nil, err
	}
	dc, ok := x.eng().(api.DistanceCalculator)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "calc distance by id is not supported by %s", x.name)
	}
	out := make([]float32, len(labels))
	if err := dc.CalcDistanceByIDs(q, labels, out); err != nil {
		return nil, err
	}
	return out, nil
}

// GetRawVectorByIDs returns the stored float32 vectors of labels (normalised for cosine).
func (x *Index) GetRawVectorByIDs(labels []int64) (_ *Dataset, err error) {
	defer recovered(&err)
	if x.sparseIndex() {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "get raw vectors: %s holds sparse rows; read them with GetSparseVectorByIDs", x.name)
	}
	vr, ok := x.eng().(api.VectorReader)
	if !ok || !vr.KeepsRawVectors() {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "%s does not keep raw vectors with this quantizer", x.name)
	}
	d := x.create.Dim
	out := make([]float32, len(labels)*d)
	if err := vr.GetVectors(labels, out); err != nil {
		return nil, err
	}
	return &Dataset{NumElements: len(labels), Dim: d, IDs: append([]int64(nil), labels...), Float32: out}, nil
}

// CheckIDExist reports whether label is live in the index.
func (x *Index) CheckIDExist(label int64) bool { return x.eng().Contains(label) }

// GetMinAndMaxID returns the smallest and largest live label (INDEX_EMPTY when none).
func (x *Index) GetMinAndMaxID() (int64, int64, error) {
	eng := x.eng()
	if mm, ok := eng.(api.MinMaxer); ok {
		return mm.MinMaxID()
	}
	ids := eng.ExportIDs()
	if len(ids) == 0 {
		return 0, 0, api.Errorf(api.IndexEmpty, "%s: the index holds no vectors", x.name)
	}
	return ids[0], ids[len(ids)-1], nil
}

// GetNumElements returns the number of live vectors.
func (x *Index) GetNumElements() int64 { return x.eng().NumElements() }

// GetNumberRemoved returns the number of vectors marked removed.
func (x *Index) GetNumberRemoved() int64 { return x.numRemoved(x.eng()) }

// numRemoved returns the vectors eng holds marked removed (0 for engines that cannot remove).
func (x *Index) numRemoved(eng api.Engine) int64 {
	if rm, ok := eng.(api.Remover); ok {
		return rm.NumRemoved()
	}
	return 0
}

// EstimateMemory estimates the bytes an index of this configuration needs for n vectors.
func (x *Index) EstimateMemory(n uint64) uint64 {
	if n > 1<<40 {
		n = 1 << 40
	}
	me, ok := x.eng().(api.MemoryEstimator)
	if !ok {
		return 0
	}
	return uint64(me.EstimateMemory(int64(n)))
}

// GetMemoryUsage returns the bytes the index holds now.
func (x *Index) GetMemoryUsage() int64 {
	m := x.eng().MemoryUsage()
	if x.extra != nil {
		m += x.extra.memory()
	}
	return m + x.attrMemory()
}

// CheckFeature reports whether the index supports feature f (VSAG's numbering).
func (x *Index) CheckFeature(f Feature) bool { return x.features().Has(f) }

// Features lists the supported features.
func (x *Index) Features() []Feature { return x.features().List() }

// features derives the flags from the capabilities the engine implements, adds the ones core
// provides for every engine and the ones the engine declares (metrics, multi-thread and
// concurrency flags).
func (x *Index) features() api.FeatureSet {
	eng := x.eng()
	s := eng.Features().With(api.SupportBuild).With(api.SupportAddAfterBuild).With(api.SupportAddFromEmpty)
	if bo, ok := eng.(interface{ BuildOnly() bool }); ok && bo.BuildOnly() {
		s = s.Without(api.SupportAddAfterBuild) // the first add builds; later ones are refused
	}
	for _, f := range []api.Feature{
		api.SupportKnnSearch, api.SupportKnnSearchWithIDFilter, api.SupportBatchSearch, api.SupportBatchSearchWithMultiThread,
		api.SupportSerializeFile, api.SupportSerializeBinarySet, api.SupportSerializeWriteFunc,
		api.SupportDeserializeFile, api.SupportDeserializeBinarySet,
		api.SupportGetMemoryUsage, api.SupportCheckIDExist, api.SupportExportIDs, api.SupportClone,
	} {
		s = s.With(f)
	}
	if tr, ok := eng.(api.Trainer); ok && tr.NeedsTraining() {
		s = s.With(api.NeedTrain)
	}
	if _, ok := eng.(api.Remover); ok {
		s = s.With(api.SupportDeleteByID)
	}
	if _, ok := eng.(api.RangeSearcher); ok {
		s = s.With(api.SupportRangeSearch).With(api.SupportRangeSearchWithIDFilter)
	}
	if _, ok := eng.(api.DistanceCalculator); ok {
		s = s.With(api.SupportCalDistanceByID).With(api.SupportBatchCalcDistanceByID)
	}
	if vr, ok := eng.(api.VectorReader); ok && vr.KeepsRawVectors() {
		s = s.With(api.SupportGetRawVectorByIDs)
	}
	if _, ok := eng.(api.MemoryEstimator); ok {
		s = s.With(api.SupportEstimateMemory)
	}
	if _, ok := eng.(api.ModelExporter); ok {
		s = s.With(api.SupportExportModel)
	}
	if _, ok := eng.(api.Merger); ok {
		s = s.With(api.SupportMergeIndex)
	}
	if _, ok := eng.(api.Introspector); ok {
		s = s.With(api.SupportGetStats).With(api.SupportAnalyzeIndexBySearch)
	}
	if tn, ok := eng.(api.Tuner); ok && tn.CanTune() && !x.immutable.Load() {
		s = s.With(api.SupportTune)
	}
	if x.extra != nil {
		s = s.With(api.SupportGetExtraInfoByID).With(api.SupportUpdateExtraInfoConcurrent).With(api.SupportKnnSearchWithExFilter)
	}
	s = iteratorFeatures(eng, s)
	return s.With(api.SupportReset)
}

// ExportIDs returns the live labels in ascending order.
func (x *Index) ExportIDs() []int64 { return x.eng().ExportIDs() }

// Clone returns an independent deep copy of the index (mutable, even if x is immutable).
func (x *Index) Clone() (_ *Index, err error) {
	defer recovered(&err)
	// The index streams through a pipe into the copy: the sections are never held in memory
	// whole, so a clone costs the copy itself plus the pipe's buffers.
	pr, pw := io.Pipe()
	wait := parallel.Go(func() error {
		err := x.Serialize(pw)
		pw.CloseWithError(err)
		return err
	})
	c, lerr := Load(pr)
	pr.CloseWithError(errCloneDone) // unblocks the writer if the copy stopped early
	if serr := wait(); serr != nil && !errors.Is(serr, errCloneDone) {
		return nil, serr
	}
	if lerr != nil {
		return nil, lerr
	}
	return c, nil
}

// errCloneDone tells Clone's writer that the reading side has finished.
var errCloneDone = errors.New("clone: the copy has finished reading")

// restore loads the engine and the index-level sections from f into this fresh index.
func (x *Index) restore(f *serial.File) error {
	if err := x.eng().Load(f); err != nil {
		return err
	}
	return x.restoreCore(f)
}

// recovered, deferred in a public call, turns a panic inside it (a fault in an engine, or in a
// caller's filter) into INTERNAL_ERROR for the caller, so no panic crosses the Go API.
func recovered(err *error) {
	if r := recover(); r != nil {
		*err = parallel.Recovered(r)
	}
}
