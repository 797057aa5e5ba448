package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate regenerates the kernels into a temporary directory
// and fails if the committed files in simd/ differ (the Go-test form of check.sh).
func TestGeneratedUpToDate(t *testing.T) {
	dir := t.TempDir()
	gen(dir, "avx2", genAVX2)
	gen(dir, "avx512", genAVX512)
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) != 4 {
		t.Fatalf("generated %v, %v", files, err)
	}
	for _, f := range files {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("..", "..", filepath.Base(f)))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("simd/%s is stale: run go generate ./simd", filepath.Base(f))
		}
	}
}
