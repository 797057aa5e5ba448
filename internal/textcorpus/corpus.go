// Package textcorpus makes benchmark corpora from Debian's package descriptions: apt's
// Translation-en lists (left by apt-get update -o Acquire::Languages=en) parsed into summaries
// and long descriptions, tokenized, encoded by BM25 into sparse rows, and projected to dense
// vectors.
package textcorpus

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// Entry is one package description: its short summary and its long description.
type Entry struct {
	Summary, Long string
}

// ReadDescriptions parses the Description-en paragraphs of apt's Translation-en lists,
// decompressed by apt-helper, keeping the first description of each distinct text.
func ReadDescriptions(dir string) ([]Entry, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*Translation-en*"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Translation-en lists in %s: run apt-get update -o Acquire::Languages=en", dir)
	}
	sort.Strings(files)
	seen := map[string]bool{}
	var out []Entry
	for _, f := range files {
		raw, err := exec.Command("/usr/lib/apt/apt-helper", "cat-file", f).Output()
		if err != nil {
			return nil, fmt.Errorf("decompress %s: %w", f, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(raw))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var cur *Entry
		var long strings.Builder
		flush := func() {
			if cur != nil {
				cur.Long = strings.TrimSpace(long.String())
				key := cur.Summary + "\n" + cur.Long
				if !seen[key] && cur.Long != "" {
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
				cur = &Entry{Summary: strings.TrimSpace(strings.TrimPrefix(line, "Description-en:"))}
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

// Tokenize lowercases text and splits it into alphanumeric words of two or more characters,
// without stopwords.
func Tokenize(text string) []string {
	f := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	out := f[:0]
	for _, w := range f {
		if len(w) >= 2 && !stopwords[w] {
			out = append(out, w)
		}
	}
	return out
}

// BM25 is an Okapi BM25 encoder: document weights tf*(k1+1)/(tf+k1*(1-b+b*len/avglen)),
// query weights idf = ln(1 + (N-df+0.5)/(df+0.5)), so that the inner product is the BM25 score.
type BM25 struct {
	K1, B float64
	// Vocab numbers the terms; DF is each term's document frequency.
	Vocab  map[string]uint32
	DF     []int
	N      int
	AvgLen float64
}

// FitBM25 learns the vocabulary, document frequencies and average length of docs (k1 1.2,
// b 0.75).
func FitBM25(docs [][]string) *BM25 {
	m := &BM25{K1: 1.2, B: 0.75, Vocab: map[string]uint32{}, N: len(docs)}
	total := 0
	for _, d := range docs {
		total += len(d)
		seen := map[string]bool{}
		for _, w := range d {
			if seen[w] {
				continue
			}
			seen[w] = true
			id, ok := m.Vocab[w]
			if !ok {
				id = uint32(len(m.DF))
				m.Vocab[w] = id
				m.DF = append(m.DF, 0)
			}
			m.DF[id]++
		}
	}
	m.AvgLen = float64(total) / float64(max(len(docs), 1))
	return m
}

// CSR is sparse rows in CSR form: row i's terms are IDs[Off[i]:Off[i+1]] (ascending) with
// weights Vals[Off[i]:Off[i+1]].
type CSR struct {
	Off  []int64
	IDs  []uint32
	Vals []float32
}

// Rows returns the number of rows.
func (c *CSR) Rows() int { return len(c.Off) - 1 }

// Add appends a row of term weights.
func (c *CSR) Add(weights map[uint32]float32) {
	ids := make([]uint32, 0, len(weights))
	for t := range weights {
		ids = append(ids, t)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, t := range ids {
		c.IDs = append(c.IDs, t)
		c.Vals = append(c.Vals, weights[t])
	}
	c.Off = append(c.Off, int64(len(c.IDs)))
}

// EncodeDocs gives each document its BM25 term weights.
func (m *BM25) EncodeDocs(docs [][]string) *CSR {
	out := &CSR{Off: []int64{0}}
	for _, d := range docs {
		tf := m.counts(d)
		norm := m.K1 * (1 - m.B + m.B*float64(len(d))/m.AvgLen)
		for t, f := range tf {
			tf[t] = float32(float64(f) * (m.K1 + 1) / (float64(f) + norm))
		}
		out.Add(tf)
	}
	return out
}

// EncodeQueries gives each query term its IDF, so that a query's inner product with a
// document is the document's BM25 score.
func (m *BM25) EncodeQueries(qs [][]string) *CSR {
	out := &CSR{Off: []int64{0}}
	for _, q := range qs {
		w := m.counts(q)
		for id := range w {
			w[id] = float32(m.IDF(id))
		}
		out.Add(w)
	}
	return out
}

// counts returns how often each term of the vocabulary occurs in words.
func (m *BM25) counts(words []string) map[uint32]float32 {
	tf := map[uint32]float32{}
	for _, w := range words {
		if id, ok := m.Vocab[w]; ok {
			tf[id]++
		}
	}
	return tf
}

// IDF returns the inverse document frequency of term id, ln(1 + (N-df+0.5)/(df+0.5)).
func (m *BM25) IDF(id uint32) float64 {
	df := float64(m.DF[id])
	return math.Log(1 + (float64(m.N)-df+0.5)/(df+0.5))
}

// Split shuffles entries in place (always alike) and tokenizes them: the summaries of the first
// nq entries that have a term are the queries, the summaries and long descriptions of the others
// the documents.
func Split(entries []Entry, nq int) (queries, docs [][]string) {
	rng := rand.New(rand.NewPCG(17, 1))
	rng.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
	for _, e := range entries {
		if len(queries) < nq {
			if q := Tokenize(e.Summary); len(q) > 0 {
				queries = append(queries, q)
				continue
			}
		}
		docs = append(docs, Tokenize(e.Summary+" "+e.Long))
	}
	return queries, docs
}

// Project maps rows to dim dimensions by a Gaussian random projection (each term a fixed
// random vector, the same for every call with the same seed), each row's weights scaled by
// scale of the term first: rows of similar terms get nearby vectors, and inner products are
// kept in expectation.
func Project(c *CSR, vocab, dim int, seed uint64, scale func(term uint32) float32) []float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	proj := make([]float32, vocab*dim)
	for i := range proj {
		proj[i] = float32(rng.NormFloat64())
	}
	out := make([]float32, c.Rows()*dim)
	for r := 0; r < c.Rows(); r++ {
		row := out[r*dim : (r+1)*dim]
		for p := c.Off[r]; p < c.Off[r+1]; p++ {
			t := c.IDs[p]
			w := c.Vals[p] * scale(t)
			for j, v := range proj[int(t)*dim : int(t+1)*dim] {
				row[j] += w * v
			}
		}
	}
	return out
}
