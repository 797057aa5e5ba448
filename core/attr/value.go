// Package attr holds the attribute values an index keeps per label and the filter expressions
// evaluated on them at search time (VSAG's attribute filtering).
//
// A label carries a Set: a map from attribute name to a Value. A Value is an integer, a float
// or a string, either single or a list (a multi-valued attribute). Sets are schemaless: the same
// name may hold an integer for one label and a string for another; a predicate simply does not
// match values of another type.
//
// Expressions follow VSAG's filter grammar and accept a few common spellings beside it:
//
//	color = "red" AND price < 10
//	id IN [1, 2, 3] OR tag NOT IN ["a", "b"]
//	multi_in(tags, "a|b|c")               VSAG's pipe lists, with an optional separator argument
//	!(size >= 3.5) || name != 'x'
//
// Comparisons are = (also ==), != (also <>), <, <=, >, >= between an attribute name and a
// number or a quoted string; IN / NOT IN (also NOT_IN, NOTIN, MULTI_IN, MULTI_NOTIN) take a
// bracketed or parenthesised list; AND (&&), OR (||), NOT (!) and parentheses combine them;
// keywords are case-insensitive. On a multi-valued attribute a comparison or IN holds when any
// element satisfies it. != and NOT IN are the exact negations of = and IN, so a label without
// the attribute passes them and fails every other predicate on it.
package attr

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	json "github.com/goccy/go-json"
)

// Kind is the type of the elements of a Value.
type Kind uint8

// Element kinds.
const (
	// KindInt is a signed 64-bit integer.
	KindInt Kind = iota + 1
	// KindFloat is a 64-bit float.
	KindFloat
	// KindString is a string.
	KindString
)

// Value is one attribute value: one element, or a list of elements of one kind (Multi).
// Exactly one of Ints, Floats and Strs is used, per Kind.
type Value struct {
	Kind   Kind
	Multi  bool
	Ints   []int64
	Floats []float64
	Strs   []string
}

// Set is the attributes of one label, by name.
type Set map[string]Value

// Int returns a single integer value.
func Int(v int64) Value { return Value{Kind: KindInt, Ints: []int64{v}} }

// Float returns a single float value.
func Float(v float64) Value { return Value{Kind: KindFloat, Floats: []float64{v}} }

// String returns a single string value.
func String(v string) Value { return Value{Kind: KindString, Strs: []string{v}} }

// Ints returns a multi-valued integer attribute.
func Ints(v ...int64) Value { return Value{Kind: KindInt, Multi: true, Ints: append([]int64{}, v...)} }

// Floats returns a multi-valued float attribute.
func Floats(v ...float64) Value {
	return Value{Kind: KindFloat, Multi: true, Floats: append([]float64{}, v...)}
}

// Strings returns a multi-valued string attribute.
func Strings(v ...string) Value {
	return Value{Kind: KindString, Multi: true, Strs: append([]string{}, v...)}
}

// Len returns the number of elements.
func (v Value) Len() int { return len(v.Ints) + len(v.Floats) + len(v.Strs) }

// Any returns the value as a Go value: int64, float64 or string, or a slice of them when Multi.
func (v Value) Any() any {
	switch v.Kind {
	case KindInt:
		if v.Multi {
			return append([]int64{}, v.Ints...)
		}
		return v.Ints[0]
	case KindFloat:
		if v.Multi {
			return append([]float64{}, v.Floats...)
		}
		return v.Floats[0]
	default:
		if v.Multi {
			return append([]string{}, v.Strs...)
		}
		return v.Strs[0]
	}
}

// ToMap returns the set as plain Go values (see Value.Any).
func (s Set) ToMap() map[string]any {
	if s == nil {
		return nil
	}
	m := make(map[string]any, len(s))
	for k, v := range s {
		m[k] = v.Any()
	}
	return m
}

// FromMap converts plain Go values into a Set. Accepted values: any Go integer type, float32,
// float64, string, bool (stored as the integer 1 or 0), json.Number, and slices of these
// ([]any with elements of one kind, []string, []int, []int64, []float64, ...). Integers and
// floats may be mixed in a list (it becomes a float list). A nil value is skipped. Names must
// be valid attribute names (letters, digits, '_' and '.', not starting with a digit).
func FromMap(m map[string]any) (Set, error) {
	if len(m) == 0 {
		return nil, nil
	}
	s := make(Set, len(m))
	for k, x := range m {
		if !ValidName(k) {
			return nil, fmt.Errorf("attribute name %q is not valid (letters, digits, '_' and '.', not starting with a digit)", k)
		}
		if x == nil {
			continue
		}
		v, err := valueOf(x)
		if err != nil {
			return nil, fmt.Errorf("attribute %q: %w", k, err)
		}
		s[k] = v
	}
	return s, nil
}

// ValidName reports whether name can be used in an expression.
func ValidName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' || c == '.':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return name[len(name)-1] != '.'
}

// scalar is one element: kind plus its payload.
type scalar struct {
	kind Kind
	i    int64
	f    float64
	s    string
}

func scalarOf(x any) (scalar, bool, error) {
	switch t := x.(type) {
	case int:
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case int8:
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case int16:
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case int32:
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case int64:
		return scalar{kind: KindInt, i: t}, true, nil
	case uint8:
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case uint16:
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case uint32:
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case uint:
		if uint64(t) > math.MaxInt64 {
			return scalar{}, true, fmt.Errorf("integer %d is out of the int64 range", t)
		}
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case uint64:
		if t > math.MaxInt64 {
			return scalar{}, true, fmt.Errorf("integer %d is out of the int64 range", t)
		}
		return scalar{kind: KindInt, i: int64(t)}, true, nil
	case bool:
		if t {
			return scalar{kind: KindInt, i: 1}, true, nil
		}
		return scalar{kind: KindInt, i: 0}, true, nil
	case float32:
		return floatScalar(float64(t))
	case float64:
		return floatScalar(t)
	case string:
		return scalar{kind: KindString, s: t}, true, nil
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return scalar{kind: KindInt, i: i}, true, nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil {
			return scalar{}, true, fmt.Errorf("number %q is not valid", string(t))
		}
		return floatScalar(f)
	}
	return scalar{}, false, nil
}

func floatScalar(f float64) (scalar, bool, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return scalar{}, true, fmt.Errorf("value %g is not a finite number", f)
	}
	return scalar{kind: KindFloat, f: f}, true, nil
}

func valueOf(x any) (Value, error) {
	if sc, ok, err := scalarOf(x); ok {
		if err != nil {
			return Value{}, err
		}
		return fromScalars([]scalar{sc}, false)
	}
	var elems []any
	switch t := x.(type) {
	case []any:
		elems = t
	case []string:
		return Strings(t...), nil
	case []int64:
		return Ints(t...), nil
	case []float64:
		for _, f := range t {
			if _, _, err := floatScalar(f); err != nil {
				return Value{}, err
			}
		}
		return Floats(t...), nil
	case []int:
		v := Value{Kind: KindInt, Multi: true, Ints: make([]int64, len(t))}
		for i, e := range t {
			v.Ints[i] = int64(e)
		}
		return v, nil
	case []int32:
		v := Value{Kind: KindInt, Multi: true, Ints: make([]int64, len(t))}
		for i, e := range t {
			v.Ints[i] = int64(e)
		}
		return v, nil
	case []float32:
		elems = make([]any, len(t))
		for i, e := range t {
			elems[i] = e
		}
	case map[string]any:
		return Value{}, fmt.Errorf("nested objects are not supported")
	default:
		return Value{}, fmt.Errorf("type %T is not supported (use integers, floats, strings or lists of them)", x)
	}
	scs := make([]scalar, 0, len(elems))
	for i, e := range elems {
		sc, ok, err := scalarOf(e)
		if !ok {
			return Value{}, fmt.Errorf("list element %d has type %T; lists hold integers, floats or strings", i, e)
		}
		if err != nil {
			return Value{}, fmt.Errorf("list element %d: %w", i, err)
		}
		scs = append(scs, sc)
	}
	return fromScalars(scs, true)
}

// fromScalars builds a Value from elements of one kind (integers widen to floats when mixed).
func fromScalars(scs []scalar, multi bool) (Value, error) {
	v := Value{Multi: multi}
	if len(scs) == 0 {
		v.Kind = KindInt
		v.Ints = []int64{}
		return v, nil
	}
	kind := scs[0].kind
	for i, sc := range scs {
		switch {
		case sc.kind == kind:
		case sc.kind != KindString && kind != KindString:
			kind = KindFloat
		default:
			return Value{}, fmt.Errorf("list element %d mixes strings and numbers", i)
		}
	}
	v.Kind = kind
	switch kind {
	case KindInt:
		v.Ints = make([]int64, len(scs))
		for i, sc := range scs {
			v.Ints[i] = sc.i
		}
	case KindFloat:
		v.Floats = make([]float64, len(scs))
		for i, sc := range scs {
			if sc.kind == KindInt {
				v.Floats[i] = float64(sc.i)
			} else {
				v.Floats[i] = sc.f
			}
		}
	default:
		v.Strs = make([]string, len(scs))
		for i, sc := range scs {
			v.Strs[i] = sc.s
		}
	}
	return v, nil
}

// ParseJSON parses one JSON object into a Set; "null" and "{}" give an empty set. Numbers
// without a fraction or exponent that fit int64 are integers, others floats.
func ParseJSON(b []byte) (Set, error) {
	return parseJSONNumbers(b)
}

// ParseJSONArray parses a JSON array with one object (or null) per row.
func ParseJSONArray(b []byte) ([]Set, error) {
	var rows []json.RawMessage
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("attributes are not a JSON array of objects: %v", err)
	}
	out := make([]Set, len(rows))
	for i, r := range rows {
		s, err := parseJSONNumbers(r)
		if err != nil {
			return nil, fmt.Errorf("row %d: %w", i, err)
		}
		out[i] = s
	}
	return out, nil
}

func parseJSONNumbers(b []byte) (Set, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("attributes are not a JSON object: %v", err)
	}
	var rest any
	if err := dec.Decode(&rest); err != io.EOF {
		return nil, fmt.Errorf("attributes: unexpected data after the JSON object")
	}
	return fromJSONMap(m)
}

func fromJSONMap(m map[string]any) (Set, error) {
	for k, v := range m {
		if _, ok := v.(map[string]any); ok {
			return nil, fmt.Errorf("attribute %q: nested objects are not supported", k)
		}
	}
	return FromMap(m)
}

// Names returns the attribute names of s, sorted.
func (s Set) Names() []string {
	out := make([]string, 0, len(s))
	for k := range s {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// DecodeJSONRows parses a JSON array holding one object (or null) per row into plain maps that
// FromMap accepts (numbers stay json.Number, so integers keep their full range). Values are
// checked by FromMap, not here.
func DecodeJSONRows(b []byte) ([]map[string]any, error) {
	// the JSON decoder would turn bytes that are not UTF-8 into U+FFFD: the stored value would
	// differ from the one given, and a filter naming the given bytes would match nothing
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("attributes are not valid UTF-8 (at byte %d)", invalidUTF8At(b))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		return nil, fmt.Errorf("attributes are not a JSON array of objects: %v", err)
	}
	var rest any
	if err := dec.Decode(&rest); err != io.EOF {
		return nil, fmt.Errorf("attributes: unexpected data after the JSON array")
	}
	if rows == nil {
		return nil, fmt.Errorf("attributes are not a JSON array of objects: null")
	}
	return rows, nil
}

// invalidUTF8At returns the offset of the first byte of b that does not start a valid UTF-8
// sequence (len(b) when all do).
func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
