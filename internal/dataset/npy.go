package dataset

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Array is an n-dimensional numeric array as stored in a .npy file: its shape, its element
// type in numpy's notation without the byte-order mark ("f4", "f8", "i1", "u1", "i2", "u2",
// "i4", "u4", "i8", "u8") and its little-endian, C-ordered bytes.
type Array struct {
	Shape []int
	DType string
	Data  []byte
}

// itemSize returns the byte size of one element of dtype, or 0 when unsupported.
func itemSize(dtype string) int {
	switch dtype {
	case "f4", "i4", "u4":
		return 4
	case "f8", "i8", "u8":
		return 8
	case "i1", "u1", "b1":
		return 1
	case "i2", "u2", "f2":
		return 2
	}
	return 0
}

// Len returns the number of elements.
func (a *Array) Len() int {
	n := 1
	for _, d := range a.Shape {
		n *= d
	}
	return n
}

// Rows returns the length of the first axis (1 for a scalar).
func (a *Array) Rows() int {
	if len(a.Shape) == 0 {
		return 1
	}
	return a.Shape[0]
}

// Cols returns the product of the axes after the first (1 for a vector).
func (a *Array) Cols() int {
	c := 1
	for _, d := range a.Shape[min(1, len(a.Shape)):] {
		c *= d
	}
	return c
}

// Float32 converts the elements to float32.
func (a *Array) Float32() ([]float32, error) {
	n := a.Len()
	out := make([]float32, n)
	d := a.Data
	switch a.DType {
	case "f4":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(d[4*i:]))
		}
	case "f8":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(d[8*i:])))
		}
	case "f2":
		for i := range out {
			out[i] = halfToFloat(binary.LittleEndian.Uint16(d[2*i:]))
		}
	default:
		v, err := a.Int64()
		if err != nil {
			return nil, err
		}
		for i, x := range v {
			out[i] = float32(x)
		}
	}
	return out, nil
}

// Int64 converts integer elements to int64 (floating-point arrays are an error).
func (a *Array) Int64() ([]int64, error) {
	n := a.Len()
	out := make([]int64, n)
	d := a.Data
	switch a.DType {
	case "i1":
		for i := range out {
			out[i] = int64(int8(d[i]))
		}
	case "u1", "b1":
		for i := range out {
			out[i] = int64(d[i])
		}
	case "i2":
		for i := range out {
			out[i] = int64(int16(binary.LittleEndian.Uint16(d[2*i:])))
		}
	case "u2":
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint16(d[2*i:]))
		}
	case "i4":
		for i := range out {
			out[i] = int64(int32(binary.LittleEndian.Uint32(d[4*i:])))
		}
	case "u4":
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint32(d[4*i:]))
		}
	case "i8", "u8":
		for i := range out {
			out[i] = int64(binary.LittleEndian.Uint64(d[8*i:]))
		}
	default:
		return nil, fmt.Errorf("npy: %s elements are not integers", a.DType)
	}
	return out, nil
}

func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		f := float32(mant) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// Float32Array wraps rows x cols float32 values as an Array.
func Float32Array(v []float32, rows, cols int) *Array {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return &Array{Shape: []int{rows, cols}, DType: "f4", Data: b}
}

// Int64Array wraps int64 values with the given shape as an Array.
func Int64Array(v []int64, shape ...int) *Array {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return &Array{Shape: shape, DType: "i8", Data: b}
}

// Int8Array wraps int8 values (rows x cols) as an Array.
func Int8Array(v []int8, rows, cols int) *Array {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return &Array{Shape: []int{rows, cols}, DType: "i1", Data: b}
}

var npyMagic = []byte("\x93NUMPY")

// ReadNPY reads one array in numpy's .npy format (versions 1 to 3) from r. Big-endian data,
// object arrays and structured dtypes are rejected; Fortran-ordered 2-d arrays are transposed
// into C order.
func ReadNPY(r io.Reader) (*Array, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return nil, fmt.Errorf("npy: header: %w", err)
	}
	if string(pre[:6]) != string(npyMagic) {
		return nil, errors.New("npy: bad magic (not a .npy stream)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("npy: header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return nil, fmt.Errorf("npy: unsupported format version %d", pre[6])
	}
	if hlen <= 0 || hlen > 1<<20 {
		return nil, fmt.Errorf("npy: implausible header length %d", hlen)
	}
	hdr := make([]byte, hlen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, fmt.Errorf("npy: header: %w", err)
	}
	descr, fortran, shape, err := parseNPYHeader(string(hdr))
	if err != nil {
		return nil, err
	}
	if len(descr) < 3 {
		return nil, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	order, dt := descr[0], descr[1:]
	size := itemSize(dt)
	if size == 0 || strings.HasPrefix(dt, "b") && dt != "b1" {
		return nil, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	if order == '>' && size > 1 {
		return nil, fmt.Errorf("npy: big-endian dtype %q is not supported", descr)
	}
	if order != '<' && order != '|' && order != '=' && order != '>' {
		return nil, fmt.Errorf("npy: unsupported dtype %q", descr)
	}
	a := &Array{Shape: shape, DType: dt}
	n := a.Len()
	if n < 0 || n > 1<<40/size {
		return nil, fmt.Errorf("npy: implausible shape %v", shape)
	}
	a.Data = make([]byte, n*size)
	if _, err := io.ReadFull(r, a.Data); err != nil {
		return nil, fmt.Errorf("npy: data (%v %s): %w", shape, descr, err)
	}
	if fortran && len(shape) > 1 {
		if len(shape) != 2 {
			return nil, errors.New("npy: Fortran order is supported for 2-d arrays only")
		}
		rows, cols := shape[0], shape[1]
		t := make([]byte, len(a.Data))
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				copy(t[(i*cols+j)*size:(i*cols+j+1)*size], a.Data[(j*rows+i)*size:(j*rows+i+1)*size])
			}
		}
		a.Data = t
	}
	return a, nil
}

// parseNPYHeader parses the Python dict literal of a .npy header.
func parseNPYHeader(h string) (descr string, fortran bool, shape []int, err error) {
	field := func(key string) (string, bool) {
		i := strings.Index(h, "'"+key+"'")
		if i < 0 {
			return "", false
		}
		rest := strings.TrimLeft(h[i+len(key)+2:], " :")
		return rest, true
	}
	rest, ok := field("descr")
	if !ok || len(rest) < 2 || rest[0] != '\'' {
		return "", false, nil, fmt.Errorf("npy: header has no dtype: %q", h)
	}
	end := strings.IndexByte(rest[1:], '\'')
	if end < 0 {
		return "", false, nil, fmt.Errorf("npy: bad dtype in header %q", h)
	}
	descr = rest[1 : 1+end]
	if rest, ok = field("fortran_order"); ok {
		fortran = strings.HasPrefix(rest, "True")
	}
	rest, ok = field("shape")
	if !ok || len(rest) == 0 || rest[0] != '(' {
		return "", false, nil, fmt.Errorf("npy: header has no shape: %q", h)
	}
	end = strings.IndexByte(rest, ')')
	if end < 0 {
		return "", false, nil, fmt.Errorf("npy: bad shape in header %q", h)
	}
	for _, p := range strings.Split(rest[1:end], ",") {
		p = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p), "L"))
		if p == "" {
			continue
		}
		d, err := strconv.Atoi(p)
		if err != nil || d < 0 {
			return "", false, nil, fmt.Errorf("npy: bad shape in header %q", h)
		}
		shape = append(shape, d)
	}
	return descr, fortran, shape, nil
}

// WriteNPY writes a in .npy format version 1.0.
func WriteNPY(w io.Writer, a *Array) error {
	order := "<"
	if itemSize(a.DType) == 1 {
		order = "|"
	}
	dims := make([]string, len(a.Shape))
	for i, d := range a.Shape {
		dims[i] = strconv.Itoa(d)
	}
	shape := strings.Join(dims, ", ")
	if len(dims) == 1 {
		shape += ","
	}
	h := fmt.Sprintf("{'descr': '%s%s', 'fortran_order': False, 'shape': (%s), }", order, a.DType, shape)
	// magic(6) + version(2) + length(2) + header + '\n', padded to a multiple of 64
	total := 10 + len(h) + 1
	pad := (64 - total%64) % 64
	h += strings.Repeat(" ", pad) + "\n"
	if len(h) > math.MaxUint16 {
		return errors.New("npy: header too long")
	}
	var pre [10]byte
	copy(pre[:], npyMagic)
	pre[6], pre[7] = 1, 0
	binary.LittleEndian.PutUint16(pre[8:], uint16(len(h)))
	if _, err := w.Write(pre[:]); err != nil {
		return err
	}
	if _, err := io.WriteString(w, h); err != nil {
		return err
	}
	_, err := w.Write(a.Data)
	return err
}

// ReadNPYFile reads a .npy file.
func ReadNPYFile(path string) (*Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := ReadNPY(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// WriteNPYFile writes a to path in .npy format.
func WriteNPYFile(path string, a *Array) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := WriteNPY(w, a); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
