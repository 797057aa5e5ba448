package api

import json "github.com/goccy/go-json"

// JSON renders s as VSAG's search statistics object, the form every surface reports:
// {"dist_cmp":1000,"hops":1000,"elapsed_ms":0.05,"timed_out":false}. A nil s renders as "{}".
func (s *SearchStats) JSON() string {
	if s == nil {
		return "{}"
	}
	b, err := json.Marshal(s)
	if err != nil {
		return "{}"
	}
	return string(b)
}
