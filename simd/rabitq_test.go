package simd

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand"
	"testing"
)

// TestMaskedSum checks every level against a plain loop, for lengths around the block sizes
// and for MaskedSumRows.
func TestMaskedSum(t *testing.T) {
	defer func() { _ = SetLevel(Levels()[len(Levels())-1]) }()
	rng := rand.New(rand.NewSource(1))
	for _, lvl := range Levels() {
		if err := SetLevel(lvl); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 784, 1000} {
			q := make([]float32, n)
			for i := range q {
				q[i] = float32(rng.NormFloat64())
			}
			bits := make([]byte, (n+7)/8)
			rng.Read(bits)
			var want float64
			for i := 0; i < n; i++ {
				if bits[i/8]>>(i%8)&1 == 1 {
					want += float64(q[i])
				}
			}
			got := MaskedSum(q, bits)
			if math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want))*math.Sqrt(float64(n+1)) {
				t.Fatalf("%s n=%d: MaskedSum %g, want %g", lvl, n, got, want)
			}
			if n == 0 {
				continue
			}
			const rows, stride, off = 5, 300, 3
			if off+len(bits) > stride {
				continue
			}
			slab := make([]byte, rows*stride)
			rng.Read(slab)
			ids := []uint32{4, 0, 2, 2}
			out := make([]float32, len(ids))
			MaskedSumRows(q, slab, stride, off, ids, out)
			for i, id := range ids {
				if w := MaskedSum(q, slab[int(id)*stride+off:]); out[i] != w {
					t.Fatalf("%s n=%d: MaskedSumRows[%d] %g, want %g", lvl, n, i, out[i], w)
				}
			}
		}
	}
}

func TestMaskedSumPanics(t *testing.T) {
	q := make([]float32, 17)
	mustPanic(t, "short bits", func() { MaskedSum(q, make([]byte, 2)) })
	mustPanic(t, "row outside", func() { MaskedSumRows(q, make([]byte, 10), 5, 0, []uint32{2}, make([]float32, 1)) })
	mustPanic(t, "short out", func() { MaskedSumRows(q, make([]byte, 10), 0, 0, []uint32{0}, nil) })
}

func BenchmarkMaskedSum784(b *testing.B) {
	q := make([]float32, 784)
	bits := make([]byte, 98)
	for i := range q {
		q[i] = float32(i)
	}
	for i := range bits {
		bits[i] = byte(i * 37)
	}
	for _, lvl := range Levels() {
		b.Run(lvl, func(b *testing.B) {
			_ = SetLevel(lvl)
			defer func() { _ = SetLevel(Levels()[len(Levels())-1]) }()
			var s float32
			for i := 0; i < b.N; i++ {
				s += MaskedSum(q, bits)
			}
			_ = s
		})
	}
}

// TestPopcountPlanes4 checks every level against the definition for lengths around the
// eight-word step.
func TestPopcountPlanes4(t *testing.T) {
	defer func() { _ = SetLevel(Levels()[len(Levels())-1]) }()
	rng := rand.New(rand.NewSource(2))
	for _, lvl := range Levels() {
		if err := SetLevel(lvl); err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{0, 1, 2, 7, 8, 9, 13, 16, 17, 40} {
			a := make([]uint64, w)
			q := make([]uint64, 4*w+3)
			for i := range a {
				a[i] = rng.Uint64()
			}
			for i := range q {
				q[i] = rng.Uint64()
			}
			var ww, wo int
			for i, x := range a {
				wo += bits.OnesCount64(x)
				for j := 0; j < 4; j++ {
					ww += bits.OnesCount64(x&q[j*w+i]) << j
				}
			}
			gw, gones := PopcountPlanes4(a, q)
			if gw != ww || gones != wo {
				t.Fatalf("%s w=%d: got (%d, %d), want (%d, %d)", lvl, w, gw, gones, ww, wo)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("short query planes: no panic")
		}
	}()
	PopcountPlanes4(make([]uint64, 2), make([]uint64, 7))
}

// TestMaskedSumPlanes checks MaskedSumPlanes and MaskedSumPlanesRows at every level against a
// float64 sum over the planes, for lengths with and without a tail, 1 to 8 planes, and planes
// padded beyond the bytes the dimensions use.
func TestMaskedSumPlanes(t *testing.T) {
	defer func() { _ = SetLevel(Levels()[len(Levels())-1]) }()
	rng := rand.New(rand.NewSource(7))
	for _, lvl := range Levels() {
		if err := SetLevel(lvl); err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{0, 1, 7, 15, 16, 17, 48, 64, 65, 100, 128, 129, 784} {
			q := make([]float32, n)
			for i := range q {
				q[i] = float32(rng.NormFloat64())
			}
			nb := (n + 7) / 8
			for planes := 1; planes <= 8; planes++ {
				for _, pad := range []int{0, 3} {
					plane := nb + pad
					code := make([]byte, planes*plane)
					rng.Read(code)
					var want, mag float64
					for b := 0; b < planes; b++ {
						for i := 0; i < n; i++ {
							if code[b*plane+i/8]>>(i%8)&1 == 1 {
								want += float64(int(1)<<b) * float64(q[i])
								mag += float64(int(1)<<b) * math.Abs(float64(q[i]))
							}
						}
					}
					got := MaskedSumPlanes(q, code, plane, planes)
					if math.Abs(float64(got)-want) > 1e-5*(1+mag) {
						t.Fatalf("%s n=%d planes=%d pad=%d: MaskedSumPlanes %g, want %g", lvl, n, planes, pad, got, want)
					}
					// the same code as row 2 of a slab, among rows of other bytes
					const rows, off = 4, 5
					stride := off + len(code) + 2
					slab := make([]byte, rows*stride)
					rng.Read(slab)
					copy(slab[2*stride+off:], code)
					// more ids than the kernel prefetches ahead
					ids := []uint32{2, 0, 3, 2, 1, 1, 0, 3, 2, 3, 0, 1}
					out := make([]float32, len(ids))
					MaskedSumPlanesRows(q, slab, stride, off, plane, planes, ids, out)
					for i, id := range ids {
						p := int(id)*stride + off
						if w := MaskedSumPlanes(q, slab[p:p+len(code)], plane, planes); out[i] != w {
							t.Fatalf("%s n=%d planes=%d: row %d: %g, MaskedSumPlanes %g", lvl, n, planes, id, out[i], w)
						}
					}
					if out[0] != got {
						t.Fatalf("%s n=%d planes=%d: row 2 %g, the code alone %g", lvl, n, planes, out[0], got)
					}
				}
			}
		}
	}
}

// TestMaskedSumPlanesPanics checks the refusals: no plane, planes shorter than the dimensions,
// and rows outside the slab.
func TestMaskedSumPlanesPanics(t *testing.T) {
	q := make([]float32, 20) // 3 bytes a plane
	for name, f := range map[string]func(){
		"no plane":         func() { MaskedSumPlanes(q, make([]byte, 9), 3, 0) },
		"short plane":      func() { MaskedSumPlanes(q, make([]byte, 9), 2, 3) },
		"short code":       func() { MaskedSumPlanes(q, make([]byte, 8), 3, 3) },
		"row outside slab": func() { MaskedSumPlanesRows(q, make([]byte, 20), 10, 0, 3, 3, []uint32{0, 1, 2}, make([]float32, 3)) },
		"short out":        func() { MaskedSumPlanesRows(q, make([]byte, 20), 10, 0, 3, 3, []uint32{0, 1}, make([]float32, 1)) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// BenchmarkMaskedSumPlanesRows measures the inner products of a query with 32 B-bit rabitq
// rows by id, picked at random from a slab of 100 000 rows (as a graph search reads them):
// "planes" is MaskedSumPlanesRows, "per-plane" one MaskedSumRows pass per plane combined in Go.
func BenchmarkMaskedSumPlanesRows(b *testing.B) {
	rng := rand.New(rand.NewSource(3))
	const rows, batch = 100000, 32
	for _, dim := range []int{128, 784} {
		for _, planes := range []int{1, 4, 8} {
			plane := (dim + 7) / 8
			stride := planes*plane + 16 // the factors after the planes
			slab := make([]byte, rows*stride)
			rng.Read(slab)
			q := make([]float32, dim)
			for i := range q {
				q[i] = float32(rng.NormFloat64())
			}
			ids := make([]uint32, 1<<16)
			for i := range ids {
				ids[i] = uint32(rng.Intn(rows))
			}
			out, t := make([]float32, batch), make([]float32, batch)
			name := fmt.Sprintf("dim=%d/bits=%d", dim, planes)
			b.Run(name+"/planes", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					o := i * batch % (len(ids) - batch)
					MaskedSumPlanesRows(q, slab, stride, 0, plane, planes, ids[o:o+batch], out)
				}
			})
			b.Run(name+"/per-plane", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					o := i * batch % (len(ids) - batch)
					MaskedSumRows(q, slab, stride, 0, ids[o:o+batch], out)
					for p := 1; p < planes; p++ {
						MaskedSumRows(q, slab, stride, p*plane, ids[o:o+batch], t)
						w := float32(int(1) << p)
						for j := range out {
							out[j] += w * t[j]
						}
					}
				}
			})
		}
	}
}

// TestPopcountPlanes4Rows checks PopcountPlanes4Rows at every level against PopcountPlanes4 of
// each plane weighed by 2^b, for 1 to 8 code planes, plane lengths with a partial last step,
// planes padded beyond their words, and more rows than the kernel prefetches ahead.
func TestPopcountPlanes4Rows(t *testing.T) {
	defer func() { _ = SetLevel(Levels()[len(Levels())-1]) }()
	rng := rand.New(rand.NewSource(9))
	for _, lvl := range Levels() {
		if err := SetLevel(lvl); err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{1, 2, 7, 8, 9, 13, 16} {
			q := make([]uint64, 4*w)
			for i := range q {
				q[i] = rng.Uint64()
			}
			for planes := 1; planes <= 8; planes++ {
				for _, pad := range []int{0, 8} {
					plane := 8*w + pad
					stride := planes*plane + 16
					const rows = 5
					slab := make([]byte, rows*stride)
					rng.Read(slab)
					ids := []uint32{4, 0, 2, 2, 1, 3, 0, 4, 1, 3, 2, 0}
					gotW, gotO := make([]int64, len(ids)), make([]int64, len(ids))
					PopcountPlanes4Rows(q, slab, stride, plane, planes, ids, gotW, gotO)
					for i, id := range ids {
						var wantW, wantO int64
						for b := 0; b < planes; b++ {
							words := make([]uint64, w)
							for j := range words {
								p := int(id)*stride + b*plane + 8*j
								for x := 0; x < 8; x++ {
									words[j] |= uint64(slab[p+x]) << (8 * x)
								}
							}
							pw, po := PopcountPlanes4(words, q)
							wantW += int64(pw) << b
							wantO += int64(po) << b
						}
						if gotW[i] != wantW || gotO[i] != wantO {
							t.Fatalf("%s w=%d planes=%d pad=%d row %d: (%d, %d), want (%d, %d)", lvl, w, planes, pad, id, gotW[i], gotO[i], wantW, wantO)
						}
					}
				}
			}
		}
	}
	for name, f := range map[string]func(){
		"odd query":   func() { PopcountPlanes4Rows(make([]uint64, 5), make([]byte, 64), 16, 8, 1, nil, nil, nil) },
		"short plane": func() { PopcountPlanes4Rows(make([]uint64, 8), make([]byte, 64), 16, 8, 1, nil, nil, nil) },
		"row outside slab": func() {
			PopcountPlanes4Rows(make([]uint64, 4), make([]byte, 32), 16, 8, 1, []uint32{2}, make([]int64, 1), make([]int64, 1))
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
