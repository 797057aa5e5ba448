package hgraph

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
)

// TestBuildOrdersListHeads: an nsw build orders every bottom list's head, a save and load keeps
// the order, small adds leave the lists they touch unordered until a batch large enough to be
// linked in parallel orders them again, and the other graph types keep their lists as built.
func TestBuildOrdersListHeads(t *testing.T) {
	const n, d = 1200, 16
	data := clustered(21, n+600, d, 8)
	ordered := func(x *Index) int {
		return x.g.Len() - len(x.g.Unordered(nil))
	}
	x := newIndex(t, "l2", d, `,"max_degree":24,"build_thread_count":2`)
	_, err := x.Build(data[:n*d], seq(0, n), nil)
	require.NoError(t, err)
	require.Equal(t, n, ordered(x))

	f := &serial.File{}
	require.NoError(t, x.Save(f))
	var buf bytes.Buffer
	require.NoError(t, serial.Write(&buf, f))
	load := func() *Index {
		rf, err := serial.Read(bytes.NewReader(buf.Bytes()))
		require.NoError(t, err)
		y := newIndex(t, "l2", d, `,"max_degree":24,"build_thread_count":2`)
		require.NoError(t, y.Load(rf))
		return y
	}
	y := load()
	require.Equal(t, n, ordered(y))
	for i := 0; i < n; i++ {
		require.Equal(t, x.g.Neighbors(0, uint32(i), nil), y.g.Neighbors(0, uint32(i), nil))
	}
	for _, ef := range []int{10, 60} {
		for i := 0; i < 20; i++ {
			q := data[(n+i)*d : (n+i+1)*d]
			a, err := x.KnnSearch(q, 10, searchOpts(ef))
			require.NoError(t, err)
			b, err := y.KnnSearch(q, 10, searchOpts(ef))
			require.NoError(t, err)
			require.Equal(t, a, b, "ef %d query %d", ef, i)
		}
	}

	// a file without the section (as written before it existed) loads with whole lists
	old := &serial.File{Meta: f.Meta}
	for _, sec := range f.Sections {
		if sec.Name != secListHeads {
			old.Sections = append(old.Sections, sec)
		}
	}
	require.Len(t, old.Sections, len(f.Sections)-1)
	// a section of the wrong length is refused
	short := &serial.File{Meta: f.Meta, Sections: append([]serial.Section(nil), old.Sections...)}
	short.AddOptional(secListHeads, make([]byte, n/8-1))
	buf.Reset()
	require.NoError(t, serial.Write(&buf, short))
	rf, err := serial.Read(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	err = newIndex(t, "l2", d, `,"max_degree":24`).Load(rf)
	require.Equal(t, api.InvalidBinary, api.CodeOf(err), "%v", err)
	require.ErrorContains(t, err, "list heads")
	buf.Reset()
	require.NoError(t, serial.Write(&buf, old))
	require.Zero(t, ordered(load()))
	// a file of the earlier layout (a bitset of ordered lists, no head lengths) loads with whole
	// lists and searches as the index did
	bits := &serial.File{Meta: f.Meta, Sections: append([]serial.Section(nil), old.Sections...)}
	bits.AddOptional("hgraph.list_heads", bytes.Repeat([]byte{0xff}, n/8))
	buf.Reset()
	require.NoError(t, serial.Write(&buf, bits))
	z := load()
	require.Zero(t, ordered(z))
	for i := 0; i < 20; i++ {
		q := data[(n+i)*d : (n+i+1)*d]
		a, err := x.KnnSearch(q, 10, searchOpts(60))
		require.NoError(t, err)
		b, err := z.KnnSearch(q, 10, searchOpts(60))
		require.NoError(t, err)
		require.Equal(t, a, b, "query %d", i)
	}

	// small adds leave what they touch unordered; a large batch orders every list again
	_, err = y.Add(data[n*d:(n+8)*d], seq(n, 8), nil)
	require.NoError(t, err)
	require.Less(t, ordered(y), n)
	_, err = y.Add(data[(n+8)*d:(n+600)*d], seq(n+8, 592), nil)
	require.NoError(t, err)
	require.Equal(t, n+600, ordered(y))

	// an engine of another index type (hnsw) reads its lists whole
	e := newEngine(t)
	_, err = e.Build(clustered(3, n, 8, 4), seq(0, n), nil)
	require.NoError(t, err)
	require.Zero(t, ordered(e), "engine")
	for _, gt := range []string{"vamana", "odescent"} {
		z := newIndex(t, "l2", d, `,"max_degree":24,"graph_type":"`+gt+`"`)
		_, err := z.Build(data[:n*d], seq(0, n), nil)
		require.NoError(t, err)
		require.Zero(t, ordered(z), gt)
	}
}
