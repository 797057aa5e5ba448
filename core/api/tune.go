package api

// Tuner is implemented by engines that re-quantize their code stores in place from a precise
// source they keep (raw vectors or exact codes), leaving the graph or buckets as they are
// (SUPPORT_TUNE while CanTune reports true).
type Tuner interface {
	// Tune applies indexParam, the index's block of create parameters ("index_param"), to the
	// codes: stores whose quantizer or settings change are trained again and re-encoded.
	// disableFutureTuning drops what later tuning would need and refuses every later Tune. It
	// returns the block now in force, which core records as the index's create parameters.
	Tune(indexParam []byte, disableFutureTuning bool) ([]byte, error)
	// CanTune reports whether Tune can re-encode the stores now.
	CanTune() bool
}
