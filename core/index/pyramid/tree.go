package pyramid

import (
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/graph"
)

// hierarchy is one path tree: a node per path prefix, the root holding every vector placed in
// the tree.
type hierarchy struct {
	name string
	hp   hierParams
	root *node
	// leaf is, per inner id, the deepest node of the vector's path (nil: the vector has no
	// path in this tree).
	leaf []*node
	// nodes counts the nodes of the tree.
	nodes int
	// atRoot is the target of a query at the root (set with root).
	atRoot []target
}

// setRoot makes r the tree's root.
func (h *hierarchy) setRoot(r *node) {
	h.root = r
	h.atRoot = []target{{h: h, nodes: []*node{r}}}
}

// node is one path prefix. A node of a level listed in no_build_levels has no index of its
// own (search goes on to its children); any other node keeps its members, the inner ids of
// the vectors whose path passes through it, and scans them exactly until it gets a graph (at
// index_min_size members), a graph over local ids where local id i is members[i].
//
// Members, the graph's node set and g change under the index's exclusive lock only; the
// graph's lists change under its own per-node locks while the index is held shared.
type node struct {
	key      string
	parent   *node
	level    int
	children map[string]*node
	build    bool     // the node has an index of its own
	members  []uint32 // inner ids; local id i is members[i]
	identity bool     // members[i] == i for every i (the graph can read the code stores directly)
	g        *graph.Graph
	degree   int
	// ready is set once every member of g has been linked: searches use the graph from then
	// on and scan the members before.
	ready atomic.Bool
	// count is the number of vectors whose path passes through the node (removed ones too).
	count int
	// own holds, for a node without an index of its own, the inner ids of the vectors whose
	// path ends there (a search of the node scans them besides searching its children).
	own []uint32
	// sinceRepair counts the graph nodes linked since the graph's last reachability repair.
	sinceRepair atomic.Int64
	// dups are the duplicate groups of g (support_duplicate; see dup.go), nil without any.
	dups *dupSet
	// charged is what the side charge counts for the node (see sideCharge).
	charged int64
}

func newNode(key string, parent *node, build bool) *node {
	n := &node{key: key, parent: parent, build: build, identity: true}
	if parent != nil {
		n.level = parent.level + 1
	}
	return n
}

// child returns the child of n named key, or nil.
func (n *node) child(key string) *node { return n.children[key] }

// path returns the node's path from the root ("" for the root).
func (n *node) path() string {
	var segs []string
	for m := n; m.parent != nil; m = m.parent {
		segs = append(segs, m.key)
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	return strings.Join(segs, "/")
}

// graphReady reports whether searches use the node's graph.
func (n *node) graphReady() bool { return n.g != nil && n.ready.Load() }

// addMember appends inner id id to the node's members.
func (n *node) addMember(id uint32) {
	if n.identity && id != uint32(len(n.members)) {
		n.identity = false
	}
	n.members = append(n.members, id)
}

// memberBytes returns the members as the "code slab" of the mapped quantizer: 4 bytes (the
// inner id) per local id.
func (n *node) memberBytes() []byte {
	if len(n.members) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&n.members[0])), 4*len(n.members))
}

// ancestorAt returns the ancestor of n (or n) at level, or nil when n is shallower.
func (n *node) ancestorAt(level int) *node {
	for n != nil && n.level > level {
		n = n.parent
	}
	if n == nil || n.level != level {
		return nil
	}
	return n
}

// within reports whether inner id id lies in the subtree of n.
func (h *hierarchy) within(id uint32, n *node) bool {
	if int(id) >= len(h.leaf) {
		return false
	}
	l := h.leaf[id]
	return l != nil && l.ancestorAt(n.level) == n
}

// splitPath splits a stored path into its segments; the dataset checks already refused empty
// paths and empty segments.
func splitPath(p string) []string { return strings.Split(p, "/") }

// checkRowPath refuses what a stored path may not hold beyond the dataset checks: '|' (it
// separates the paths of a query) and more than maxLevels segments.
func checkRowPath(what string, row int, p string) error {
	if strings.IndexByte(p, '|') >= 0 {
		return api.Errorf(api.InvalidArgument, "%s: row %d: path %q holds '|', which separates the paths of a query", what, row, p)
	}
	if strings.Count(p, "/") >= maxLevels {
		return api.Errorf(api.InvalidArgument, "%s: row %d: path %q has more than %d segments", what, row, p, maxLevels)
	}
	return nil
}

// parseQueryPath splits a query path into its alternatives ("a/b|c" is the subtrees a/b and
// c), each a list of segments. Empty alternatives and empty segments are dropped, as VSAG
// does; an alternative of separators only names the root.
func parseQueryPath(p string) [][]string {
	var out [][]string
	for _, alt := range strings.Split(p, "|") {
		if alt == "" {
			continue
		}
		segs := []string{}
		for _, s := range strings.Split(alt, "/") {
			if s != "" {
				segs = append(segs, s)
			}
		}
		out = append(out, segs)
	}
	return out
}

// find returns the node at segs below the root, or nil when the tree has no such path.
func (h *hierarchy) find(segs []string) *node {
	n := h.root
	for _, s := range segs {
		n = n.child(s)
		if n == nil {
			return nil
		}
	}
	return n
}
