// Package metric names the distance metrics and holds their semantics. Every distance is
// smaller-is-better: l2 is the squared euclidean distance, ip is 1 - <q,x>, cosine is 1 - cos(q,x)
// (vectors are normalised on insert and query, so cosine is ip on unit vectors).
package metric

import (
	"fmt"
	"math"

	"github.com/govsag/vsag/simd"
)

// Kind is a distance metric.
type Kind int

// The metrics VSAG knows.
const (
	L2 Kind = iota
	IP
	Cosine
)

// Parse maps VSAG's metric_type names ("l2", "ip", "cosine") to a Kind.
func Parse(s string) (Kind, error) {
	switch s {
	case "l2":
		return L2, nil
	case "ip":
		return IP, nil
	case "cosine":
		return Cosine, nil
	}
	return 0, fmt.Errorf("metric_type %q is not one of l2, ip, cosine", s)
}

// String returns VSAG's name of the metric.
func (k Kind) String() string {
	switch k {
	case L2:
		return "l2"
	case IP:
		return "ip"
	case Cosine:
		return "cosine"
	}
	return fmt.Sprintf("metric(%d)", int(k))
}

// UsesInnerProduct reports whether distances are computed as 1 - dot product (ip, and cosine
// on normalised vectors).
func (k Kind) UsesInnerProduct() bool { return k == IP || k == Cosine }

// NeedsNormalize reports whether vectors must be normalised to unit length before use.
func (k Kind) NeedsNormalize() bool { return k == Cosine }

// Normalize scales v in place to unit length; a zero vector is left unchanged. The squared
// length is summed by the SIMD kernel in float32 (every cosine query passes through here), in
// float64 only when that sum overflows or underflows.
func Normalize(v []float32) {
	s := float64(simd.InnerProduct(v, v))
	if math.IsInf(s, 0) || math.IsNaN(s) || s < 1e-30 {
		s = 0
		for _, x := range v {
			s += float64(x) * float64(x)
		}
	}
	if s == 0 {
		return
	}
	inv := float32(1 / math.Sqrt(s))
	for i := range v {
		v[i] *= inv
	}
}

// Reference computes the distance between a and b with the metric's semantics in plain Go. It is
// the oracle that tests compare kernels and quantizers against; cosine normalises copies first.
func Reference(k Kind, a, b []float32) float32 {
	switch k {
	case L2:
		var s float64
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			s += d * d
		}
		return float32(s)
	case IP:
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return float32(1 - s)
	default:
		var s, na, nb float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		if na == 0 || nb == 0 {
			return 1
		}
		return float32(1 - s/math.Sqrt(na*nb))
	}
}
