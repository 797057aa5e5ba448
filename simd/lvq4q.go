package simd

import "math"

// Byte-query LVQ-4 kernels. A one-level 4-bit LVQ row (see lvq.go) is read
// against a query quantized once to int8, q_j ~ mid + step*s_j with s_j in
// [-128, 127] over the query's own range, so that a row costs one integer pass
// over its codes (VPDPBUSD) instead of widening every code to a float:
//
//	D  = sum_j s_j*c_j,  C = sum_j c_j,  C2 = sum_j c_j^2
//	dot = mid*C + step*D                     (~ sum_j q_j*c_j)
//	inner product = scale*dot + bias*sum(q)
//	squared L2    = sum(q^2) + bias*(n*bias - 2*sum(q)) + scale*(scale*C2 + 2*(bias*C - dot))
//
// Only dot carries the query's rounding (at most step/2 per dimension, about
// a seventeenth of a 4-bit code's own step when the query and the row span
// the same range); sum(q) and sum(q^2) are the exact query's. The entries are
// stored in the codes' order: for every 64 code bytes, 64 entries for their
// low nibbles and then 64 for their high ones, zero where a nibble holds no
// dimension, so the kernel reads them in step with the codes.

// LVQ4Query is a query prepared for LVQ4QL2SqrBatch and
// LVQ4QInnerProductBatch. Make one with NewLVQ4Query and set it per query
// with Set; it is not safe for concurrent use.
type LVQ4Query struct {
	n      int
	tail   []int32 // the index in s of each dimension past the whole 32-dimension blocks
	s      []int8  // 128 entries per 64 code bytes
	levels []uint8 // the levels of the entries in dimension order
	k      [6]float32
}

// NewLVQ4Query returns a query of n dimensions (n >= 1) with zero entries.
func NewLVQ4Query(n int) *LVQ4Query {
	if n < 1 {
		panic("simd: LVQ4Query needs at least one dimension")
	}
	nb := LVQCodeBytes(n, 4)
	q := &LVQ4Query{n: n, s: make([]int8, 128*((nb+63)/64)), levels: make([]uint8, n)}
	for j := n &^ 31; j < n; j++ {
		b, high := lvqNibbleAt(n, j)
		p := lvq4qEntry(b)
		if high {
			p += 64
		}
		q.tail = append(q.tail, int32(p))
	}
	q.k[4] = float32(n)
	return q
}

// lvq4qEntry returns the index in LVQ4Query.s of the entry for the low nibble of code byte
// b; the high nibble's is 64 on.
func lvq4qEntry(b int) int { return b/64*128 + b%64 }

// Dim returns the query's dimension.
func (q *LVQ4Query) Dim() int { return q.n }

// Set quantizes v (len(v) == Dim(), finite) into the query: 256 levels over
// its range, entry j at level round((v_j - min) / step) with step =
// (max - min) / 255, stored as that level minus 128 (mid = min + 128*step). A
// constant v has step 0 and is exact.
func (q *LVQ4Query) Set(v []float32) {
	v = head(v, q.n)
	lo, hi, sum := floatRangeSum(v)
	sq := k.ip(v, v)
	step := (hi - lo) / 255
	if !(step > 0) || math.IsInf(float64(step), 0) {
		// A constant v: every entry is mid = v[0], exactly. A range beyond float32 (values
		// near 3.4e38, far past what the half-precision LVQ headers hold) takes the same
		// path and is not exact.
		q.k = [6]float32{v[0], 0, sq, sum, float32(q.n), 2 * sum}
		clear(q.s)
		return
	}
	q.k = [6]float32{lo + 128*step, step, sq, sum, float32(q.n), 2 * sum}
	k.levelsU8(q.levels, v, lo, 1/step, 255)
	// Dimensions 16g..16g+15 of whole 32-dimension blocks sit side by side in s: the
	// low nibbles of block b's 16 bytes, then its high nibbles, 64 entries apart.
	whole := q.n &^ 31
	for g := 0; g < whole/16; g++ {
		blk, hiHalf := g/2, g%2
		b := blk * 16 // the block's first code byte
		p := lvq4qEntry(b) + 64*hiHalf
		src := q.levels[16*g : 16*g+16]
		dst := q.s[p : p+16]
		for i, u := range src {
			dst[i] = int8(u ^ 0x80)
		}
	}
	for i, p := range q.tail {
		q.s[p] = int8(q.levels[whole+i] ^ 0x80)
	}
}

// floatRangeSumGeneric returns the smallest value, the largest and the sum of v (len(v) >= 1).
func floatRangeSumGeneric(v []float32) (lo, hi, sum float32) {
	lo, hi = v[0], v[0]
	for _, x := range v {
		sum += x
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	return lo, hi, sum
}

// LVQ4QL2SqrBatch sets out[i] to the squared L2 distance between q and the
// decoding of the one-level 4-bit LVQ row ids[i] of slab (row r at
// slab[r*stride:]; only its header and primary codes are read, so the primary
// level of two-level rows too), for i < len(ids), with q's entries rounded as
// Set describes. It panics if a row lies outside slab or len(out) < len(ids).
func LVQ4QL2SqrBatch(q *LVQ4Query, slab []byte, stride int, ids []uint32, out []float32) {
	checkBatchOut(4+LVQCodeBytes(q.n, 4), len(slab), stride, ids, len(out))
	if len(ids) == 0 {
		return
	}
	lvq4qBatch(q, true, slab, stride, ids, out[:len(ids)])
}

// LVQ4QInnerProductBatch is LVQ4QL2SqrBatch for the inner product with the
// decoded row.
func LVQ4QInnerProductBatch(q *LVQ4Query, slab []byte, stride int, ids []uint32, out []float32) {
	checkBatchOut(4+LVQCodeBytes(q.n, 4), len(slab), stride, ids, len(out))
	if len(ids) == 0 {
		return
	}
	lvq4qBatch(q, false, slab, stride, ids, out[:len(ids)])
}

// LVQ4QRows is LVQ4QL2SqrBatch (l2) or LVQ4QInnerProductBatch over the
// len(out) contiguous rows of slab.
func LVQ4QRows(q *LVQ4Query, l2 bool, slab []byte, stride int, out []float32) {
	checkLVQRows(4+LVQCodeBytes(q.n, 4), len(slab), stride, len(out))
	for lo := 0; lo < len(out); lo += len(rowIDs) {
		m := min(len(rowIDs), len(out)-lo)
		lvq4qBatch(q, l2, slab[lo*stride:], stride, rowIDs[:m], out[lo:lo+m])
	}
}

// LVQ4QFast reports whether the byte-query kernels run in assembly at the
// active level (AVX-512 VNNI). Without it they run in pure Go, slower than
// the float-query LVQ kernels, which callers should then prefer.
func LVQ4QFast() bool { return k.lvq4q }

// lvq4qGeneric is the pure-Go reference of the byte-query kernels: the same
// integer sums and the same float steps as the assembly.
func lvq4qGeneric(q *LVQ4Query, l2 bool, slab []byte, stride int, ids []uint32, out []float32) {
	nb := LVQCodeBytes(q.n, 4)
	for i, id := range ids {
		row := slab[int(id)*stride:]
		scale, bias := lvqHeader(row)
		var d, c1, c2 int64
		for b, x := range row[4 : 4+nb] {
			p := lvq4qEntry(b)
			lo, hi := int64(x&15), int64(x>>4)
			d += int64(q.s[p])*lo + int64(q.s[p+64])*hi
			c1 += lo + hi
			c2 += lo*lo + hi*hi
		}
		k := &q.k
		dot := k[0]*float32(c1) + k[1]*float32(d)
		if !l2 {
			out[i] = scale*dot + bias*k[3]
			continue
		}
		t := (bias*float32(c1) - dot) * 2
		t += scale * float32(c2)
		r := scale * t
		r += bias * (k[4]*bias - k[5])
		out[i] = r + k[2]
	}
}
