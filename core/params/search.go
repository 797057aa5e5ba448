package params

import (
	"time"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
)

// SearchCommon holds the search keys every index accepts, at the top level or inside the
// index's block.
type SearchCommon struct {
	// Parallelism is the number of goroutines one query may use (default 1).
	Parallelism int `json:"parallelism"`
	// TimeoutMs, when positive, bounds a search; the results found so far are returned.
	TimeoutMs float64 `json:"timeout_ms"`
}

// Search is a parsed search JSON.
type Search struct {
	SearchCommon
	// Block is the index's own block ({"<index name>": {...}}), or nil when absent.
	Block json.RawMessage
}

// ParseSearch splits search JSON into the common keys and the block named indexName.
// An empty string means no parameters. Unknown top-level keys are INVALID_ARGUMENT.
func ParseSearch(indexName, js string) (*Search, error) {
	top, err := splitObject([]byte(js), "search parameters")
	if err != nil {
		return nil, err
	}
	s := &Search{SearchCommon: SearchCommon{Parallelism: 1}}
	indexName = SearchBlockKey(indexName)
	for k, v := range top {
		switch k {
		case indexName:
			s.Block = v
		case "parallelism":
			if err := json.Unmarshal(v, &s.Parallelism); err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"parallelism\" must be an integer")
			}
		case "timeout_ms":
			if err := json.Unmarshal(v, &s.TimeoutMs); err != nil {
				return nil, api.Errorf(api.InvalidArgument, "key \"timeout_ms\" must be a number")
			}
		default:
			return nil, api.Errorf(api.InvalidArgument, "unknown key %q in search parameters (expected %q)", k, indexName)
		}
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// SearchBlockKey returns the key of an index's search block: its name, except lazy_hgraph, which
// takes hgraph's search parameters ({"hgraph": {...}}) in both of its phases.
func SearchBlockKey(indexName string) string {
	if indexName == "lazy_hgraph" {
		return "hgraph"
	}
	return indexName
}

func (s *Search) validate() error {
	if err := Int("parallelism", s.Parallelism, 1, 1024); err != nil {
		return err
	}
	if s.TimeoutMs < 0 {
		return api.Errorf(api.InvalidArgument, "key \"timeout_ms\": %g must not be negative", s.TimeoutMs)
	}
	return nil
}

// Deadline returns the earlier of d (zero: none) and timeout_ms from now (when positive).
func (c SearchCommon) Deadline(d time.Time) time.Time {
	if c.TimeoutMs > 0 {
		t := time.Now().Add(time.Duration(c.TimeoutMs * float64(time.Millisecond)))
		if d.IsZero() || t.Before(d) {
			d = t
		}
	}
	return d
}

// SingleThreaded refuses a parallelism above 1 for an index that searches one query on one
// thread (its SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD is off): accepting the key would promise a
// parallel search that does not happen. Batch searches spread their queries over the cores
// whatever the index.
func (c SearchCommon) SingleThreaded(index string) error {
	if c.Parallelism > 1 {
		return api.Errorf(api.UnsupportedIndexOperation, "key \"parallelism\": %s searches one query on one thread (SUPPORT_SEARCH_ONE_WITH_MULTI_THREAD is off), so %d is not supported", index, c.Parallelism)
	}
	return nil
}

// Validate checks the common keys after a block has overridden them.
func (c SearchCommon) Validate() error {
	s := Search{SearchCommon: c}
	return s.validate()
}
