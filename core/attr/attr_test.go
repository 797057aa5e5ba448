package attr

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sample() Set {
	return Set{
		"color": String("red"),
		"price": Int(3),
		"score": Float(0.75),
		"tags":  Strings("a", "b"),
		"ids":   Ints(10, 20, 30),
		"big":   Int(9007199254740993),
		"flag":  Int(1),
	}
}

func TestEval(t *testing.T) {
	s := sample()
	cases := []struct {
		expr string
		want bool
	}{
		{`color = "red"`, true},
		{`color == 'red'`, true},
		{`color != "red"`, false},
		{`color <> "blue"`, true},
		{`color < "s"`, true},
		{`color >= "red"`, true},
		{`color > "red"`, false},
		{`price = 3`, true},
		{`price = 3.0`, true},
		{`price < 3.5`, true},
		{`price <= 3`, true},
		{`price > 3`, false},
		{`price >= -1`, true},
		{`score > 0.5 AND score < 1`, true},
		{`score = 0.75`, true},
		{`score = 1`, false},
		{`price = "3"`, false},
		{`color = 3`, false},
		{`color != 3`, true},
		{`missing = 1`, false},
		{`missing != 1`, true},
		{`missing IN [1]`, false},
		{`missing NOT IN [1]`, true},
		{`price IN [1, 2, 3]`, true},
		{`price IN (4, 5)`, false},
		{`price in [2.5, 3.0]`, true},
		{`price NOT IN [1, 2]`, true},
		{`price not_in [3]`, false},
		{`price NOTIN [3]`, false},
		{`color IN ["red", "green"]`, true},
		{`color IN ["blue"]`, false},
		{`color IN [1, 2]`, false},
		{`price IN ["3"]`, false},
		{`tags = "a"`, true},
		{`tags = "c"`, false},
		{`tags != "a"`, false},
		{`tags IN ["c", "b"]`, true},
		{`tags MULTI_IN ["x"]`, false},
		{`tags multi_notin ["x", "y"]`, true},
		{`ids > 25`, true},
		{`ids > 30`, false},
		{`ids IN [20]`, true},
		{`multi_in(ids, "5|10")`, true},
		{`MULTI_IN(tags, "b|z")`, true},
		{`IN(price, "1|2|3")`, true},
		{`NOT_IN(price, "1|2|3")`, false},
		{`IN(color, "red,blue", ",")`, true},
		{`IN(color, "3|4")`, false},
		{`big = 9007199254740993`, true},
		{`big = 9007199254740992`, false},
		{`flag = true`, true},
		{`flag = false`, false},
		{`true`, true},
		{`false OR price = 3`, true},
		{`color = "red" AND price = 4`, false},
		{`color = "blue" OR price = 3`, true},
		{`color = "blue" || price = 3 && score < 0`, false},
		{`(color = "blue" || price = 3) && score > 0`, true},
		{`NOT color = "red"`, false},
		{`!(color = "red")`, false},
		{`not (price > 5)`, true},
		{`!!(price = 3)`, true},
		{`color = "red" and not (tags in ["z"]) and ids >= 10`, true},
		{`price=3&&color="red"`, true},
		{`price >= 2.5e0 AND price < 1e1`, true},
		{`color = "r\"ed"`, false},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			e, err := Compile(c.expr)
			require.NoError(t, err)
			assert.Equal(t, c.want, e.Eval(s))
			assert.Equal(t, c.expr, e.String())
		})
	}
}

func TestEvalNilSet(t *testing.T) {
	for expr, want := range map[string]bool{
		`a = 1`:          false,
		`a != 1`:         true,
		`a IN ["x"]`:     false,
		`a NOT IN ["x"]`: true,
		`NOT a < 3`:      true,
	} {
		e, err := Compile(expr)
		require.NoError(t, err)
		assert.Equal(t, want, e.Eval(nil), expr)
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct {
		expr  string
		pos   int
		inMsg string
	}{
		{``, 0, "expected an expression"},
		{`   `, 3, "expected an expression"},
		{`color`, 5, "expected a comparison"},
		{`color = `, 8, "expected a number or a quoted string"},
		{`color = red`, 8, "expected a number or a quoted string"},
		{`color = "red`, 8, "unterminated string"},
		{`price > 3 AND`, 13, "expected an attribute name"},
		{`price > 3 price < 4`, 10, "expected AND, OR"},
		{`(price > 3`, 10, "expected ')'"},
		{`price > 3)`, 9, "expected AND, OR"},
		{`price IN []`, 10, "list is empty"},
		{`price IN [1, "a"]`, 13, "mixes strings and numbers"},
		{`price IN [1 2]`, 12, "expected ',' or the end"},
		{`price IN 1`, 9, "expected a list"},
		{`price NOT 1`, 10, "expected IN after NOT"},
		{`price # 3`, 6, "unexpected character"},
		{`price > 3x`, 8, "invalid number"},
		{`price > -`, 8, "invalid number"},
		{`price > 1e999`, 8, "out of range"},
		{`IN(price "1")`, 9, "expected ','"},
		{`IN(3, "1")`, 3, "expected an attribute name"},
		{`IN(price, x)`, 10, "expected a quoted list"},
		{`IN(price, "1", "")`, 15, "separator"},
		{`IN price`, 3, "expected '('"},
		{`a.b. = 1`, 0, "invalid attribute name"},
		{`= 1`, 0, "expected an attribute name"},
	}
	for _, c := range cases {
		t.Run(c.expr, func(t *testing.T) {
			_, err := Compile(c.expr)
			require.Error(t, err)
			var se *SyntaxError
			require.True(t, errors.As(err, &se), "%T", err)
			assert.Equal(t, c.pos, se.Pos, err.Error())
			assert.Contains(t, err.Error(), c.inMsg)
			assert.Contains(t, err.Error(), "position")
		})
	}
}

func TestDepthLimit(t *testing.T) {
	deep := strings.Repeat("(", MaxDepth+5) + "a = 1" + strings.Repeat(")", MaxDepth+5)
	_, err := Compile(deep)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nested deeper")
	ok := strings.Repeat("(", 20) + "a = 1" + strings.Repeat(")", 20)
	e, err := Compile(ok)
	require.NoError(t, err)
	assert.True(t, e.Eval(Set{"a": Int(1)}))
	nots := strings.Repeat("!", MaxDepth+5) + "a = 1"
	_, err = Compile(nots)
	require.Error(t, err)
}

func TestFromMap(t *testing.T) {
	s, err := FromMap(map[string]any{
		"i": 3, "u": uint16(7), "f": float32(0.5), "b": true, "s": "x",
		"li": []int{1, 2}, "lf": []any{1, 2.5}, "ls": []string{"p"}, "la": []any{"q", "r"},
		"empty": []any{}, "skip": nil,
	})
	require.NoError(t, err)
	assert.Equal(t, Int(3), s["i"])
	assert.Equal(t, Int(7), s["u"])
	assert.Equal(t, Float(0.5), s["f"])
	assert.Equal(t, Int(1), s["b"])
	assert.Equal(t, String("x"), s["s"])
	assert.Equal(t, Ints(1, 2), s["li"])
	assert.Equal(t, Floats(1, 2.5), s["lf"])
	assert.Equal(t, Strings("p"), s["ls"])
	assert.Equal(t, Strings("q", "r"), s["la"])
	assert.Equal(t, 0, s["empty"].Len())
	assert.NotContains(t, s, "skip")

	for name, m := range map[string]map[string]any{
		"mixed list":  {"a": []any{1, "x"}},
		"nested":      {"a": map[string]any{"b": 1}},
		"bad name":    {"1a": 1},
		"empty name":  {"": 1},
		"nan":         {"a": nanValue()},
		"struct":      {"a": struct{}{}},
		"list of map": {"a": []any{map[string]any{}}},
		"huge uint":   {"a": uint64(1) << 63},
	} {
		_, err := FromMap(m)
		assert.Error(t, err, name)
	}
}

func nanValue() float64 {
	z := 0.0
	return z / z
}

func TestParseJSON(t *testing.T) {
	s, err := ParseJSON([]byte(`{"color":"red","price":3,"w":3.0,"big":12345678901234567,"tags":["a","b"],"n":null}`))
	require.NoError(t, err)
	assert.Equal(t, String("red"), s["color"])
	assert.Equal(t, Int(3), s["price"])
	assert.Equal(t, Float(3), s["w"])
	assert.Equal(t, Int(12345678901234567), s["big"])
	assert.Equal(t, Strings("a", "b"), s["tags"])
	assert.NotContains(t, s, "n")

	rows, err := ParseJSONArray([]byte(`[{"a":1}, null, {}, {"b":[1.5,2]}]`))
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, Int(1), rows[0]["a"])
	assert.Empty(t, rows[1])
	assert.Empty(t, rows[2])
	assert.Equal(t, Floats(1.5, 2), rows[3]["b"])

	for _, bad := range []string{`[1]`, `{"a":1}`, `[{"a":{"b":1}}]`, `[{"a":[1,"x"]}]`, `[{"a":1}`, `[{"a":1} 5]`} {
		_, err := ParseJSONArray([]byte(bad))
		assert.Error(t, err, bad)
	}
	_, err = ParseJSON([]byte(`{"a":1} {"b":2}`))
	assert.Error(t, err)
}

func TestDecodeJSONRows(t *testing.T) {
	rows, err := DecodeJSONRows([]byte(` [{"a":9007199254740993,"b":[1,2.5]}, null, {}] `))
	require.NoError(t, err)
	require.Len(t, rows, 3)
	s, err := FromMap(rows[0])
	require.NoError(t, err)
	assert.Equal(t, Int(9007199254740993), s["a"])
	assert.Equal(t, Floats(1, 2.5), s["b"])
	assert.Nil(t, rows[1])
	assert.Empty(t, rows[2])
	for _, bad := range []string{``, `null`, `{}`, `[1]`, `["x"]`, `[{}] x`, `[{"a":1}`,
		"[{\"a\":\"\xff\xfe\"}]", "[{\"\xc3\":1}]"} {
		_, err := DecodeJSONRows([]byte(bad))
		assert.Error(t, err, bad)
	}
	// text that is UTF-8 is kept as given
	rows, err = DecodeJSONRows([]byte(`[{"a":"é€😀"}]`))
	require.NoError(t, err)
	assert.Equal(t, "é€😀", rows[0]["a"])
	assert.Equal(t, 7, invalidUTF8At([]byte("[{\"a\":\"\xff\"}]")))
}

func TestBinaryRoundTrip(t *testing.T) {
	s := sample()
	s["empty"] = Strings()
	b := AppendBinary([]byte{9}, s)
	b = append(b, 7, 7)
	got, rest, err := ReadBinary(b[1:])
	require.NoError(t, err)
	assert.Equal(t, []byte{7, 7}, rest)
	assert.Equal(t, len(s), len(got))
	for k, v := range s {
		assert.Equal(t, v.Any(), got[k].Any(), k)
		assert.Equal(t, v.Kind, got[k].Kind, k)
	}
	e, _ := Compile(`tags = "b" AND ids IN [30] AND score > 0.7`)
	assert.True(t, e.Eval(got))

	enc := AppendBinary(nil, s)
	for i := 0; i < len(enc); i++ {
		_, _, err := ReadBinary(enc[:i])
		assert.Error(t, err, "truncated at %d", i)
	}
	empty, rest, err := ReadBinary(AppendBinary(nil, nil))
	require.NoError(t, err)
	assert.Empty(t, empty)
	assert.Empty(t, rest)
}

func TestToMap(t *testing.T) {
	m := sample().ToMap()
	assert.Equal(t, "red", m["color"])
	assert.Equal(t, int64(3), m["price"])
	assert.Equal(t, []string{"a", "b"}, m["tags"])
	s, err := FromMap(m)
	require.NoError(t, err)
	assert.Equal(t, sample(), s)
}

// FuzzCompile checks that the parser never panics, that errors carry a position inside the
// input, and that a compiled expression evaluates without panicking.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		`color = "red" AND price < 10`, `a IN [1,2] OR NOT (b != 'x')`, `multi_in(t, "1|2", "|")`,
		`!(!(a>=1e3))`, `x NOT IN ("a","b")`, `((`, `"`, `a = -`, `IN(a,`, `a <> .5`,
	} {
		f.Add(seed)
	}
	sets := []Set{nil, sample(), {"a": Int(1), "b": String("x"), "x": Strings("a"), "t": Ints(2)}}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := Compile(src)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if se.Pos < 0 || se.Pos > len(src) {
				t.Fatalf("position %d outside input of %d bytes", se.Pos, len(src))
			}
			return
		}
		for _, s := range sets {
			e.Eval(s)
		}
	})
}

// FuzzReadBinary checks that decoding hostile bytes never panics and that what decodes
// re-encodes to the same bytes.
func FuzzReadBinary(f *testing.F) {
	f.Add(AppendBinary(nil, sample()))
	f.Add([]byte{1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, rest, err := ReadBinary(b)
		if err != nil {
			return
		}
		enc := AppendBinary(nil, s)
		if string(enc) != string(b[:len(b)-len(rest)]) {
			t.Fatalf("re-encoding differs")
		}
	})
}

// depthOf returns the depth of a compiled expression's tree.
func depthOf(n node) int {
	switch v := n.(type) {
	case orNode:
		return 1 + max(depthOf(v.l), depthOf(v.r))
	case andNode:
		return 1 + max(depthOf(v.l), depthOf(v.r))
	case notNode:
		return 1 + depthOf(v.x)
	}
	return 1
}

// A long flat chain of ORs or ANDs compiles into a balanced tree: as a left-leaning one, a
// million terms overflowed the stack of the passes that recurse over it, ending the process.
func TestLongChainsAreBalanced(t *testing.T) {
	const n = 100000
	or := strings.Repeat("a = 1 OR ", n) + "a = 2"
	e, err := Compile(or)
	require.NoError(t, err)
	assert.LessOrEqual(t, depthOf(e.root), 20)
	assert.True(t, e.Eval(Set{"a": Int(2)}))
	assert.False(t, e.Eval(Set{"a": Int(3)}))
	and := strings.Repeat("a != 1 AND ", n) + "a != 2"
	e, err = Compile(and)
	require.NoError(t, err)
	assert.LessOrEqual(t, depthOf(e.root), 20)
	assert.True(t, e.Eval(Set{"a": Int(3)}))
	assert.False(t, e.Eval(Set{"a": Int(2)}))
}
