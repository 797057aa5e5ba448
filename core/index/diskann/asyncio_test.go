package diskann

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/store"
)

// use_async_io reads a beam's records as one io_uring batch where the kernel allows it, else
// with pread on the bounded pool; both give the results, distances and read counts of the
// synchronous search, for the graph walk and for the rerank of use_pq_search.
func TestAsyncIOPathsAgree(t *testing.T) {
	const d, n = 16, 1500
	data := clustered(5, n, d, 12)
	queries := clustered(6, 30, d, 12)
	cases := []struct {
		name, create, search string
	}{
		{"walk", "", `"ef_search":80,"beam_search":4,"io_limit":120`},
		{"pq_search_reorder", `,"use_pq_search":true`, `"ef_search":80,"beam_search":6,"io_limit":60,"use_reorder":true`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			x := newIndex(t, d, tc.create)
			_, err := x.Build(data, seq(n), nil)
			require.NoError(t, err)
			run := func(async bool) ([][]api.Neighbor, []int64) {
				block := []byte(fmt.Sprintf(`{%s,"use_async_io":%v}`, tc.search, async))
				var out [][]api.Neighbor
				var reads []int64
				for i := 0; i*d < len(queries); i++ {
					st := &api.SearchStats{}
					got, err := x.KnnSearch(queries[i*d:(i+1)*d], 10, &api.SearchOptions{Block: block, Stats: st})
					require.NoError(t, err)
					out = append(out, got)
					reads = append(reads, st.IOReads)
				}
				return out, reads
			}
			want, wantReads := run(false)
			require.Greater(t, wantReads[0], int64(0))
			for _, uring := range []bool{false, true} {
				t.Run(fmt.Sprintf("io_uring=%v", uring), func(t *testing.T) {
					prev := store.SetURing(uring)
					defer store.SetURing(prev)
					if uring && !store.URingEnabled() {
						t.Skip("io_uring is not available here")
					}
					b0 := ringBeams.Load()
					got, reads := run(true)
					require.Equal(t, want, got)
					require.Equal(t, wantReads, reads)
					if uring {
						require.Greater(t, ringBeams.Load(), b0, "no beam was read through the ring")
					} else {
						require.Equal(t, b0, ringBeams.Load(), "the ring was used with io_uring off")
					}
				})
			}
		})
	}
}
