package mvec

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/core/serial"
)

func ref(m metric.Kind, q, doc []float32, dim int) float32 {
	var total float64
	for a := 0; a < len(q); a += dim {
		best := math.Inf(1)
		for b := 0; b < len(doc); b += dim {
			var v float64
			for t := 0; t < dim; t++ {
				if m == metric.L2 {
					x := float64(q[a+t] - doc[b+t])
					v += x * x
				} else {
					v += float64(q[a+t] * doc[b+t])
				}
			}
			if m != metric.L2 {
				v = 1 - v
			}
			best = math.Min(best, v)
		}
		total += best
	}
	return float32(total)
}

func randVecs(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// TestScorerMatchesReference: Distance (both loop orders: fewer query than document
// sub-vectors and more) and ScanBlock agree with a plain MaxSim loop, for ip and l2.
func TestScorerMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const dim = 13
	docs := NewDocs(dim)
	var counts []int
	for i := 0; i < 50; i++ {
		c := 1 + rng.IntN(9)
		docs.Append(randVecs(rng, c*dim), c)
		counts = append(counts, c)
	}
	require.Equal(t, 50, docs.Rows())
	for _, m := range []metric.Kind{metric.IP, metric.L2} {
		for _, nq := range []int{1, 4, 12} {
			q := randVecs(rng, nq*dim)
			s := NewScorer(m, dim, q, nq)
			block := make([]float32, 50)
			s.ScanBlock(docs, 0, 50, block)
			part := make([]float32, 10)
			s.ScanBlock(docs, 20, 30, part)
			for r := 0; r < 50; r++ {
				doc, c := docs.Doc(uint32(r))
				require.Equal(t, counts[r], c)
				want := ref(m, q, doc, dim)
				require.InDelta(t, want, s.Distance(doc, c), 1e-3, "metric %v nq %d doc %d", m, nq, r)
				require.InDelta(t, want, block[r], 1e-3)
				if r >= 20 && r < 30 {
					require.InDelta(t, want, part[r-20], 1e-3)
				}
			}
		}
	}
}

// TestSectionRoundTripAndCorruption: WriteSection / ReadSection round-trip, and a store whose
// lengths do not match is INVALID_BINARY rather than a panic or a huge allocation.
func TestSectionRoundTripAndCorruption(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	docs := NewDocs(5)
	for i := 0; i < 20; i++ {
		c := 1 + rng.IntN(4)
		docs.Append(randVecs(rng, c*5), c)
	}
	var buf bytes.Buffer
	require.NoError(t, docs.WriteSection(&buf))
	require.EqualValues(t, docs.SectionSize(), buf.Len())
	back, err := ReadSection(serial.NewSectionReader("docs", serial.FormatVersion, buf.Bytes()), 5)
	require.NoError(t, err)
	require.Equal(t, docs.Starts, back.Starts)
	require.Equal(t, docs.Vecs, back.Vecs)

	_, err = ReadSection(serial.NewSectionReader("docs", serial.FormatVersion, buf.Bytes()), 6)
	require.Error(t, err, "another dim")
	b := append([]byte(nil), buf.Bytes()...)
	b[8] = 0xff // rows
	_, err = ReadSection(serial.NewSectionReader("docs", serial.FormatVersion, b), 5)
	require.Error(t, err)
	b = append([]byte(nil), buf.Bytes()...)
	b[16+8] = 0 // the first document's end: a zero count
	_, err = ReadSection(serial.NewSectionReader("docs", serial.FormatVersion, b), 5)
	require.Error(t, err)
	_, err = ReadSection(serial.NewSectionReader("docs", serial.FormatVersion, buf.Bytes()[:buf.Len()-4]), 5)
	require.Error(t, err, "truncated")
}

func TestCheckCounts(t *testing.T) {
	v := make([]float32, 12)
	require.NoError(t, CheckCounts("x", v, []int{1, 2}, 2, 4))
	require.Error(t, CheckCounts("x", v, []int{1, 1}, 2, 4))
	require.Error(t, CheckCounts("x", v, []int{3, 0}, 2, 4))
	require.Error(t, CheckCounts("x", v, []int{3}, 2, 4))
}

// A streamed section's size is only what its header claims, so the store checks that what it
// names fits in memory before allocating (Go's out-of-memory would end the process).
func TestReadSectionChecksMemory(t *testing.T) {
	docs := NewDocs(5)
	docs.Append(make([]float32, 20), 4)
	var buf bytes.Buffer
	require.NoError(t, docs.WriteSection(&buf))
	restore := memguard.SetAvailableForTest(40)
	defer restore()
	_, err := ReadSection(serial.NewSectionReader("docs", serial.FormatVersion, buf.Bytes()), 5)
	require.Equal(t, api.NoEnoughMemory, api.CodeOf(err), "%v", err)
}
