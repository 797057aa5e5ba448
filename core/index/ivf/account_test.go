package ivf

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/internal/dataset"
)

// heldBytes is what the index should charge: its bucket lists, label table and row locations.
func heldBytes(x *Index) int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	held := x.labelBytes()
	for i := range x.buckets {
		held += bucketBytes(&x.buckets[i])
	}
	return held
}

// TestAccountChargesLabels: the label table and the row locations are charged with the bucket
// lists, after adds, a merge and a load; an add or a merge beyond the budget is NO_ENOUGH_MEMORY
// and leaves the rows, the labels and the charge as they were.
func TestAccountChargesLabels(t *testing.T) {
	const d = 16
	block := `"buckets_count":8,"base_quantization_type":"fp32"`
	data := dataset.Clustered(6000, d, 8, 5)
	ids := make([]int64, 6000)
	for i := range ids {
		ids[i] = int64(i) * 7
	}
	x := mustIndex(t, "l2", d, block)
	a := alloc.NewAccount("test", nil)
	x.UseAccount(a)
	_, err := x.Build(data[:2000*d], ids[:2000], nil)
	require.NoError(t, err)
	require.Equal(t, heldBytes(x), a.Used())
	require.Equal(t, x.labelBytes(), x.labelCharge.Held())
	require.Greater(t, x.labelCharge.Held(), int64(2000*8))

	// the budget takes the buckets' growth but not the labels': refused, nothing changed
	require.NoError(t, a.SetLimit(a.Used()+1))
	used, total := a.Used(), x.labels.Total()
	_, err = x.Add(data[2000*d:4000*d], ids[2000:4000], nil)
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
	require.Equal(t, total, x.labels.Total())
	require.Equal(t, used, a.Used())
	require.Len(t, x.loc, total)
	require.NoError(t, a.SetLimit(0))
	_, err = x.Add(data[2000*d:4000*d], ids[2000:4000], nil)
	require.NoError(t, err)
	require.Equal(t, heldBytes(x), a.Used())

	// merge: another index's rows appended, charged
	ye, err := x.ExportModel()
	require.NoError(t, err)
	y := ye.(*Index)
	_, err = y.Add(data[4000*d:], ids[4000:], nil)
	require.NoError(t, err)
	require.NoError(t, a.SetLimit(a.Used()+1))
	used, total = a.Used(), x.labels.Total()
	_, err = x.Merge([]api.MergeSource{{Engine: y}}, nil)
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
	require.Equal(t, total, x.labels.Total())
	require.Equal(t, used, a.Used())
	require.NoError(t, a.SetLimit(0))
	_, err = x.Merge([]api.MergeSource{{Engine: y}}, nil)
	require.NoError(t, err)
	require.Equal(t, int(6000), x.labels.Total())
	require.Equal(t, heldBytes(x), a.Used())

	// load: an account handed to the loaded index charges its labels too
	var buf bytes.Buffer
	f := &serial.File{}
	require.NoError(t, x.Save(f))
	require.NoError(t, serial.Write(&buf, f))
	z := mustIndex(t, "l2", d, block)
	g, err := serial.NewReader(&buf)
	require.NoError(t, err)
	require.NoError(t, z.Load(g))
	b := alloc.NewAccount("loaded", nil)
	z.UseAccount(b)
	require.Equal(t, heldBytes(z), b.Used())
	require.Equal(t, z.labelBytes(), z.labelCharge.Held())
}
