package core

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strings"
	"testing"

	json "github.com/goccy/go-json"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/serial"
)

// loadFuzzSeed is one small real index file used to seed FuzzLoad.
type loadFuzzSeed struct {
	name   string
	index  string
	create string
	n, dim int
	extra  bool
	attrs  bool
}

var loadFuzzSeeds = []loadFuzzSeed{
	{name: "brute_force fp32 extra attrs", index: "brute_force", create: `{"dtype":"float32","metric_type":"l2","dim":4,"extra_info_size":2}`, n: 12, dim: 4, extra: true, attrs: true},
	{name: "brute_force sq8 ip", index: "brute_force", create: `{"dtype":"float32","metric_type":"ip","dim":8,"index_param":{"base_quantization_type":"sq8"}}`, n: 16, dim: 8},
	{name: "brute_force empty", index: "brute_force", create: `{"dtype":"float32","metric_type":"l2","dim":3}`, n: 0, dim: 3},
	{name: "hgraph fp32", index: "hgraph", create: `{"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"fp32","max_degree":8,"ef_construction":16,"hgraph_init_capacity":32,"build_thread_count":1}}`, n: 40, dim: 8},
	{name: "hgraph sq8 reorder cosine", index: "hgraph", create: `{"dtype":"float32","metric_type":"cosine","dim":8,"index_param":{"base_quantization_type":"sq8","use_reorder":true,"precise_quantization_type":"fp32","max_degree":8,"ef_construction":16,"build_thread_count":1}}`, n: 30, dim: 8},
	{name: "hgraph leanvec", index: "hgraph", create: `{"dtype":"float32","metric_type":"l2","dim":8,"index_param":{"base_quantization_type":"leanvec","leanvec_dims":4,"max_degree":8,"ef_construction":16,"build_thread_count":1}}`, n: 40, dim: 8},
	{name: "hgraph empty", index: "hgraph", create: `{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"base_quantization_type":"fp32","max_degree":4,"ef_construction":8}}`, n: 0, dim: 4},
}

// bytes of one seed index file, built deterministically.
func (s loadFuzzSeed) file(t testing.TB) []byte {
	t.Helper()
	idx, err := CreateIndex(s.index, s.create)
	require.NoError(t, err, s.name)
	if s.n > 0 {
		ds := &Dataset{NumElements: s.n, Dim: s.dim, IDs: make([]int64, s.n), Float32: make([]float32, s.n*s.dim)}
		for i := range ds.IDs {
			ds.IDs[i] = int64(i*7 - 20)
		}
		x := uint32(12345)
		for i := range ds.Float32 {
			x = x*1664525 + 1013904223
			ds.Float32[i] = float32(x>>8)/float32(1<<24) - 0.5
		}
		if s.extra {
			ds.ExtraInfos = make([]byte, 2*s.n)
			for i := range ds.ExtraInfos {
				ds.ExtraInfos[i] = byte(i)
			}
		}
		if s.attrs {
			ds.Attributes = make([]map[string]any, s.n)
			for i := range ds.Attributes {
				ds.Attributes[i] = map[string]any{"color": []string{"red", "blue"}[i%2], "n": i}
			}
		}
		failed, err := idx.Build(ds)
		require.NoError(t, err, s.name)
		require.Empty(t, failed, s.name)
	}
	var buf bytes.Buffer
	require.NoError(t, idx.Serialize(&buf), s.name)
	return buf.Bytes()
}

// fixChecksums rewrites every checksum of a (mutated) index file so that the bytes behind them
// are what the loaders see: without it the fuzzer would almost never get past the CRCs into the
// metadata and the sections. Lengths are left as they are; the walk stops where the structure
// no longer parses. In a version-2 file the section table and footer are rebuilt from the
// records walked (so they agree with mutated records); in a version-1 file the footer is.
func fixChecksums(in []byte) []byte {
	b := append([]byte(nil), in...)
	le := binary.LittleEndian
	off := 16
	blob := func() bool {
		if off+12 > len(b) {
			return false
		}
		n := le.Uint64(b[off:])
		if n > uint64(len(b)-off-12) {
			return false
		}
		le.PutUint32(b[off+8:], crc32.ChecksumIEEE(b[off+12:off+12+int(n)]))
		off += 12 + int(n)
		return true
	}
	if len(b) < 16 || !blob() || off+4 > len(b) {
		return b
	}
	count := le.Uint32(b[off:])
	off += 4
	if le.Uint32(b[8:]) < 2 {
		all := crc32.NewIEEE()
		for i := uint32(0); i < count; i++ {
			if off+2 > len(b) {
				return b
			}
			l := int(le.Uint16(b[off:]))
			if off+2+l > len(b) {
				return b
			}
			name := b[off+2 : off+2+l]
			off += 2 + l
			crcAt := off + 8
			if !blob() {
				return b
			}
			all.Write(name)
			all.Write(b[crcAt : crcAt+4])
		}
		if off+20 <= len(b) {
			le.PutUint64(b[off+8:], uint64(off))
			le.PutUint32(b[off+16:], all.Sum32())
		}
		return b
	}
	table := le.AppendUint32(nil, count)
	for i := uint32(0); i < count; i++ {
		rec := off
		if off+20 > len(b) {
			return b
		}
		l := int(le.Uint16(b[off:]))
		n := le.Uint64(b[off+8:])
		if off+20+l > len(b) {
			return b
		}
		name := b[off+20 : off+20+l]
		c := crc32.Update(0, crc32.IEEETable, b[off:off+16])
		le.PutUint32(b[off+16:], crc32.Update(c, crc32.IEEETable, name))
		off += 20 + l
		off += (64 - off%64) % 64
		if off > len(b) || n > uint64(len(b)-off) || len(b)-off-int(n) < 4 {
			return b
		}
		sum := crc32.ChecksumIEEE(b[off : off+int(n)])
		off += int(n)
		le.PutUint32(b[off:], sum)
		off += 4
		table = le.AppendUint16(table, uint16(l))
		table = append(table, b[rec+2:rec+4]...) // flags
		table = le.AppendUint64(table, uint64(rec))
		table = le.AppendUint64(table, n)
		table = le.AppendUint32(table, sum)
		table = append(table, name...)
	}
	return append(b[:off], v2Footer(off, table)...)
}

// v2Footer returns the section table followed by the footer for a table at off.
func v2Footer(off int, table []byte) []byte {
	le := binary.LittleEndian
	out := append([]byte(nil), table...)
	ftr := append([]byte("VSAGGOEN"), make([]byte, 24)...)
	le.PutUint64(ftr[8:], uint64(off))
	le.PutUint64(ftr[16:], uint64(len(table)))
	le.PutUint32(ftr[24:], crc32.ChecksumIEEE(table))
	le.PutUint32(ftr[28:], crc32.ChecksumIEEE(ftr[:28]))
	return append(out, ftr...)
}

var heapAllocs = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}

func allocatedBytes() uint64 {
	metrics.Read(heapAllocs)
	return heapAllocs[0].Value.Uint64()
}

// loadAllocBudget is how much loading (and using) an index from n bytes may allocate: a
// generous multiple of the input plus room for fixed-size pools. A crafted small file that asks
// for more is sizing an allocation by a number it does not back with bytes.
func loadAllocBudget(n int) uint64 { return 32<<20 + 64*uint64(n) }

// checkLoad loads data, and when that works uses the index the way a caller would; it reports
// anything that crashes, hangs or allocates out of proportion to the input.
func checkLoad(t *testing.T, data []byte) {
	before := allocatedBytes()
	idx, err := LoadBytes(data)
	if err != nil {
		switch c := api.CodeOf(err); c {
		case api.InvalidBinary, api.InvalidArgument, api.NoEnoughMemory:
		default:
			t.Fatalf("load failed with %v, want INVALID_BINARY (or INVALID_ARGUMENT / NO_ENOUGH_MEMORY): %v", c, err)
		}
	} else {
		exerciseLoaded(t, idx)
	}
	if got := allocatedBytes() - before; got > loadAllocBudget(len(data)) {
		t.Fatalf("loading %d bytes allocated %d bytes (budget %d)", len(data), got, loadAllocBudget(len(data)))
	}
}

func exerciseLoaded(t *testing.T, idx *Index) {
	n := idx.GetNumElements()
	if n < 0 {
		t.Fatalf("negative element count %d", n)
	}
	q := make([]float32, idx.Dim())
	for i := range q {
		q[i] = float32(i%3) - 0.5
	}
	search := ""
	if idx.Name() == "hgraph" {
		search = `{"hgraph":{"ef_search":16}}`
	}
	if res, err := idx.Search(q, 5, search, nil); err == nil && int64(len(res)) > n {
		t.Fatalf("%d results from %d vectors", len(res), n)
	}
	ids := idx.ExportIDs()
	if int64(len(ids)) != n {
		t.Fatalf("ExportIDs gives %d labels for %d vectors", len(ids), n)
	}
	if len(ids) > 0 {
		_, _ = idx.CalcDistanceByID(q, ids[0])
		_, _ = idx.GetRawVectorByIDs(ids[:1])
		if idx.ExtraInfoSize() > 0 {
			_, _ = idx.GetExtraInfoByIDs(ids[:1])
		}
	}
	// What loads must save and load again, unchanged in size.
	var buf bytes.Buffer
	if err := idx.Serialize(&buf); err != nil {
		t.Fatalf("a loaded index does not serialize: %v", err)
	}
	back, err := LoadBytes(buf.Bytes())
	if err != nil {
		t.Fatalf("a loaded index does not reload: %v", err)
	}
	if back.GetNumElements() != n {
		t.Fatalf("reload holds %d vectors, not %d", back.GetNumElements(), n)
	}
}

// FuzzLoad feeds whole index files (header, metadata with the create parameters, sections,
// footer) to LoadBytes and Load: every input must fail cleanly with INVALID_BINARY (or an
// argument error about the create parameters it carries) or give an index that searches,
// serializes and reloads. Each input is tried as is and with its checksums repaired, so that
// mutations reach the metadata and section decoders behind the CRCs.
func FuzzLoad(f *testing.F) {
	for _, s := range loadFuzzSeeds {
		b := s.file(f)
		f.Add(b)
		for k := 1; k < 8; k++ {
			f.Add(b[:len(b)*k/8])
		}
		f.Add(b[:20])
		f.Add(b[:len(b)-1])
	}
	for _, fx := range v1Fixtures {
		if b, err := os.ReadFile(filepath.Join("testdata", "v1", fx.file)); err == nil {
			f.Add(b)
			f.Add(b[:len(b)/2])
		}
	}
	f.Add([]byte{})
	f.Add([]byte("VSAGGOIX"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLoad(t, data)
		if fixed := fixChecksums(data); !bytes.Equal(fixed, data) {
			checkLoad(t, fixed)
		}
		// The streaming path reads the same bytes through a reader that hands them out in
		// small pieces. It stops at the end of the index, so what it accepts is the prefix it
		// read, which LoadBytes must accept too.
		r := &oneByteReader{b: data}
		if _, err := Load(io.LimitReader(r, int64(len(data)))); err == nil {
			if _, err2 := LoadBytes(data[:len(data)-len(r.b)]); err2 != nil {
				t.Fatalf("Load accepts what LoadBytes refuses: %v", err2)
			}
		}
	})
}

// encodeFile writes a version-2 index file around raw metadata bytes and sections (all
// critical), with correct lengths, padding, checksums, table and footer (the layout documented
// in package serial).
func encodeFile(meta []byte, names []string, payloads [][]byte) []byte {
	le := binary.LittleEndian
	out := append([]byte("VSAGGOIX"), 2, 0, 0, 0, 0, 0, 0, 0)
	out = le.AppendUint64(out, uint64(len(meta)))
	out = le.AppendUint32(out, crc32.ChecksumIEEE(meta))
	out = append(out, meta...)
	out = le.AppendUint32(out, uint32(len(names)))
	table := le.AppendUint32(nil, uint32(len(names)))
	for i, name := range names {
		rec := len(out)
		h := le.AppendUint16(nil, uint16(len(name)))
		h = le.AppendUint16(h, 1)
		h = le.AppendUint32(h, 0)
		h = le.AppendUint64(h, uint64(len(payloads[i])))
		c := crc32.Update(crc32.ChecksumIEEE(h), crc32.IEEETable, []byte(name))
		out = append(le.AppendUint32(append(out, h...), c), name...)
		out = append(out, make([]byte, (64-len(out)%64)%64)...)
		out = append(out, payloads[i]...)
		sum := crc32.ChecksumIEEE(payloads[i])
		out = le.AppendUint32(out, sum)
		table = le.AppendUint16(table, uint16(len(name)))
		table = le.AppendUint16(table, 1)
		table = le.AppendUint64(table, uint64(rec))
		table = le.AppendUint64(table, uint64(len(payloads[i])))
		table = le.AppendUint32(table, sum)
		table = append(table, name...)
	}
	return append(out, v2Footer(len(out), table)...)
}

const maxFuzzSections = 8

// splitSeed takes a seed file apart into the arguments of FuzzLoadParts.
func splitSeed(t testing.TB, b []byte) (meta []byte, names string, payloads [maxFuzzSections][]byte) {
	t.Helper()
	f, err := serial.Read(bytes.NewReader(b))
	require.NoError(t, err)
	meta, err = json.Marshal(f.Meta)
	require.NoError(t, err)
	require.LessOrEqual(t, len(f.Sections), maxFuzzSections)
	var ns []string
	for i, s := range f.Sections {
		ns = append(ns, s.Name)
		payloads[i] = s.Data
	}
	return meta, strings.Join(ns, "\n"), payloads
}

// FuzzLoadParts is FuzzLoad with the file's framing kept intact: the fuzzer mutates the
// metadata JSON (create parameters included), the section names and each section's payload
// separately, and the file around them is always well formed with valid checksums, so every
// mutation reaches the metadata parser, CreateIndex and the engines' section decoders.
func FuzzLoadParts(f *testing.F) {
	for _, s := range loadFuzzSeeds {
		meta, names, p := splitSeed(f, s.file(f))
		f.Add(meta, names, p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7])
	}
	f.Fuzz(func(t *testing.T, meta []byte, names string, p0, p1, p2, p3, p4, p5, p6, p7 []byte) {
		ps := [][]byte{p0, p1, p2, p3, p4, p5, p6, p7}
		ns := strings.Split(names, "\n")
		if len(ns) > maxFuzzSections {
			ns = ns[:maxFuzzSections]
		}
		for _, n := range ns {
			if len(n) > 0xffff {
				return
			}
		}
		checkLoad(t, encodeFile(meta, ns, ps[:len(ns)]))
	})
}

// oneByteReader returns at most 7 bytes per Read, exercising short reads.
type oneByteReader struct{ b []byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 7)], r.b)
	r.b = r.b[n:]
	return n, nil
}

// TestLoadFuzzSeedsAreReal makes sure the seeds are whole, loadable files of what they claim,
// and that repairing checksums leaves a good file unchanged.
func TestLoadFuzzSeedsAreReal(t *testing.T) {
	for _, s := range loadFuzzSeeds {
		t.Run(s.name, func(t *testing.T) {
			b := s.file(t)
			require.Equal(t, b, fixChecksums(b))
			meta, names, p := splitSeed(t, b)
			require.Equal(t, b, encodeFile(meta, strings.Split(names, "\n"), p[:len(strings.Split(names, "\n"))]), "encodeFile writes what serial.Write does")
			before := allocatedBytes()
			idx, err := LoadBytes(b)
			require.NoError(t, err)
			t.Logf("%d bytes, load allocated %d bytes", len(b), allocatedBytes()-before)
			require.Equal(t, s.index, idx.Name())
			require.EqualValues(t, s.n, idx.GetNumElements())
			exerciseLoaded(t, idx)
		})
	}
}

// TestFixChecksumsReachesSections: a mutated section payload fails on its CRC as is, and gets
// past the CRC once repaired.
func TestFixChecksumsReachesSections(t *testing.T) {
	b := loadFuzzSeeds[0].file(t)
	// a byte inside the attributes' payload: it starts at the first multiple of 64 after the
	// section's record (20 bytes and the name)
	rec := bytes.Index(b, []byte("core.attributes")) - 20
	require.Greater(t, rec, 0)
	payload := rec + 20 + len("core.attributes")
	payload += (64 - payload%64) % 64
	mut := append([]byte(nil), b...)
	mut[payload+10] ^= 0xff
	_, err := LoadBytes(mut)
	require.Contains(t, fmt.Sprint(err), "checksum")
	_, err = LoadBytes(fixChecksums(mut))
	require.NotContains(t, fmt.Sprint(err), "checksum")
	// the same for a version-1 file
	v1, err := os.ReadFile(filepath.Join("testdata", "v1", v1Fixtures[0].file))
	require.NoError(t, err)
	require.Equal(t, v1, fixChecksums(v1))
	mut = append([]byte(nil), v1...)
	mut[len(mut)-30] ^= 0xff
	_, err = LoadBytes(mut)
	require.Contains(t, fmt.Sprint(err), "checksum")
	_, err = LoadBytes(fixChecksums(mut))
	require.NotContains(t, fmt.Sprint(err), "checksum")
}

// TestLoadSmallFileAllocatesLittle: a file of a few hundred bytes whose create parameters ask for
// the largest stores the parameter checks allow must not make Load reserve them up front.
func TestLoadSmallFileAllocatesLittle(t *testing.T) {
	for _, create := range []string{
		`{"dtype":"float32","metric_type":"l2","dim":65536,"index_param":{"base_quantization_type":"fp32","max_degree":65536,"ef_construction":65536,"hgraph_init_capacity":1073741824}}`,
		`{"dtype":"float32","metric_type":"l2","dim":65536,"index_param":{"base_quantization_type":"fp32","use_reorder":true,"precise_quantization_type":"fp32","store_raw_vector":true,"max_degree":65536,"ef_construction":65536,"hgraph_init_capacity":1073741824}}`,
		`{"dtype":"float32","metric_type":"l2","dim":65536,"index_param":{"base_quantization_type":"leanvec","leanvec_dims":65536}}`,
	} {
		// The file of the empty index is written by hand so that the test itself never
		// creates such an index.
		meta, err := json.Marshal(serial.Meta{IndexName: "hgraph", CreateParams: json.RawMessage(create), Library: "test"})
		require.NoError(t, err)
		file := encodeFile(meta, nil, nil)
		before := allocatedBytes()
		_, err = LoadBytes(file)
		got := allocatedBytes() - before
		require.LessOrEqual(t, got, loadAllocBudget(len(file)), "a %d-byte file made Load allocate %d MiB (%v)", len(file), got>>20, err)
	}
}
