package benchutil

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/govsag/vsag/internal/dataset"
)

// Fashion is Fashion-MNIST (or generated data of its shape when the Debian package is not
// installed) prepared for a benchmark: the base rows, the first NQ test images as queries and
// a recall scorer against exact ground truth cached under the cache folder.
type Fashion struct {
	Set     *dataset.Set
	Queries []float32
	Dim, NQ int
	Scorer  *Scorer
}

// fashionGTK is the depth of the cached ground truth (the file is shared with bench/hgraph).
const fashionGTK = 100

// LoadFashion loads the data from dir (dataset.FashionMNISTDir when empty), keeps nq queries
// and prepares recall@k scoring, writing what it does to out.
func LoadFashion(dir, cache string, nq, k int, out io.Writer) (*Fashion, error) {
	set, err := dataset.FashionMNISTOrGenerated(dir, out)
	if err != nil {
		return nil, err
	}
	d := set.Dim
	nq = min(nq, set.NumQueries())
	queries := set.Queries[:nq*d]
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return nil, err
	}
	gtPath := filepath.Join(cache, fmt.Sprintf("%s-l2-q%d-k%d.i32", set.Name, nq, fashionGTK))
	gt, err := LoadOrComputeTruth(gtPath, set.Base, queries, d, fashionGTK)
	if err != nil {
		return nil, err
	}
	return &Fashion{Set: set, Queries: queries, Dim: d, NQ: nq, Scorer: NewScorer(set.Base, queries, d, k, gt, fashionGTK)}, nil
}

// Rows returns base rows lo..hi-1.
func (f *Fashion) Rows(lo, hi int) []float32 { return f.Set.Base[lo*f.Dim : hi*f.Dim] }

// Labels returns the labels lo..hi-1 (a row's label is its row number, as the scorer expects).
func (f *Fashion) Labels(lo, hi int) []int64 {
	ids := make([]int64, hi-lo)
	for i := range ids {
		ids[i] = int64(lo + i)
	}
	return ids
}
