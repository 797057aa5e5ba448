package alloc

import (
	"sync/atomic"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/memguard"
)

// DefaultBlockSizeLimit is VSAG's default block_size_limit: 128 MiB.
const DefaultBlockSizeLimit = 128 << 20

// MinBlockSizeLimit is the smallest block_size_limit VSAG accepts: 256 KiB.
const MinBlockSizeLimit = 256 << 10

var blockSizeLimit atomic.Int64

func init() { blockSizeLimit.Store(DefaultBlockSizeLimit) }

// SetBlockSizeLimit sets block_size_limit, the most a store allocates beyond what it needs when
// it grows (VSAG: the largest block allocated at a time). Below 256 KiB is INVALID_ARGUMENT, as
// in VSAG.
func SetBlockSizeLimit(n int64) error {
	if n < MinBlockSizeLimit {
		return api.Errorf(api.InvalidArgument, "block_size_limit %d must be at least 256 KiB (%d)", n, MinBlockSizeLimit)
	}
	blockSizeLimit.Store(n)
	return nil
}

// BlockSizeLimit returns block_size_limit in bytes.
func BlockSizeLimit() int64 { return blockSizeLimit.Load() }

// GrowRows returns the rows a store holding have rows of stride bytes grows to when it needs
// need: twice what it holds (at least 64 rows), but no more than block_size_limit bytes beyond
// need, and never less than need.
func GrowRows(need, have, stride int64) int64 {
	rows := max(need, have*2, 64)
	if stride > 0 {
		rows = min(rows, need+BlockSizeLimit()/stride)
	}
	return max(rows, need)
}

// Mul returns a*b, or -1 when either is negative or the product overflows int64 (Check refuses
// -1).
func Mul(a, b int64) int64 { return memguard.Mul(a, b) }
