package quant

import (
	"fmt"

	"github.com/govsag/vsag/core/metric"
)

func init() {
	Register("sq4_uniform", func(dim int, m metric.Kind, opts Options) (Quantizer, error) {
		r := opts.SQ4UniformTruncRate
		if !(r >= 0 && r <= 0.5) {
			return nil, fmt.Errorf("sq4_uniform_trunc_rate %g is not in [0, 0.5]", r)
		}
		return &sqUniform{name: "sq4_uniform", bits: 4, levels: 15, dim: dim, metric: m, byL2: cosineByL2(m, opts), ownQuery: ownQueryRange(m, opts), trunc: r}, nil
	})
}
