package quant

import (
	"math"
	"strings"

	"github.com/govsag/vsag/core/api"
)

// Keys holds the quantizer keys an index_param block shares between index types (hgraph,
// brute_force, ivf), with VSAG's names. Index parameter structs embed it, so the keys sit at the
// top level of index_param as in VSAG. A nil pointer means the key was not given.
type Keys struct {
	// BasePQDim is base_pq_dim, the number of subspaces of pq and pqfs (must divide dim;
	// default 1 as in VSAG's template).
	BasePQDim int `json:"base_pq_dim"`
	// RaBitQPCADim is rabitq_pca_dim: rabitq (and tq's pca step) reduce to this many dimensions
	// first (0: no reduction).
	RaBitQPCADim int `json:"rabitq_pca_dim"`
	// RaBitQBitsPerDimQuery is rabitq_bits_per_dim_query: 32 (float query) or 4 (default 32).
	RaBitQBitsPerDimQuery *int `json:"rabitq_bits_per_dim_query"`
	// RaBitQBitsPerDimBase is rabitq_bits_per_dim_base, bits per dimension of base codes (1..8,
	// default 1).
	RaBitQBitsPerDimBase *int `json:"rabitq_bits_per_dim_base"`
	// RaBitQBitsPerDimPrecise is rabitq_bits_per_dim_precise, the bits of the precise rabitq
	// codes (the rest of the split layout).
	RaBitQBitsPerDimPrecise *int `json:"rabitq_bits_per_dim_precise"`
	// RaBitQErrorRate is rabitq_error_rate, the width of the error bound in standard deviations
	// (finite, > 0; default 1.9).
	RaBitQErrorRate *float64 `json:"rabitq_error_rate"`
	// RaBitQUseFHT is rabitq_use_fht: rotate with a fast Hadamard transform instead of a dense
	// random orthogonal matrix.
	RaBitQUseFHT bool `json:"rabitq_use_fht"`
	// RaBitQVersion is rabitq_version: standard, split or split_1bit_7bit.
	RaBitQVersion string `json:"rabitq_version"`
	// FastEncodeRaBitQ is fast_encode_rabitq (default true).
	FastEncodeRaBitQ *bool `json:"fast_encode_rabitq"`
	// FastEncodeRaBitQRounds is fast_encode_rabitq_rounds (default 6).
	FastEncodeRaBitQRounds *int `json:"fast_encode_rabitq_rounds"`
	// TQChain is tq_chain: "t1, t2, ..., quantizer" for base_quantization_type tq.
	TQChain string `json:"tq_chain"`
	// MRLEDim is mrle_dim, the leading coordinates the mrle transformer keeps.
	MRLEDim int `json:"mrle_dim"`
}

// CodebookOptions configures pq, pqfs, rabitq and tq, as the Keys give them.
type CodebookOptions struct {
	// PQDim is the number of pq / pqfs subspaces.
	PQDim int
	// PCADim is rabitq_pca_dim (0: none).
	PCADim int
	// RaBitQBitsQuery is 32 or 4.
	RaBitQBitsQuery int
	// RaBitQBitsBase is 1..8.
	RaBitQBitsBase int
	// RaBitQBitsPrecise is the precise part of the split layout (0: not given).
	RaBitQBitsPrecise int
	// RaBitQErrorRate is the error bound's width.
	RaBitQErrorRate float64
	// RaBitQUseFHT selects the Hadamard rotation.
	RaBitQUseFHT bool
	// RaBitQVersion is "standard" or "split".
	RaBitQVersion string
	// FastEncode and FastEncodeRounds tune rabitq's multi-bit encoder.
	FastEncode       bool
	FastEncodeRounds int
	// TQChain is the transformer chain (transformers then a quantizer), split and trimmed.
	TQChain []string
	// MRLEDim is mrle's kept dimension.
	MRLEDim int
}

// DefaultCodebook returns VSAG's defaults of the codebook options.
func DefaultCodebook() CodebookOptions {
	return CodebookOptions{PQDim: 1, RaBitQBitsQuery: 32, RaBitQBitsBase: 1, RaBitQErrorRate: 1.9,
		RaBitQVersion: "standard", FastEncode: true, FastEncodeRounds: 6}
}

// Validate checks the keys for vectors of dim dimensions and quantizer base (the
// base_quantization_type) and returns the options they carry.
func (k Keys) Validate(dim int, base string) (CodebookOptions, error) {
	o := DefaultCodebook()
	if k.BasePQDim != 0 {
		if k.BasePQDim < 1 || k.BasePQDim > dim {
			return o, api.Errorf(api.InvalidArgument, "key \"base_pq_dim\": %d is out of range [1, %d]", k.BasePQDim, dim)
		}
		o.PQDim = k.BasePQDim
	}
	if (base == "pq" || base == "pqfs") && dim%o.PQDim != 0 {
		return o, api.Errorf(api.InvalidArgument, "key \"base_pq_dim\": pq_dim(%d) does not divide evenly into dim(%d)", o.PQDim, dim)
	}
	if k.RaBitQPCADim < 0 || k.RaBitQPCADim > dim {
		return o, api.Errorf(api.InvalidArgument, "key \"rabitq_pca_dim\": %d is out of range [0, %d]", k.RaBitQPCADim, dim)
	}
	o.PCADim = k.RaBitQPCADim
	if k.RaBitQBitsPerDimQuery != nil {
		o.RaBitQBitsQuery = *k.RaBitQBitsPerDimQuery
	}
	if o.RaBitQBitsQuery != 4 && o.RaBitQBitsQuery != 32 {
		return o, api.Errorf(api.InvalidArgument, "key \"rabitq_bits_per_dim_query\": currently, only support rabitq_bits_per_dim_query = 4 or 32, but got %d", o.RaBitQBitsQuery)
	}
	if k.RaBitQBitsPerDimBase != nil {
		o.RaBitQBitsBase = *k.RaBitQBitsPerDimBase
	}
	if o.RaBitQBitsBase < 1 || o.RaBitQBitsBase > 8 {
		return o, api.Errorf(api.InvalidArgument, "key \"rabitq_bits_per_dim_base\": currently, only support rabitq_bits_per_dim_base in [1, 8], but got %d", o.RaBitQBitsBase)
	}
	if k.RaBitQBitsPerDimPrecise != nil {
		o.RaBitQBitsPrecise = *k.RaBitQBitsPerDimPrecise
		if o.RaBitQBitsPrecise < 1 || o.RaBitQBitsPrecise > 8 {
			return o, api.Errorf(api.InvalidArgument, "key \"rabitq_bits_per_dim_precise\": %d is out of range [1, 8]", o.RaBitQBitsPrecise)
		}
	}
	if k.RaBitQErrorRate != nil {
		o.RaBitQErrorRate = *k.RaBitQErrorRate
	}
	if math.IsNaN(o.RaBitQErrorRate) || math.IsInf(o.RaBitQErrorRate, 0) || o.RaBitQErrorRate <= 0 {
		return o, api.Errorf(api.InvalidArgument, "key \"rabitq_error_rate\": rabitq_error_rate must be finite and positive, got %g", o.RaBitQErrorRate)
	}
	o.RaBitQUseFHT = k.RaBitQUseFHT
	switch k.RaBitQVersion {
	case "", "standard":
	case "split", "split_1bit_7bit":
		o.RaBitQVersion = "split"
		if o.RaBitQBitsQuery != 32 {
			return o, api.Errorf(api.InvalidArgument, "key \"rabitq_version\": rabitq_version=split requires rabitq_bits_per_dim_query=32")
		}
		if k.RaBitQVersion == "split_1bit_7bit" {
			if k.RaBitQBitsPerDimBase == nil {
				o.RaBitQBitsBase = 1
			}
			if k.RaBitQBitsPerDimPrecise == nil {
				o.RaBitQBitsPrecise = 7
			}
		}
		if o.RaBitQBitsBase+o.RaBitQBitsPrecise > 8 {
			return o, api.Errorf(api.InvalidArgument, "key \"rabitq_version\": rabitq_bits_per_dim_base (%d) + rabitq_bits_per_dim_precise (%d) must not exceed 8", o.RaBitQBitsBase, o.RaBitQBitsPrecise)
		}
	default:
		return o, api.Errorf(api.InvalidArgument, "key \"rabitq_version\": unsupported rabitq_version: %s. Supported values are standard, split", k.RaBitQVersion)
	}
	if k.FastEncodeRaBitQ != nil {
		o.FastEncode = *k.FastEncodeRaBitQ
	}
	if k.FastEncodeRaBitQRounds != nil {
		o.FastEncodeRounds = *k.FastEncodeRaBitQRounds
	}
	if o.FastEncodeRounds < 1 || o.FastEncodeRounds > 32 {
		return o, api.Errorf(api.InvalidArgument, "key \"fast_encode_rabitq_rounds\": fast_encode_rabitq_rounds must be in [1, 32], but got %d", o.FastEncodeRounds)
	}
	if k.TQChain != "" {
		for _, s := range strings.Split(k.TQChain, ",") {
			if s = strings.TrimSpace(s); s != "" {
				o.TQChain = append(o.TQChain, s)
			}
		}
	}
	if base == "tq" && len(o.TQChain) <= 1 {
		return o, api.Errorf(api.InvalidArgument, "key \"tq_chain\": tq_chain: (%s) must contains 1 or more transformer and 1 quantizer, e.g., tq_chain: \"rom, fp32\"", k.TQChain)
	}
	if base != "tq" && k.TQChain != "" {
		return o, api.Errorf(api.InvalidArgument, "key \"tq_chain\" needs base_quantization_type \"tq\"")
	}
	if k.MRLEDim < 0 || k.MRLEDim > dim {
		return o, api.Errorf(api.InvalidArgument, "key \"mrle_dim\": %d is out of range [0, %d]", k.MRLEDim, dim)
	}
	o.MRLEDim = k.MRLEDim
	return o, nil
}

// Precise returns the options of a precise (reranking) quantizer configured by the same keys:
// rabitq precise codes take rabitq_bits_per_dim_precise bits when it is given.
func (o CodebookOptions) Precise() CodebookOptions {
	if o.RaBitQBitsPrecise > 0 {
		o.RaBitQBitsBase = o.RaBitQBitsPrecise
	}
	return o
}
