package pyramid

import (
	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/store"
)

// CalcDistanceByIDs implements api.DistanceCalculator, using the precise codes when the index
// has them (-1 for a label that is not live).
func (x *Index) CalcDistanceByIDs(query []float32, ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	c, pool := x.getCtx()
	defer c.put(pool)
	codes, comp := x.baseCodes, c.base
	if x.preciseCodes != nil && x.split == nil {
		codes, comp = x.preciseCodes, c.precise
	}
	comp.SetQuery(query)
	if x.split != nil {
		c.splitc.SetQuery(query)
	}
	var one [1]uint32
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			out[i] = -1
			continue
		}
		one[0] = r
		if x.split != nil {
			c.splitc.DistanceSplitBatch(x.baseCodes.Slab(), x.preciseCodes.Slab(), one[:], out[i:i+1])
			continue
		}
		comp.DistanceBatch(codes.Slab(), one[:], out[i:i+1])
	}
	return nil
}

// vectorSource returns a store that reproduces the input vectors exactly, or nil.
func (x *Index) vectorSource() *store.Codes {
	switch {
	case x.raw != nil:
		return x.raw
	case x.preciseCodes != nil && quant.Exact(x.precise):
		return x.preciseCodes
	case quant.Exact(x.base):
		return x.baseCodes
	}
	return nil
}

// KeepsRawVectors implements api.VectorReader.
func (x *Index) KeepsRawVectors() bool { return x.vectorSource() != nil }

// GetVectors implements api.VectorReader.
func (x *Index) GetVectors(ids []int64, out []float32) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	src := x.vectorSource()
	if src == nil {
		return api.Errorf(api.UnsupportedIndexOperation, "pyramid: %s codes do not keep the raw vectors (set store_raw_vector)", x.base.Name())
	}
	for i, id := range ids {
		r, ok := x.labels.Lookup(id)
		if !ok {
			return api.Errorf(api.InvalidArgument, "pyramid: label %d does not exist", id)
		}
		src.Quantizer().Decode(out[i*x.dim:(i+1)*x.dim], src.Code(int(r)))
	}
	return nil
}

const (
	fixedOverhead = 4096
	nodeOverhead  = 160 // a tree node: the struct, its map entry and key
)

// MemoryUsage implements api.Engine: the code stores, the label table, and per tree its nodes,
// member lists, graphs and the last node of every vector's path.
func (x *Index) MemoryUsage() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	b := x.baseCodes.MemoryUsage() + x.labels.MemoryUsage() + fixedOverhead
	for _, c := range []*store.Codes{x.preciseCodes, x.raw} {
		if c != nil {
			b += c.MemoryUsage()
		}
	}
	for _, h := range x.hiers {
		b += int64(cap(h.leaf)) * 8
		walk(h.root, func(n *node) {
			b += nodeOverhead + int64(len(n.key)) + int64(cap(n.members))*4 + int64(cap(n.own))*4
			if n.g != nil {
				b += n.g.MemoryUsage()
			}
			if n.dups != nil {
				b += n.dups.memoryUsage()
			}
		})
	}
	return b
}

// walk calls fn for n and every node below it, parents first.
func walk(n *node, fn func(*node)) {
	stack := []*node{n}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		fn(n)
		for _, c := range n.children {
			stack = append(stack, c)
		}
	}
}

// LevelStats describes one level of a tree in Stats.
type LevelStats struct {
	// Level is the depth (0: the root).
	Level int `json:"level"`
	// Nodes is the number of path prefixes at this level.
	Nodes int `json:"nodes"`
	// GraphNodes, FlatNodes and NoIndexNodes count the nodes with a linked graph, the ones
	// scanned exactly (below index_min_size) and those of a level in no_build_levels.
	GraphNodes   int `json:"graph_nodes"`
	FlatNodes    int `json:"flat_nodes"`
	NoIndexNodes int `json:"no_index_nodes"`
	// Vectors is the number of vectors placed at this level (each vector once per level its
	// path reaches); Edges the bottom-layer edges of its graphs.
	Vectors int   `json:"vectors"`
	Edges   int64 `json:"edges"`
	// Duplicates counts the vectors its graphs hold as duplicates of another
	// (support_duplicate).
	Duplicates int `json:"duplicates,omitempty"`
	// MaxGroup is the largest group (the vectors of one prefix) at this level.
	MaxGroup int `json:"max_group"`
}

// HierarchyStats describes one tree in Stats.
type HierarchyStats struct {
	// Name is the hierarchy's name ("" for the unnamed one).
	Name string `json:"name"`
	// Levels describes the tree level by level.
	Levels []LevelStats `json:"levels"`
}

// Stats describes the index: the live and removed vectors and, per hierarchy and level, its
// groups, graphs and edges (VSAG's GetStats reports the same tree structure).
type Stats struct {
	NumElements int64            `json:"num_elements"`
	NumRemoved  int64            `json:"num_removed"`
	Hierarchies []HierarchyStats `json:"hierarchies"`
}

// Stats returns the structure of the index.
func (x *Index) Stats() Stats {
	x.mu.RLock()
	defer x.mu.RUnlock()
	s := Stats{NumElements: int64(x.labels.Live()), NumRemoved: int64(x.labels.NumRemoved())}
	var nb []uint32
	for _, h := range x.hiers {
		hs := HierarchyStats{Name: h.name}
		walk(h.root, func(n *node) {
			for len(hs.Levels) <= n.level {
				hs.Levels = append(hs.Levels, LevelStats{Level: len(hs.Levels)})
			}
			ls := &hs.Levels[n.level]
			ls.Nodes++
			ls.Vectors += n.count
			ls.MaxGroup = max(ls.MaxGroup, n.count)
			switch {
			case !n.build:
				ls.NoIndexNodes++
			case n.graphReady():
				ls.GraphNodes++
				ls.Duplicates += n.numDups()
				for i := 0; i < n.g.Len(); i++ {
					nb = n.g.Neighbors(0, uint32(i), nb[:0])
					ls.Edges += int64(len(nb))
				}
			default:
				ls.FlatNodes++
			}
		})
		s.Hierarchies = append(s.Hierarchies, hs)
	}
	return s
}

// StatsJSON returns Stats as JSON.
func (x *Index) StatsJSON() string {
	b, _ := json.Marshal(x.Stats())
	return string(b)
}
