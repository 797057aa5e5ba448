package quant

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

var pqNames = []string{"pq", "pqfs"}

func pqOptions(pqDim int) Options {
	o := DefaultOptions()
	o.Codebook.PQDim = pqDim
	return o
}

func newPQ(t testing.TB, name string, m metric.Kind, dim, pqDim int) Quantizer {
	t.Helper()
	q, err := New(name, dim, m, pqOptions(pqDim))
	require.NoError(t, err)
	return q
}

func trainedPQ(t testing.TB, name string, m metric.Kind, dim, pqDim int, data []float32) Quantizer {
	t.Helper()
	q := newPQ(t, name, m, dim, pqDim)
	require.True(t, q.NeedTrain())
	require.False(t, q.Trained())
	require.NoError(t, q.Train(data, len(data)/dim))
	require.True(t, q.Trained())
	return q
}

// codebookOf returns the shared codebook state of a pq or pqfs quantizer.
func codebookOf(q Quantizer) *productCodebook {
	switch v := q.(type) {
	case *pqQuant:
		return &v.productCodebook
	case *pqfsQuant:
		return &v.productCodebook
	}
	panic(fmt.Sprintf("%T is not a product quantizer", q))
}

func TestPQOptions(t *testing.T) {
	names := Names()
	for _, name := range pqNames {
		require.Contains(t, names, name)
		for _, tc := range []struct {
			dim, pqDim, size int
			err              string
		}{
			{12, 1, 1, ""}, {12, 3, 3, ""}, {12, 4, 4, ""}, {12, 12, 12, ""}, {15, 5, 5, ""},
			{12, 5, 0, "pq_dim(5) does not divide evenly into dim(12)"},
			{12, 13, 0, "pq_dim(13) does not divide evenly into dim(12)"},
			{12, 0, 0, "pq_dim(0) must be positive"},
			{12, -2, 0, "pq_dim(-2) must be positive"},
		} {
			q, err := New(name, tc.dim, metric.L2, pqOptions(tc.pqDim))
			if tc.err != "" {
				require.Error(t, err, "%s dim %d pq_dim %d", name, tc.dim, tc.pqDim)
				assert.Equal(t, api.InvalidArgument, api.CodeOf(err))
				assert.Contains(t, err.Error(), tc.err)
				continue
			}
			require.NoError(t, err)
			assert.Equal(t, name, q.Name())
			assert.Equal(t, tc.dim, q.Dim())
			want := tc.size
			if name == "pqfs" {
				want = (tc.pqDim + 1) / 2
			}
			assert.Equal(t, want, q.CodeSize(), "%s dim %d pq_dim %d", name, tc.dim, tc.pqDim)
		}
		// the default options give VSAG's default pq_dim of 1
		q, err := New(name, 7, metric.IP, DefaultOptions())
		require.NoError(t, err)
		assert.Equal(t, 1, q.CodeSize())
		assert.Equal(t, metric.IP, q.Metric())
	}
}

// pqCases are the shapes the quantizer tests run: even and odd pq_dim, one-coordinate and
// wide subspaces.
var pqCases = []struct{ dim, pqDim int }{{12, 4}, {15, 5}, {8, 8}, {16, 1}, {12, 3}}

// TestPQEncodeDecode: every subspace encodes to its nearest centroid, decoding gives the
// centroids back, and the decoding error on clustered data is a small part of the data's spread.
func TestPQEncodeDecode(t *testing.T) {
	const n = 800
	for _, name := range pqNames {
		for _, m := range metrics {
			for _, tc := range pqCases {
				t.Run(fmt.Sprintf("%s/%s/%d-%d", name, m, tc.dim, tc.pqDim), func(t *testing.T) {
					data := testVectors(name, m, n, tc.dim, 5)
					q := trainedPQ(t, name, m, tc.dim, tc.pqDim, data)
					b := codebookOf(q)
					code := make([]byte, q.CodeSize())
					dec := make([]float32, tc.dim)
					var errSum, spread float64
					mean := make([]float64, tc.dim)
					for i := 0; i < n; i++ {
						for j, x := range data[i*tc.dim : (i+1)*tc.dim] {
							mean[j] += float64(x) / n
						}
					}
					for i := 0; i < n; i++ {
						v := data[i*tc.dim : (i+1)*tc.dim]
						q.Encode(code, v)
						q.Decode(dec, code)
						if name == "pqfs" && tc.pqDim%2 == 1 {
							require.Zero(t, code[len(code)-1]>>4, "unused high nibble")
						}
						for s := 0; s < b.m; s++ {
							part, got := v[s*b.sub:(s+1)*b.sub], dec[s*b.sub:(s+1)*b.sub]
							dGot := metric.Reference(metric.L2, part, got)
							for c := 0; c < b.k; c++ {
								cent := b.cent[(s*b.k+c)*b.sub : (s*b.k+c+1)*b.sub]
								if d := metric.Reference(metric.L2, part, cent); dGot > d*(1+1e-6)+1e-9 {
									t.Fatalf("row %d subspace %d: centroid %d is nearer (%g) than the decoded one (%g)", i, s, c, d, dGot)
								}
							}
						}
						errSum += float64(metric.Reference(metric.L2, v, dec))
						for j, x := range v {
							d := float64(x) - mean[j]
							spread += d * d
						}
					}
					rel := errSum / spread
					bound := 0.1
					if name == "pqfs" {
						bound = 0.3
					}
					t.Logf("relative decode error %.4f", rel)
					assert.Less(t, rel, bound)
				})
			}
		}
	}
}

// TestPQComputer: a computer's distances are those between the query and the decoded codes,
// and Distance, DistanceRows and DistanceBatch agree exactly.
func TestPQComputer(t *testing.T) {
	const n, nq = 301, 4
	for _, name := range pqNames {
		for _, m := range metrics {
			for _, tc := range pqCases {
				t.Run(fmt.Sprintf("%s/%s/%d-%d", name, m, tc.dim, tc.pqDim), func(t *testing.T) {
					all := testVectors(name, m, n+nq, tc.dim, 7)
					data, queries := all[:n*tc.dim], all[n*tc.dim:]
					q := trainedPQ(t, name, m, tc.dim, tc.pqDim, data)
					size := q.CodeSize()
					slab := make([]byte, n*size)
					decoded := make([]float32, n*tc.dim)
					for i := 0; i < n; i++ {
						q.Encode(slab[i*size:(i+1)*size], data[i*tc.dim:(i+1)*tc.dim])
						q.Decode(decoded[i*tc.dim:(i+1)*tc.dim], slab[i*size:(i+1)*size])
					}
					rng := rand.New(rand.NewSource(1))
					ids := make([]uint32, 37)
					for i := range ids {
						ids[i] = uint32(rng.Intn(n))
					}
					ids[3] = ids[2] // a repeated id
					c := q.NewComputer()
					rows := make([]float32, n)
					batch := make([]float32, len(ids))
					for j := 0; j < nq; j++ {
						qv := queries[j*tc.dim : (j+1)*tc.dim]
						c.SetQuery(qv)
						c.DistanceRows(slab, rows)
						c.DistanceBatch(slab, ids, batch)
						for i := 0; i < n; i++ {
							want := quantDist(name, m, qv, decoded[i*tc.dim:(i+1)*tc.dim])
							got := c.Distance(slab[i*size : (i+1)*size])
							require.InDelta(t, want, got, 1e-4*(1+math.Abs(want)), "row %d", i)
							require.Equal(t, got, rows[i], "row %d", i)
						}
						for i, id := range ids {
							require.Equal(t, rows[id], batch[i])
						}
						// fewer rows than a group of four, and none
						c.DistanceRows(slab, rows[:3])
						c.DistanceBatch(slab, ids[:2], batch[:2])
						c.DistanceRows(slab, nil)
						c.DistanceBatch(slab, nil, nil)
						require.Equal(t, rows[ids[0]], batch[0])
					}
				})
			}
		}
	}
}

// TestPQSerialization: the trained state survives a round trip, and hostile state is refused
// without changing the quantizer.
func TestPQSerialization(t *testing.T) {
	for _, name := range pqNames {
		for _, m := range metrics {
			t.Run(fmt.Sprintf("%s/%s", name, m), func(t *testing.T) {
				const dim, pqDim, n = 6, 3, 300
				data := testVectors(name, m, n, dim, 9)
				q := trainedPQ(t, name, m, dim, pqDim, data)
				state, err := q.MarshalBinary()
				require.NoError(t, err)
				r := newPQ(t, name, m, dim, pqDim)
				_, err = r.MarshalBinary()
				require.Error(t, err, "untrained")
				require.NoError(t, r.UnmarshalBinary(state))
				require.True(t, r.Trained())
				again, err := r.MarshalBinary()
				require.NoError(t, err)
				require.Equal(t, state, again)
				a, b := make([]byte, q.CodeSize()), make([]byte, r.CodeSize())
				for i := 0; i < n; i++ {
					q.Encode(a, data[i*dim:(i+1)*dim])
					r.Encode(b, data[i*dim:(i+1)*dim])
					require.Equal(t, a, b)
				}

				// every truncation and one byte too many
				bad := [][]byte{append(slices.Clone(state), 0)}
				for l := 0; l < len(state); l += 1 + l/16 {
					bad = append(bad, state[:l])
				}
				for _, b := range bad {
					err := r.UnmarshalBinary(b)
					require.Error(t, err, "state of %d bytes", len(b))
					assert.Equal(t, api.InvalidBinary, api.CodeOf(err))
				}
				// each header byte and a sample of value bytes flipped: refused or accepted, never a panic
				for i := 0; i < len(state); i += 1 + i/32 {
					c := slices.Clone(state)
					c[i] ^= 0xff
					if err := r.UnmarshalBinary(c); i < pqHeader {
						require.Error(t, err, "header byte %d", i)
					}
				}
				require.NoError(t, r.UnmarshalBinary(state))
				for _, mutate := range []func(c []byte){
					func(c []byte) { c[0] = 'X' },                                     // tag
					func(c []byte) { c[4]++ },                                         // dim
					func(c []byte) { c[8]++ },                                         // pq_dim
					func(c []byte) { c[12]++ },                                        // centroids
					func(c []byte) { copy(c[pqHeader:], []byte{0, 0, 0xc0, 0x7f}) },   // NaN
					func(c []byte) { copy(c[len(c)-4:], []byte{0, 0, 0x80, 0x7f}) },   // +Inf
					func(c []byte) { copy(c[pqHeader+8:], []byte{0, 0, 0x80, 0xff}) }, // -Inf
				} {
					c := slices.Clone(state)
					mutate(c)
					err := r.UnmarshalBinary(c)
					require.Error(t, err)
					assert.Equal(t, api.InvalidBinary, api.CodeOf(err))
				}
				got, err := r.MarshalBinary()
				require.NoError(t, err)
				require.Equal(t, state, got, "the failed loads left the good state in place")

				// the other pq type's state, and another pq_dim's, do not load
				other := "pqfs"
				if name == "pqfs" {
					other = "pq"
				}
				o := trainedPQ(t, other, m, dim, pqDim, data)
				os, err := o.MarshalBinary()
				require.NoError(t, err)
				require.Error(t, r.UnmarshalBinary(os))
				w := newPQ(t, name, m, dim, 2)
				require.Error(t, w.UnmarshalBinary(state))
				require.False(t, w.Trained())
			})
		}
	}
}

// TestPQUntrainedAndHostile: bad training input is refused, encoding before training and
// non-finite values never panic, and codes always decode to finite values.
func TestPQUntrainedAndHostile(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, name := range pqNames {
		t.Run(name, func(t *testing.T) {
			const dim = 4
			q := newPQ(t, name, metric.L2, dim, 2)
			require.Error(t, q.Train(nil, 0))
			require.Error(t, q.Train(make([]float32, 3), 1))
			require.False(t, q.Trained())
			code := make([]byte, q.CodeSize())
			dec := make([]float32, dim)
			q.Encode(code, []float32{1, 2, 3, 4})
			q.Decode(dec, code)

			// few rows, some of them non-finite: fewer rows than centroids
			train := []float32{nan, 1, 2, 3, inf, -inf, 1e30, -1e30, 1, 1, 1, 1, 5, 6, 7, 8}
			require.NoError(t, q.Train(train, 4))
			for _, v := range codebookOf(q).cent {
				require.False(t, math.IsNaN(float64(v)) || math.IsInf(float64(v), 0))
			}
			for _, v := range [][]float32{
				{nan, nan, nan, nan}, {inf, -inf, 0, 1}, {1e30, -1e30, 0, 0}, {1, 1, 1, 1}, {5, 6, 7, 8},
			} {
				q.Encode(code, v)
				q.Decode(dec, code)
				for _, x := range dec {
					require.False(t, math.IsNaN(float64(x)) || math.IsInf(float64(x), 0), "%v -> %v", v, dec)
				}
			}
			// fewer rows than centroids: every row is a centroid
			require.NoError(t, q.Train([]float32{0, 1, 2, 3, 9, 9, 9, 9, 1, 1, 1, 1, 5, 6, 7, 8}, 4))
			for _, v := range [][]float32{{0, 1, 2, 3}, {9, 9, 9, 9}, {1, 1, 1, 1}, {5, 6, 7, 8}} {
				q.Encode(code, v)
				q.Decode(dec, code)
				require.Equal(t, v, dec)
			}
			// a codebook from a single row
			require.NoError(t, q.Train([]float32{3, 3, 3, 3}, 1))
			q.Encode(code, []float32{-9, 0, 9, 1})
			q.Decode(dec, code)
			require.Equal(t, []float32{3, 3, 3, 3}, dec)
		})
	}
}

// TestPQConcurrentComputers runs computers of one quantizer from several goroutines.
func TestPQConcurrentComputers(t *testing.T) {
	const dim, pqDim, n = 8, 4, 400
	for _, name := range pqNames {
		data := testVectors(name, metric.L2, n, dim, 13)
		q := trainedPQ(t, name, metric.L2, dim, pqDim, data)
		size := q.CodeSize()
		slab := make([]byte, n*size)
		for i := 0; i < n; i++ {
			q.Encode(slab[i*size:(i+1)*size], data[i*dim:(i+1)*dim])
		}
		want := make([][]float32, 8)
		for g := range want {
			c := q.NewComputer()
			c.SetQuery(data[g*dim : (g+1)*dim])
			want[g] = make([]float32, n)
			c.DistanceRows(slab, want[g])
		}
		var wg sync.WaitGroup
		for g := range want {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := q.NewComputer()
				out := make([]float32, n)
				for rep := 0; rep < 20; rep++ {
					c.SetQuery(data[g*dim : (g+1)*dim])
					c.DistanceRows(slab, out)
					if !slices.Equal(out, want[g]) {
						t.Errorf("%s: goroutine %d got other distances", name, g)
						return
					}
				}
			}()
		}
		wg.Wait()
	}
}

func FuzzPQUnmarshal(f *testing.F) {
	for _, name := range pqNames {
		q, _ := New(name, 4, metric.L2, pqOptions(2))
		_ = q.Train([]float32{1, 2, 3, 4, 5, 6, 7, 8}, 2)
		good, _ := q.MarshalBinary()
		f.Add(good)
	}
	f.Add([]byte("PQ8C"))
	f.Add([]byte("PQ4C\x04\x00\x00\x00\x02\x00\x00\x00\x10\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, name := range pqNames {
			q, _ := New(name, 4, metric.L2, pqOptions(2))
			if q.UnmarshalBinary(b) != nil {
				require.False(t, q.Trained())
				continue
			}
			code := make([]byte, q.CodeSize())
			q.Encode(code, []float32{1, 2, 3, 4})
			dec := make([]float32, 4)
			q.Decode(dec, code)
			c := q.NewComputer()
			c.SetQuery([]float32{4, 3, 2, 1})
			_ = c.Distance(code)
		}
	})
}
