package ivf

import (
	"encoding/binary"
	"io"
	"unsafe"

	json "github.com/goccy/go-json"
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/internal/memguard"
	"github.com/govsag/vsag/core/quant"
	"github.com/govsag/vsag/core/serial"
	"github.com/govsag/vsag/core/store"
)

// Section names.
const (
	secInfo      = "ivf.info"
	secPartition = "ivf.partition"
	secBaseQ     = "ivf.base_quantizer"
	secPreciseQ  = "ivf.precise_quantizer"
	secLabels    = "ivf.labels"
	secBuckets   = "ivf.buckets"
	secPrecise   = "ivf.precise_codes"
	secGraphs    = "ivf.bucket_graphs"
)

// info describes the layout a file was written with; Load checks it against the index.
type info struct {
	Dim       int    `json:"dim"`
	Buckets   int    `json:"buckets"`
	Strategy  string `json:"strategy"`
	Base      string `json:"base"`
	Precise   string `json:"precise"`
	Layout    string `json:"layout"`
	PerData   int    `json:"buckets_per_data"`
	Residual  bool   `json:"use_residual"`
	Trained   bool   `json:"trained"`
	BaseSize  int    `json:"base_code_size"`
	PreciseSz int    `json:"precise_code_size"`
	Threshold int    `json:"graph_build_threshold"`
}

func (x *Index) info() info {
	in := info{Dim: x.dim, Buckets: x.p.BucketsCount, Strategy: x.p.PartitionStrategyType, Base: x.base.Name(),
		Layout: x.p.PreciseCodesLayout, PerData: x.p.BucketsPerData, Residual: x.p.UseResidual, Trained: x.trained,
		BaseSize: x.base.CodeSize(), Threshold: x.p.GraphBuildThreshold}
	if x.precise != nil {
		in.Precise, in.PreciseSz = x.precise.Name(), x.precise.CodeSize()
	}
	return in
}

// bucketsSize returns the size of the buckets section: per bucket a count, the rows, the base
// codes and, in the bucket layout, the precise codes.
func (x *Index) bucketsSize() int64 {
	var s int64
	for i := range x.buckets {
		bk := &x.buckets[i]
		s += 4 + int64(len(bk.rows))*4 + int64(len(bk.codes)+len(bk.precise))
	}
	return s
}

func (x *Index) writeBuckets(w io.Writer) error {
	var n [4]byte
	for i := range x.buckets {
		bk := &x.buckets[i]
		binary.LittleEndian.PutUint32(n[:], uint32(len(bk.rows)))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		if err := serial.WriteUint32s(w, bk.rows); err != nil {
			return err
		}
		if _, err := w.Write(bk.codes); err != nil {
			return err
		}
		if _, err := w.Write(bk.precise); err != nil {
			return err
		}
	}
	return nil
}

// Save implements api.Engine: the description, centroids and quantizers now, the labels and
// the buckets streamed when f is written (core holds its snapshot lock until then).
func (x *Index) Save(f *serial.File) error {
	x.mu.RLock()
	defer x.mu.RUnlock()
	inf, _ := json.Marshal(x.info())
	f.Add(secInfo, inf)
	var part []byte
	if x.trained {
		var err error
		if part, err = x.part.marshal(); err != nil {
			return api.Wrap(api.InternalError, err, "ivf: save centroids")
		}
	}
	f.Add(secPartition, part)
	for _, q := range []struct {
		name string
		q    quant.Quantizer
	}{{secBaseQ, x.base}, {secPreciseQ, x.precise}} {
		var st []byte
		if q.q != nil {
			var err error
			if st, err = quant.MarshalState(q.q); err != nil {
				return api.Wrap(api.InternalError, err, "ivf: save %s quantizer", q.q.Name())
			}
		}
		f.Add(q.name, st)
	}
	rl := x.mu.RLocker()
	f.AddLockedStream(secLabels, serial.Critical, x.labels.SectionSize(), rl, x.labels.WriteSection)
	f.AddLockedStream(secBuckets, serial.Critical, x.bucketsSize(), rl, x.writeBuckets)
	if x.preciseCodes != nil {
		f.AddLockedStream(secPrecise, serial.Critical, x.preciseCodes.SectionSize(), rl, x.preciseCodes.WriteSection)
	}
	if x.p.GraphBuildThreshold > 0 {
		f.AddLockedStream(secGraphs, serial.Critical, x.graphsSize(), rl, x.writeGraphs)
	}
	return nil
}

// Load implements api.Engine into an empty index of the same parameters.
func (x *Index) Load(f *serial.File) error {
	x.wmu.Lock()
	defer x.wmu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	bad := func(err error, what string) error { return api.LoadError(err, "ivf", what) }
	ib, err := f.Need(secInfo)
	if err != nil {
		return bad(err, "info")
	}
	var in info
	if err := json.Unmarshal(ib, &in); err != nil {
		return bad(err, "info")
	}
	want := x.info()
	want.Trained = in.Trained
	if in != want {
		return api.Errorf(api.InvalidArgument, "ivf: the file was written by an index with other parameters (%+v, this index %+v)", in, want)
	}
	pb, err := f.Need(secPartition)
	if err != nil {
		return bad(err, "centroids")
	}
	if in.Trained {
		if err := x.part.unmarshal(pb); err != nil {
			return bad(err, "centroids")
		}
	}
	for _, q := range []struct {
		name string
		q    quant.Quantizer
	}{{secBaseQ, x.base}, {secPreciseQ, x.precise}} {
		st, err := f.Need(q.name)
		if err != nil {
			return bad(err, "quantizer")
		}
		if q.q != nil && len(st) > 0 {
			if err := q.q.UnmarshalBinary(st); err != nil {
				return bad(err, q.q.Name()+" quantizer")
			}
		}
	}
	labels := store.NewLabels()
	sr, err := f.Open(secLabels)
	if err == nil {
		err = labels.ReadSection(sr)
	}
	if err != nil {
		return bad(err, "labels")
	}
	sr, err = f.Open(secBuckets)
	if err != nil {
		return bad(err, "buckets")
	}
	buckets, loc, err := x.readBuckets(sr, labels.Total())
	if err != nil {
		return bad(err, "buckets")
	}
	var precise *store.Codes
	if x.preciseCodes != nil {
		precise = x.preciseCodes.Empty()
		sr, err = f.Open(secPrecise)
		if err == nil {
			err = precise.ReadSection(sr)
		}
		if err != nil {
			return bad(err, "precise codes")
		}
		if precise.Len() != labels.Total() {
			return api.Errorf(api.InvalidBinary, "ivf: %d precise codes for %d labels", precise.Len(), labels.Total())
		}
	}
	if x.p.GraphBuildThreshold > 0 {
		sr, err = f.Open(secGraphs)
		if err == nil {
			err = readGraphs(sr, buckets)
		}
		if err != nil {
			return bad(err, "bucket graphs")
		}
	}
	x.labels, x.buckets, x.loc, x.trained = labels, buckets, loc, in.Trained
	if precise != nil {
		x.preciseCodes = precise
	}
	return nil
}

// readBuckets reads the buckets section for total rows, checking every count against what
// is left of the section before allocating, and rebuilds the packed codes and row locations.
func (x *Index) readBuckets(sr *serial.SectionReader, total int) ([]bucket, []uint64, error) {
	cs := x.base.CodeSize()
	ps := 0
	if x.precise != nil && x.preciseCodes == nil {
		ps = x.precise.CodeSize()
	}
	// in a stream the section's size is only what its header claims: what it names must
	// also fit in memory before it is allocated (Go's out-of-memory is fatal)
	need := memguard.Mul(int64(x.p.BucketsCount), int64(unsafe.Sizeof(bucket{})))
	if need >= 0 {
		need += 9 * int64(total)
	}
	if err := memguard.Check(need, "loading ivf buckets"); err != nil {
		return nil, nil, err
	}
	buckets := make([]bucket, x.p.BucketsCount)
	loc := make([]uint64, total)
	seen := make([]bool, total)
	var n [4]byte
	for b := range buckets {
		if _, err := io.ReadFull(sr, n[:]); err != nil {
			return nil, nil, err
		}
		cnt := int64(binary.LittleEndian.Uint32(n[:]))
		if cnt*int64(4+cs+ps) > sr.Remaining() {
			return nil, nil, api.Errorf(api.InvalidBinary, "bucket %d claims %d rows, more than the section holds", b, cnt)
		}
		if err := memguard.Check(cnt*int64(4+cs+ps), "loading an ivf bucket"); err != nil {
			return nil, nil, err
		}
		bk := &buckets[b]
		bk.rows = make([]uint32, cnt)
		if err := serial.ReadUint32s(sr, bk.rows); err != nil {
			return nil, nil, err
		}
		bk.codes = make([]byte, int(cnt)*cs)
		if _, err := io.ReadFull(sr, bk.codes); err != nil {
			return nil, nil, err
		}
		if ps > 0 {
			bk.precise = make([]byte, int(cnt)*ps)
			if _, err := io.ReadFull(sr, bk.precise); err != nil {
				return nil, nil, err
			}
		}
		for pos, r := range bk.rows {
			if int(r) >= total {
				return nil, nil, api.Errorf(api.InvalidBinary, "bucket %d names row %d of %d", b, r, total)
			}
			if !seen[r] {
				seen[r], loc[r] = true, uint64(b)<<32|uint64(pos)
			}
			if x.packed != nil {
				if need := x.packed.PackedSize(pos + 1); need > len(bk.packed) {
					bk.packed = append(bk.packed, make([]byte, need-len(bk.packed))...)
				}
				x.packed.PackRow(bk.packed, pos, bk.codes[pos*cs:(pos+1)*cs])
			}
		}
	}
	for r, ok := range seen {
		if !ok {
			return nil, nil, api.Errorf(api.InvalidBinary, "row %d is in no bucket", r)
		}
	}
	return buckets, loc, sr.Done()
}
