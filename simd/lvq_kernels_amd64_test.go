//go:build !purego

package simd

import (
	"math"
	"testing"
	"unsafe"
)

// The tests below call the generated LVQ and RaBitQ kernels directly, without the Go
// wrappers that route around their preconditions, so the cases the wrappers never send
// (cnt == 0) and the edges they do (n == 0, every masked tail length, one row, the last row
// of the slab, whose prefetch of the next row is skipped) are checked per kernel.

type lvqStubIP func(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
type lvqStubL2 func(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)
type lvq2StubIP func(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)
type lvq2StubL2 func(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

// lvqStubCase is one generated kernel: its family, code widths and the lengths it takes.
type lvqStubCase struct {
	name   string
	fam    uint8
	b1, b2 int
	ip     any // lvqStubIP or lvq2StubIP
	l2     any // lvqStubL2 or lvq2StubL2
	anyN   bool
	block  int
}

func lvqStubCases() []lvqStubCase {
	return []lvqStubCase{
		{"8/avx512", famAVX512, 8, 0, lvqStubIP(lvqIP8AVX512), lvqStubL2(lvqL28AVX512), true, 1},
		{"4/avx512", famAVX512, 4, 0, lvqStubIP(lvqIP4AVX512), lvqStubL2(lvqL24AVX512), true, 1},
		{"8/avx2", famAVX2, 8, 0, lvqStubIP(lvqIP8AVX2), lvqStubL2(lvqL28AVX2), false, 8},
		{"4/avx2", famAVX2, 4, 0, lvqStubIP(lvqIP4AVX2), lvqStubL2(lvqL24AVX2), false, 32},
		{"88/avx512", famAVX512, 8, 8, lvq2StubIP(lvq2IP88AVX512), lvq2StubL2(lvq2L288AVX512), false, 16},
		{"48/avx512", famAVX512, 4, 8, lvq2StubIP(lvq2IP48AVX512), lvq2StubL2(lvq2L248AVX512), false, 32},
		{"44/avx512", famAVX512, 4, 4, lvq2StubIP(lvq2IP44AVX512), lvq2StubL2(lvq2L244AVX512), false, 32},
		{"84/avx512", famAVX512, 8, 4, lvq2StubIP(lvq2IP84AVX512), lvq2StubL2(lvq2L284AVX512), false, 32},
		{"88/avx2", famAVX2, 8, 8, lvq2StubIP(lvq2IP88AVX2), lvq2StubL2(lvq2L288AVX2), false, 8},
		{"48/avx2", famAVX2, 4, 8, lvq2StubIP(lvq2IP48AVX2), lvq2StubL2(lvq2L248AVX2), false, 32},
		{"44/avx2", famAVX2, 4, 4, lvq2StubIP(lvq2IP44AVX2), lvq2StubL2(lvq2L244AVX2), false, 32},
		{"84/avx2", famAVX2, 8, 4, lvq2StubIP(lvq2IP84AVX2), lvq2StubL2(lvq2L284AVX2), false, 32},
	}
}

// supportedFams returns the kernel families this machine runs.
func supportedFams() map[uint8]bool {
	fams := map[uint8]bool{}
	for _, l := range levelTable {
		fams[l.k.fam] = true
	}
	return fams
}

func TestLVQGeneratedKernels(t *testing.T) {
	fams := supportedFams()
	r := newRand(11)
	for _, sc := range lvqStubCases() {
		if !fams[sc.fam] {
			t.Logf("%s: not supported here", sc.name)
			continue
		}
		var ns []int
		if sc.anyN {
			for n := 0; n <= 70; n++ {
				ns = append(ns, n)
			}
			ns = append(ns, 96, 127, 784)
		} else {
			for m := 1; m <= 5; m++ {
				ns = append(ns, m*sc.block)
			}
			ns = append(ns, 24*sc.block)
		}
		for _, n := range ns {
			plen := lvq2RowBytes(n, sc.b1, sc.b2)
			stride := plen + 3 // rows start at odd offsets
			const rows = 9
			slab := make([]byte, rows*stride)
			xs := make([][]float64, rows)
			for i := range rows {
				row := randLVQRow(r, n, sc.b1, sc.b2)
				copy(slab[i*stride:], row.bytes)
				xs[i] = row.x
			}
			// The last row ends exactly at the end of the slab.
			slab = slab[:(rows-1)*stride+plen]
			q := randF32(r, n, 3)
			var qsum float32
			for _, v := range q {
				qsum += v
			}
			roff := 4 + LVQCodeBytes(n, sc.b1)
			for _, ids := range [][]uint32{{}, {rows - 1}, {0}, {3, rows - 1, 3, 0, 5}} {
				for _, ip := range []bool{true, false} {
					out := make([]float32, len(ids)+1)
					const sentinel = -12345
					for i := range out {
						out[i] = sentinel
					}
					pq, ps, po := unsafe.SliceData(q), unsafe.SliceData(slab), unsafe.SliceData(out)
					pi := unsafe.SliceData(append(ids, 0)) // valid pointer when ids is empty
					switch f := map[bool]any{true: sc.ip, false: sc.l2}[ip].(type) {
					case lvqStubIP:
						f(pq, n, qsum, ps, stride, pi, po, len(ids), plen)
					case lvqStubL2:
						f(pq, n, ps, stride, pi, po, len(ids), plen)
					case lvq2StubIP:
						f(pq, n, qsum, ps, stride, pi, po, len(ids), plen, roff)
					case lvq2StubL2:
						f(pq, n, ps, stride, pi, po, len(ids), plen, roff)
					}
					for i, id := range ids {
						want, mag := lvqWant(q, xs[id], ip)
						if got := out[i]; math.Abs(float64(got)-want) > 4e-6*mag+1e-5 {
							t.Fatalf("%s ip=%v n=%d ids=%v: out[%d] = %v, want %v", sc.name, ip, n, ids, i, got, want)
						}
					}
					if out[len(ids)] != sentinel {
						t.Fatalf("%s ip=%v n=%d ids=%v: wrote past cnt", sc.name, ip, n, ids)
					}
				}
			}
		}
	}
}

func TestMaskedSumGeneratedKernels(t *testing.T) {
	fams := supportedFams()
	r := newRand(12)
	for _, kc := range []struct {
		name  string
		fam   uint8
		block int
		f     func(q *float32, n int, bits *byte) float32
	}{
		{"avx512", famAVX512, 16, maskedSumAVX512},
		{"avx2", famAVX2, 8, maskedSumAVX2},
	} {
		if !fams[kc.fam] {
			continue
		}
		for m := 0; m <= 20; m++ {
			n := m * kc.block
			q := randF32(r, n+1, 2)[:n]
			bits := make([]byte, n/8+1)
			for i := range bits {
				bits[i] = uint8(r.IntN(256))
			}
			got := kc.f(unsafe.SliceData(q), n, unsafe.SliceData(bits))
			want := maskedSumGeneric(q, bits[:n/8])
			if math.Abs(float64(got-want)) > 1e-4*(1+math.Abs(float64(want))) {
				t.Fatalf("%s n=%d: got %v, want %v", kc.name, n, got, want)
			}
		}
	}
}

// TestLVQRabitqNoEscape checks that the hot wrappers keep the caller's buffers on the stack
// at every level: the buffers are arrays local to the measured function, so an escaping
// argument would cost an allocation per call.
func TestLVQRabitqNoEscape(t *testing.T) {
	orig := Level()
	defer func() { _ = SetLevel(orig) }()
	const n, stride = 64, 4 + 64 + 32
	slab := make([]byte, 4*stride)
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		for name, f := range map[string]func(){
			"LVQ batches": func() {
				var q [n]float32
				ids := [3]uint32{0, 2, 3}
				var out [3]float32
				LVQInnerProductBatch(q[:], 1, slab, stride, ids[:], out[:], 8)
				LVQL2SqrBatch(q[:], slab, stride, ids[:], out[:], 4)
				LVQ2InnerProductBatch(q[:], 1, slab, stride, ids[:], out[:], 8, 4)
				LVQ2L2SqrBatch(q[:], slab, stride, ids[:], out[:], 8, 4)
				sinkF = out[0] + out[2]
			},
			"MaskedSum": func() {
				var q [n + 3]float32
				var bits [(n + 10) / 8]byte
				var out [2]float32
				ids := [2]uint32{0, 1}
				sinkF = MaskedSum(q[:], bits[:])
				MaskedSumRows(q[:], slab, stride, 4, ids[:], out[:])
				sinkF += out[1]
			},
			"PopcountPlanes4": func() {
				var a [9]uint64
				var q [36]uint64
				w, o := PopcountPlanes4(a[:], q[:])
				sinkI = w + o
			},
		} {
			if allocs := testing.AllocsPerRun(50, f); allocs != 0 {
				t.Errorf("%s at %s: %v allocations per call", name, l, allocs)
			}
		}
	}
}
