package api

import (
	"time"

	"github.com/govsag/vsag/core/serial"
)

// SearchOptions carries one search request's settings to an engine.
type SearchOptions struct {
	// Block is the JSON object under the index's name in the search parameters (may be nil).
	Block []byte
	// Parallelism is how many goroutines one query may use.
	Parallelism int
	// Deadline, when non-zero, ends the search early with the results found so far.
	Deadline time.Time
	// Filter restricts the labels returned (nil keeps all). CheckValid true keeps.
	Filter Filter
	// Stats, when non-nil, receives counters about the search.
	Stats *SearchStats
	// BucketIDs, when non-nil, names the buckets a BucketScanner scans instead of the ones
	// its routing picks.
	BucketIDs []int64
	// Paths, when non-nil, is the query's path by hierarchy name ("" for the unnamed
	// hierarchy), for a PathInserter: the search stays inside those subtrees.
	Paths map[string]string
}

// SearchStats counts the work of one search.
type SearchStats struct {
	// DistanceComputations is the number of distances computed.
	DistanceComputations int64 `json:"dist_cmp"`
	// Hops is the number of nodes expanded (graph indexes) or rows scanned (flat indexes).
	Hops int64 `json:"hops"`
	// ElapsedMs is the wall time of the search in milliseconds.
	ElapsedMs float64 `json:"elapsed_ms"`
	// TimedOut is set when the deadline cut the search short.
	TimedOut bool `json:"timed_out"`
	// IOReads counts the records read from disk (diskann).
	IOReads int64 `json:"io_reads,omitempty"`
}

// InsertHook is called by an engine's Build and Add for every row of the batch it stores (row
// is the row of the batch, label its label), under the engine's exclusive lock and before any
// search can see the label. Core keeps per-label data outside the engine (extra info,
// attributes) in step with the label table through it. A hook must not call the engine.
type InsertHook func(row int, label int64)

// Engine is the narrow contract every index type implements. Everything else an index can do
// is an optional capability (the small interfaces below); core derives the feature flags from
// the capabilities an engine implements and answers UNSUPPORTED_INDEX_OPERATION for the rest,
// so no engine carries stub methods.
//
// core validates input (dimensions, NaN/Inf, k, JSON shape), converts every dtype to float32
// and normalises vectors for cosine before calling an engine, so engines see clean float32
// rows. Engines must be safe for concurrent use: searches run in parallel with each other and,
// where the engine's features say so, with writes.
//
// Adding an index type: a package under core/index implementing Engine (and the capabilities
// it has), plus one registration line in package core.
type Engine interface {
	// Name returns the index type name.
	Name() string
	// Features returns the flags core cannot derive from the capabilities: the metric types,
	// the *_WITH_MULTI_THREAD and *_CONCURRENT flags. Flags core derives may be listed too.
	Features() FeatureSet
	// Add inserts a batch; labels that could not be added (duplicates) are returned. onInsert
	// (may be nil) is called for every row stored, as InsertHook says.
	Add(vectors []float32, ids []int64, onInsert InsertHook) ([]int64, error)
	// KnnSearch returns up to k neighbours of query in ascending distance, honouring
	// opts.Filter (SUPPORT_KNN_SEARCH_WITH_ID_FILTER is part of the contract).
	KnnSearch(query []float32, k int, opts *SearchOptions) ([]Neighbor, error)
	// Contains reports whether label is live.
	Contains(label int64) bool
	// NumElements returns the number of live vectors.
	NumElements() int64
	// ExportIDs returns the live labels in ascending order.
	ExportIDs() []int64
	// MemoryUsage returns the bytes held now.
	MemoryUsage() int64
	// Save writes the engine's sections into f.
	Save(f *serial.File) error
	// Load restores the engine from sections written by Save into an empty engine.
	Load(f *serial.File) error
}

// Resumer is implemented by engines whose file may ask for background work (lazy_hgraph's
// conversion of a flat phase saved past its threshold). Core calls Resume once the whole load
// has succeeded, never from a load that fails later, so a refused file leaves nothing running.
type Resumer interface {
	Resume()
}

// Builder is implemented by engines with a build of their own (a first batch handled
// differently from later adds, and refused with BUILD_TWICE on a non-empty index). Without it
// core builds by adding to the empty index.
type Builder interface {
	Build(vectors []float32, ids []int64, onInsert InsertHook) ([]int64, error)
}

// Trainer is implemented by engines whose quantizers learn from data (NEED_TRAIN while
// NeedsTraining reports true before a build).
type Trainer interface {
	// Train learns quantizer state from n vectors without adding them.
	Train(vectors []float32, n int) error
	// NeedsTraining reports whether some quantizer of the engine learns from data.
	NeedsTraining() bool
}

// Remover is implemented by engines that mark labels removed (SUPPORT_DELETE_BY_ID).
type Remover interface {
	// Remove marks labels removed and returns how many were removed.
	Remove(ids []int64) (int, error)
	// NumRemoved returns the number of vectors marked removed.
	NumRemoved() int64
}

// RangeSearcher is implemented by engines with range search (SUPPORT_RANGE_SEARCH and
// SUPPORT_RANGE_SEARCH_WITH_ID_FILTER).
type RangeSearcher interface {
	// RangeSearch returns neighbours within radius in ascending distance; limit < 0 is unlimited.
	RangeSearch(query []float32, radius float32, limit int, opts *SearchOptions) ([]Neighbor, error)
}

// DistanceCalculator is implemented by engines that measure a query against stored labels
// (SUPPORT_CAL_DISTANCE_BY_ID and SUPPORT_BATCH_CALC_DISTANCE_BY_ID).
type DistanceCalculator interface {
	// CalcDistanceByIDs writes the distance of query to each label into out (-1 when missing).
	CalcDistanceByIDs(query []float32, ids []int64, out []float32) error
}

// VectorReader is implemented by engines that can return stored vectors
// (SUPPORT_GET_RAW_VECTOR_BY_IDS while KeepsRawVectors reports true).
type VectorReader interface {
	// GetVectors writes the stored vector of each label into out (row-major); a missing label
	// is an INVALID_ARGUMENT error.
	GetVectors(ids []int64, out []float32) error
	// KeepsRawVectors reports whether GetVectors reproduces the input exactly.
	KeepsRawVectors() bool
}

// Relabeler is implemented by engines that change labels in place.
type Relabeler interface {
	// UpdateID changes a label. onRelabel (may be nil) is called once the label has changed,
	// under the engine's exclusive lock, before any other call can see the new label.
	UpdateID(from, to int64, onRelabel func()) error
}

// VectorUpdater is implemented by engines that replace a stored vector in place.
type VectorUpdater interface {
	// UpdateVector replaces the vector of a label. Without force the new vector must be close
	// to the old one (VSAG's rule), otherwise the call fails with INVALID_ARGUMENT.
	UpdateVector(label int64, v []float32, force bool) error
}

// MemoryEstimator is implemented by engines that can size themselves in advance
// (SUPPORT_ESTIMATE_MEMORY).
type MemoryEstimator interface {
	// EstimateMemory estimates the bytes needed to hold n vectors.
	EstimateMemory(n int64) int64
}

// MinMaxer is implemented by engines that know their smallest and largest label without
// listing them all; without it core derives them from ExportIDs.
type MinMaxer interface {
	// MinMaxID returns the smallest and largest live label; INDEX_EMPTY when there is none.
	MinMaxID() (int64, int64, error)
}

// BatchSearcher is implemented by engines with a faster path for many queries at once (for
// example a flat scan that blocks queries against rows so rows are read once per block).
// Results go to ids/dists row-major, k per query, padded with -1 and +Inf.
type BatchSearcher interface {
	BatchKnnSearch(queries []float32, nq, k int, opts *SearchOptions, ids []int64, dists []float32) error
}

// RowSearcher is implemented by engines that can write one query's results straight into a
// caller's row, so that a batch search allocates nothing per query.
type RowSearcher interface {
	// KnnSearchInto searches like KnnSearch and writes the neighbours, ascending, into ids and
	// dists (each at least k long); it returns how many it wrote, at most k. The caller pads.
	// The queries of a batch share opts (whose Stats is nil there), so it only reads it.
	KnnSearchInto(query []float32, k int, opts *SearchOptions, ids []int64, dists []float32) (int, error)
}

// BucketScanner is implemented by engines that partition vectors into buckets a search may
// name (SearchRequest's bucket ids).
type BucketScanner interface {
	// BucketCount returns the number of buckets.
	BucketCount() int
}

// ModelExporter is implemented by engines whose trained state can be shipped without their
// vectors (SUPPORT_EXPORT_MODEL): the exported engine is filled elsewhere and merged back.
type ModelExporter interface {
	// ExportModel returns a new engine with the same parameters and trained state and no
	// vectors.
	ExportModel() (Engine, error)
}

// MergeSource is one engine to merge and the map of its labels.
type MergeSource struct {
	// Engine is the source; it is only read.
	Engine Engine
	// Map returns the label a source label takes in the merged engine, or false to leave the
	// label out; nil keeps every label as it is.
	Map func(label int64) (int64, bool)
}

// Merger is implemented by engines that take in the vectors of engines of the same type and
// trained model without re-training or re-encoding (SUPPORT_MERGE_INDEX).
type Merger interface {
	// Merge adds the live vectors of every source. A source of another type, parameters or
	// model is INVALID_ARGUMENT and nothing is merged. Labels already present are returned
	// (as mapped) and skipped. onMerge (may be nil) is called for every vector merged, under
	// the engine's exclusive lock, with the source's number, the source label and the new one.
	Merge(sources []MergeSource, onMerge func(src int, from, to int64)) ([]int64, error)
}

// QueryTrainer is implemented by engines whose quantizers also learn from sample queries
// (LeanVec-OOD). vectors holds n rows and queries nq rows, both already validated.
type QueryTrainer interface {
	TrainWithQueries(vectors []float32, n int, queries []float32, nq int) error
}

// PathInserter is implemented by engines whose rows carry paths (pyramid). Core hands them the
// rows of Build and Add with their paths, validated, and the query's paths in
// SearchOptions.Paths; other engines refuse datasets with paths.
type PathInserter interface {
	// InsertWithPaths inserts a batch as Build (build true) or Add does. paths maps a hierarchy
	// name ("" for the unnamed hierarchy) to one path per row; it is nil when the dataset
	// carries none.
	InsertWithPaths(vectors []float32, ids []int64, paths map[string][]string, build bool, onInsert InsertHook) ([]int64, error)
}
