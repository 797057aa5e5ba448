package pyramid

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/params"
	"github.com/govsag/vsag/core/quant"
)

// newBase returns the base quantizer of the parameters and, for rabitq's split layout
// (rabitq_version "split", as VSAG's pyramid takes it through base_quantization_type
// "rabitq" with use_reorder), the precise side whose codes are the rest records: each vector
// is coded once at base + precise bits, the graphs are built and searched on the base records
// and the candidates reranked with both records.
func newBase(c *params.Create, p Params) (quant.Quantizer, quant.SplitPrecise, error) {
	if p.codebook.RaBitQVersion == "split" {
		b, s, err := quant.NewRaBitQSplit(c.Dim, c.Metric, p.codebook)
		if err != nil {
			return nil, nil, api.Wrap(api.InvalidArgument, err, "key \"rabitq_version\"")
		}
		return b, s, nil
	}
	base, err := quant.New(p.BaseQuantizationType, c.Dim, c.Metric, p.quantOptions())
	if err != nil {
		return nil, nil, api.Wrap(api.InvalidArgument, err, "key \"base_quantization_type\"")
	}
	return base, nil, nil
}
