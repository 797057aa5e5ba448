package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

func testPaths(dir string) *paths {
	return &paths{
		base:    filepath.Join(dir, "base.fvecs"),
		queries: filepath.Join(dir, "queries.fvecs"),
		truth:   filepath.Join(dir, "truth.bin"),
	}
}

// TestGenerateDeterministic checks that the data do not depend on the thread count, that a
// smaller data set is a prefix of a larger one, and that every ground-truth snapshot is the
// exact top-k of its prefix.
func TestGenerateDeterministic(t *testing.T) {
	const d, nq, clusters, kk = 16, 20, 30, 5
	n := 3*drawPart + 123 // a ragged last part
	step := drawPart
	var files [][]byte
	var dirs []string
	for _, c := range []struct{ n, threads int }{{n, 1}, {n, 3}, {2 * drawPart, 2}} {
		dir := t.TempDir()
		p := testPaths(dir)
		if err := generate(p, c.n, d, nq, clusters, kk, step, c.threads, 7); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p.base)
		if err != nil {
			t.Fatal(err)
		}
		files, dirs = append(files, b), append(dirs, dir)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Fatal("the data depend on the thread count")
	}
	if !bytes.HasPrefix(files[0], files[2]) {
		t.Fatal("the smaller data set is not a prefix of the larger")
	}

	p := testPaths(dirs[0])
	fr, err := openFvecs(p.base, d)
	if err != nil {
		t.Fatal(err)
	}
	base := make([]float32, n*d)
	if err := fr.read(base); err != nil {
		t.Fatal(err)
	}
	fr.Close()
	for i := 0; i < n; i++ {
		var s float64
		for _, v := range base[i*d : (i+1)*d] {
			s += float64(v) * float64(v)
		}
		if math.Abs(s-1) > 1e-4 {
			t.Fatalf("row %d has squared norm %v, want 1", i, s)
		}
	}
	qr, err := openFvecs(p.queries, d)
	if err != nil {
		t.Fatal(err)
	}
	queries := make([]float32, nq*d)
	if err := qr.read(queries); err != nil {
		t.Fatal(err)
	}
	qr.Close()
	snaps, err := loadTruth(p.truth, nq, kk)
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, s := range snaps {
		sizes = append(sizes, s.n)
	}
	if want := []int{step, 2 * step, 3 * step, n}; !equalInts(sizes, want) {
		t.Fatalf("snapshots at %v, want %v", sizes, want)
	}
	for _, s := range snaps {
		for q := 0; q < nq; q++ {
			qv := queries[q*d : (q+1)*d]
			all := make([]int, s.n)
			dist := make([]float64, s.n)
			for i := range all {
				all[i] = i
				var sum float64
				for j := 0; j < d; j++ {
					x := float64(qv[j] - base[i*d+j])
					sum += x * x
				}
				dist[i] = sum
			}
			sort.Slice(all, func(a, b int) bool { return dist[all[a]] < dist[all[b]] })
			for r := 0; r < kk; r++ {
				got := int(s.ids[q*kk+r])
				// float32 kernels may order near-ties differently: compare distances
				if math.Abs(dist[got]-dist[all[r]]) > 1e-5 {
					t.Fatalf("prefix %d query %d rank %d: row %d at %v, exact row %d at %v", s.n, q, r, got, dist[got], all[r], dist[all[r]])
				}
			}
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRecall(t *testing.T) {
	gt := []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	got := []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 11, 12, 13, 14, 15, -1, -1, 0, 0, 0}
	if r := recall(got, gt, 2); r != 0.75 {
		t.Fatalf("recall %v, want 0.75", r)
	}
}
