package core

import (
	"bytes"
	"strconv"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
)

// Tune changes how the index encodes its vectors without rebuilding its graph, as VSAG's
// Index::Tune: paramsJSON is {"index_param": {...}} (the create parameters may be given whole;
// dim, dtype, metric_type and extra_info_size must then be the index's). For hgraph the block
// gives base_quantization_type, use_reorder, precise_quantization_type, store_raw_vector and the
// quantizer keys anew, and the codes are re-encoded from the precise source the index keeps
// (raw vectors, or fp32 precise or base codes); an index without one returns
// UNSUPPORTED_INDEX_OPERATION, as do index types without Tune. disableFutureTuning drops the
// kept raw vectors (unless the block asks for store_raw_vector) and refuses later Tune calls.
// The tuned parameters become the index's create parameters (CreateParams), so a tuned index
// saves and loads as it is now. Searches go on during a Tune; writes and saves wait for it.
func (x *Index) Tune(paramsJSON string, disableFutureTuning bool) (err error) {
	defer recovered(&err)
	defer x.reapplyAccount() // the engine's stores may have been replaced
	if err := x.checkMutable("tune"); err != nil {
		return err
	}
	tn, ok := x.eng().(api.Tuner)
	if !ok {
		return api.Errorf(api.UnsupportedIndexOperation, "tune is not supported by %s", x.name)
	}
	cur := x.createParams()
	block, err := tuneBlock(x.name, paramsJSON, cur)
	if err != nil {
		return err
	}
	defer x.snapshotting()() // writes and snapshots wait; searches go on
	now, err := tn.Tune(block, disableFutureTuning)
	if err != nil {
		return err
	}
	next, err := withIndexParam(x.name, cur, now)
	if err != nil {
		return api.Wrap(api.InternalError, err, "tune: record the tuned parameters")
	}
	x.tuned.Store(next)
	return nil
}

// createParams returns the create parameters in force: those of the last Tune, else those the
// index was made with.
func (x *Index) createParams() *params.Create {
	if c := x.tuned.Load(); c != nil {
		return c
	}
	return x.create
}

// tuneBlock returns the index_param block of paramsJSON, checking that the other keys, when
// given, match the index.
func tuneBlock(name, paramsJSON string, cur *params.Create) ([]byte, error) {
	raw := bytes.TrimSpace([]byte(paramsJSON))
	if len(raw) == 0 || raw[0] != '{' {
		return nil, api.Errorf(api.InvalidArgument, "tune: the parameters must be a JSON object holding \"index_param\"")
	}
	top := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, api.Errorf(api.InvalidArgument, "tune: bad JSON: %v", err)
	}
	block, ok := top["index_param"]
	if !ok {
		return nil, api.Errorf(api.InvalidArgument, "tune: key \"index_param\" is required")
	}
	// the other keys, when given, are create keys of the index's values
	check := map[string]json.RawMessage{"dim": json.RawMessage(strconv.Itoa(cur.Dim))}
	for k, v := range top {
		if k != "index_param" {
			check[k] = v
		}
	}
	cb, _ := json.Marshal(check)
	c, err := params.ParseCreate(name, string(cb))
	if err != nil {
		return nil, api.Wrap(api.CodeOf(err), err, "tune")
	}
	for _, k := range []struct {
		key       string
		given     bool
		have, now any
	}{
		{"dim", top["dim"] != nil, c.Dim, cur.Dim}, {"dtype", top["dtype"] != nil, c.DType, cur.DType},
		{"metric_type", top["metric_type"] != nil, c.Metric, cur.Metric},
		{"extra_info_size", top["extra_info_size"] != nil, c.ExtraInfoSize, cur.ExtraInfoSize},
	} {
		if k.given && k.have != k.now {
			return nil, api.Errorf(api.InvalidArgument, "tune: key %q: %v is not the index's %v", k.key, k.have, k.now)
		}
	}
	return block, nil
}

// withIndexParam returns cur with its index_param block replaced by block.
func withIndexParam(name string, cur *params.Create, block []byte) (*params.Create, error) {
	top := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(cur.Raw), &top); err != nil {
		return nil, err
	}
	top["index_param"] = block
	b, err := json.Marshal(top)
	if err != nil {
		return nil, err
	}
	return params.ParseCreate(name, string(b))
}
