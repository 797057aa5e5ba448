package memguard

import (
	"bytes"
	"math"
	"os"
	"runtime/metrics"
	"strconv"
)

// systemAvailable reads MemAvailable from /proc/meminfo and, under a cgroup v2 limit, the
// room left below it.
func systemAvailable() int64 {
	avail := int64(math.MaxInt64)
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range bytes.Split(b, []byte("\n")) {
			if f := bytes.Fields(line); len(f) >= 2 && string(f[0]) == "MemAvailable:" {
				if kb, err := strconv.ParseInt(string(f[1]), 10, 64); err == nil {
					avail = kb << 10
				}
			}
		}
	}
	limit, lerr := readInt("/sys/fs/cgroup/memory.max")
	used, uerr := readInt("/sys/fs/cgroup/memory.current")
	if lerr == nil && uerr == nil {
		avail = min(avail, limit-used)
	}
	return avail
}

func readInt(path string) (int64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64) // "max" fails: no limit
}

// goHeap returns the memory the Go runtime holds now.
func goHeap() int64 {
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64())
}
