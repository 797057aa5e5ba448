package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// entry is one package description: its short summary and its long description.
type entry struct {
	summary, long string
}

// readDescriptions parses the Description-en paragraphs of apt's Translation-en lists,
// decompressed by apt-helper, keeping the first description of each distinct text.
func readDescriptions(dir string) ([]entry, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*Translation-en*"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Translation-en lists in %s: run apt-get update -o Acquire::Languages=en", dir)
	}
	sort.Strings(files)
	seen := map[string]bool{}
	var out []entry
	for _, f := range files {
		raw, err := exec.Command("/usr/lib/apt/apt-helper", "cat-file", f).Output()
		if err != nil {
			return nil, fmt.Errorf("decompress %s: %w", f, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var cur *entry
		var long strings.Builder
		flush := func() {
			if cur != nil {
				cur.long = strings.TrimSpace(long.String())
				key := cur.summary + "\n" + cur.long
				if !seen[key] && cur.long != "" {
					seen[key] = true
					out = append(out, *cur)
				}
			}
			cur = nil
			long.Reset()
		}
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "Description-en:"):
				flush()
				cur = &entry{summary: strings.TrimSpace(strings.TrimPrefix(line, "Description-en:"))}
			case strings.HasPrefix(line, " ") && cur != nil:
				if t := strings.TrimSpace(line); t != "." {
					long.WriteString(t)
					long.WriteByte(' ')
				}
			case line == "":
				flush()
			}
		}
		flush()
	}
	return out, nil
}

// stopwords are left out of the vocabulary.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be by for from has have in is it its of on or that the this
		to was were will with which can you your not but all also into than then there these they their them
		if so such may more most other some any each used use using based provides package contains`) {
		stopwords[w] = true
	}
}

// tokenize lowercases text and splits it into alphanumeric words of two or more characters,
// without stopwords.
func tokenize(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := f[:0]
	for _, w := range f {
		if len(w) >= 2 && !stopwords[w] {
			out = append(out, w)
		}
	}
	return out
}

// bm25 is an Okapi BM25 encoder: document weights tf*(k1+1)/(tf+k1*(1-b+b*len/avglen)),
// query weights idf = ln(1 + (N-df+0.5)/(df+0.5)), so that the inner product is the BM25 score.
type bm25 struct {
	k1, b  float64
	vocab  map[string]uint32
	df     []int
	n      int
	avgLen float64
}

func fitBM25(docs [][]string) *bm25 {
	m := &bm25{k1: 1.2, b: 0.75, vocab: map[string]uint32{}, n: len(docs)}
	total := 0
	for _, d := range docs {
		total += len(d)
		seen := map[string]bool{}
		for _, w := range d {
			if seen[w] {
				continue
			}
			seen[w] = true
			id, ok := m.vocab[w]
			if !ok {
				id = uint32(len(m.df))
				m.vocab[w] = id
				m.df = append(m.df, 0)
			}
			m.df[id]++
		}
	}
	m.avgLen = float64(total) / float64(max(len(docs), 1))
	return m
}

// csr is sparse rows in CSR form.
type csr struct {
	off  []int64
	ids  []uint32
	vals []float32
}

func (c *csr) rows() int { return len(c.off) - 1 }

func (c *csr) add(weights map[uint32]float32) {
	ids := make([]uint32, 0, len(weights))
	for t := range weights {
		ids = append(ids, t)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, t := range ids {
		c.ids = append(c.ids, t)
		c.vals = append(c.vals, weights[t])
	}
	c.off = append(c.off, int64(len(c.ids)))
}

func (m *bm25) encodeDocs(docs [][]string) *csr {
	out := &csr{off: []int64{0}}
	for _, d := range docs {
		tf := map[uint32]float32{}
		for _, w := range d {
			if id, ok := m.vocab[w]; ok {
				tf[id]++
			}
		}
		norm := m.k1 * (1 - m.b + m.b*float64(len(d))/m.avgLen)
		for t, f := range tf {
			tf[t] = float32(float64(f) * (m.k1 + 1) / (float64(f) + norm))
		}
		out.add(tf)
	}
	return out
}

func (m *bm25) encodeQueries(qs [][]string) *csr {
	out := &csr{off: []int64{0}}
	for _, q := range qs {
		w := map[uint32]float32{}
		for _, t := range q {
			if id, ok := m.vocab[t]; ok {
				df := float64(m.df[id])
				w[id] = float32(math.Log(1 + (float64(m.n)-df+0.5)/(df+0.5)))
			}
		}
		out.add(w)
	}
	return out
}
