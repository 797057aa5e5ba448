package hugepage

import (
	"os"

	"golang.org/x/sys/unix"
)

var enabled = os.Getenv("VSAG_HUGEPAGES") != "0"

func advise(start, n uintptr) {
	// The error is ignored on purpose: without THP support the buffer keeps its 4 KiB pages.
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, start, n, unix.MADV_HUGEPAGE)
}
