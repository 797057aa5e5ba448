package quant

import (
	"encoding/binary"
	"math"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/cluster"
	"github.com/govsag/vsag/core/metric"
	"github.com/govsag/vsag/simd"
)

func init() {
	Register("pq", func(dim int, m metric.Kind, o Options) (Quantizer, error) {
		b, err := newProductCodebook("pq", dim, o.Codebook.PQDim, pqCentroids)
		if err != nil {
			return nil, err
		}
		return &pqQuant{productCodebook: b, metric: m, byL2: cosineByL2(m, o)}, nil
	})
}

const (
	// pqCentroids is the number of centroids per subspace of pq (one byte per subspace).
	pqCentroids = 256
	// pqMaxTrainRows caps the rows pq and pqfs learn their codebooks from.
	pqMaxTrainRows = 65536
	// pqRowsPerCentroid caps them further at this many per centroid (pqfs's 16 centroids
	// learn from 4 096 rows; more rows do not move them, and cost k-means time).
	pqRowsPerCentroid = 256
)

// productCodebook is the learned state of pq and pqfs: the dim coordinates split into m
// subspaces of sub consecutive coordinates, and each subspace has k centroids, learned by
// k-means under l2 over that subspace's part of the training vectors. A vector encodes as the
// index of the nearest centroid (l2) of each subspace and decodes as the concatenation of those
// centroids, whatever the metric.
type productCodebook struct {
	name string
	dim  int
	m    int // subspaces (pq_dim)
	sub  int // coordinates per subspace
	k    int // centroids per subspace
	// cent holds centroid c of subspace s at cent[(s*k+c)*sub:][:sub].
	cent []float32
	// centT holds the same values transposed per subspace, coordinate j of centroid c of
	// subspace s at centT[(s*sub+j)*k+c], so that short subspaces compute their k distances
	// over contiguous memory.
	centT []float32
}

// pqTransposeBelow is the subspace length below which distances to a subspace's centroids run
// over the transposed codebook; longer subspaces use the row kernels of simd, whose cost per
// row outweighs the scalar loops only from there on.
const pqTransposeBelow = 4

func newProductCodebook(name string, dim, pqDim, k int) (productCodebook, error) {
	if pqDim < 1 {
		return productCodebook{}, api.Errorf(api.InvalidArgument, "pq_dim(%d) must be positive", pqDim)
	}
	if dim%pqDim != 0 {
		return productCodebook{}, api.Errorf(api.InvalidArgument, "pq_dim(%d) does not divide evenly into dim(%d)", pqDim, dim)
	}
	b := productCodebook{name: name, dim: dim, m: pqDim, sub: dim / pqDim, k: k}
	b.setCentroids(make([]float32, dim*k))
	return b, nil
}

// setCentroids makes cent the codebook.
func (b *productCodebook) setCentroids(cent []float32) {
	t := make([]float32, len(cent))
	for s := 0; s < b.m; s++ {
		for c := 0; c < b.k; c++ {
			for j, x := range cent[(s*b.k+c)*b.sub : (s*b.k+c+1)*b.sub] {
				t[(s*b.sub+j)*b.k+c] = x
			}
		}
	}
	b.cent, b.centT = cent, t
}

// train learns the centroids of every subspace from at most pqMaxTrainRows rows (and
// pqRowsPerCentroid per centroid) spread evenly over the n vectors. Non-finite values count as 0. With fewer distinct rows than centroids,
// the missing centroids repeat learned ones (Encode picks the first of equal ones).
func (b *productCodebook) train(vectors []float32, n int) error {
	if err := checkTrain(b.name, vectors, n, b.dim); err != nil {
		return err
	}
	rows := sampleRows(n, min(pqMaxTrainRows, pqRowsPerCentroid*b.k))
	cnt := len(rows)
	k := min(b.k, cnt)
	slice := make([]float32, cnt*b.sub)
	cent := make([]float32, len(b.cent))
	span := b.k * b.sub
	for s := 0; s < b.m; s++ {
		for i, r := range rows {
			src := vectors[r*b.dim+s*b.sub : r*b.dim+(s+1)*b.sub]
			dst := slice[i*b.sub : (i+1)*b.sub]
			for j, x := range src {
				if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
					x = 0
				}
				dst[j] = x
			}
		}
		got, err := cluster.Train(slice, cnt, b.sub, cluster.Options{K: k, Metric: metric.L2, Seed: uint64(s) + 1})
		if err != nil {
			return api.Wrap(api.InternalError, err, "%s: k-means of subspace %d", b.name, s)
		}
		dst := cent[s*span : (s+1)*span]
		copy(dst, got[:k*b.sub])
		for c := k; c < b.k; c++ {
			copy(dst[c*b.sub:(c+1)*b.sub], dst[(c%k)*b.sub:])
		}
	}
	for i, x := range cent {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			cent[i] = 0
		}
	}
	b.setCentroids(cent)
	return nil
}

// subDistances writes into d (len k) the squared l2 distances of x, the coordinates of subspace
// s, to the k centroids of subspace s, or (neg) their negated dot products with x.
func (b *productCodebook) subDistances(x []float32, s int, neg bool, d []float32) {
	k := b.k
	if b.sub >= pqTransposeBelow {
		cs := b.cent[s*k*b.sub : (s+1)*k*b.sub]
		if !neg {
			simd.L2SqrRows(x, cs, b.sub, d)
			return
		}
		simd.InnerProductRows(x, cs, b.sub, d)
		for c := range d {
			d[c] = -d[c]
		}
		return
	}
	d = d[:k]
	ct := b.centT[s*b.sub*k : (s+1)*b.sub*k]
	for j, xj := range x {
		t := ct[j*k : (j+1)*k]
		t = t[:len(d)]
		switch {
		case neg && j == 0:
			for c, y := range t {
				d[c] = -(xj * y)
			}
		case neg:
			for c, y := range t {
				d[c] -= xj * y
			}
		case j == 0:
			for c, y := range t {
				e := xj - y
				d[c] = e * e
			}
		default:
			for c, y := range t {
				e := xj - y
				d[c] += e * e
			}
		}
	}
}

// nearest returns the centroid of subspace s nearest (l2) to v's part of it; dist is scratch.
// Non-finite distances never win over centroid 0.
func (b *productCodebook) nearest(v []float32, s int, dist *[pqCentroids]float32) int {
	d := dist[:b.k]
	b.subDistances(v[s*b.sub:(s+1)*b.sub], s, false, d)
	best, bd := 0, d[0]
	for c, x := range d {
		if x < bd {
			best, bd = c, x
		}
	}
	return best
}

// tables writes, for each subspace s and centroid c, the contribution of that centroid to the
// query's distance into lut[s*k+c]: the squared l2 distance of the query's part for l2, the
// negated dot product for ip (the distance is then 1 + the sum).
func (b *productCodebook) tables(q []float32, ip bool, lut []float32) {
	q = q[:b.dim]
	for s := 0; s < b.m; s++ {
		b.subDistances(q[s*b.sub:(s+1)*b.sub], s, ip, lut[s*b.k:(s+1)*b.k])
	}
}

// queryTables fills lut with the query's tables (tables) and halves them when half is set: under
// cosine the codes are measured by half their squared distance (cosineByL2), a table of squared
// distances each.
func (b *productCodebook) queryTables(q []float32, ip, half bool, lut []float32) {
	b.tables(q, ip, lut)
	if half {
		for i := range lut[:b.m*b.k] {
			lut[i] /= 2
		}
	}
}

// decodeSub writes centroid c of subspace s into its place in dst.
func (b *productCodebook) decodeSub(dst []float32, s, c int) {
	copy(dst[s*b.sub:(s+1)*b.sub], b.cent[(s*b.k+c)*b.sub:(s*b.k+c+1)*b.sub])
}

// Serialized codebook: a 4-byte tag, then dim, pq_dim and the centroids per subspace as
// uint32, then the m*k*sub centroid values as float32, all little-endian.
const pqHeader = 16

func (b *productCodebook) marshal(tag string) []byte {
	out := make([]byte, pqHeader, pqHeader+4*len(b.cent))
	copy(out, tag)
	binary.LittleEndian.PutUint32(out[4:], uint32(b.dim))
	binary.LittleEndian.PutUint32(out[8:], uint32(b.m))
	binary.LittleEndian.PutUint32(out[12:], uint32(b.k))
	for _, v := range b.cent {
		out = binary.LittleEndian.AppendUint32(out, math.Float32bits(v))
	}
	return out
}

// unmarshal checks data against this codebook's tag and shape (the size is known before
// anything is read or allocated) and returns the centroids it holds; non-finite values are
// refused. The codebook itself is left unchanged.
func (b *productCodebook) unmarshal(tag string, data []byte) ([]float32, error) {
	want := pqHeader + 4*b.dim*b.k
	if len(data) != want {
		return nil, api.Errorf(api.InvalidBinary, "%s: state of %d bytes, want %d", b.name, len(data), want)
	}
	if string(data[:4]) != tag {
		return nil, api.Errorf(api.InvalidBinary, "%s: state has tag %q, want %q", b.name, data[:4], tag)
	}
	for i, f := range []struct {
		what string
		v    int
	}{{"dim", b.dim}, {"pq_dim", b.m}, {"centroids per subspace", b.k}} {
		if got := binary.LittleEndian.Uint32(data[4+4*i:]); got != uint32(f.v) {
			return nil, api.Errorf(api.InvalidBinary, "%s: state has %s %d, want %d", b.name, f.what, got, f.v)
		}
	}
	cent := make([]float32, b.dim*b.k)
	for i := range cent {
		v := math.Float32frombits(binary.LittleEndian.Uint32(data[pqHeader+4*i:]))
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, api.Errorf(api.InvalidBinary, "%s: state holds a non-finite value at byte %d", b.name, pqHeader+4*i)
		}
		cent[i] = v
	}
	return cent, nil
}

// pqQuant is VSAG's product quantizer "pq": pq_dim subspaces (base_pq_dim, dividing dim) of 256
// centroids each, one byte per subspace (CodeSize = pq_dim). Training learns each subspace's
// centroids by k-means (l2) on at most 65 536 rows. For cosine the vectors arrive normalised
// (training rows, encoded rows and queries alike), so cosine is ip here.
//
// The computer builds a table per query (SetQuery) of every centroid's contribution: the
// squared l2 distance of the query's part to it for l2, its dot product with the query's part
// for ip and cosine. The distance to a code sums one entry per subspace (ip: 1 - sum), which is
// the distance between the query and the decoded vector.
type pqQuant struct {
	productCodebook
	metric  metric.Kind
	byL2    bool // cosine codes measured by half their squared distance (cosineByL2)
	trained bool
}

func (q *pqQuant) Name() string        { return "pq" }
func (q *pqQuant) Dim() int            { return q.dim }
func (q *pqQuant) Metric() metric.Kind { return q.metric }
func (q *pqQuant) CodeSize() int       { return q.m }
func (q *pqQuant) NeedTrain() bool     { return true }
func (q *pqQuant) Trained() bool       { return q.trained }

func (q *pqQuant) Train(vectors []float32, n int) error {
	if err := q.train(vectors, n); err != nil {
		return err
	}
	q.trained = true
	return nil
}

func (q *pqQuant) Encode(dst []byte, v []float32) {
	dst, v = dst[:q.m], v[:q.dim]
	var scratch [pqCentroids]float32
	for s := range dst {
		dst[s] = uint8(q.nearest(v, s, &scratch))
	}
}

func (q *pqQuant) Decode(dst []float32, code []byte) {
	dst = dst[:q.dim]
	for s, c := range code[:q.m] {
		q.decodeSub(dst, s, int(c))
	}
}

func (q *pqQuant) MarshalBinary() ([]byte, error) {
	if !q.trained {
		return nil, api.Errorf(api.WrongStatus, "%s: the quantizer is not trained", q.name)
	}
	return q.marshal("PQ8C"), nil
}

func (q *pqQuant) UnmarshalBinary(data []byte) error {
	cent, err := q.unmarshal("PQ8C", data)
	if err != nil {
		return err
	}
	q.setCentroids(cent)
	q.trained = true
	return nil
}

func (q *pqQuant) NewComputer() Computer {
	c := &pqComputer{q: q, lut: make([]float32, q.m*pqCentroids), ip: q.metric.UsesInnerProduct() && !q.byL2, half: q.byL2}
	if c.ip {
		c.bias = 1
	}
	return c
}

type pqComputer struct {
	q    *pqQuant
	lut  []float32 // m tables of 256 entries
	ip   bool
	bias float32 // 1 for ip (the tables hold negated dot products), 0 for l2
	half bool    // cosine by l2: the tables hold half the squared distances
}

func (c *pqComputer) SetQuery(v []float32) { c.q.queryTables(v, c.ip, c.half, c.lut) }

func (c *pqComputer) Distance(code []byte) float32 {
	return c.bias + lutSum(c.lut, code[:c.q.m])
}

func (c *pqComputer) DistanceBatch(slab []byte, ids []uint32, out []float32) {
	lutBatch(c.lut, c.bias, slab, c.q.m, ids, out)
}

func (c *pqComputer) DistanceRows(slab []byte, out []float32) {
	lutRows(c.lut, c.bias, slab, c.q.m, out)
}

// Byte-table sums: lut holds one table of 256 float32 per code byte (len(lut) >= 256*len(code)),
// and the value of a code is the sum over its bytes i of lut[256*i + code[i]]. pq's tables are
// per subspace, pqfs's per pair of subspaces. The sums run in groups of four bytes, each group
// summed first and then added to the total, in the same order in every function here, so a
// code gets the same value from all of them.

// lutSum returns the value of one code.
func lutSum(lut []float32, code []byte) float32 {
	var d float32
	n := len(code)
	i := 0
	for ; i+4 <= n; i += 4 {
		t, c := (*[4 * 256]float32)(lut[i*256:]), (*[4]byte)(code[i:i+4])
		d += t[c[0]] + t[256+int(c[1])] + t[512+int(c[2])] + t[768+int(c[3])]
	}
	for ; i < n; i++ {
		d += (*[256]float32)(lut[i*256:])[code[i]]
	}
	return d
}

// lutSum4 returns the values of four codes of len(a) bytes, interleaved so the four
// accumulations overlap.
func lutSum4(lut []float32, a, b, c, d []byte) (da, db, dc, dd float32) {
	n := len(a)
	b, c, d = b[:n], c[:n], d[:n]
	i := 0
	for ; i+4 <= n; i += 4 {
		t := (*[4 * 256]float32)(lut[i*256:])
		a4, b4, c4, d4 := (*[4]byte)(a[i:i+4]), (*[4]byte)(b[i:i+4]), (*[4]byte)(c[i:i+4]), (*[4]byte)(d[i:i+4])
		da += t[a4[0]] + t[256+int(a4[1])] + t[512+int(a4[2])] + t[768+int(a4[3])]
		db += t[b4[0]] + t[256+int(b4[1])] + t[512+int(b4[2])] + t[768+int(b4[3])]
		dc += t[c4[0]] + t[256+int(c4[1])] + t[512+int(c4[2])] + t[768+int(c4[3])]
		dd += t[d4[0]] + t[256+int(d4[1])] + t[512+int(d4[2])] + t[768+int(d4[3])]
	}
	for ; i < n; i++ {
		t := (*[256]float32)(lut[i*256:])
		da += t[a[i]]
		db += t[b[i]]
		dc += t[c[i]]
		dd += t[d[i]]
	}
	return
}

// lutRows sets out[r] = bias + the value of row r of slab (rows of size bytes).
func lutRows(lut []float32, bias float32, slab []byte, size int, out []float32) {
	n := len(out)
	if n == 0 {
		return
	}
	slab = slab[:n*size]
	r := 0
	for ; r+4 <= n; r += 4 {
		g := slab[r*size : (r+4)*size]
		d0, d1, d2, d3 := lutSum4(lut, g[:size], g[size:2*size], g[2*size:3*size], g[3*size:])
		o := (*[4]float32)(out[r:])
		o[0], o[1], o[2], o[3] = bias+d0, bias+d1, bias+d2, bias+d3
	}
	for ; r < n; r++ {
		out[r] = bias + lutSum(lut, slab[r*size:(r+1)*size])
	}
}

// lutBatch sets out[i] = bias + the value of row ids[i] of slab, four rows at a time, with the
// next group's rows prefetched.
func lutBatch(lut []float32, bias float32, slab []byte, size int, ids []uint32, out []float32) {
	out = out[:len(ids)]
	row := func(id uint32) []byte {
		off := int(id) * size
		return slab[off : off+size]
	}
	i := 0
	for ; i+4 <= len(ids); i += 4 {
		g := ids[i : i+4 : i+4]
		if i+8 <= len(ids) {
			simd.PrefetchRows(slab, ids[i+4:i+8], size)
		}
		d0, d1, d2, d3 := lutSum4(lut, row(g[0]), row(g[1]), row(g[2]), row(g[3]))
		o := (*[4]float32)(out[i:])
		o[0], o[1], o[2], o[3] = bias+d0, bias+d1, bias+d2, bias+d3
	}
	for ; i < len(ids); i++ {
		out[i] = bias + lutSum(lut, row(ids[i]))
	}
}
