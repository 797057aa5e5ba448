package attr

import "math"

// chunkBound bounds the bytes of a chunk holding n labels (chunkMemory): an array grown by
// appends holds at most about 2.5 times its labels (Go's growth, rounded to a size class), and
// beyond arrayMax labels the chunk is a bitmap.
func chunkBound(n int) int64 {
	if n > arrayMax {
		return 64 + (1<<chunkBits/64)*8
	}
	return 64 + int64(n)*5 + 16
}

// postingKey names one label set of the index: the set of all labels (field ""), or a value
// of a field by kind.
type postingKey struct {
	field string
	kind  byte // 0 all, 'i' int, 'f' float, 'n' NaN, 's' string
	i     int64
	f     float64
	s     string
}

// GrowthBound bounds the bytes MemoryUsage grows by when each labels[i] is added with sets[i]
// (labels not held before; an empty set adds nothing): a set and a map entry for each value
// and field not held yet, and each chunk the labels go to at its bound for the labels it will
// hold, less what it holds now. It changes nothing; the caller locks as for Add.
func (ix *Inverted) GrowthBound(labels []int64, sets []Set) int64 {
	type chunkKey struct {
		p   postingKey
		key int64
	}
	adds := map[chunkKey]int{}
	var b int64
	newFields := map[string]bool{}
	newPostings := map[postingKey]bool{}
	note := func(p postingKey, label int64) {
		key, _ := split(label)
		adds[chunkKey{p, key}]++
	}
	for i, s := range sets {
		if len(s) == 0 || i >= len(labels) {
			continue
		}
		l := labels[i]
		note(postingKey{}, l)
		for name, v := range s {
			f := ix.fields[name]
			if f == nil && !newFields[name] {
				newFields[name] = true
				b += int64(len(name)) + 96 + 48
			}
			for _, x := range v.Ints {
				p := postingKey{field: name, kind: 'i', i: x}
				if (f == nil || f.ints[x] == nil) && !newPostings[p] {
					newPostings[p] = true
					b += 24 + 48
				}
				note(p, l)
			}
			for _, x := range v.Floats {
				if math.IsNaN(x) {
					note(postingKey{field: name, kind: 'n'}, l)
					continue
				}
				p := postingKey{field: name, kind: 'f', f: x}
				if (f == nil || f.floats[x] == nil) && !newPostings[p] {
					newPostings[p] = true
					b += 24 + 48
				}
				note(p, l)
			}
			for _, x := range v.Strs {
				p := postingKey{field: name, kind: 's', s: x}
				if (f == nil || f.strs[x] == nil) && !newPostings[p] {
					newPostings[p] = true
					b += 32 + int64(len(x)) + 48
				}
				note(p, l)
			}
		}
	}
	for ck, k := range adds {
		var c *chunk
		if s := ix.posting(ck.p); s != nil {
			c = s.chunks[ck.key]
		}
		n := k
		if c != nil {
			n += c.n
		}
		b += max(chunkBound(n)-chunkMemory(c), 0)
	}
	return b
}

// posting returns the label set p names, nil when the index has none.
func (ix *Inverted) posting(p postingKey) *labelSet {
	if p.kind == 0 {
		return &ix.all
	}
	f := ix.fields[p.field]
	if f == nil {
		return nil
	}
	switch p.kind {
	case 'i':
		return f.ints[p.i]
	case 'f':
		return f.floats[p.f]
	case 'n':
		return &f.nan
	}
	return f.strs[p.s]
}
