// Command quickstart builds a tiny brute_force index, searches it, saves it and loads it back.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/govsag/vsag/core"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run() error {
	idx, err := core.CreateIndex("brute_force",
		`{"dtype":"float32","metric_type":"l2","dim":4,"index_param":{"base_quantization_type":"fp32"}}`)
	if err != nil {
		return err
	}
	vecs := []float32{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}
	failed, err := idx.Build(&core.Dataset{NumElements: 3, Dim: 4, IDs: []int64{10, 11, 12}, Float32: vecs})
	if err != nil {
		return err
	}
	if len(failed) > 0 {
		return fmt.Errorf("labels not added: %v", failed)
	}
	res, err := idx.Search([]float32{0.9, 1, 1, 1}, 2, `{"brute_force":{"parallelism":1}}`, nil)
	if err != nil {
		return err
	}
	fmt.Println(res)
	dir, err := os.MkdirTemp("", "vsag-quickstart")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "idx.vsag")
	if err := idx.SerializeFile(path); err != nil {
		return err
	}
	again, err := core.LoadFile(path)
	if err != nil {
		return err
	}
	fmt.Println(again.GetNumElements())
	return nil
}
