package attr

import (
	"fmt"
	"strconv"
	"strings"
)

// SyntaxError reports why an expression does not parse: the byte offset and the token found.
type SyntaxError struct {
	// Pos is the byte offset of the offending token in the expression.
	Pos int
	// Token is the offending token as written ("end of input" at the end).
	Token string
	// Msg says what was expected.
	Msg string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("filter expression: %s at position %d (found %s)", e.Msg, e.Pos, e.Token)
}

// MaxDepth bounds the nesting of an expression, so hostile input cannot exhaust the stack.
const MaxDepth = 200

type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tInt
	tFloat
	tString
	tLParen
	tRParen
	tLBrack
	tRBrack
	tComma
	tAnd
	tOr
	tNot
	tIn
	tNotIn
	tTrue
	tFalse
	tEq
	tNe
	tLt
	tLe
	tGt
	tGe
)

type token struct {
	kind tokKind
	pos  int
	text string // as written
	s    string // decoded string literal or identifier
	i    int64
	f    float64
}

func (t token) describe() string {
	if t.kind == tEOF {
		return "end of input"
	}
	return strconv.Quote(t.text)
}

var keywords = map[string]tokKind{
	"and": tAnd, "or": tOr, "not": tNot,
	"in": tIn, "multi_in": tIn,
	"not_in": tNotIn, "notin": tNotIn, "multi_notin": tNotIn, "multi_not_in": tNotIn,
	"true": tTrue, "false": tFalse,
}

func lex(src string) ([]token, error) {
	var out []token
	i := 0
	for {
		for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
			i++
		}
		if i >= len(src) {
			out = append(out, token{kind: tEOF, pos: i})
			return out, nil
		}
		start := i
		c := src[i]
		two := ""
		if i+1 < len(src) {
			two = src[i : i+2]
		}
		simple := func(k tokKind, n int) {
			out = append(out, token{kind: k, pos: start, text: src[start : start+n]})
			i += n
		}
		switch {
		case two == "&&":
			simple(tAnd, 2)
		case two == "||":
			simple(tOr, 2)
		case two == "==":
			simple(tEq, 2)
		case two == "!=" || two == "<>":
			simple(tNe, 2)
		case two == "<=":
			simple(tLe, 2)
		case two == ">=":
			simple(tGe, 2)
		case c == '=':
			simple(tEq, 1)
		case c == '<':
			simple(tLt, 1)
		case c == '>':
			simple(tGt, 1)
		case c == '!':
			simple(tNot, 1)
		case c == '(':
			simple(tLParen, 1)
		case c == ')':
			simple(tRParen, 1)
		case c == '[':
			simple(tLBrack, 1)
		case c == ']':
			simple(tRBrack, 1)
		case c == ',':
			simple(tComma, 1)
		case c == '"' || c == '\'':
			t, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			i += n
		case c >= '0' && c <= '9' || c == '.' || c == '-' || c == '+':
			t, n, err := lexNumber(src, i)
			if err != nil {
				return nil, err
			}
			out = append(out, t)
			i += n
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i + 1
			for j < len(src) && isIdentByte(src[j]) {
				j++
			}
			word := src[i:j]
			if k, ok := keywords[strings.ToLower(word)]; ok {
				out = append(out, token{kind: k, pos: start, text: word})
			} else {
				if !ValidName(word) {
					return nil, &SyntaxError{Pos: start, Token: strconv.Quote(word), Msg: "invalid attribute name"}
				}
				out = append(out, token{kind: tIdent, pos: start, text: word, s: word})
			}
			i = j
		default:
			r := src[i:]
			if len(r) > 8 {
				r = r[:8]
			}
			return nil, &SyntaxError{Pos: start, Token: strconv.Quote(r), Msg: "unexpected character"}
		}
	}
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func lexString(src string, i int) (token, int, error) {
	q := src[i]
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == q:
			return token{kind: tString, pos: i, text: src[i : j+1], s: b.String()}, j + 1 - i, nil
		case c == '\\':
			if j+1 >= len(src) {
				j++
				continue
			}
			switch e := src[j+1]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(e)
			}
			j += 2
		default:
			b.WriteByte(c)
			j++
		}
	}
	return token{}, 0, &SyntaxError{Pos: i, Token: strconv.Quote(src[i:min(len(src), i+16)]), Msg: "unterminated string literal"}
}

func lexNumber(src string, i int) (token, int, error) {
	j := i
	if src[j] == '-' || src[j] == '+' {
		j++
	}
	digits := 0
	isFloat := false
	for j < len(src) && src[j] >= '0' && src[j] <= '9' {
		j++
		digits++
	}
	if j < len(src) && src[j] == '.' {
		isFloat = true
		j++
		for j < len(src) && src[j] >= '0' && src[j] <= '9' {
			j++
			digits++
		}
	}
	if digits > 0 && j < len(src) && (src[j] == 'e' || src[j] == 'E') {
		k := j + 1
		if k < len(src) && (src[k] == '-' || src[k] == '+') {
			k++
		}
		if k < len(src) && src[k] >= '0' && src[k] <= '9' {
			isFloat = true
			j = k
			for j < len(src) && src[j] >= '0' && src[j] <= '9' {
				j++
			}
		}
	}
	text := src[i:j]
	bad := func(msg string) error {
		end := j
		for end < len(src) && isIdentByte(src[end]) {
			end++
		}
		return &SyntaxError{Pos: i, Token: strconv.Quote(src[i:max(end, i+1)]), Msg: msg}
	}
	if digits == 0 {
		return token{}, 0, bad("invalid number")
	}
	if j < len(src) && (isIdentByte(src[j]) && src[j] != '.') {
		return token{}, 0, bad("invalid number")
	}
	if !isFloat {
		v, err := strconv.ParseInt(text, 10, 64)
		if err == nil {
			return token{kind: tInt, pos: i, text: text, i: v}, j - i, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return token{}, 0, bad("number out of range")
	}
	return token{kind: tFloat, pos: i, text: text, f: f}, j - i, nil
}

// Expr is a compiled filter expression. It is immutable and safe for concurrent use.
type Expr struct {
	src  string
	root node
}

// Compile parses an expression. Errors are *SyntaxError values naming the position and token.
func Compile(src string) (*Expr, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, p.fail("expected an expression")
	}
	n, err := p.parseOr(0)
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.fail("expected AND, OR or the end of the expression")
	}
	return &Expr{src: src, root: n}, nil
}

// String returns the expression as written.
func (e *Expr) String() string { return e.src }

// Eval reports whether a label with attributes s passes (s may be nil: no attributes).
func (e *Expr) Eval(s Set) bool { return e.root.eval(s) }

type parser struct {
	toks []token
	at   int
}

func (p *parser) peek() token { return p.toks[p.at] }
func (p *parser) next() token {
	t := p.toks[p.at]
	if t.kind != tEOF {
		p.at++
	}
	return t
}

func (p *parser) fail(msg string) error {
	t := p.peek()
	return &SyntaxError{Pos: t.pos, Token: t.describe(), Msg: msg}
}

func (p *parser) expect(k tokKind, msg string) error {
	if p.peek().kind != k {
		return p.fail(msg)
	}
	p.next()
	return nil
}

func (p *parser) depth(d int) error {
	if d > MaxDepth {
		return p.fail(fmt.Sprintf("expression nested deeper than %d levels", MaxDepth))
	}
	return nil
}

func (p *parser) parseOr(d int) (node, error) {
	if err := p.depth(d); err != nil {
		return nil, err
	}
	l, err := p.parseAnd(d + 1)
	if err != nil {
		return nil, err
	}
	terms := []node{l}
	for p.peek().kind == tOr {
		p.next()
		r, err := p.parseAnd(d + 1)
		if err != nil {
			return nil, err
		}
		terms = append(terms, r)
	}
	return balanced(terms, func(a, b node) node { return orNode{a, b} }), nil
}

// balanced joins the terms of a chain (a OR b OR c ...) into a tree of depth log2 of their
// count, in their order. A left-leaning tree would be as deep as the chain is long, and every
// pass over it (compile, cost, eval) recurses once per level: a chain of a million terms
// overflowed the goroutine's stack, which ends the process.
func balanced(terms []node, join func(a, b node) node) node {
	if len(terms) == 1 {
		return terms[0]
	}
	h := len(terms) / 2
	return join(balanced(terms[:h], join), balanced(terms[h:], join))
}

func (p *parser) parseAnd(d int) (node, error) {
	l, err := p.parseUnary(d + 1)
	if err != nil {
		return nil, err
	}
	terms := []node{l}
	for p.peek().kind == tAnd {
		p.next()
		r, err := p.parseUnary(d + 1)
		if err != nil {
			return nil, err
		}
		terms = append(terms, r)
	}
	return balanced(terms, func(a, b node) node { return andNode{a, b} }), nil
}

func (p *parser) parseUnary(d int) (node, error) {
	if err := p.depth(d); err != nil {
		return nil, err
	}
	t := p.peek()
	switch t.kind {
	case tNot:
		p.next()
		x, err := p.parseUnary(d + 1)
		if err != nil {
			return nil, err
		}
		return notNode{x}, nil
	case tLParen:
		p.next()
		x, err := p.parseOr(d + 1)
		if err != nil {
			return nil, err
		}
		if err := p.expect(tRParen, "expected ')'"); err != nil {
			return nil, err
		}
		return x, nil
	case tTrue, tFalse:
		p.next()
		return constNode(t.kind == tTrue), nil
	case tIn, tNotIn:
		return p.parseInCall()
	case tIdent:
		return p.parseComparison()
	}
	return nil, p.fail("expected an attribute name, '(', NOT or IN(...)")
}

// parseInCall parses VSAG's function form: IN(field, "a|b|c" [, "sep"]).
func (p *parser) parseInCall() (node, error) {
	op := p.next()
	if err := p.expect(tLParen, fmt.Sprintf("expected '(' after %s", op.text)); err != nil {
		return nil, err
	}
	f := p.peek()
	if f.kind != tIdent {
		return nil, p.fail("expected an attribute name")
	}
	p.next()
	if err := p.expect(tComma, "expected ','"); err != nil {
		return nil, err
	}
	lt := p.peek()
	var items string
	switch lt.kind {
	case tString:
		items = lt.s
	case tInt, tFloat:
		items = lt.text
	default:
		return nil, p.fail("expected a quoted list such as \"1|2|3\"")
	}
	p.next()
	sep := "|"
	if p.peek().kind == tComma {
		p.next()
		st := p.peek()
		if st.kind != tString || st.s == "" {
			return nil, p.fail("expected a quoted, non-empty separator")
		}
		sep = st.s
		p.next()
	}
	if err := p.expect(tRParen, "expected ')'"); err != nil {
		return nil, err
	}
	n := &inNode{field: f.s}
	for _, part := range strings.Split(items, sep) {
		n.strs = append(n.strs, part)
	}
	// A pipe list is untyped: it matches string attributes as written and numeric ones when
	// every item is a number.
	n.numOK = true
	for _, part := range n.strs {
		part = strings.TrimSpace(part)
		if i, err := strconv.ParseInt(part, 10, 64); err == nil {
			n.ints = append(n.ints, i)
			n.floats = append(n.floats, float64(i))
		} else if fv, err := strconv.ParseFloat(part, 64); err == nil {
			n.floats = append(n.floats, fv)
			n.hasFloat = true
		} else {
			n.numOK = false
			break
		}
	}
	n.strOK = true
	n.build()
	if op.kind == tNotIn {
		return notNode{n}, nil
	}
	return n, nil
}

func (p *parser) parseComparison() (node, error) {
	f := p.next()
	op := p.peek()
	switch op.kind {
	case tEq, tNe, tLt, tLe, tGt, tGe:
		p.next()
		lit := p.peek()
		c := &cmpNode{field: f.s, op: op.kind}
		switch lit.kind {
		case tInt:
			c.kind, c.i, c.f = KindInt, lit.i, float64(lit.i)
		case tFloat:
			c.kind, c.f = KindFloat, lit.f
		case tString:
			c.kind, c.s = KindString, lit.s
		case tTrue, tFalse:
			c.kind = KindInt
			if lit.kind == tTrue {
				c.i, c.f = 1, 1
			}
		default:
			return nil, p.fail(fmt.Sprintf("expected a number or a quoted string after %s", op.text))
		}
		p.next()
		if c.op == tNe {
			c.op = tEq
			return notNode{c}, nil
		}
		return c, nil
	case tIn, tNotIn:
		p.next()
		n, err := p.parseList()
		if err != nil {
			return nil, err
		}
		n.field = f.s
		if op.kind == tNotIn {
			return notNode{n}, nil
		}
		return n, nil
	case tNot:
		p.next()
		if p.peek().kind != tIn {
			return nil, p.fail("expected IN after NOT")
		}
		p.next()
		n, err := p.parseList()
		if err != nil {
			return nil, err
		}
		n.field = f.s
		return notNode{n}, nil
	}
	return nil, p.fail(fmt.Sprintf("expected a comparison (=, !=, <, <=, >, >=, IN, NOT IN) after %q", f.text))
}

// parseList parses [v, ...] or (v, ...) whose items are all numbers or all strings.
func (p *parser) parseList() (*inNode, error) {
	open := p.peek()
	var closeKind tokKind
	switch open.kind {
	case tLBrack:
		closeKind = tRBrack
	case tLParen:
		closeKind = tRParen
	default:
		return nil, p.fail("expected a list in '[...]' or '(...)'")
	}
	p.next()
	n := &inNode{}
	first := true
	for {
		t := p.peek()
		switch t.kind {
		case tInt, tFloat:
			if !first && n.strOK {
				return nil, p.fail("list mixes strings and numbers")
			}
			n.numOK = true
			if t.kind == tInt {
				n.ints = append(n.ints, t.i)
				n.floats = append(n.floats, float64(t.i))
			} else {
				n.floats = append(n.floats, t.f)
				n.hasFloat = true
			}
		case tString:
			if !first && n.numOK {
				return nil, p.fail("list mixes strings and numbers")
			}
			n.strOK = true
			n.strs = append(n.strs, t.s)
		default:
			if first && t.kind == closeKind {
				return nil, p.fail("list is empty")
			}
			return nil, p.fail("expected a number or a quoted string in the list")
		}
		p.next()
		first = false
		switch p.peek().kind {
		case tComma:
			p.next()
		case closeKind:
			p.next()
			n.build()
			return n, nil
		default:
			return nil, p.fail("expected ',' or the end of the list")
		}
	}
}
