package hugepage

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// vmFlags returns the VmFlags line of the mapping of /proc/self/smaps that holds addr.
func vmFlags(t *testing.T, addr uintptr) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x ", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = addr >= lo && addr < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return line
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("no mapping holds %#x", addr)
	return ""
}

func TestAdviseMarksTheAlignedInterior(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("kernel without transparent huge pages")
	}
	if !enabled {
		t.Skip("VSAG_HUGEPAGES=0")
	}
	buf := make([]byte, 16<<20)
	Slice(buf)
	base := uintptr(unsafe.Pointer(&buf[0]))
	inner := (base + size - 1) &^ (size - 1)
	require.Contains(t, vmFlags(t, inner), " hg", "the 2 MiB-aligned interior is marked MADV_HUGEPAGE")
	buf[inner-base] = 1 // first touch after the advice
}

func TestAdviseIgnoresEmptyAndTinyRanges(t *testing.T) {
	// no advice for ranges below MinBytes or without a whole aligned huge page inside
	for _, tc := range []struct {
		p uintptr
		n int
	}{{0, 0}, {size, 1}, {size, 64}, {size, MinBytes - 1}, {size + 1, int(size)}, {size + 1, int(2*size) - 2}} {
		_, length := span(tc.p, tc.n)
		require.Zero(t, length, "span(%#x, %d)", tc.p, tc.n)
	}
	// a range holding exactly one aligned huge page gets exactly that page
	start, length := span(size-1, int(2*size))
	require.Equal(t, uintptr(size), start)
	require.Equal(t, uintptr(size), length)

	// the calls on empty and tiny buffers return and leave the contents alone
	Slice[byte](nil)
	Slice(make([]uint32, 0, 8))
	Advise(nil, 0)
	x := make([]byte, 64)
	for i := range x {
		x[i] = byte(i)
	}
	Advise(unsafe.Pointer(&x[0]), len(x))
	for i := range x {
		require.Equal(t, byte(i), x[i])
	}
}
