// Package params parses and validates VSAG's create and search JSON: key names, defaults and
// ranges. Unknown keys and out-of-range values are INVALID_ARGUMENT errors naming the key.
package params

import (
	"bytes"
	"errors"
	"strings"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
)

// DecodeStrict decodes the JSON object raw into v, rejecting unknown keys. where names the
// enclosing object (for example "index_param") so errors can name the full key.
func DecodeStrict(raw []byte, v any, where string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return api.Errorf(api.InvalidArgument, "%s must be a JSON object", where)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return api.Errorf(api.InvalidArgument, "%s: %s", where, describeJSONError(err))
	}
	if dec.More() {
		return api.Errorf(api.InvalidArgument, "%s: trailing data after the JSON object", where)
	}
	return nil
}

func describeJSONError(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if field == "" {
			field = "value"
		}
		return "key \"" + field + "\" has the wrong type (got " + te.Value + ", want " + te.Type.String() + ")"
	}
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	if strings.HasPrefix(msg, "unknown field") {
		return "unknown key " + strings.TrimPrefix(msg, "unknown field ")
	}
	return "bad JSON: " + msg
}

// splitObject decodes raw as a JSON object into its top-level members.
func splitObject(raw []byte, where string) (map[string]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	m := map[string]json.RawMessage{}
	if len(raw) == 0 {
		return m, nil
	}
	if raw[0] != '{' {
		return nil, api.Errorf(api.InvalidArgument, "%s must be a JSON object", where)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, api.Errorf(api.InvalidArgument, "%s: bad JSON: %s", where, strings.TrimPrefix(err.Error(), "json: "))
	}
	return m, nil
}
