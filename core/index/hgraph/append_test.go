package hgraph

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParallelAppendStoresTheSameCodes builds the same rows with one build thread (rows encoded
// one by one) and with two (large chunks encoded on the build threads): each row must hold its
// own vector's code, and every code store the same bytes in the same rows, duplicate labels
// skipped alike.
func TestParallelAppendStoresTheSameCodes(t *testing.T) {
	const d, n = 24, 1500
	data := clustered(7, n, d, 6)
	ids := seq(0, n)
	ids[700] = ids[10] // a duplicate label: refused, its row not stored
	cases := []struct{ name, extra string }{
		{"fp32", ``},
		{"sq8 + fp32 reorder + raw", `,"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","store_raw_vector":true`},
		{"leanvec", `,"base_quantization_type":"leanvec","leanvec_dims":8`},
		{"lvq4x8", `,"base_quantization_type":"lvq4x8"`},
		{"sq4_uniform + fp16 reorder on disk", `,"base_quantization_type":"sq4_uniform","use_reorder":true,"precise_quantization_type":"fp16","precise_io_type":"mmap_io","precise_file_path":"{path}"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			build := func(threads string) *Index {
				extra := tc.extra + `,"build_thread_count":` + threads
				extra = strings.ReplaceAll(extra, "{path}", filepath.Join(t.TempDir(), "precise.bin"))
				x := newIndex(t, "l2", d, extra)
				failed, err := x.Build(data, ids, nil)
				require.NoError(t, err)
				require.Equal(t, []int64{ids[700]}, failed)
				return x
			}
			one, two := build("1"), build("2")
			if two.threads < 2 {
				t.Skip("one processor: the build threads are capped at one")
			}
			require.Equal(t, n-1, one.baseCodes.Len())
			// and each row holds its own vector's code: batch row i is store row i, less the
			// refused row 700 before it
			for _, c := range []*Index{one, two} {
				q := c.baseCodes.Quantizer()
				code := make([]byte, c.baseCodes.Stride())
				for r := 0; r < c.baseCodes.Len(); r++ {
					i := r
					if r >= 700 {
						i++
					}
					q.Encode(code, data[i*d:(i+1)*d])
					require.Equal(t, code, c.baseCodes.Code(r), "row %d", r)
				}
			}
			require.Equal(t, one.baseCodes.Slab(), two.baseCodes.Slab(), "base codes")
			if one.preciseCodes != nil {
				require.Equal(t, one.preciseCodes.Slab(), two.preciseCodes.Slab(), "precise codes")
			}
			if one.raw != nil {
				require.Equal(t, one.raw.Slab(), two.raw.Slab(), "raw vectors")
			}
			if one.primCodes != nil {
				require.Equal(t, one.primCodes.rows(), two.primCodes.rows(), "primary codes")
			}
		})
	}
}
