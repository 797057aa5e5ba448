package simd

import "testing"

// BenchmarkPopcountPlanes4 is one 960-dimension code plane (15 words) against the four
// planes of a 4-bit query, per level.
func BenchmarkPopcountPlanes4(b *testing.B) {
	r := newRand(3)
	a := make([]uint64, 15)
	q := make([]uint64, 4*len(a))
	for i := range a {
		a[i] = r.Uint64()
	}
	for i := range q {
		q[i] = r.Uint64()
	}
	orig := Level()
	defer func() { _ = SetLevel(orig) }()
	for _, lvl := range Levels() {
		b.Run(lvl, func(b *testing.B) {
			_ = SetLevel(lvl)
			var s int
			for b.Loop() {
				w, o := PopcountPlanes4(a, q)
				s += w + o
			}
			sinkI = s
		})
	}
}
