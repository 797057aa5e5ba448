//go:build !linux

package hugepage

const enabled = false

func advise(start, n uintptr) {}
