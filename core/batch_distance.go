package core

import (
	"math"

	"github.com/govsag/vsag/core/api"
)

// BatchCalcDistanceByIDs computes, for each of the nq queries of queries, the distance to the
// stored vectors of perQuery labels: ids holds nq*perQuery labels row-major (query i's labels
// at ids[i*perQuery:(i+1)*perQuery]) and the result holds the distances in the same layout,
// -1 where a label does not exist. It is VSAG's BATCH_CALC_DISTANCE_BY_ID: many queries in one
// call.
//
// The queries are validated as every search query is (dimension, NaN and infinite values,
// element type, normalised for cosine); ids must hold exactly nq*perQuery labels. A nil
// dataset, a negative perQuery or num_elements, or a product nq*perQuery that overflows is
// INVALID_ARGUMENT; a dimension mismatch is DIMENSION_NOT_EQUAL. nq == 0 or perQuery == 0
// returns an empty result.
func (x *Index) BatchCalcDistanceByIDs(queries *Dataset, ids []int64, perQuery int) ([]float32, error) {
	const what = "batch calc distance by id"
	if queries == nil {
		return nil, api.Errorf(api.InvalidArgument, "%s: query dataset is nil", what)
	}
	if perQuery < 0 {
		return nil, api.Errorf(api.InvalidArgument, "%s: ids per query %d must not be negative", what, perQuery)
	}
	nq := queries.NumElements
	if nq < 0 {
		return nil, api.Errorf(api.InvalidArgument, "%s: num_elements %d is negative", what, nq)
	}
	if perQuery > 0 && nq > math.MaxInt/perQuery {
		return nil, api.Errorf(api.InvalidArgument, "%s: %d queries x %d ids per query overflows", what, nq, perQuery)
	}
	total := nq * perQuery
	if len(ids) != total {
		return nil, api.Errorf(api.InvalidArgument, "%s: ids holds %d labels, need num_elements*ids_per_query = %d*%d = %d",
			what, len(ids), nq, perQuery, total)
	}
	v, n, err := x.vectors(queries, what, false)
	if err != nil {
		return nil, err
	}
	out := make([]float32, total)
	if total == 0 {
		return out, nil
	}
	d := x.Dim()
	eng, ok := x.Engine().(api.DistanceCalculator)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "%s: calc distance by id is not supported by %s", what, x.name)
	}
	for i := 0; i < n; i++ {
		row := i * perQuery
		if err := eng.CalcDistanceByIDs(v[i*d:(i+1)*d], ids[row:row+perQuery], out[row:row+perQuery]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
