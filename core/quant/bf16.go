package quant

import "github.com/govsag/vsag/core/metric"

func init() {
	Register("bf16", func(dim int, m metric.Kind, _ Options) (Quantizer, error) {
		return &half{name: "bf16", bf: true, dim: dim, metric: m}, nil
	})
}
