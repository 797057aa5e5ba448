package attr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Binary form of a Set (little endian), used by index files:
//
//	u32 count, then per attribute in name order:
//	u32 len(name), name, u8 kind, u8 multi, u32 count, elements
//	(int: i64, float: f64 bits, string: u32 len + bytes)

// AppendBinary appends the binary form of s to dst.
func AppendBinary(dst []byte, s Set) []byte {
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(s)))
	for _, name := range s.Names() {
		v := s[name]
		dst = binary.LittleEndian.AppendUint32(dst, uint32(len(name)))
		dst = append(dst, name...)
		multi := byte(0)
		if v.Multi {
			multi = 1
		}
		dst = append(dst, byte(v.Kind), multi)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(v.Len()))
		switch v.Kind {
		case KindInt:
			for _, x := range v.Ints {
				dst = binary.LittleEndian.AppendUint64(dst, uint64(x))
			}
		case KindFloat:
			for _, x := range v.Floats {
				dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(x))
			}
		default:
			for _, x := range v.Strs {
				dst = binary.LittleEndian.AppendUint32(dst, uint32(len(x)))
				dst = append(dst, x...)
			}
		}
	}
	return dst
}

var errShort = errors.New("attributes: truncated data")

type reader struct{ b []byte }

func (r *reader) u32() (uint32, error) {
	if len(r.b) < 4 {
		return 0, errShort
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v, nil
}

func (r *reader) u64() (uint64, error) {
	if len(r.b) < 8 {
		return 0, errShort
	}
	v := binary.LittleEndian.Uint64(r.b)
	r.b = r.b[8:]
	return v, nil
}

func (r *reader) bytes(n uint32) ([]byte, error) {
	if uint64(len(r.b)) < uint64(n) {
		return nil, errShort
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v, nil
}

// ReadBinary decodes one Set from the front of b and returns the bytes that follow it. Every
// length is checked against the input, so corrupted data gives an error, never a panic or a
// huge allocation.
func ReadBinary(b []byte) (Set, []byte, error) {
	r := &reader{b: b}
	n, err := r.u32()
	if err != nil {
		return nil, nil, err
	}
	if uint64(n) > uint64(len(r.b))/10 { // each attribute takes at least 10 bytes
		return nil, nil, fmt.Errorf("attributes: %d attributes do not fit in %d bytes", n, len(r.b))
	}
	var s Set
	if n > 0 {
		s = make(Set, n)
	}
	prev := ""
	for a := uint32(0); a < n; a++ {
		nl, err := r.u32()
		if err != nil {
			return nil, nil, err
		}
		name, err := r.bytes(nl)
		if err != nil {
			return nil, nil, err
		}
		if !ValidName(string(name)) {
			return nil, nil, fmt.Errorf("attributes: invalid attribute name %q", name)
		}
		if a > 0 && string(name) <= prev {
			return nil, nil, fmt.Errorf("attributes: attribute %q is out of order or repeated", name)
		}
		prev = string(name)
		hdr, err := r.bytes(2)
		if err != nil {
			return nil, nil, err
		}
		v := Value{Kind: Kind(hdr[0]), Multi: hdr[1] == 1}
		if hdr[1] > 1 {
			return nil, nil, fmt.Errorf("attributes: bad multi flag %d", hdr[1])
		}
		cnt, err := r.u32()
		if err != nil {
			return nil, nil, err
		}
		if !v.Multi && cnt != 1 {
			return nil, nil, fmt.Errorf("attributes: single value %q holds %d elements", name, cnt)
		}
		minSize := uint64(8)
		if v.Kind == KindString {
			minSize = 4
		}
		if uint64(cnt) > uint64(len(r.b))/minSize {
			return nil, nil, fmt.Errorf("attributes: %d elements do not fit in %d bytes", cnt, len(r.b))
		}
		switch v.Kind {
		case KindInt:
			v.Ints = make([]int64, cnt)
			for i := range v.Ints {
				x, _ := r.u64()
				v.Ints[i] = int64(x)
			}
		case KindFloat:
			v.Floats = make([]float64, cnt)
			for i := range v.Floats {
				x, _ := r.u64()
				v.Floats[i] = math.Float64frombits(x)
			}
		case KindString:
			v.Strs = make([]string, cnt)
			for i := range v.Strs {
				l, err := r.u32()
				if err != nil {
					return nil, nil, err
				}
				sb, err := r.bytes(l)
				if err != nil {
					return nil, nil, err
				}
				v.Strs[i] = string(sb)
			}
		default:
			return nil, nil, fmt.Errorf("attributes: unknown value kind %d", hdr[0])
		}
		s[string(name)] = v
	}
	return s, r.b, nil
}
