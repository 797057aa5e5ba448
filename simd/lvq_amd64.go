//go:build !purego

package simd

import "unsafe"

// LVQ kernels per level (lvq_amd64.s, hand-written):
//
//	avx512: lvqIP8AVX512 lvqL28AVX512 lvqIP4AVX512 lvqL24AVX512 (any n, masked
//	        tails), lvq2IP<b1><b2>AVX512 lvq2L2<b1><b2>AVX512 (whole blocks)
//	avx2:   the same names with AVX2 (whole blocks of 8 or 32 dimensions)
//
// The kernel set is chosen once at start-up from Level() (this file's init
// runs after dispatch.go's, which sets the level); the tests switch it with
// lvqSetLevel, and SetLevel switches them through levelHooks. The choice is a small integer compared in each call rather
// than a function variable: arguments of a call through a function variable
// escape, which would put every caller's output buffer on the heap.

const (
	lvqUseGeneric = iota
	lvqUseAVX2
	lvqUseAVX512
)

var lvqUse = lvqUseGeneric

func init() {
	lvqSetLevel(Level())
	levelHooks = append(levelHooks, lvqSetLevel)
}

// lvqSetLevel selects the LVQ kernels of the named level.
func lvqSetLevel(name string) {
	switch name {
	case "avx512":
		lvqUse = lvqUseAVX512
	case "avx2":
		lvqUse = lvqUseAVX2
	default:
		lvqUse = lvqUseGeneric
	}
}

// One-level stubs. Row ids[i] starts at slab + ids[i]*stride; its header is
// at offset 0 and its codes at offset 4. IP kernels store scale*<q,c> +
// bias*qsum, L2 kernels sum (q_j - (scale*c_j + bias))^2, over q[:n].
// Preconditions: cnt >= 1, every row lies inside slab, out has cnt entries;
// AVX-512: n >= 0; AVX2: n > 0 and n % 8 == 0 (8-bit) or n % 32 == 0 (4-bit).
// The next row is prefetched (plen bytes from its start).

//go:noescape
func lvqIP8AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

//go:noescape
func lvqL28AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

//go:noescape
func lvqIP4AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

//go:noescape
func lvqL24AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

//go:noescape
func lvqIP8AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

//go:noescape
func lvqL28AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

//go:noescape
func lvqIP4AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

//go:noescape
func lvqL24AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int)

// Two-level stubs: primary codes at row offset 4, residual codes at roff. IP
// kernels store scale*<q,c1> + step*<q,c2> + (bias-scale/2)*qsum, L2 kernels
// sum (q_j - x_j)^2 over q[:n], step = scale/(2^b2-1).
// Preconditions: cnt >= 1, n > 0, n % 16 == 0 (AVX-512 8x8), n % 8 == 0
// (AVX2 8x8), n % 32 == 0 (any 4-bit level); rows inside slab.

//go:noescape
func lvq2IP88AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L288AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2IP48AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L248AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2IP44AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L244AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2IP84AVX512(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L284AVX512(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2IP88AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L288AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2IP48AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L248AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2IP44AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L244AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2IP84AVX2(q *float32, n int, qsum float32, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

//go:noescape
func lvq2L284AVX2(q *float32, n int, slab *byte, stride int, ids *uint32, out *float32, cnt int, plen int, roff int)

// The wrappers below receive checked arguments (len(ids) >= 1, rows inside
// slab, len(out) == len(ids)).

// lvqBlock returns the whole-block length the AVX2 kernels need.
func lvqBlock(bits int) int {
	if bits == 4 {
		return 32
	}
	return 8
}

func lvqIPBatch(bits int, q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32) {
	n := len(q)
	pq, ps, pi, po := unsafe.SliceData(q), unsafe.SliceData(slab), unsafe.SliceData(ids), unsafe.SliceData(out)
	plen := lvqRowBytes(n, bits)
	switch lvqUse {
	case lvqUseAVX512:
		if bits == 8 {
			lvqIP8AVX512(pq, n, qsum, ps, stride, pi, po, len(ids), plen)
		} else {
			lvqIP4AVX512(pq, n, qsum, ps, stride, pi, po, len(ids), plen)
		}
	case lvqUseAVX2:
		m := n - n%lvqBlock(bits)
		if m == 0 {
			lvqIPBatchGeneric(bits, q, qsum, slab, stride, ids, out)
			return
		}
		if bits == 8 {
			lvqIP8AVX2(pq, m, qsum, ps, stride, pi, po, len(ids), plen)
		} else {
			lvqIP4AVX2(pq, m, qsum, ps, stride, pi, po, len(ids), plen)
		}
		if m < n {
			off, nb := 4+LVQCodeBytes(m, bits), LVQCodeBytes(n-m, bits)
			for i, id := range ids {
				row := slab[int(id)*stride:]
				s, _ := lvqHeader(row)
				out[i] += s * lvqDotGeneric(q[m:], row[off:off+nb], bits)
			}
		}
	default:
		lvqIPBatchGeneric(bits, q, qsum, slab, stride, ids, out)
	}
}

func lvqL2Batch(bits int, q []float32, slab []byte, stride int, ids []uint32, out []float32) {
	n := len(q)
	pq, ps, pi, po := unsafe.SliceData(q), unsafe.SliceData(slab), unsafe.SliceData(ids), unsafe.SliceData(out)
	plen := lvqRowBytes(n, bits)
	switch lvqUse {
	case lvqUseAVX512:
		if bits == 8 {
			lvqL28AVX512(pq, n, ps, stride, pi, po, len(ids), plen)
		} else {
			lvqL24AVX512(pq, n, ps, stride, pi, po, len(ids), plen)
		}
	case lvqUseAVX2:
		m := n - n%lvqBlock(bits)
		if m == 0 {
			lvqL2BatchGeneric(bits, q, slab, stride, ids, out)
			return
		}
		if bits == 8 {
			lvqL28AVX2(pq, m, ps, stride, pi, po, len(ids), plen)
		} else {
			lvqL24AVX2(pq, m, ps, stride, pi, po, len(ids), plen)
		}
		if m < n {
			off, nb := 4+LVQCodeBytes(m, bits), LVQCodeBytes(n-m, bits)
			for i, id := range ids {
				row := slab[int(id)*stride:]
				s, b := lvqHeader(row)
				out[i] += lvqL2Generic(q[m:], row[off:off+nb], bits, s, b)
			}
		}
	default:
		lvqL2BatchGeneric(bits, q, slab, stride, ids, out)
	}
}

// lvq2Block returns the whole-block length of the two-level kernels.
func lvq2Block(b1, b2 int) int {
	if b1 == 4 || b2 == 4 {
		return 32
	}
	if lvqUse == lvqUseAVX512 {
		return 16
	}
	return 8
}

func lvq2IPBatch(b1, b2 int, q []float32, qsum float32, slab []byte, stride int, ids []uint32, out []float32) {
	n := len(q)
	m := n - n%lvq2Block(b1, b2)
	if lvqUse == lvqUseGeneric || m == 0 {
		lvq2IPBatchGeneric(b1, b2, q, qsum, slab, stride, ids, out)
		return
	}
	pq, ps, pi, po := unsafe.SliceData(q), unsafe.SliceData(slab), unsafe.SliceData(ids), unsafe.SliceData(out)
	n1 := LVQCodeBytes(n, b1)
	plen, roff := lvq2RowBytes(n, b1, b2), 4+n1
	avx512 := lvqUse == lvqUseAVX512
	switch {
	case b1 == 8 && b2 == 8 && avx512:
		lvq2IP88AVX512(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 8 && avx512:
		lvq2IP48AVX512(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 4 && avx512:
		lvq2IP44AVX512(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	case avx512:
		lvq2IP84AVX512(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 8 && b2 == 8:
		lvq2IP88AVX2(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 8:
		lvq2IP48AVX2(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 4:
		lvq2IP44AVX2(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	default:
		lvq2IP84AVX2(pq, m, qsum, ps, stride, pi, po, len(ids), plen, roff)
	}
	if m < n {
		o1, o2 := 4+LVQCodeBytes(m, b1), roff+LVQCodeBytes(m, b2)
		t1, t2 := LVQCodeBytes(n-m, b1), LVQCodeBytes(n-m, b2)
		for i, id := range ids {
			row := slab[int(id)*stride:]
			s, _ := lvqHeader(row)
			step := s / float32(int(1)<<b2-1)
			out[i] += s*lvqDotGeneric(q[m:], row[o1:o1+t1], b1) + step*lvqDotGeneric(q[m:], row[o2:o2+t2], b2)
		}
	}
}

func lvq2L2Batch(b1, b2 int, q []float32, slab []byte, stride int, ids []uint32, out []float32) {
	n := len(q)
	m := n - n%lvq2Block(b1, b2)
	if lvqUse == lvqUseGeneric || m == 0 {
		lvq2L2BatchGeneric(b1, b2, q, slab, stride, ids, out)
		return
	}
	pq, ps, pi, po := unsafe.SliceData(q), unsafe.SliceData(slab), unsafe.SliceData(ids), unsafe.SliceData(out)
	n1 := LVQCodeBytes(n, b1)
	plen, roff := lvq2RowBytes(n, b1, b2), 4+n1
	avx512 := lvqUse == lvqUseAVX512
	switch {
	case b1 == 8 && b2 == 8 && avx512:
		lvq2L288AVX512(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 8 && avx512:
		lvq2L248AVX512(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 4 && avx512:
		lvq2L244AVX512(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	case avx512:
		lvq2L284AVX512(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 8 && b2 == 8:
		lvq2L288AVX2(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 8:
		lvq2L248AVX2(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	case b1 == 4 && b2 == 4:
		lvq2L244AVX2(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	default:
		lvq2L284AVX2(pq, m, ps, stride, pi, po, len(ids), plen, roff)
	}
	if m < n {
		o1, o2 := 4+LVQCodeBytes(m, b1), roff+LVQCodeBytes(m, b2)
		t1, t2 := LVQCodeBytes(n-m, b1), LVQCodeBytes(n-m, b2)
		for i, id := range ids {
			s, step, bias2, _, _ := lvq2Parts(slab[int(id)*stride:], n, b1, b2)
			row := slab[int(id)*stride:]
			out[i] += lvq2L2Generic(q[m:], row[o1:o1+t1], b1, row[o2:o2+t2], b2, s, step, bias2)
		}
	}
}
