// Package lazyhgraph is the lazy_hgraph index: an exact fp32 scan (a brute_force engine) while
// the collection is small, converted to an hgraph once it holds transition_threshold vectors.
//
// The conversion runs in the background: the add that reaches the threshold snapshots the flat
// phase and returns, a goroutine builds the hgraph from the snapshot, and until it is ready the
// flat phase keeps answering searches and taking writes. Writes made during the build are
// logged and replayed onto the new graph (the last of them with the flat phase paused), then
// the graph takes over in one step. A Build call with at least transition_threshold vectors
// builds the hgraph directly, as VSAG does.
package lazyhgraph

import (
	"bytes"
	"sync"
	"sync/atomic"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/bruteforce"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/params"
)

// Name is the index type name.
const Name = "lazy_hgraph"

// DefaultTransitionThreshold is VSAG's default transition_threshold.
const DefaultTransitionThreshold = 1000

// maxTransitionThreshold bounds transition_threshold (the label table's capacity).
const maxTransitionThreshold = 1 << 32

// Params is the lazy_hgraph block ("lazy_hgraph" or "index_param").
type Params struct {
	// TransitionThreshold is the number of vectors at which the flat phase becomes an hgraph.
	TransitionThreshold int64 `json:"transition_threshold"`
	// HGraph holds the hgraph create parameters used from the transition on.
	HGraph json.RawMessage `json:"hgraph"`
}

// flatKeys are keys a VSAG user might try for the flat phase, which is fixed to fp32.
var flatKeys = []string{"brute_force", "bruteforce", "flat", "flat_quantization_type", "flat_base_quantization_type"}

func parseParams(c *params.Create) (Params, error) {
	p := Params{TransitionThreshold: DefaultTransitionThreshold}
	if c.DType != params.Float32 {
		return p, api.Errorf(api.InvalidArgument, "lazy_hgraph only supports dtype float32, not %q", c.DType)
	}
	raw := bytes.TrimSpace(c.IndexParam)
	if len(raw) > 0 && raw[0] == '{' {
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err == nil {
			for _, k := range flatKeys {
				if _, ok := keys[k]; ok {
					return p, api.Errorf(api.InvalidArgument, "lazy_hgraph: the flat phase is fixed to fp32 and does not accept %q", k)
				}
			}
		}
	}
	if err := params.DecodeStrict(c.IndexParam, &p, "lazy_hgraph parameters"); err != nil {
		return p, err
	}
	if p.TransitionThreshold <= 0 || p.TransitionThreshold > maxTransitionThreshold {
		return p, api.Errorf(api.InvalidArgument, "lazy_hgraph: key \"transition_threshold\": %d must be in [1, %d]", p.TransitionThreshold, int64(maxTransitionThreshold))
	}
	return p, nil
}

// Index is the lazy_hgraph engine.
type Index struct {
	threshold   int64
	graphCreate params.Create
	// proto is an empty hgraph with the graph phase's parameters: it answers for the graph
	// phase before the graph exists (features, memory estimates, raw-vector support).
	proto *hgraph.Index
	// flatBlocks turns hgraph search blocks into the flat phase's (flatBlock), once per block.
	flatBlocks params.Cache[[]byte]

	// mu guards the phase: flat-phase writes and all searches hold it shared, the switch to the
	// graph holds it exclusively.
	mu    sync.RWMutex
	flat  *bruteforce.Index // nil once converted
	graph *hgraph.Index     // nil until converted

	// logMu orders flat-phase writes with the conversion's snapshot and log; conv, failedAt and
	// convErr are guarded by it (and written only with mu held as well).
	logMu    sync.Mutex
	conv     *conversion
	failedAt int64
	convErr  error
	// acct is the index's memory account (nil: none handed yet); see account.go
	acct atomic.Pointer[alloc.Account]

	// convertHook, set by tests before any write, runs at the start of every conversion (to
	// hold it while the test writes to the flat phase).
	convertHook func()
}

// conversion is a graph build in flight.
type conversion struct {
	log  []op
	done chan struct{}
}

type opKind uint8

const (
	opAdd opKind = iota
	opRemove
	opRelabel
	opUpdate
)

// op is a write the flat phase took while a conversion was building the graph.
type op struct {
	kind     opKind
	vectors  []float32
	ids      []int64
	from, to int64
}

// New creates an empty lazy_hgraph index from parsed create parameters.
func New(c *params.Create) (*Index, error) {
	p, err := parseParams(c)
	if err != nil {
		return nil, err
	}
	fc := *c
	fc.IndexParam = nil
	flat, err := bruteforce.New(&fc)
	if err != nil {
		return nil, err
	}
	gc := *c
	gc.IndexParam = p.HGraph
	proto, err := hgraph.New(&gc)
	if err != nil {
		return nil, err
	}
	x := &Index{threshold: p.TransitionThreshold, graphCreate: gc, proto: proto, flat: flat}
	x.flatBlocks.Parse = flatBlock
	return x, nil
}

// Name implements api.Engine.
func (x *Index) Name() string { return Name }

// Features implements api.Engine: what both phases support.
func (x *Index) Features() api.FeatureSet {
	return x.flat0().Features() & x.proto.Features()
}

// flat0 returns a brute_force engine for questions about the flat phase that hold in every
// phase (its features); the live one while it lasts.
func (x *Index) flat0() *bruteforce.Index {
	x.mu.RLock()
	f := x.flat
	x.mu.RUnlock()
	if f != nil {
		return f
	}
	fc := x.graphCreate
	fc.IndexParam = nil
	f, _ = bruteforce.New(&fc)
	return f
}

// Converted reports whether the index has become an hgraph.
func (x *Index) Converted() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.graph != nil
}

// WaitConversion waits for a conversion in flight, if any, and returns the error that ended
// the last one (nil when it succeeded or none ran).
func (x *Index) WaitConversion() error {
	x.logMu.Lock()
	c := x.conv
	x.logMu.Unlock()
	if c != nil {
		<-c.done
	}
	x.logMu.Lock()
	defer x.logMu.Unlock()
	return x.convErr
}

// active returns the engine of the current phase with mu held shared, and its release.
func (x *Index) active() (api.Engine, func()) {
	x.mu.RLock()
	if x.graph != nil {
		return x.graph, x.mu.RUnlock
	}
	return x.flat, x.mu.RUnlock
}

// write runs flatFn on the flat engine (with the log ordered) while the flat phase lasts, and
// graphFn on the graph after.
func (x *Index) write(flatFn func(*bruteforce.Index) error, graphFn func(*hgraph.Index) error) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.graph != nil {
		return graphFn(x.graph)
	}
	x.logMu.Lock()
	defer x.logMu.Unlock()
	return flatFn(x.flat)
}

// record appends a write to the log of the conversion in flight. Caller holds logMu.
func (x *Index) record(o op) {
	if x.conv != nil {
		x.conv.log = append(x.conv.log, o)
	}
}

// Build implements api.Builder: at least transition_threshold vectors build the hgraph
// directly; fewer go to the flat phase.
func (x *Index) Build(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.logMu.Lock()
	busy := x.conv != nil
	x.logMu.Unlock()
	if x.graph != nil || busy || x.flat.NumElements() > 0 || x.flat.NumRemoved() > 0 {
		return nil, api.Errorf(api.BuildTwice, "lazy_hgraph: the index is already built")
	}
	if int64(len(ids)) < x.threshold {
		return x.flat.Build(vectors, ids, onInsert)
	}
	g, err := x.newGraph()
	if err != nil {
		return nil, err
	}
	failed, err := g.Build(vectors, ids, onInsert)
	if err != nil {
		return nil, err
	}
	x.graph, x.flat = g, nil
	return failed, nil
}

// Add implements api.Engine. The add that brings the flat phase to transition_threshold starts
// the conversion and returns without waiting for it.
func (x *Index) Add(vectors []float32, ids []int64, onInsert api.InsertHook) ([]int64, error) {
	var failed []int64
	var start *conversion
	var snapIDs []int64
	var snapVecs []float32
	err := x.write(func(f *bruteforce.Index) error {
		hook := onInsert
		var stored []int
		if x.conv != nil {
			// The rows stored go to the log too; the hook sees exactly those.
			hook = func(row int, label int64) {
				stored = append(stored, row)
				if onInsert != nil {
					onInsert(row, label)
				}
			}
		}
		var err error
		if failed, err = f.Add(vectors, ids, hook); err != nil {
			return err
		}
		if x.conv != nil {
			x.record(x.addOp(vectors, ids, stored))
			return nil
		}
		n := f.NumElements()
		if n < x.threshold || n < 2*x.failedAt {
			return nil
		}
		snapIDs = f.ExportIDs()
		snapVecs = make([]float32, len(snapIDs)*x.graphCreate.Dim)
		if err := f.GetVectors(snapIDs, snapVecs); err != nil {
			return nil // the next add tries again
		}
		start = &conversion{done: make(chan struct{})}
		x.conv = start
		return nil
	}, func(g *hgraph.Index) error {
		var err error
		failed, err = g.Add(vectors, ids, onInsert)
		return err
	})
	if start != nil {
		go x.convert(start, snapVecs, snapIDs)
	}
	return failed, err
}

// addOp copies the stored rows of a flat-phase add for the log: the caller may reuse its
// buffers once Add returns.
func (x *Index) addOp(vectors []float32, ids []int64, rows []int) op {
	d := x.graphCreate.Dim
	o := op{kind: opAdd, ids: make([]int64, len(rows)), vectors: make([]float32, len(rows)*d)}
	for j, r := range rows {
		o.ids[j] = ids[r]
		copy(o.vectors[j*d:(j+1)*d], vectors[r*d:(r+1)*d])
	}
	return o
}
