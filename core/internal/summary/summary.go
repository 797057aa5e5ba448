// Package summary condenses lists of numbers into the small JSON objects index introspection
// reports (mean, standard deviation, extremes and quantiles), as VSAG's analyzers do.
package summary

import (
	"math"
	"slices"
)

// Percentile returns the p-quantile (0 <= p <= 1) of ascending values by linear interpolation
// between the two nearest ranks (VSAG's calculate_percentile); 0 for no values.
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	pos := p * float64(n-1)
	lo := int(math.Floor(pos))
	if lo+1 >= n {
		return sorted[n-1]
	}
	frac := pos - float64(lo)
	return sorted[lo]*(1-frac) + sorted[lo+1]*frac
}

// Distribution returns {"mean","std","min","max","q25","q50","q75"} of values (VSAG's
// get_data_stats, the form of ivf's bucket_num and bucket_radius), all 0 for no values.
func Distribution(values []float64) map[string]any {
	out := map[string]any{"mean": 0.0, "std": 0.0, "min": 0.0, "max": 0.0, "q25": 0.0, "q50": 0.0, "q75": 0.0}
	if len(values) == 0 {
		return out
	}
	s := slices.Clone(values)
	slices.Sort(s)
	mean := Mean(s)
	var sq float64
	for _, v := range s {
		sq += (v - mean) * (v - mean)
	}
	out["mean"] = mean
	out["std"] = math.Sqrt(sq / float64(len(s)))
	out["min"] = s[0]
	out["max"] = s[len(s)-1]
	out["q25"] = Percentile(s, 0.25)
	out["q50"] = Percentile(s, 0.5)
	out["q75"] = Percentile(s, 0.75)
	return out
}

// MinMaxMean returns {"min","max","mean"} of values, all 0 for no values.
func MinMaxMean(values []float64) map[string]any {
	if len(values) == 0 {
		return map[string]any{"min": 0.0, "max": 0.0, "mean": 0.0}
	}
	return map[string]any{"min": slices.Min(values), "max": slices.Max(values), "mean": Mean(values)}
}

// Mean returns the arithmetic mean of values (0 for none).
func Mean(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	var s float64
	for _, v := range values {
		s += v
	}
	return s / float64(len(values))
}
