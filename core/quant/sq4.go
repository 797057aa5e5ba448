package quant

import "github.com/govsag/vsag/core/metric"

func init() {
	Register("sq4", func(dim int, m metric.Kind, o Options) (Quantizer, error) {
		return newSQDim("sq4", 4, dim, m, o), nil
	})
}
