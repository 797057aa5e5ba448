// Package quant holds the quantizers: each turns a float32 vector into a fixed-size code and
// computes query-to-code distances with the metric's semantics (squared l2, 1 - ip; cosine is ip
// on vectors the caller has normalised). Quantizers register themselves by VSAG's
// base_quantization_type name.
package quant

import (
	"sort"
	"sync"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// Quantizer encodes vectors of one dimension into codes of CodeSize bytes.
//
// Encode and NewComputer must not be called before Train when NeedTrain is true. Quantizers are
// safe for concurrent use once trained.
type Quantizer interface {
	// Name returns the base_quantization_type name, such as "fp32".
	Name() string
	// Dim returns the dimension of the vectors it encodes.
	Dim() int
	// Metric returns the metric its computers use.
	Metric() metric.Kind
	// CodeSize returns the size of one code in bytes.
	CodeSize() int
	// NeedTrain reports whether Train must run before Encode.
	NeedTrain() bool
	// Trained reports whether the quantizer is ready to encode.
	Trained() bool
	// Train learns the quantizer's state from n row-major vectors.
	Train(vectors []float32, n int) error
	// Encode writes the code of v into dst (len(dst) >= CodeSize()).
	Encode(dst []byte, v []float32)
	// Decode writes the approximate vector of code into dst (len(dst) >= Dim()).
	Decode(dst []float32, code []byte)
	// NewComputer returns a distance computer; call SetQuery before use. A computer is used by
	// one goroutine at a time; pool it for reuse.
	NewComputer() Computer
	// MarshalBinary returns the trained state.
	MarshalBinary() ([]byte, error)
	// UnmarshalBinary restores the trained state written by MarshalBinary.
	UnmarshalBinary(data []byte) error
}

// QueryQuantizer is implemented by computers that measure codes against a quantized copy q̂ of
// the query: QueryError returns ‖q - q̂‖ for q, the query last given to SetQuery.
type QueryQuantizer interface {
	QueryError(q []float32) float32
}

// CodeQuerier is implemented by computers that can take a stored code of their own quantizer
// as the query without decoding it: SetQueryCode prepares what SetQuery(Decode(code)) would, up
// to float rounding, and reports false, changing nothing, where it cannot (graph builds then
// decode).
type CodeQuerier interface {
	SetQueryCode(code []byte) bool
}

// Computer computes the distance of one query to codes. Codes of row r live at
// slab[r*CodeSize : (r+1)*CodeSize].
type Computer interface {
	// SetQuery prepares the computer for query q (len(q) == Dim()); q is not retained.
	SetQuery(q []float32)
	// Distance returns the distance of the query to one code.
	Distance(code []byte) float32
	// DistanceBatch writes, for each i, the distance to row ids[i] of slab into out[i].
	DistanceBatch(slab []byte, ids []uint32, out []float32)
	// DistanceRows writes the distances to rows 0..len(out)-1 of slab into out.
	DistanceRows(slab []byte, out []float32)
}

// Options carries the quantizer-specific keys of index_param.
type Options struct {
	// SQ4UniformTruncRate is the fraction of extreme values ignored when learning the global
	// range of sq4_uniform (default 0.05).
	SQ4UniformTruncRate float64
	// LeanVecDims is leanvec_dims, the dimension leanvec reduces to (0: (dim+1)/2).
	LeanVecDims int
	// LeanVecPrimary is leanvec_primary, the encoding of the reduced vectors: fp32, fp16, lvq8
	// or lvq4 ("": lvq8).
	LeanVecPrimary string
	// LeanVecSecondary is leanvec_secondary, the encoding of the full vectors: fp32, fp16 or lvq8
	// ("": fp16).
	LeanVecSecondary string
	// LeanVecTraining is leanvec_training: pca (in-distribution) or ood (query-aware) ("": pca).
	LeanVecTraining string
	// Codebook configures pq, pqfs, rabitq and tq.
	Codebook CodebookOptions
	// Residuals says that the vectors encoded are differences from centroids (ivf's
	// use_residual) rather than the vectors themselves, so under cosine they are not at unit
	// length: the scalar and LVQ quantizers then measure cosine codes by their dot product
	// (see cosineByL2).
	Residuals bool
	// Extra holds further settings by key for quantizers that need them.
	Extra map[string]any
}

// DefaultOptions returns the defaults of every option.
func DefaultOptions() Options {
	return Options{SQ4UniformTruncRate: 0.05, Codebook: DefaultCodebook()}
}

// Factory builds a quantizer for vectors of dim dimensions.
type Factory func(dim int, m metric.Kind, opts Options) (Quantizer, error)

var (
	regMu    sync.RWMutex
	registry = map[string]Factory{}
)

// Register makes a quantizer available under name. It is called from init functions.
func Register(name string, f Factory) {
	regMu.Lock()
	defer regMu.Unlock()
	registry[name] = f
}

// New returns a new quantizer by name; unknown names are INVALID_ARGUMENT.
func New(name string, dim int, m metric.Kind, opts Options) (Quantizer, error) {
	regMu.RLock()
	f, ok := registry[name]
	regMu.RUnlock()
	if !ok {
		return nil, api.Errorf(api.InvalidArgument, "quantization type %q is not one of %v", name, Names())
	}
	if dim <= 0 {
		return nil, api.Errorf(api.InvalidArgument, "quantizer %s: dim %d must be positive", name, dim)
	}
	q, err := f(dim, m, opts)
	if err != nil {
		return nil, api.Wrap(api.InvalidArgument, err, "quantizer %s", name)
	}
	return q, nil
}

// Names lists the registered quantizer names, sorted.
func Names() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for k := range registry {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Exact reports whether the quantizer reproduces float32 input exactly (so decoded vectors are
// the raw vectors).
func Exact(q Quantizer) bool { return q.Name() == "fp32" }

// MarshalState returns q's learned state for a file: empty for a quantizer that still waits for
// its training (an empty index of a trained type saves and loads as untrained).
func MarshalState(q Quantizer) ([]byte, error) {
	if q.NeedTrain() && !q.Trained() {
		return []byte{}, nil
	}
	return q.MarshalBinary()
}

// cosineByL2 reports whether a quantizer of metric m with options o (sq8, sq4, sq8_uniform,
// sq4_uniform, int8, the registered LVQ types, pq and pqfs) measures codes by half their squared l2
// distance to the query instead of one minus their dot product. Under cosine the engine stores
// and searches vectors at unit length, where the two are the same number: 1 - <q, x> =
// ‖q - x‖²/2. On the codes they differ by (‖x̂‖² - 1)/2, the change that quantization makes to
// a code's length, which the dot product takes for similarity and the distance does not
// (TestCosineCodesRankByL2: the true ten nearest among the ten best estimates, 0.35 against
// 0.76 for sq4_uniform). Residuals (ivf's use_residual) are not unit vectors and keep the dot
// product.
func cosineByL2(m metric.Kind, o Options) bool { return m == metric.Cosine && !o.Residuals }

// ownQueryRange reports whether a quantizer that quantizes queries (sq8_uniform, sq4_uniform)
// gives an inner-product query a range of its own instead of the codes' range. The l2 kernels
// subtract query and code levels, which must then share one scale; the dot product does not need
// to. A query whose values leave the codes' range was clamped there: residual codes (ivf's
// use_residual) span the small range of the differences from the centroids while the query is a
// whole vector, and a maximum-inner-product query need not share the data's scale. Within the
// range its own is as fine or finer.
func ownQueryRange(m metric.Kind, o Options) bool { return m.UsesInnerProduct() && !cosineByL2(m, o) }
