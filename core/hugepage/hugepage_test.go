package hugepage

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSpan(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		name          string
		p             uintptr
		n             int
		start, length uintptr
	}{
		{"under MinBytes", 0, MinBytes - 1, 0, 0},
		{"aligned, exact", 4 * mb, 4 * mb, 4 * mb, 4 * mb},
		{"unaligned start", 4*mb + 8, 6 * mb, 6 * mb, 4 * mb},
		{"partial tail dropped", 2 * mb, 5 * mb, 2 * mb, 4 * mb},
		{"one whole page", 2*mb + 1, MinBytes, 4 * mb, 2 * mb},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start, length := span(tc.p, tc.n)
			require.Equal(t, tc.length, length)
			if length > 0 {
				require.Equal(t, tc.start, start)
			}
		})
	}
}
