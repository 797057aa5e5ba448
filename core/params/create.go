package params

import (
	"strings"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// DType is the input data type of an index.
type DType string

// The dtypes accepted as input.
const (
	Float32  DType = "float32"
	Float16  DType = "float16"
	BFloat16 DType = "bfloat16"
	Int8     DType = "int8"
	Sparse   DType = "sparse"
)

// MaxDim bounds the dimension of dense vectors.
const MaxDim = 1 << 16

// Create is a parsed create JSON: the common top-level keys plus the raw index block.
type Create struct {
	DType         DType
	Metric        metric.Kind
	Dim           int
	ExtraInfoSize int
	// IndexParam is the index's own block: "index_param", or "hnsw"/"diskann" for those indexes.
	IndexParam json.RawMessage
	// Raw is the create JSON as given.
	Raw string
}

// blockKey returns the key holding the index's own parameters.
func blockKey(indexName string) string {
	switch indexName {
	case "hnsw", "fresh_hnsw", "diskann":
		return indexName
	}
	return "index_param"
}

// blockAlias returns a second key an index accepts for its own parameters ("lazy_hgraph" takes
// its block as "lazy_hgraph" or as "index_param"), or blockKey's when there is none.
func blockAlias(indexName string) string {
	if indexName == "lazy_hgraph" {
		return indexName
	}
	return blockKey(indexName)
}

// ParseCreate parses and validates the create JSON of index indexName.
func ParseCreate(indexName, js string) (*Create, error) {
	top, err := splitObject([]byte(js), "create parameters")
	if err != nil {
		return nil, err
	}
	c := &Create{DType: Float32, Metric: metric.L2, Raw: js}
	block := blockKey(indexName)
	for k, v := range top {
		switch k {
		case "dtype":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"dtype\" must be a string")
			}
			switch DType(s) {
			case Float32, Float16, BFloat16, Int8:
				c.DType = DType(s)
			case Sparse:
				if indexName != "sindi" {
					return nil, api.Errorf(api.UnsupportedIndex, "dtype \"sparse\" is only for the sindi index, not %s", indexName)
				}
				c.DType = Sparse
			default:
				return nil, api.Errorf(api.InvalidArgument, "key \"dtype\": %q is not one of float32, float16, bfloat16, int8", s)
			}
		case "metric_type":
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"metric_type\" must be a string")
			}
			m, err := metric.Parse(strings.ToLower(s))
			if err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"metric_type\": %q is not one of l2, ip, cosine", s)
			}
			c.Metric = m
		case "dim":
			var d int64
			if err := json.Unmarshal(v, &d); err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"dim\" must be an integer")
			}
			if d <= 0 || d > MaxDim {
				return nil, api.Errorf(api.InvalidArgument, "key \"dim\": %d is out of range [1, %d]", d, MaxDim)
			}
			c.Dim = int(d)
		case "extra_info_size":
			var d int64
			if err := json.Unmarshal(v, &d); err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"extra_info_size\" must be an integer")
			}
			if d < 0 || d > 1<<20 {
				return nil, api.Errorf(api.InvalidArgument, "key \"extra_info_size\": %d is out of range [0, %d]", d, 1<<20)
			}
			c.ExtraInfoSize = int(d)
		case block, blockAlias(indexName):
			if c.IndexParam != nil {
				return nil, api.Errorf(api.InvalidArgument, "create parameters hold both %q and %q", block, blockAlias(indexName))
			}
			c.IndexParam = v
		default:
			return nil, api.Errorf(api.InvalidArgument, "unknown key %q in create parameters", k)
		}
	}
	if _, ok := top["dim"]; !ok {
		return nil, api.Errorf(api.InvalidArgument, "key \"dim\" is required")
	}
	return c, nil
}

// Int checks that v lies in [lo, hi] and returns an INVALID_ARGUMENT naming key otherwise.
func Int(key string, v, lo, hi int) error {
	if v < lo || v > hi {
		return api.Errorf(api.InvalidArgument, "key %q: %d is out of range [%d, %d]", key, v, lo, hi)
	}
	return nil
}

// Float checks that v lies in [lo, hi] and returns an INVALID_ARGUMENT naming key otherwise.
func Float(key string, v, lo, hi float64) error {
	if !(v >= lo && v <= hi) {
		return api.Errorf(api.InvalidArgument, "key %q: %g is out of range [%g, %g]", key, v, lo, hi)
	}
	return nil
}
