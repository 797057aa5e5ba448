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
	Slice[byte](nil)
	Slice(make([]uint32, 0, 8))
	Advise(nil, 0)
	x := make([]byte, 64)
	Advise(unsafe.Pointer(&x[0]), len(x))
}
