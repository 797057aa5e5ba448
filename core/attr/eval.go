package attr

import "sort"

type node interface {
	eval(s Set) bool
}

type andNode struct{ l, r node }

func (n andNode) eval(s Set) bool { return n.l.eval(s) && n.r.eval(s) }

type orNode struct{ l, r node }

func (n orNode) eval(s Set) bool { return n.l.eval(s) || n.r.eval(s) }

type notNode struct{ x node }

func (n notNode) eval(s Set) bool { return !n.x.eval(s) }

type constNode bool

func (n constNode) eval(Set) bool { return bool(n) }

// cmpNode is field op literal with op one of =, <, <=, >, >= (!= compiles to NOT =).
type cmpNode struct {
	field string
	op    tokKind
	kind  Kind // literal kind: KindInt (i and f set), KindFloat (f) or KindString (s)
	i     int64
	f     float64
	s     string
}

func cmpResult(op tokKind, c int) bool {
	switch op {
	case tEq:
		return c == 0
	case tLt:
		return c < 0
	case tLe:
		return c <= 0
	case tGt:
		return c > 0
	default:
		return c >= 0
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (n *cmpNode) eval(s Set) bool {
	v, ok := s[n.field]
	if !ok {
		return false
	}
	switch {
	case n.kind == KindString:
		if v.Kind != KindString {
			return false
		}
		for _, x := range v.Strs {
			c := 0
			if x < n.s {
				c = -1
			} else if x > n.s {
				c = 1
			}
			if cmpResult(n.op, c) {
				return true
			}
		}
	case v.Kind == KindInt && n.kind == KindInt:
		for _, x := range v.Ints {
			if cmpResult(n.op, cmpInt(x, n.i)) {
				return true
			}
		}
	case v.Kind == KindInt:
		for _, x := range v.Ints {
			if cmpResult(n.op, cmpFloat(float64(x), n.f)) {
				return true
			}
		}
	case v.Kind == KindFloat:
		for _, x := range v.Floats {
			if cmpResult(n.op, cmpFloat(x, n.f)) {
				return true
			}
		}
	}
	return false
}

// inNode is field IN list. Lists are sorted sets for binary search; a pipe list may match both
// string and numeric attributes (strOK and numOK).
type inNode struct {
	field    string
	numOK    bool
	strOK    bool
	hasFloat bool // some numeric item is not an integer
	ints     []int64
	floats   []float64
	strs     []string
}

func (n *inNode) build() {
	sort.Slice(n.ints, func(i, j int) bool { return n.ints[i] < n.ints[j] })
	sort.Float64s(n.floats)
	sort.Strings(n.strs)
}

func (n *inNode) hasInt(x int64) bool {
	if n.hasFloat {
		return n.hasF(float64(x))
	}
	i := sort.Search(len(n.ints), func(i int) bool { return n.ints[i] >= x })
	return i < len(n.ints) && n.ints[i] == x
}

func (n *inNode) hasF(x float64) bool {
	i := sort.SearchFloat64s(n.floats, x)
	return i < len(n.floats) && n.floats[i] == x
}

func (n *inNode) hasS(x string) bool {
	i := sort.SearchStrings(n.strs, x)
	return i < len(n.strs) && n.strs[i] == x
}

func (n *inNode) eval(s Set) bool {
	v, ok := s[n.field]
	if !ok {
		return false
	}
	switch v.Kind {
	case KindString:
		if !n.strOK {
			return false
		}
		for _, x := range v.Strs {
			if n.hasS(x) {
				return true
			}
		}
	case KindInt:
		if !n.numOK {
			return false
		}
		for _, x := range v.Ints {
			if n.hasInt(x) {
				return true
			}
		}
	case KindFloat:
		if !n.numOK {
			return false
		}
		for _, x := range v.Floats {
			if n.hasF(x) {
				return true
			}
		}
	}
	return false
}
