package pyramid

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
)

// Section names. Each hierarchy's tree is a section of its own, "pyramid.tree.<i>" in the
// order of the parameters' hierarchies.
const (
	secInfo         = "pyramid.info"
	secBaseQuant    = "pyramid.base_quantizer"
	secPreciseQuant = "pyramid.precise_quantizer"
	secLabels       = "pyramid.labels"
	secBaseCodes    = "pyramid.base_codes"
	secPreciseCodes = "pyramid.precise_codes"
	secRawCodes     = "pyramid.raw_codes"
	secTree         = "pyramid.tree."
)

type info struct {
	Base            string     `json:"base_quantization_type"`
	BaseTrained     bool       `json:"base_trained"`
	BaseCodeSize    int        `json:"base_code_size"`
	Precise         string     `json:"precise_quantization_type,omitempty"`
	PreciseTrained  bool       `json:"precise_trained,omitempty"`
	PreciseCodeSize int        `json:"precise_code_size,omitempty"`
	Raw             bool       `json:"store_raw_vector"`
	Dim             int        `json:"dim"`
	Hierarchies     []hierInfo `json:"hierarchies"`
	Named           bool       `json:"named"`
	GraphType       string     `json:"graph_type"`
	Model           string     `json:"model"`
	// SupportDuplicate is support_duplicate; the groups are recomputed from the codes on load.
	SupportDuplicate bool `json:"support_duplicate,omitempty"`
}

// hierInfo is what a file records of a hierarchy's build settings: a file loads only into an
// index whose trees are built the same way.
type hierInfo struct {
	Name          string  `json:"name"`
	MaxDegree     int     `json:"max_degree"`
	NoBuildLevels []int   `json:"no_build_levels"`
	IndexMinSize  int64   `json:"index_min_size"`
	Alpha         float64 `json:"alpha"`
	EfConstruct   int     `json:"ef_construction"`
}

func (x *Index) info() info {
	inf := info{Base: x.base.Name(), BaseTrained: x.base.Trained(), BaseCodeSize: x.base.CodeSize(),
		Raw: x.raw != nil, Dim: x.dim, Named: x.p.named, GraphType: x.p.GraphType, Model: strconv.FormatUint(x.modelID, 16),
		SupportDuplicate: x.p.SupportDuplicate}
	if x.precise != nil {
		inf.Precise, inf.PreciseTrained, inf.PreciseCodeSize = x.precise.Name(), x.precise.Trained(), x.precise.CodeSize()
	}
	for _, h := range x.hiers {
		inf.Hierarchies = append(inf.Hierarchies, hierInfo{Name: h.name, MaxDegree: h.hp.MaxDegree,
			NoBuildLevels: append([]int{}, h.hp.NoBuildLevels...), IndexMinSize: h.hp.IndexMinSize,
			Alpha: h.hp.Alpha, EfConstruct: h.hp.EfConstruction})
	}
	return inf
}

// Save implements api.Engine. The small sections are encoded now; the label table, the code
// stores and the trees are streamed when f is written (under the shared lock). Core holds its
// snapshot lock from Save until f has been written, so nothing changes in between.
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	ib, err := json.Marshal(x.info())
	if err != nil {
		return api.Wrap(api.InternalError, err, "pyramid: save info")
	}
	f.Add(secInfo, ib)
	qs, err := quant.MarshalState(x.base)
	if err != nil {
		return api.Wrap(api.InternalError, err, "pyramid: save base quantizer")
	}
	f.Add(secBaseQuant, qs)
	stream := func(name string, size int64, write func(w io.Writer) error) {
		f.AddLockedStream(name, serial.Critical, size, x.mu.RLocker(), write)
	}
	stream(secLabels, x.labels.SectionSize(), func(w io.Writer) error { return x.labels.WriteSection(w) })
	stream(secBaseCodes, x.baseCodes.SectionSize(), func(w io.Writer) error { return x.baseCodes.WriteSection(w) })
	if x.precise != nil {
		ps, err := quant.MarshalState(x.precise)
		if err != nil {
			return api.Wrap(api.InternalError, err, "pyramid: save precise quantizer")
		}
		f.Add(secPreciseQuant, ps)
		stream(secPreciseCodes, x.preciseCodes.SectionSize(), func(w io.Writer) error { return x.preciseCodes.WriteSection(w) })
	}
	if x.raw != nil {
		stream(secRawCodes, x.raw.SectionSize(), func(w io.Writer) error { return x.raw.WriteSection(w) })
	}
	for i, h := range x.hiers {
		h := h
		stream(secTree+strconv.Itoa(i), treeSize(h), func(w io.Writer) error { return writeTree(w, h) })
	}
	return nil
}

// The tree section: the node count (u64) and the vector count (u64); then the nodes in
// preorder (children by key), each as its parent's number (u32, all ones for the root), its
// key (u32 length, bytes), flags (u32: 1 has an index, 2 has a graph), the vectors through it
// (u64), its graph degree (u32), its members (u64 count, u32 each) and the vectors whose path
// ends at it when it has no index (u64 count, u32 each), and its graph (u64 size, graph
// section); last, per vector, the number of the last node of its path (u32, all ones: none).

const (
	flagBuild = 1
	flagGraph = 2
	noNode    = ^uint32(0)
)

// preorder returns the nodes of h's tree parents first, children by key.
func preorder(h *hierarchy) []*node {
	out := make([]*node, 0, h.nodes)
	stack := []*node{h.root}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, n)
		keys := make([]string, 0, len(n.children))
		for k := range n.children {
			keys = append(keys, k)
		}
		sort.Sort(sort.Reverse(sort.StringSlice(keys)))
		for _, k := range keys {
			stack = append(stack, n.children[k])
		}
	}
	return out
}

func treeSize(h *hierarchy) int64 {
	size := int64(16)
	for _, n := range preorder(h) {
		size += 4 + 4 + int64(len(n.key)) + 4 + 8 + 4 + 8 + 4*int64(len(n.members)) + 8 + 4*int64(len(n.own)) + 8
		if n.g != nil {
			size += n.g.SectionSize()
		}
	}
	return size + 4*int64(len(h.leaf))
}

func writeTree(w io.Writer, h *hierarchy) error {
	nodes := preorder(h)
	num := make(map[*node]uint32, len(nodes))
	for i, n := range nodes {
		num[n] = uint32(i)
	}
	b := make([]byte, 0, 64)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(nodes)))
	b = binary.LittleEndian.AppendUint64(b, uint64(len(h.leaf)))
	if _, err := w.Write(b); err != nil {
		return err
	}
	for _, n := range nodes {
		b = b[:0]
		parent := noNode
		if n.parent != nil {
			parent = num[n.parent]
		}
		b = binary.LittleEndian.AppendUint32(b, parent)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(n.key)))
		b = append(b, n.key...)
		var flags uint32
		if n.build {
			flags |= flagBuild
		}
		if n.g != nil {
			flags |= flagGraph
		}
		b = binary.LittleEndian.AppendUint32(b, flags)
		b = binary.LittleEndian.AppendUint64(b, uint64(n.count))
		b = binary.LittleEndian.AppendUint32(b, uint32(n.degree))
		b = binary.LittleEndian.AppendUint64(b, uint64(len(n.members)))
		if _, err := w.Write(b); err != nil {
			return err
		}
		if err := serial.WriteUint32s(w, n.members); err != nil {
			return err
		}
		b = binary.LittleEndian.AppendUint64(b[:0], uint64(len(n.own)))
		if _, err := w.Write(b); err != nil {
			return err
		}
		if err := serial.WriteUint32s(w, n.own); err != nil {
			return err
		}
		var gs int64
		if n.g != nil {
			gs = n.g.SectionSize()
		}
		b = binary.LittleEndian.AppendUint64(b[:0], uint64(gs))
		if _, err := w.Write(b); err != nil {
			return err
		}
		if n.g != nil {
			if err := n.g.WriteSection(w); err != nil {
				return err
			}
		}
	}
	leaf := make([]uint32, len(h.leaf))
	for i, n := range h.leaf {
		leaf[i] = noNode
		if n != nil {
			leaf[i] = num[n]
		}
	}
	return serial.WriteUint32s(w, leaf)
}

// readTree reads a tree section into h (whose parameters are set and whose tree is empty),
// checking every count, id and graph against total vectors.
func readTree(sr *serial.SectionReader, h *hierarchy, total int) error {
	var hb [16]byte
	if _, err := io.ReadFull(sr, hb[:]); err != nil {
		return err
	}
	count, vecs := binary.LittleEndian.Uint64(hb[:]), binary.LittleEndian.Uint64(hb[8:])
	if vecs != uint64(total) {
		return fmt.Errorf("the tree places %d vectors, the index holds %d", vecs, total)
	}
	// a node takes at least 44 bytes
	if count == 0 || count > uint64(sr.Remaining())/44 {
		return fmt.Errorf("the tree claims %d nodes in %d bytes", count, sr.Remaining())
	}
	if err := memguard.Check(int64(count)*nodeOverhead, "loading a pyramid tree"); err != nil {
		return err
	}
	nodes := make([]*node, 0, count)
	u32 := func() (uint32, error) {
		var b [4]byte
		_, err := io.ReadFull(sr, b[:])
		return binary.LittleEndian.Uint32(b[:]), err
	}
	u64 := func() (uint64, error) {
		var b [8]byte
		_, err := io.ReadFull(sr, b[:])
		return binary.LittleEndian.Uint64(b[:]), err
	}
	ids := func(what string) ([]uint32, error) {
		n, err := u64()
		if err != nil {
			return nil, err
		}
		if n > uint64(total) || n*4 > uint64(sr.Remaining()) {
			return nil, fmt.Errorf("node %d claims %d %s", len(nodes), n, what)
		}
		out := make([]uint32, n)
		if err := serial.ReadUint32s(sr, out); err != nil {
			return nil, err
		}
		for _, id := range out {
			if id >= uint32(total) {
				return nil, fmt.Errorf("node %d lists vector %d of %d", len(nodes), id, total)
			}
		}
		return out, nil
	}
	for i := uint64(0); i < count; i++ {
		parent, err := u32()
		if err != nil {
			return err
		}
		kl, err := u32()
		if err != nil {
			return err
		}
		if uint64(kl) > uint64(sr.Remaining()) || kl > 1<<20 {
			return fmt.Errorf("node %d: key of %d bytes", i, kl)
		}
		key := make([]byte, kl)
		if _, err := io.ReadFull(sr, key); err != nil {
			return err
		}
		flags, err := u32()
		if err != nil {
			return err
		}
		cnt, err := u64()
		if err != nil {
			return err
		}
		deg, err := u32()
		if err != nil {
			return err
		}
		var n *node
		switch {
		case i == 0:
			if parent != noNode || kl != 0 {
				return fmt.Errorf("the first node is not a root")
			}
			n = newNode("", nil, flags&flagBuild != 0)
		case uint64(parent) >= i || kl == 0:
			return fmt.Errorf("node %d: bad parent %d or empty key", i, parent)
		default:
			p := nodes[parent]
			if p.children[string(key)] != nil {
				return fmt.Errorf("node %d: key %q repeats under its parent", i, key)
			}
			n = newNode(string(key), p, flags&flagBuild != 0)
			if p.children == nil {
				p.children = map[string]*node{}
			}
			p.children[string(key)] = n
			if n.level > maxLevels {
				return fmt.Errorf("node %d: the tree is deeper than %d levels", i, maxLevels)
			}
		}
		if n.build != !h.hp.noBuild(n.level) {
			return fmt.Errorf("node %d: level %d has an index in the file but not under no_build_levels %v, or the other way round", i, n.level, h.hp.NoBuildLevels)
		}
		if cnt > uint64(total) {
			return fmt.Errorf("node %d: %d vectors of %d", i, cnt, total)
		}
		n.count = int(cnt)
		if n.members, err = ids("members"); err != nil {
			return err
		}
		if n.own, err = ids("own vectors"); err != nil {
			return err
		}
		if !n.build && len(n.members) > 0 || n.build && len(n.own) > 0 {
			return fmt.Errorf("node %d: members and own vectors do not match its index", i)
		}
		for j, m := range n.members {
			if m != uint32(j) {
				n.identity = false
				break
			}
		}
		gs, err := u64()
		if err != nil {
			return err
		}
		if (gs > 0) != (flags&flagGraph != 0) || gs > uint64(sr.Remaining()) {
			return fmt.Errorf("node %d: graph of %d bytes", i, gs)
		}
		if gs > 0 {
			if !n.build || deg < 1 || deg > 1<<16 {
				return fmt.Errorf("node %d: a graph of degree %d", i, deg)
			}
			if err := memguard.Check(int64(gs), "loading a pyramid graph"); err != nil {
				return err
			}
			b := make([]byte, gs)
			if _, err := io.ReadFull(sr, b); err != nil {
				return err
			}
			g := graph.New(int(deg))
			if n.level > 0 {
				g = graph.NewStriped(int(deg), len(n.members))
			}
			if err := g.UnmarshalBinary(b); err != nil {
				return fmt.Errorf("node %d: %w", i, err)
			}
			if g.Len() != len(n.members) {
				return fmt.Errorf("node %d: a graph of %d nodes for %d members", i, g.Len(), len(n.members))
			}
			n.g, n.degree = g, int(deg)
			n.ready.Store(true)
		}
		nodes = append(nodes, n)
	}
	leaf := make([]uint32, total)
	if err := serial.ReadUint32s(sr, leaf); err != nil {
		return err
	}
	if sr.Remaining() != 0 {
		return fmt.Errorf("%d trailing bytes", sr.Remaining())
	}
	if err := sr.Done(); err != nil {
		return err
	}
	h.setRoot(nodes[0])
	h.nodes, h.leaf = len(nodes), make([]*node, total)
	for i, l := range leaf {
		if l == noNode {
			continue
		}
		if uint64(l) >= count {
			return fmt.Errorf("vector %d ends at node %d of %d", i, l, count)
		}
		h.leaf[i] = nodes[l]
	}
	return nil
}

// Load implements api.Engine: it reads the sections Save writes into this empty index, whose
// parameters must build the trees as the file's were built.
func (x *Index) Load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	bad := func(err error, what string) error { return api.LoadError(err, "pyramid", what) }
	ib, err := f.Need(secInfo)
	if err != nil {
		return bad(err, "info")
	}
	var inf info
	if err := json.Unmarshal(ib, &inf); err != nil {
		return bad(err, "info")
	}
	mismatch := func(key string, file, want any) error {
		return api.Errorf(api.InvalidArgument, "pyramid: %s %v in the file does not match %v", key, file, want)
	}
	want := x.info()
	switch {
	case inf.Base != want.Base:
		return mismatch("base_quantization_type", inf.Base, want.Base)
	case inf.BaseCodeSize != want.BaseCodeSize:
		return mismatch("base code size", inf.BaseCodeSize, want.BaseCodeSize)
	case inf.Dim != want.Dim:
		return mismatch("dim", inf.Dim, want.Dim)
	case inf.Precise != want.Precise:
		return mismatch("precise_quantization_type (use_reorder)", inf.Precise, want.Precise)
	case inf.PreciseCodeSize != want.PreciseCodeSize:
		return mismatch("precise code size", inf.PreciseCodeSize, want.PreciseCodeSize)
	case inf.Raw != want.Raw:
		return mismatch("store_raw_vector", inf.Raw, want.Raw)
	case inf.SupportDuplicate != want.SupportDuplicate:
		return mismatch("support_duplicate", inf.SupportDuplicate, want.SupportDuplicate)
	case inf.Named != want.Named || len(inf.Hierarchies) != len(want.Hierarchies):
		return mismatch("hierarchies", inf.Hierarchies, want.Hierarchies)
	}
	for i, h := range inf.Hierarchies {
		w := want.Hierarchies[i]
		if h.Name != w.Name || h.MaxDegree != w.MaxDegree || h.IndexMinSize != w.IndexMinSize || fmt.Sprint(h.NoBuildLevels) != fmt.Sprint(w.NoBuildLevels) {
			return mismatch("hierarchy", h, w)
		}
	}
	qs, err := f.Need(secBaseQuant)
	if err != nil {
		return bad(err, "base quantizer")
	}
	if inf.BaseTrained {
		if err := x.base.UnmarshalBinary(qs); err != nil {
			return bad(err, "base quantizer")
		}
	}
	labels := store.NewLabels()
	sr, err := f.Open(secLabels)
	if err == nil {
		err = labels.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "labels")
	}
	total := labels.Total()
	loadCodes := func(sec string, c *store.Codes) (*store.Codes, error) {
		sr, err := f.Open(sec)
		if err != nil {
			return nil, bad(err, sec)
		}
		nc := c.Empty()
		if err := nc.ReadSection(sr); err != nil {
			return nil, bad(err, sec)
		}
		if nc.Len() != total {
			return nil, api.Errorf(api.InvalidBinary, "pyramid: %s holds %d rows for %d labels", sec, nc.Len(), total)
		}
		return nc, nil
	}
	baseCodes, err := loadCodes(secBaseCodes, x.baseCodes)
	if err != nil {
		return err
	}
	var preciseCodes, raw *store.Codes
	if x.precise != nil {
		ps, err := f.Need(secPreciseQuant)
		if err != nil {
			return bad(err, "precise quantizer")
		}
		if inf.PreciseTrained {
			if err := x.precise.UnmarshalBinary(ps); err != nil {
				return bad(err, "precise quantizer")
			}
		}
		if preciseCodes, err = loadCodes(secPreciseCodes, x.preciseCodes); err != nil {
			return err
		}
	}
	if x.raw != nil {
		if raw, err = loadCodes(secRawCodes, x.raw); err != nil {
			return err
		}
	}
	hiers := newHierarchies(x.p)
	for i, h := range hiers {
		sec := secTree + strconv.Itoa(i)
		sr, err := f.Open(sec)
		if err == nil {
			err = readTree(sr, h, total)
		}
		if err != nil {
			return bad(err, sec)
		}
	}
	if id, err := strconv.ParseUint(inf.Model, 16, 64); err == nil {
		x.modelID = id
	}
	x.labels, x.baseCodes, x.preciseCodes, x.raw, x.hiers = labels, baseCodes, preciseCodes, raw, hiers
	if x.p.SupportDuplicate {
		for _, h := range x.hiers {
			x.rebuildDups(h)
		}
	}
	x.resetPools()
	return nil
}
