package params

import (
	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
)

// ODescent defaults, as VSAG fills them into the graph block of hgraph and pyramid.
const (
	ODescentTurns      = 30
	ODescentSampleRate = 0.2
	ODescentMinIn      = 1
	ODescentBlockSize  = 10000
	ODescentAlpha      = 1.2
)

// ODescentKeys are the graph_type "odescent" keys of an index_param block, given or defaulted.
type ODescentKeys struct {
	// GraphIterTurn is graph_iter_turn (1..1000, default 30).
	GraphIterTurn int
	// NeighborSampleRate is neighbor_sample_rate ((0, 1], default 0.2).
	NeighborSampleRate float64
	// MinInDegree is min_in_degree (0..max_degree, default 1).
	MinInDegree int
	// BuildBlockSize is build_block_size (1..2^30, default 10000).
	BuildBlockSize int
	// AlphaGiven reports whether the block set "alpha"; without it an odescent build prunes
	// with ODescentAlpha (VSAG fills 1.2 into the ODescent block).
	AlphaGiven bool
}

// ParseODescentKeys reads and validates the odescent keys of the index_param block raw:
// graph_iter_turn, neighbor_sample_rate, min_in_degree (at most maxDegree) and
// build_block_size, filling in VSAG's defaults for the ones not given. When odescent is false
// (another graph_type) a given odescent key is INVALID_ARGUMENT. VSAG itself checks none of
// these ranges; the ones checked here keep a build finite and meaningful.
func ParseODescentKeys(raw json.RawMessage, odescent bool, maxDegree int) (ODescentKeys, error) {
	var given struct {
		Alpha *float64 `json:"alpha"`
		Turn  *int     `json:"graph_iter_turn"`
		Rate  *float64 `json:"neighbor_sample_rate"`
		MinIn *int     `json:"min_in_degree"`
		Block *int     `json:"build_block_size"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &given); err != nil {
			return ODescentKeys{}, api.Wrap(api.InvalidArgument, err, "index_param")
		}
	}
	if !odescent {
		for _, k := range []struct {
			key string
			set bool
		}{{"graph_iter_turn", given.Turn != nil}, {"neighbor_sample_rate", given.Rate != nil},
			{"min_in_degree", given.MinIn != nil}, {"build_block_size", given.Block != nil}} {
			if k.set {
				return ODescentKeys{}, api.Errorf(api.InvalidArgument, "key %q is only for graph_type \"odescent\"", k.key)
			}
		}
		return ODescentKeys{AlphaGiven: given.Alpha != nil}, nil
	}
	k := ODescentKeys{GraphIterTurn: ODescentTurns, NeighborSampleRate: ODescentSampleRate,
		MinInDegree: ODescentMinIn, BuildBlockSize: ODescentBlockSize, AlphaGiven: given.Alpha != nil}
	if given.Turn != nil {
		k.GraphIterTurn = *given.Turn
	}
	if given.Rate != nil {
		k.NeighborSampleRate = *given.Rate
	}
	if given.MinIn != nil {
		k.MinInDegree = *given.MinIn
	}
	if given.Block != nil {
		k.BuildBlockSize = *given.Block
	}
	if err := Int("graph_iter_turn", k.GraphIterTurn, 1, 1000); err != nil {
		return k, err
	}
	if r := k.NeighborSampleRate; !(r > 0 && r <= 1) {
		return k, api.Errorf(api.InvalidArgument, "key \"neighbor_sample_rate\": %g is out of range (0, 1]", r)
	}
	if err := Int("min_in_degree", k.MinInDegree, 0, maxDegree); err != nil {
		return k, err
	}
	if err := Int("build_block_size", k.BuildBlockSize, 1, 1<<30); err != nil {
		return k, err
	}
	return k, nil
}
