package sindi

import (
	"encoding/binary"
	"errors"
	"math"

	json "github.com/goccy/go-json"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/serial"
)

// Section names of a saved sindi index.
const (
	secInfo = "sindi.info"
	secData = "sindi.data"
)

// info is the JSON header of a saved index: the configuration it was built with and the sq8
// range.
type info struct {
	Config  config  `json:"config"`
	SQMin   float32 `json:"sq_min"`
	SQScale float32 `json:"sq_scale"`
	SQSet   bool    `json:"sq_set"`
	Built   bool    `json:"built"`
	Removed int64   `json:"removed"`
}

// enc appends little-endian values to a byte slice.
type enc struct{ b []byte }

func (e *enc) u8(v uint8)    { e.b = append(e.b, v) }
func (e *enc) u16(v uint16)  { e.b = binary.LittleEndian.AppendUint16(e.b, v) }
func (e *enc) u32(v uint32)  { e.b = binary.LittleEndian.AppendUint32(e.b, v) }
func (e *enc) u64(v uint64)  { e.b = binary.LittleEndian.AppendUint64(e.b, v) }
func (e *enc) f32(v float32) { e.u32(math.Float32bits(v)) }

// Save implements api.Engine.
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	inf, err := json.Marshal(info{Config: x.cfg, SQMin: x.sqMin, SQScale: x.sqScale, SQSet: x.sqSet, Built: x.built, Removed: x.nRemoved})
	if err != nil {
		return api.Wrap(api.InternalError, err, "sindi: save info")
	}
	e := &enc{}
	e.u64(uint64(len(x.labels)))
	for i, l := range x.labels {
		e.u64(uint64(l))
		e.u8(x.state[i])
	}
	e.u64(uint64(len(x.slotTerm)))
	for _, t := range x.slotTerm {
		e.u32(t)
	}
	e.u64(uint64(len(x.windows)))
	for _, w := range x.windows {
		e.u64(uint64(len(w.lists)))
		for li := range w.lists {
			l := &w.lists[li]
			e.u32(w.terms[li])
			e.u32(uint32(len(l.docs)))
			for i, d := range l.docs {
				e.u16(d)
				switch x.cfg.Value {
				case valueSQ8:
					e.u8(l.q8[i])
				case valueFP16:
					e.u16(l.f16[i])
				default:
					e.f32(l.f32[i])
				}
			}
		}
	}
	if fw := x.fwd; fw != nil {
		e.u64(uint64(len(fw.ids)))
		for _, o := range fw.off[1:] {
			e.u64(uint64(o))
		}
		for i, t := range fw.ids {
			e.u32(t)
			if fw.dmq {
				e.u8(fw.codes[i])
			} else {
				e.f32(fw.vals[i])
			}
		}
		if fw.dmq {
			e.u64(uint64(len(fw.books)))
			for t, b := range fw.books {
				e.u32(t)
				e.f32(b.lo)
				e.f32(b.scale)
			}
			e.f32(fw.sharedCB.lo)
			e.f32(fw.sharedCB.scale)
		}
	}
	f.Add(secInfo, inf)
	f.Add(secData, e.b)
	return nil
}

// dec reads little-endian values, failing once the data runs out.
type dec struct {
	b   []byte
	err error
}

var errShort = errors.New("the section ends early")

func (d *dec) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = errShort
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}
func (d *dec) u8() uint8 {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}
func (d *dec) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}
func (d *dec) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}
func (d *dec) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}
func (d *dec) f32() float32 { return math.Float32frombits(d.u32()) }

// count reads a count of items of at least size bytes each, refusing one the data cannot hold.
func (d *dec) count(size int) int {
	n := d.u64()
	if d.err == nil && n > uint64(len(d.b)/size) {
		d.err = errShort
	}
	if d.err != nil {
		return 0
	}
	return int(n)
}

// Load implements api.Engine.
func (x *Index) Load(f *serial.File) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	bad := func(err error, what string) error { return api.LoadError(err, "sindi", what) }
	ib, err := f.Need(secInfo)
	if err != nil {
		return bad(err, "info")
	}
	var inf info
	if err := json.Unmarshal(ib, &inf); err != nil {
		return bad(err, "info")
	}
	// doc_ordered_postings only shapes what is rebuilt after the load: a file written with or
	// without loads into an index of either
	fileCfg := inf.Config
	fileCfg.DocOrderedPostings = x.cfg.DocOrderedPostings
	if fileCfg != x.cfg {
		return api.Errorf(api.InvalidArgument, "sindi: the file was written with other parameters (%+v) than the index's (%+v)", inf.Config, x.cfg)
	}
	data, err := f.Need(secData)
	if err != nil {
		return bad(err, "data")
	}
	x.reset()
	if err := x.decode(&dec{b: data}, inf); err != nil {
		x.reset()
		return bad(err, "data")
	}
	x.extendDocOrder()
	return nil
}

func (x *Index) decode(d *dec, inf info) error {
	corrupt := func(format string, args ...any) error {
		return api.Errorf(api.InvalidBinary, "sindi: "+format, args...)
	}
	x.sqMin, x.sqScale, x.sqSet, x.built, x.nRemoved = inf.SQMin, inf.SQScale, inf.SQSet, inf.Built, inf.Removed
	n := d.count(9)
	x.labels, x.state = make([]int64, n), make([]uint8, n)
	for i := 0; i < n; i++ {
		x.labels[i], x.state[i] = int64(d.u64()), d.u8()
		if x.state[i] > replaced {
			return corrupt("bad state %d", x.state[i])
		}
		if x.state[i] == live {
			if _, dup := x.byLabel[x.labels[i]]; dup {
				return corrupt("label %d is live twice", x.labels[i])
			}
			x.byLabel[x.labels[i]] = uint32(i)
		}
	}
	ns := d.count(4)
	x.slotTerm = make([]uint32, ns)
	for i := range x.slotTerm {
		x.slotTerm[i] = d.u32()
		x.slots[x.slotTerm[i]] = uint32(i)
	}
	if len(x.slots) != ns {
		return corrupt("duplicate terms")
	}
	nw := d.count(8)
	if nw != (n+x.cfg.WindowSize-1)/x.cfg.WindowSize {
		return corrupt("%d windows for %d documents", nw, n)
	}
	vsize := [...]int{4, 1, 2}[x.cfg.Value]
	tables := int64(0) // the bytes of every window's slot table so far
	for wi := 0; wi < nw; wi++ {
		w := &window{}
		nl := d.count(8)
		ndocs := min(x.cfg.WindowSize, n-wi*x.cfg.WindowSize)
		w.lists, w.terms = make([]plist, nl), make([]uint32, nl)
		for li := 0; li < nl; li++ {
			s := d.u32()
			if int(s) >= ns {
				return corrupt("term slot %d out of range", s)
			}
			if int(s) >= len(w.at) {
				// a window's table spans the slots its terms reach, whatever the file's size,
				// and every window keeps its own: refuse what all of them together cannot
				// hold rather than die of Go's out-of-memory
				size := min(max(int(s)+1, 2*len(w.at)), ns)
				tables += 4 * int64(size-len(w.at))
				if err := memguard.Check(tables, "loading sindi windows"); err != nil {
					return err
				}
				grow := make([]int32, size)
				copy(grow, w.at)
				w.at = grow
			}
			if w.at[s] != 0 {
				return corrupt("two lists for one term in window %d", wi)
			}
			w.at[s], w.terms[li] = int32(li+1), s
			m := int(d.u32())
			if d.err == nil && m > len(d.b)/(2+vsize) {
				return errShort
			}
			l := &w.lists[li]
			l.docs = make([]uint16, m)
			switch x.cfg.Value {
			case valueSQ8:
				l.q8 = make([]uint8, m)
			case valueFP16:
				l.f16 = make([]uint16, m)
			default:
				l.f32 = make([]float32, m)
			}
			for i := 0; i < m; i++ {
				l.docs[i] = d.u16()
				if int(l.docs[i]) >= ndocs {
					return corrupt("document %d out of window %d", l.docs[i], wi)
				}
				switch x.cfg.Value {
				case valueSQ8:
					l.q8[i] = d.u8()
				case valueFP16:
					l.f16[i] = d.u16()
				default:
					l.f32[i] = d.f32()
				}
			}
			x.memberBits(l)
		}
		x.windows = append(x.windows, w)
	}
	if fw := x.fwd; fw != nil {
		per := 8
		if fw.dmq {
			per = 5
		}
		total := d.count(per)
		fw.off = make([]int64, n+1)
		for i := 1; i <= n; i++ {
			fw.off[i] = int64(d.u64())
			if fw.off[i] < fw.off[i-1] || fw.off[i] > int64(total) {
				return corrupt("bad rerank offsets")
			}
		}
		if d.err == nil && fw.off[n] != int64(total) {
			return corrupt("bad rerank offsets")
		}
		fw.ids = make([]uint32, total)
		if fw.dmq {
			fw.codes = make([]uint8, total)
		} else {
			fw.vals = make([]float32, total)
		}
		for i := 0; i < total; i++ {
			fw.ids[i] = d.u32()
			if d.err == nil && int(fw.ids[i]) >= ns {
				return corrupt("rerank term slot %d out of range", fw.ids[i])
			}
			if fw.dmq {
				fw.codes[i] = d.u8()
			} else {
				fw.vals[i] = d.f32()
			}
		}
		if fw.dmq {
			nb := d.count(12)
			fw.books = make(map[uint32]codebook, nb)
			for i := 0; i < nb; i++ {
				t := d.u32()
				fw.books[t] = codebook{lo: d.f32(), scale: d.f32()}
			}
			fw.sharedCB = codebook{lo: d.f32(), scale: d.f32()}
			fw.trained = x.built
		}
	}
	if d.err != nil {
		return d.err
	}
	if len(d.b) != 0 {
		return corrupt("%d bytes after the data", len(d.b))
	}
	live := 0
	for _, s := range x.state {
		if s == removed {
			live++
		}
	}
	if int64(live) != x.nRemoved {
		return corrupt("removed count %d does not match %d removed documents", x.nRemoved, live)
	}
	return nil
}
