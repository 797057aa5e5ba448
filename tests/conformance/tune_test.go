package conformance

import (
	"bytes"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core"
	"github.com/govsag/vsag/core/api"
)

// TestTune: an index that reports SUPPORT_TUNE takes its own parameters back without a change
// in its answers, is tuned to fp32 base codes from the precise source it keeps (reaching the
// case's recall on its unchanged graph), and saves and loads tuned; one that does not report it
// answers UNSUPPORTED_INDEX_OPERATION and is left as it was.
func TestTune(t *testing.T) {
	forEach(t, func(t *testing.T, c Case) {
		idx := built(t, c, "l2")
		before, err := idx.Search(query(0), k, c.Search, nil)
		require.NoError(t, err)
		var top struct {
			IndexParam json.RawMessage `json:"index_param"`
		}
		require.NoError(t, json.Unmarshal([]byte(idx.CreateParams()), &top))
		own := `{"index_param":` + string(top.IndexParam) + `}`
		if !idx.CheckFeature(api.SupportTune) {
			err := idx.Tune(`{"index_param":{"base_quantization_type":"fp32"}}`, false)
			require.Equal(t, api.UnsupportedIndexOperation, core.CodeOf(err), "%v", err)
			after, err := idx.Search(query(0), k, c.Search, nil)
			require.NoError(t, err)
			require.Equal(t, before, after)
			return
		}
		require.NoError(t, idx.Tune(own, false))
		after, err := idx.Search(query(0), k, c.Search, nil)
		require.NoError(t, err)
		require.Equal(t, before, after, "tuned to its own parameters, nothing changes")

		require.NoError(t, idx.Tune(`{"index_param":{"base_quantization_type":"fp32"}}`, false))
		checkRecall(t, c, idx)
		var buf bytes.Buffer
		require.NoError(t, idx.Serialize(&buf))
		back, err := core.LoadBytes(buf.Bytes())
		require.NoError(t, err)
		require.Equal(t, idx.CreateParams(), back.CreateParams())
		for q := 0; q < 5; q++ {
			a, err := idx.Search(query(q), k, c.Search, nil)
			require.NoError(t, err)
			b, err := back.Search(query(q), k, c.Search, nil)
			require.NoError(t, err)
			require.Equal(t, a, b)
		}
	})
}
