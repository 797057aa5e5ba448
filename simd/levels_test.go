package simd

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUniformLevels compares every level's kernel with the Go reference, value by value, on
// random values, values on and around the level boundaries, and NaN and infinities.
func TestUniformLevels(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	forLVQLevels(t, func(t *testing.T) {
		for _, top := range []float32{15, 255} {
			lo, diff := float32(-1.25), float32(3.5)
			inv := top / diff
			for n := 0; n <= 100; n++ {
				src := make([]float32, n)
				for i := range src {
					switch r.IntN(8) {
					case 0: // a boundary between levels, or next to one
						b := lo + (float32(r.IntN(int(top)+1))+0.5)/inv
						src[i] = math.Float32frombits(math.Float32bits(b) + uint32(r.IntN(3)) - 1)
					case 1:
						src[i] = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, lo, lo + diff, -1e30, 1e30}[r.IntN(8)]
					default:
						src[i] = lo - 0.5 + r.Float32()*(diff+1)
					}
				}
				want := make([]uint8, n)
				wantSum := levelsU8Generic(want, src, lo, inv, top)
				got := make([]uint8, n+1)
				got[n] = 0xaa
				sum := UniformLevels(got, src, lo, inv, top)
				require.Equal(t, want, got[:n], "top %v n %d", top, n)
				require.Equal(t, wantSum, sum, "top %v n %d", top, n)
				require.Equal(t, uint8(0xaa), got[n], "written past n")
				if top == 15 {
					// the packed form: the same levels two a byte, low nibble first
					packed := make([]uint8, (n+1)/2+1)
					packed[len(packed)-1] = 0xaa
					sum4 := UniformLevels4(packed, src, lo, inv, top)
					require.Equal(t, wantSum, sum4, "n %d", n)
					require.Equal(t, uint8(0xaa), packed[len(packed)-1], "written past (n+1)/2")
					for i, l := range want {
						require.Equal(t, l, packed[i/2]>>(4*(i&1))&15, "n %d value %d", n, i)
					}
					if n%2 == 1 {
						require.Zero(t, packed[n/2]>>4, "odd length: high nibble of the last byte")
					}
				}
				for i, x := range src {
					if math.IsNaN(float64(x)) || x <= lo {
						require.Zero(t, want[i])
					}
					if x >= lo+diff {
						require.Equal(t, uint8(top), want[i])
					}
				}
			}
		}
	})
	require.Panics(t, func() { UniformLevels(make([]uint8, 3), make([]float32, 4), 0, 1, 15) })
	require.Panics(t, func() { UniformLevels4(make([]uint8, 2), make([]float32, 5), 0, 1, 15) })
}

func BenchmarkUniformLevels(b *testing.B) {
	src := make([]float32, 784)
	for i := range src {
		src[i] = float32(i % 256)
	}
	dst := make([]uint8, len(src))
	b.Run("8bit", func(b *testing.B) {
		for b.Loop() {
			UniformLevels(dst, src, 0, 1, 255)
		}
	})
	b.Run("4bit", func(b *testing.B) {
		for b.Loop() {
			UniformLevels4(dst, src, 0, 1.0/16, 15)
		}
	})
}
