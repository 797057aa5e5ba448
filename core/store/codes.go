package store

import (
	"encoding/binary"

	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
)

// Codes is a flat store of quantized vectors: one contiguous 64-byte aligned slab, row r at
// [r*stride, (r+1)*stride). Growth reallocates the slab, so readers must hold the index's read
// lock while they use Slab.
type Codes struct {
	q      quant.Quantizer
	stride int
	acct   *alloc.Account // nil: the global account
	mem    *alloc.Slab    // backing of slab (64-byte aligned), charged to acct
	slab   []byte
	n      int
	disk   *diskStore // nil: the rows are in memory (io.go)
}

// NewCodes returns an empty store of codes of q.
func NewCodes(q quant.Quantizer) *Codes { return &Codes{q: q, stride: q.CodeSize()} }

// Quantizer returns the store's quantizer.
func (c *Codes) Quantizer() quant.Quantizer { return c.q }

// Stride returns the size of one row in bytes.
func (c *Codes) Stride() int { return c.stride }

// Len returns the number of rows.
func (c *Codes) Len() int { return c.n }

// Reserve makes room for at least rows rows without further reallocation. The old slab is
// freed, so the caller holds the index's exclusive lock (or the store is not published yet).
// It panics with NO_ENOUGH_MEMORY when the account's allocator returns no memory; Ensure
// returns that error instead.
func (c *Codes) Reserve(rows int) {
	if err := c.reserve(rows); err != nil {
		panic(err)
	}
}

// reserve is Reserve returning NO_ENOUGH_MEMORY, with nothing changed, when the allocator
// returns no memory.
func (c *Codes) reserve(rows int) error {
	need := rows * c.stride
	if need <= len(c.slab) {
		return nil
	}
	if c.disk != nil {
		c.reserveDisk(rows) // an error is kept for Err
		return nil
	}
	var s *alloc.Slab
	if c.mem != nil {
		s = c.mem.Grow(need, c.n*c.stride)
	} else {
		s = alloc.NewSlab(c.acct, need)
	}
	if s == nil {
		return api.Errorf(api.NoEnoughMemory, "the allocator returned no memory for a code store of %d bytes", need)
	}
	c.mem, c.slab = s, s.Bytes()
	return nil
}

// SetAccount makes the store charge its slabs to a (nil: the global account) and allocate them
// with a's allocator from its next growth on; the slab held now is moved to a's charge.
func (c *Codes) SetAccount(a *alloc.Account) {
	if c.acct == a {
		return
	}
	if c.mem != nil {
		c.mem = c.mem.Move(a)
	}
	c.acct = a
}

// Account returns the account the store charges (nil: the global account).
func (c *Codes) Account() *alloc.Account { return c.acct }

// Empty returns an empty store of the same quantizer charging the same account.
func (c *Codes) Empty() *Codes { return &Codes{q: c.q, stride: c.stride, acct: c.acct} }

// Ensure makes room for extra more rows (growing to at least twice the rows held, as Append
// does), or returns NO_ENOUGH_MEMORY with nothing changed when the machine cannot hold the
// grown slab.
func (c *Codes) Ensure(extra int) error {
	need := int64(c.n) + int64(max(extra, 0))
	if need*int64(c.stride) <= int64(len(c.slab)) {
		return nil
	}
	if c.disk != nil {
		c.Reserve(int(max(need, int64(c.n)*2, 64)))
		return c.Err()
	}
	rows := alloc.GrowRows(need, int64(c.n), int64(c.stride))
	if err := c.checkGrow(rows); err != nil {
		rows = need // try the exact size before giving up
		if err := c.checkGrow(rows); err != nil {
			return err
		}
	}
	return c.reserve(int(rows))
}

// checkGrow checks growing the slab to rows rows against the account and the machine.
func (c *Codes) checkGrow(rows int64) error {
	total := alloc.Mul(rows, int64(c.stride))
	return c.acct.CheckGrowth(total, total-int64(len(c.slab)), "growing a code store")
}

// Append encodes v as a new row and returns its row number.
func (c *Codes) Append(v []float32) int {
	if c.n == len(c.slab)/max(c.stride, 1) {
		c.Reserve(int(alloc.GrowRows(int64(c.n)+1, int64(c.n), int64(c.stride))))
	}
	r := c.n
	c.n++
	c.q.Encode(c.slab[r*c.stride:(r+1)*c.stride], v)
	return r
}

// AppendCode appends a row whose code is already encoded (CodeSize bytes) and returns its row.
func (c *Codes) AppendCode(code []byte) int {
	if c.n == len(c.slab)/max(c.stride, 1) {
		c.Reserve(int(alloc.GrowRows(int64(c.n)+1, int64(c.n), int64(c.stride))))
	}
	r := c.n
	c.n++
	copy(c.slab[r*c.stride:(r+1)*c.stride], code)
	return r
}

// Set re-encodes row r with v.
func (c *Codes) Set(r int, v []float32) {
	if c.disk != nil && c.disk.shared && !c.unshare() {
		return // the error is kept for Err; the saved index's row stays as it was
	}
	c.q.Encode(c.slab[r*c.stride:(r+1)*c.stride], v)
	if c.disk != nil && c.disk.cache != nil {
		c.disk.cache.invalidate(r)
	}
}

// Code returns row r's code.
func (c *Codes) Code(r int) []byte { return c.slab[r*c.stride : (r+1)*c.stride] }

// Slab returns the rows 0..Len()-1 as one slice.
func (c *Codes) Slab() []byte { return c.slab[:c.n*c.stride] }

// MemoryUsage returns the bytes held.
// An on-disk store counts only its row cache: its rows are in the file (the pages of its
// mapping that were touched stay in the page cache, which the system reclaims).
func (c *Codes) MemoryUsage() int64 {
	if c.disk != nil && c.disk.cache != nil {
		return int64(len(c.disk.cache.data))
	}
	return c.mem.Size()
}

// Clone returns a deep copy sharing the (immutable once trained) quantizer.
func (c *Codes) Clone() *Codes {
	d := c.Empty()
	d.Reserve(c.n)
	copy(d.slab, c.slab[:c.n*c.stride])
	d.n = c.n
	return d
}

// MarshalBinary writes the row count, the row size and the rows (format version 1's encoding;
// files are written with WriteSection).
func (c *Codes) MarshalBinary() ([]byte, error) {
	out := make([]byte, 16, 16+c.n*c.stride)
	binary.LittleEndian.PutUint64(out, uint64(c.n))
	binary.LittleEndian.PutUint64(out[8:], uint64(c.stride))
	return append(out, c.slab[:c.n*c.stride]...), nil
}

// UnmarshalBinary restores rows written by MarshalBinary (format version 1's encoding),
// checking every length.
func (c *Codes) UnmarshalBinary(b []byte) error {
	return c.ReadSection(serial.NewSectionReader("codes", 1, b))
}
