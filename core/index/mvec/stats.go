package mvec

import (
	"github.com/govsag/vsag/core/internal/summary"
	"github.com/govsag/vsag/core/store"
)

// Stats returns the statistics of the documents of docs that the multi-vector indexes report
// in GetStats (the caller holds its index's lock at least shared):
//
//	dim                           the dimension of every sub-vector
//	sub_vector_count              the sub-vectors stored, of removed documents too
//	live_sub_vector_count         the sub-vectors of live documents
//	sub_vectors_per_document      mean, std, min, max, q25, q50, q75 of the sub-vector counts
//	                              of the live documents
//	sub_vector_count_histogram    the live documents by sub-vector count: slot c counts the
//	                              documents of c sub-vectors (slot 0 stays 0); counts above
//	                              maxHistogram fall into the last slot
//	sub_vector_bytes              the bytes the stored sub-vectors and their offsets hold
func Stats(docs *Docs, labels *store.Labels) map[string]any {
	rows := min(docs.Rows(), labels.Total())
	counts := make([]float64, 0, labels.Live())
	longest := 0
	var live int64
	for r := 0; r < rows; r++ {
		if labels.IsRemoved(uint32(r)) {
			continue
		}
		c := int(docs.Starts[r+1] - docs.Starts[r])
		counts = append(counts, float64(c))
		live += int64(c)
		longest = max(longest, c)
	}
	hist := make([]int64, min(longest, maxHistogram)+1)
	for _, c := range counts {
		hist[min(int(c), maxHistogram)]++
	}
	return map[string]any{
		"dim":                        docs.Dim,
		"sub_vector_count":           docs.SubVectors(),
		"live_sub_vector_count":      live,
		"sub_vectors_per_document":   summary.Distribution(counts),
		"sub_vector_count_histogram": hist,
		"sub_vector_bytes":           docs.MemoryUsage(),
	}
}

// maxHistogram bounds the slots of sub_vector_count_histogram.
const maxHistogram = 256
