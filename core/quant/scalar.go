package quant

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/simd"
)

// Shared machinery of the scalar quantizers: reinterpreting codes, learning trimmed ranges from
// a sample, rounding to a code level, and the serialized form of trained state.

// maxTrainRows caps the rows the trainers look at; ranges learned from a uniform sample of this
// size are as good as those from the full set and training stays fast.
const maxTrainRows = 20000

// asUint16 reinterprets b (2-byte aligned, as every row of a code slab is) as uint16s.
func asUint16(b []byte) []uint16 {
	if len(b) < 2 {
		return nil
	}
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), len(b)/2)
}

// asInt8 reinterprets b as int8s.
func asInt8(b []byte) []int8 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), len(b))
}

// checkTrain validates the arguments of Train.
func checkTrain(name string, vectors []float32, n, dim int) error {
	if n <= 0 {
		return api.Errorf(api.InvalidArgument, "%s: training needs at least one vector, got %d", name, n)
	}
	if len(vectors) < n*dim {
		return api.Errorf(api.InvalidArgument, "%s: %d values do not hold %d vectors of dim %d", name, len(vectors), n, dim)
	}
	return nil
}

// maxTrainValues caps the values the global-range trainers look at.
const maxTrainValues = 1 << 21

// sampleRows returns the indexes of at most limit rows spread evenly over n rows.
func sampleRows(n, limit int) []int {
	m := max(1, min(n, limit))
	out := make([]int, m)
	for i := range out {
		out[i] = int(int64(i) * int64(n) / int64(m))
	}
	return out
}

// trimmedRange returns the range [lo, hi] of vals after ignoring the lowest and the highest
// fraction rate of them (rate 0 gives min and max). vals is reordered. Non-finite values are
// ignored; with no finite value the range is [0, 0].
func trimmedRange(vals []float32, rate float64) (lo, hi float32) {
	w := 0
	for _, v := range vals {
		if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
			vals[w] = v
			w++
		}
	}
	vals = vals[:w]
	if w == 0 {
		return 0, 0
	}
	cut := int(rate * float64(w))
	if cut*2 >= w {
		cut = (w - 1) / 2
	}
	if cut == 0 {
		lo, hi = vals[0], vals[0]
		for _, v := range vals {
			lo, hi = min(lo, v), max(hi, v)
		}
		return lo, hi
	}
	lo = selectNth(vals, cut)
	hi = selectNth(vals, w-1-cut)
	return lo, hi
}

// selectNth returns the value that would sit at index k if a were sorted ascending, reordering a
// (quickselect with median-of-three pivots).
func selectNth(a []float32, k int) float32 {
	l, r := 0, len(a)-1
	for l < r {
		m := l + (r-l)/2
		if a[m] < a[l] {
			a[m], a[l] = a[l], a[m]
		}
		if a[r] < a[l] {
			a[r], a[l] = a[l], a[r]
		}
		if a[r] < a[m] {
			a[r], a[m] = a[m], a[r]
		}
		p := a[m]
		i, j := l, r
		for i <= j {
			for a[i] < p {
				i++
			}
			for a[j] > p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			r = j
		case k >= i:
			l = i
		default:
			return a[k]
		}
	}
	return a[k]
}

// level maps x in [lo, lo+diff] to the nearest of levels+1 evenly spaced codes 0..levels,
// clamping values outside the range; inv is levels/diff (0 when diff is 0). NaN maps to 0.
func level(x, lo, inv float32, levels int) uint8 {
	return simd.UniformLevel(x, lo, inv, float32(levels))
}

// invScale returns levels/diff, or 0 for an empty range.
func invScale(diff float32, levels int) float32 {
	if !(diff > 0) {
		return 0
	}
	inv := float32(levels) / diff
	if math.IsInf(float64(inv), 0) {
		return 0
	}
	return inv
}

// packNibbles writes the 4-bit codes of dim dimensions into dst, low nibble for even dims;
// the unused high nibble of an odd-length code is zero.
func packNibbles(dst []byte, dim int, code func(j int) uint8) {
	for j := 0; j+1 < dim; j += 2 {
		dst[j/2] = code(j) | code(j+1)<<4
	}
	if dim%2 == 1 {
		dst[dim/2] = code(dim - 1)
	}
}

// nibble returns the 4-bit code of dimension j.
func nibble(code []byte, j int) uint8 { return code[j/2] >> (4 * uint(j&1)) & 15 }

// State serialization: a 4-byte tag naming the format, the dimension as uint32, then float32
// arrays of lengths fixed by the quantizer, all little-endian.

func marshalState(tag string, dim int, arrays ...[]float32) []byte {
	n := 8
	for _, a := range arrays {
		n += 4 * len(a)
	}
	out := make([]byte, 8, n)
	copy(out, tag)
	binary.LittleEndian.PutUint32(out[4:], uint32(dim))
	for _, a := range arrays {
		for _, v := range a {
			out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
		}
	}
	return out
}

// unmarshalState checks the tag, dimension and exact length of data and fills dsts, rejecting
// non-finite values. Nothing is written unless the whole state is valid.
func unmarshalState(name, tag string, dim int, data []byte, dsts ...[]float32) error {
	n := 8
	for _, d := range dsts {
		n += 4 * len(d)
	}
	if len(data) != n {
		return api.Errorf(api.InvalidBinary, "%s: state of %d bytes, want %d", name, len(data), n)
	}
	if string(data[:4]) != tag {
		return api.Errorf(api.InvalidBinary, "%s: state has tag %q, want %q", name, data[:4], tag)
	}
	if d := binary.LittleEndian.Uint32(data[4:]); d != uint32(dim) {
		return api.Errorf(api.InvalidBinary, "%s: state is for dim %d, want %d", name, d, dim)
	}
	off := 8
	for i := 8; i < n; i += 4 {
		v := math.Float32frombits(binary.LittleEndian.Uint32(data[i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return api.Errorf(api.InvalidBinary, "%s: state holds a non-finite value at byte %d", name, i)
		}
	}
	for _, d := range dsts {
		for j := range d {
			d[j] = math.Float32frombits(binary.LittleEndian.Uint32(data[off:]))
			off += 4
		}
	}
	return nil
}

// errState reports a state blob given to a quantizer that has none.
func errState(name string, n int) error {
	return api.Errorf(api.InvalidBinary, "%s: has no trained state but got %d bytes", name, n)
}
