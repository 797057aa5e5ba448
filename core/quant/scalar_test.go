package quant

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/metric"
)

// clustered returns n seeded vectors around Gaussian centres.
func clustered(n, dim, clusters int, seed int64) []float32 {
	rng := rand.New(rand.NewSource(seed))
	centres := make([]float32, clusters*dim)
	for i := range centres {
		centres[i] = float32(rng.NormFloat64() * 3)
	}
	out := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		c := centres[rng.Intn(clusters)*dim:]
		for j := 0; j < dim; j++ {
			out[i*dim+j] = c[j] + float32(rng.NormFloat64())
		}
	}
	return out
}

var scalarNames = []string{"fp16", "bf16", "int8", "sq8", "sq4", "sq8_uniform", "sq4_uniform"}

var metrics = []metric.Kind{metric.L2, metric.IP, metric.Cosine}

// testVectors returns n clustered vectors shaped for quantizer name and metric m: integers in
// the int8 range for int8 (as dtype int8 delivers them), unit vectors for cosine.
func testVectors(name string, m metric.Kind, n, dim int, seed int64) []float32 {
	v := clustered(n, dim, 8, seed)
	if name == "int8" && m != metric.Cosine {
		for i, x := range v {
			v[i] = float32(max(-128, min(127, math.Round(float64(x)*10))))
		}
	}
	if m == metric.Cosine {
		for i := 0; i < n; i++ {
			metric.Normalize(v[i*dim : (i+1)*dim])
		}
	}
	return v
}

func newTrained(t *testing.T, name string, m metric.Kind, dim int, data []float32) Quantizer {
	t.Helper()
	q, err := New(name, dim, m, DefaultOptions())
	require.NoError(t, err)
	if q.NeedTrain() {
		require.False(t, q.Trained())
		require.NoError(t, q.Train(data, len(data)/dim))
	}
	require.True(t, q.Trained())
	return q
}

func norm2(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return s
}

// refDist is the computer's semantics on plain vectors: squared l2, or 1 - dot for ip and
// cosine (the caller has normalised).
func refDist(m metric.Kind, a, b []float32) float64 {
	if m.UsesInnerProduct() {
		return float64(metric.Reference(metric.IP, a, b))
	}
	return float64(metric.Reference(metric.L2, a, b))
}

// byL2Names are the quantizers that measure cosine codes by half their squared l2 distance,
// which on unit vectors is 1 - <a, b> (cosineByL2).
var byL2Names = map[string]bool{"sq8": true, "sq4": true, "sq8_uniform": true, "sq4_uniform": true, "int8": true, "pq": true, "pqfs": true}

// quantDist is the distance quantizer name computes between a and b under m: refDist, except
// that the byL2Names quantizers take cosine as half the squared l2 distance.
func quantDist(name string, m metric.Kind, a, b []float32) float64 {
	if m == metric.Cosine && byL2Names[name] {
		return float64(metric.Reference(metric.L2, a, b)) / 2
	}
	return refDist(m, a, b)
}

// elementBound returns the largest decode error allowed for value x under quantizer q.
func elementBound(t *testing.T, q Quantizer, j int, x float32) float64 {
	ax := math.Abs(float64(x))
	switch v := q.(type) {
	case *half:
		if v.bf {
			return ax*math.Pow(2, -8) + 1e-38
		}
		return math.Max(ax*math.Pow(2, -11), math.Pow(2, -25))
	case *int8Quant:
		if v.scale == 1 {
			return 0
		}
		return 0.5/float64(v.scale) + 1e-7
	case *sqDim:
		return clampErr(x, v.lo[j], v.diff[j]) + float64(v.diff[j])/float64(2*v.levels)*(1+1e-5) + 1e-6*(1+ax)
	case *sqUniform:
		return clampErr(x, v.lo, v.diff) + float64(v.diff)/float64(2*v.levels)*(1+1e-5) + 1e-6*(1+ax)
	}
	t.Fatalf("no bound for %T", q)
	return 0
}

// clampErr is how far x lies outside [lo, lo+diff].
func clampErr(x, lo, diff float32) float64 {
	switch {
	case x < lo:
		return float64(lo - x)
	case x > lo+diff:
		return float64(x - lo - diff)
	}
	return 0
}

func TestScalarNeedTrain(t *testing.T) {
	want := map[string]bool{"fp16": false, "bf16": false, "int8": false, "sq8": true, "sq4": true, "sq8_uniform": true, "sq4_uniform": true}
	for _, name := range scalarNames {
		q, err := New(name, 16, metric.L2, DefaultOptions())
		require.NoError(t, err)
		assert.Equal(t, want[name], q.NeedTrain(), name)
		assert.Equal(t, !want[name], q.Trained(), name)
		assert.Equal(t, name, q.Name())
		assert.Equal(t, 16, q.Dim())
	}
}

func TestScalarRoundTrip(t *testing.T) {
	for _, name := range scalarNames {
		for _, m := range metrics {
			for _, dim := range []int{1, 7, 33, 128} {
				t.Run(fmt.Sprintf("%s/%s/dim=%d", name, m, dim), func(t *testing.T) {
					data := testVectors(name, m, 300, dim, int64(dim))
					q := newTrained(t, name, m, dim, data)
					code := make([]byte, q.CodeSize())
					dec := make([]float32, dim)
					var sqErr, sqNorm float64
					for i := 0; i < 300; i++ {
						x := data[i*dim : (i+1)*dim]
						q.Encode(code, x)
						q.Decode(dec, code)
						for j := range x {
							e := math.Abs(float64(dec[j]) - float64(x[j]))
							require.LessOrEqualf(t, e, elementBound(t, q, j, x[j]), "row %d dim %d: %g decoded as %g", i, j, x[j], dec[j])
							sqErr += e * e
						}
						sqNorm += norm2(x)
					}
					// the trimmed ranges must not cost much overall: relative error well under the format's step
					limit := map[string]float64{"fp16": 1e-3, "bf16": 1e-2, "int8": 0.05, "sq8": 0.02, "sq4": 0.2, "sq8_uniform": 0.02, "sq4_uniform": 0.2}[name]
					assert.Less(t, math.Sqrt(sqErr/sqNorm), limit)
				})
			}
		}
	}
}

func TestScalarComputer(t *testing.T) {
	for _, name := range scalarNames {
		for _, m := range metrics {
			for _, dim := range []int{1, 7, 33, 128} {
				t.Run(fmt.Sprintf("%s/%s/dim=%d", name, m, dim), func(t *testing.T) {
					const n = 200
					byL2 := m == metric.Cosine && byL2Names[name]
					data := testVectors(name, m, n+5, dim, 7+int64(dim))
					base, queries := data[:n*dim], data[n*dim:]
					q := newTrained(t, name, m, dim, base)
					cs := q.CodeSize()
					slab := make([]byte, n*cs)
					decoded := make([]float32, n*dim)
					for i := 0; i < n; i++ {
						q.Encode(slab[i*cs:(i+1)*cs], base[i*dim:(i+1)*dim])
						q.Decode(decoded[i*dim:(i+1)*dim], slab[i*cs:(i+1)*cs])
					}
					c := q.NewComputer()
					for qi := 0; qi < 5; qi++ {
						query := queries[qi*dim : (qi+1)*dim]
						c.SetQuery(query)
						// the vector the distances are exact for: the query itself, or its quantized
						// form for the integer-domain quantizers (in the codes' range, or its own
						// for the inner product)
						qhat := query
						if u, ok := q.(*sqUniform); ok {
							qhat = make([]float32, dim)
							lv := make([]byte, u.CodeSize())
							u.Encode(lv, query)
							u.Decode(qhat, lv)
							if u.ownQuery {
								uc := c.(*sqUniformComputer)
								for j := range qhat {
									qhat[j] = uc.queryValue(j)
								}
							}
						}
						qerr := math.Sqrt(float64(metric.Reference(metric.L2, query, qhat)))
						rows := make([]float32, n)
						c.DistanceRows(slab, rows)
						for i := 0; i < n; i++ {
							x := decoded[i*dim : (i+1)*dim]
							d := float64(c.Distance(slab[i*cs : (i+1)*cs]))
							want := quantDist(name, m, qhat, x)
							tol := 1e-5 * (1 + norm2(qhat) + norm2(x))
							require.InDeltaf(t, want, d, tol, "query %d row %d", qi, i)
							require.Equal(t, float32(d), rows[i], "rows vs single, row %d", i)
							// the bound against the unquantized query
							var bound float64
							if m.UsesInnerProduct() && !byL2 {
								bound = qerr * math.Sqrt(norm2(x))
							} else {
								s := make([]float32, dim)
								for j := range s {
									s[j] = query[j] + qhat[j] - 2*x[j]
								}
								bound = qerr * math.Sqrt(norm2(s))
								if byL2 {
									bound /= 2
								}
							}
							require.InDelta(t, quantDist(name, m, query, x), d, bound+tol, "row %d vs the raw query", i)
						}
						rng := rand.New(rand.NewSource(int64(qi)))
						ids := make([]uint32, 50)
						for i := range ids {
							ids[i] = uint32(rng.Intn(n))
						}
						batch := make([]float32, len(ids))
						c.DistanceBatch(slab, ids, batch)
						for i, id := range ids {
							require.Equal(t, rows[id], batch[i], "batch vs rows, id %d", id)
						}
						c.DistanceBatch(slab, nil, nil)
						c.DistanceRows(slab, nil)
					}
				})
			}
		}
	}
}

func TestScalarSerialization(t *testing.T) {
	for _, name := range scalarNames {
		for _, m := range metrics {
			t.Run(fmt.Sprintf("%s/%s", name, m), func(t *testing.T) {
				const dim = 9
				data := testVectors(name, m, 100, dim, 3)
				q := newTrained(t, name, m, dim, data)
				state, err := q.MarshalBinary()
				require.NoError(t, err)
				r, err := New(name, dim, m, DefaultOptions())
				require.NoError(t, err)
				require.NoError(t, r.UnmarshalBinary(state))
				require.True(t, r.Trained())
				again, err := r.MarshalBinary()
				require.NoError(t, err)
				require.Equal(t, state, again)
				a, b := make([]byte, q.CodeSize()), make([]byte, r.CodeSize())
				for i := 0; i < 100; i++ {
					q.Encode(a, data[i*dim:(i+1)*dim])
					r.Encode(b, data[i*dim:(i+1)*dim])
					require.Equal(t, a, b)
				}

				// hostile state: every truncation, one byte too many, each byte flipped
				bad := [][]byte{append(slices.Clone(state), 0)}
				for l := 0; l < len(state); l++ {
					bad = append(bad, state[:l])
				}
				for _, b := range bad {
					if len(b) == 0 && len(state) == 0 {
						continue
					}
					err := r.UnmarshalBinary(b)
					require.Error(t, err, "state of %d bytes", len(b))
					assert.Equal(t, api.InvalidBinary, api.CodeOf(err))
				}
				for i := range state {
					c := slices.Clone(state)
					c[i] ^= 0xff
					_ = r.UnmarshalBinary(c) // may be valid (a different range); must not panic
				}
				require.NoError(t, r.UnmarshalBinary(state))
				if len(state) > 0 {
					c := slices.Clone(state)
					c[0] = 'X'
					require.Error(t, r.UnmarshalBinary(c), "wrong tag")
					c = slices.Clone(state)
					c[4]++
					require.Error(t, r.UnmarshalBinary(c), "wrong dim")
					c = slices.Clone(state)
					copy(c[8:], []byte{0, 0, 0xc0, 0x7f}) // NaN
					require.Error(t, r.UnmarshalBinary(c), "NaN")
					c = slices.Clone(state)
					copy(c[len(c)-4:], []byte{0, 0, 0x80, 0xbf}) // a negative range
					require.Error(t, r.UnmarshalBinary(c), "negative range")
					// the failed loads left the good state in place
					got, err := r.MarshalBinary()
					require.NoError(t, err)
					require.Equal(t, state, got)
				}
			})
		}
	}
}

func TestScalarUntrainedState(t *testing.T) {
	for _, name := range []string{"sq8", "sq4", "sq8_uniform", "sq4_uniform"} {
		q, err := New(name, 4, metric.L2, DefaultOptions())
		require.NoError(t, err)
		_, err = q.MarshalBinary()
		assert.Error(t, err, name)
		assert.Error(t, q.Train(make([]float32, 3), 1), name)
		assert.Error(t, q.Train(nil, 0), name)
		// encoding before training must not panic
		q.Encode(make([]byte, q.CodeSize()), []float32{1, 2, 3, 4})
	}
}

func TestScalarHostileValues(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	v := []float32{nan, inf, -inf, 1e30, -1e30, 0, 1}
	for _, name := range scalarNames {
		t.Run(name, func(t *testing.T) {
			q := newTrained(t, name, metric.L2, len(v), []float32{-1, -2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
			code := make([]byte, q.CodeSize())
			q.Encode(code, v)
			dec := make([]float32, len(v))
			q.Decode(dec, code)
			for j := 1; j < len(v); j++ {
				if name == "bf16" {
					continue // bf16 keeps float32's range; overflow is not clamped
				}
				assert.False(t, math.IsInf(float64(dec[j]), 0), "dim %d decoded as %g", j, dec[j])
			}
		})
	}
}

func TestFP16Clamps(t *testing.T) {
	q := newTrained(t, "fp16", metric.L2, 3, nil)
	code := make([]byte, 6)
	q.Encode(code, []float32{70000, -1e9, 3})
	dec := make([]float32, 3)
	q.Decode(dec, code)
	assert.Equal(t, []float32{65504, -65504, 3}, dec)
}

func TestInt8QueryPaths(t *testing.T) {
	const dim = 20
	data := testVectors("int8", metric.L2, 50, dim, 1)
	for _, m := range []metric.Kind{metric.L2, metric.IP} {
		q := newTrained(t, "int8", m, dim, nil)
		c := q.NewComputer().(*int8Computer)
		code := make([]byte, dim)
		q.Encode(code, data[:dim])
		query := slices.Clone(data[dim : 2*dim])
		c.SetQuery(query)
		require.True(t, c.integer, "integer query takes the integer path")
		assert.InDelta(t, refDist(m, query, data[:dim]), float64(c.Distance(code)), 1e-3)
		query[3] += 0.25
		c.SetQuery(query)
		require.False(t, c.integer, "fractional query takes the float path")
		assert.InDelta(t, refDist(m, query, data[:dim]), float64(c.Distance(code)), 1e-3)
		query[3] = 300
		c.SetQuery(query)
		require.False(t, c.integer, "out-of-range query takes the float path")
		assert.InDelta(t, refDist(m, query, data[:dim]), float64(c.Distance(code)), 1e-2)
	}
}

func TestTrimmedRange(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{1, 2, 3, 10, 1000, 4097} {
		for _, rate := range []float64{0, 0.001, 0.05, 0.5} {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.Intn(50)) // many ties
			}
			sorted := slices.Clone(v)
			slices.Sort(sorted)
			lo, hi := trimmedRange(v, rate)
			cut := int(rate * float64(n))
			if cut*2 >= n {
				cut = (n - 1) / 2
			}
			assert.Equal(t, sorted[cut], lo, "n=%d rate=%g", n, rate)
			assert.Equal(t, sorted[n-1-cut], hi, "n=%d rate=%g", n, rate)
		}
	}
	lo, hi := trimmedRange([]float32{float32(math.NaN()), 3, float32(math.Inf(-1)), 1}, 0)
	assert.Equal(t, float32(1), lo)
	assert.Equal(t, float32(3), hi)
}

func TestTrainTrimsOutliers(t *testing.T) {
	const dim, n = 4, 5000
	data := clustered(n, dim, 1, 5)
	data[17*dim+2] = 1e6
	for _, name := range []string{"sq8", "sq4", "sq8_uniform", "sq4_uniform"} {
		q := newTrained(t, name, metric.L2, dim, data)
		var hi float32
		switch v := q.(type) {
		case *sqDim:
			hi = v.lo[2] + v.diff[2]
		case *sqUniform:
			hi = v.lo + v.diff
		}
		assert.Less(t, hi, float32(100), name)
	}
}

func TestSQ4UniformTruncRate(t *testing.T) {
	const dim, n = 16, 2000
	data := clustered(n, dim, 4, 9)
	width := func(rate float64) float32 {
		opts := DefaultOptions()
		opts.SQ4UniformTruncRate = rate
		q, err := New("sq4_uniform", dim, metric.L2, opts)
		require.NoError(t, err)
		require.NoError(t, q.Train(data, n))
		return q.(*sqUniform).diff
	}
	assert.Less(t, width(0.05), width(0.01))
	assert.Less(t, width(0.01), width(0))
	opts := DefaultOptions()
	opts.SQ4UniformTruncRate = 0.7
	_, err := New("sq4_uniform", dim, metric.L2, opts)
	assert.Error(t, err)
}

func TestConstantData(t *testing.T) {
	data := make([]float32, 10*5)
	for i := range data {
		data[i] = 2.5
	}
	for _, name := range scalarNames {
		q := newTrained(t, name, metric.L2, 5, data)
		code := make([]byte, q.CodeSize())
		q.Encode(code, data[:5])
		dec := make([]float32, 5)
		q.Decode(dec, code)
		if name == "int8" {
			continue // 2.5 is not an int8 value
		}
		assert.Equal(t, data[:5], dec, name)
	}
}

// TestScalarConcurrentComputers runs one computer per goroutine over a shared trained
// quantizer (the way indexes use them) and checks every goroutine sees the same distances.
func TestScalarConcurrentComputers(t *testing.T) {
	const n, dim, workers = 64, 24, 4
	for _, name := range scalarNames {
		data := testVectors(name, metric.L2, n, dim, 2)
		q := newTrained(t, name, metric.L2, dim, data)
		cs := q.CodeSize()
		slab := make([]byte, n*cs)
		for i := 0; i < n; i++ {
			q.Encode(slab[i*cs:(i+1)*cs], data[i*dim:(i+1)*dim])
		}
		want := make([]float32, n)
		c := q.NewComputer()
		c.SetQuery(data[:dim])
		c.DistanceRows(slab, want)
		got := make([][]float32, workers)
		done := make(chan int)
		for w := 0; w < workers; w++ {
			go func(w int) {
				c := q.NewComputer()
				out := make([]float32, n)
				for rep := 0; rep < 20; rep++ {
					c.SetQuery(data[(rep%n)*dim : (rep%n+1)*dim])
					c.DistanceRows(slab, out)
				}
				c.SetQuery(data[:dim])
				c.DistanceRows(slab, out)
				got[w] = out
				done <- w
			}(w)
		}
		for w := 0; w < workers; w++ {
			<-done
		}
		for w := range got {
			require.Equal(t, want, got[w], "%s worker %d", name, w)
		}
	}
}

// TestUniformQueryLevelsMatchCodes: a query is encoded to the same levels, and the same sum, as
// a stored vector equal to it, and the same as level gives value by value.
func TestUniformQueryLevelsMatchCodes(t *testing.T) {
	r := rand.New(rand.NewSource(21))
	for _, name := range []string{"sq8_uniform", "sq4_uniform"} {
		for _, dim := range []int{1, 2, 7, 8, 15, 16, 17, 33, 784} {
			q, err := New(name, dim, metric.L2, DefaultOptions())
			require.NoError(t, err)
			train := make([]float32, 200*dim)
			for i := range train {
				train[i] = r.Float32()*4 - 2
			}
			require.NoError(t, q.Train(train, 200))
			u := q.(*sqUniform)
			c := q.NewComputer().(*sqUniformComputer)
			code := make([]byte, q.CodeSize())
			v := make([]float32, dim)
			for range 20 {
				for i := range v {
					v[i] = r.Float32()*6 - 3 // a third of them outside the range
				}
				q.Encode(code, v)
				c.SetQuery(v)
				nb := u.levelBytes()
				require.Equal(t, code[:nb], c.a, "%s dim %d", name, dim)
				var sum uint32
				for j, x := range v {
					l := level(x, u.lo, u.inv, u.levels)
					sum += uint32(l)
					if u.bits == 8 {
						require.Equal(t, l, c.a[j])
					} else {
						require.Equal(t, l, nibble(c.a, j))
					}
				}
				require.Equal(t, binary.LittleEndian.Uint32(code[nb:]), sum, "%s dim %d", name, dim)
			}
		}
	}
}

// TestCosineCodesRankByL2: on unit vectors the scalar and LVQ quantizers' cosine estimate (half the
// squared distance of the codes) puts more of the true ten nearest neighbours among its ten
// best than one minus the codes' dot product does (what residual codes keep).
func TestCosineCodesRankByL2(t *testing.T) {
	const n, dim, nq, k = 3000, 64, 30, 10
	data := testVectors("sq4", metric.Cosine, n+nq, dim, 11)
	for i := range data {
		data[i] = max(data[i], 0) // non-negative, as pixels and tf-idf weights are
	}
	for i := 0; i < n+nq; i++ {
		metric.Normalize(data[i*dim : (i+1)*dim])
	}
	base, queries := data[:n*dim], data[n*dim:]
	hits := func(name string, o Options) float64 {
		o.Codebook.PQDim = 16 // pq: a byte per 4 dimensions
		if name == "pqfs" {
			o.Codebook.PQDim = 32 // a nibble per 2 dimensions
		}
		q, err := New(name, dim, metric.Cosine, o)
		require.NoError(t, err)
		require.NoError(t, q.Train(base, n))
		cs := q.CodeSize()
		slab := make([]byte, n*cs)
		for i := 0; i < n; i++ {
			q.Encode(slab[i*cs:(i+1)*cs], base[i*dim:(i+1)*dim])
		}
		c := q.NewComputer()
		est, ids := make([]float32, n), make([]int, n)
		found := 0
		for qi := 0; qi < nq; qi++ {
			query := queries[qi*dim : (qi+1)*dim]
			c.SetQuery(query)
			c.DistanceRows(slab, est)
			truth := make([]float32, n)
			for i := range truth {
				truth[i] = metric.Reference(metric.Cosine, query, base[i*dim:(i+1)*dim])
			}
			for i := range ids {
				ids[i] = i
			}
			sort.Slice(ids, func(a, b int) bool { return truth[ids[a]] < truth[ids[b]] })
			want := map[int]bool{}
			for _, id := range ids[:k] {
				want[id] = true
			}
			sort.Slice(ids, func(a, b int) bool { return est[ids[a]] < est[ids[b]] })
			for _, id := range ids[:k] {
				if want[id] {
					found++
				}
			}
		}
		return float64(found) / (nq * k)
	}
	// at least this recall by l2 (sq4_uniform, sq4, sq8_uniform, sq8: 0.76, 0.83, 0.98, 0.98 when
	// written), against 0.35, 0.60, 0.91 and 0.96 by dot product
	for name, least := range map[string]float64{"sq4_uniform": 0.7, "sq4": 0.75, "sq8_uniform": 0.95, "sq8": 0.95, "lvq4": 0.75, "lvq8": 0.95, "int8": 0.9, "pq": 0.65, "pqfs": 0.5} {
		byL2 := hits(name, DefaultOptions())
		o := DefaultOptions()
		o.Residuals = true
		byDot := hits(name, o)
		t.Logf("%s: recall@10 of the estimates %.3f by l2, %.3f by dot product", name, byL2, byDot)
		require.Greater(t, byL2, byDot, name)
		require.GreaterOrEqual(t, byL2, least, name)
	}
}

// TestUniformQueryOwnRange checks the uniform quantizers' inner product when the codes span a
// small range and the query a wide one (residual codes, or a query at another scale than the
// data). The query is quantized over its own range, so the estimate 1 - <q̂, x̂> stays within
// ‖q - q̂‖·‖x̂‖ of 1 - <q, x̂> (in the codes' range the query's components were clamped and the
// error was unbounded).
func TestUniformQueryOwnRange(t *testing.T) {
	const dim, n = 40, 300
	rng := rand.New(rand.NewSource(5))
	resid := make([]float32, n*dim)
	for i := range resid {
		resid[i] = float32(rng.NormFloat64() * 0.05)
	}
	query := make([]float32, dim)
	for j := range query {
		query[j] = float32(rng.Float64())
	}
	for _, tc := range []struct {
		name      string
		m         metric.Kind
		residuals bool
	}{
		{"sq8_uniform", metric.IP, true}, {"sq8_uniform", metric.Cosine, true}, {"sq8_uniform", metric.IP, false},
		{"sq4_uniform", metric.IP, true}, {"sq4_uniform", metric.Cosine, true}, {"sq4_uniform", metric.IP, false},
	} {
		o := DefaultOptions()
		o.Residuals = tc.residuals
		q, err := New(tc.name, dim, tc.m, o)
		require.NoError(t, err)
		require.NoError(t, q.Train(resid, n))
		c := q.NewComputer()
		c.SetQuery(query)
		qe := c.(QueryQuantizer).QueryError(query)
		require.Less(t, qe, float32(0.5), "%s %v: the query's own range", tc.name, tc.m)
		code := make([]byte, q.CodeSize())
		dec := make([]float32, dim)
		for i := 0; i < n; i++ {
			q.Encode(code, resid[i*dim:(i+1)*dim])
			q.Decode(dec, code)
			var dot, norm float64
			for j := range dec {
				dot += float64(query[j]) * float64(dec[j])
				norm += float64(dec[j]) * float64(dec[j])
			}
			bound := float64(qe)*math.Sqrt(norm) + 1e-4
			require.InDelta(t, 1-dot, float64(c.Distance(code)), bound, "%s %v row %d", tc.name, tc.m, i)
		}
	}
}
