package api

// FirstRow returns ds narrowed to its first row, the form a search takes its query in: a
// dataset of one row is returned as it is; otherwise a shallow copy with NumElements 1 whose
// sparse arrays (SparseOffsets, SparseIDs, SparseValues), VectorCounts (and the Float32 values
// of the first document), Paths and each list of HierarchyPaths (in a new map) describe the
// first row only. Dense vector fields are left whole (a search reads the first Dim values).
// Arrays that do not describe a first row are left alone, so that validation reports them.
// No array is copied.
func (ds *Dataset) FirstRow() *Dataset {
	if ds == nil || ds.NumElements <= 1 {
		return ds
	}
	one := *ds
	one.NumElements = 1
	if o := ds.SparseOffsets; len(o) >= 2 && o[0] == 0 && o[1] >= 0 &&
		o[1] <= int64(len(ds.SparseIDs)) && o[1] <= int64(len(ds.SparseValues)) {
		one.SparseOffsets = o[:2]
		one.SparseIDs = ds.SparseIDs[:o[1]]
		one.SparseValues = ds.SparseValues[:o[1]]
	}
	if c := ds.VectorCounts; len(c) >= 1 {
		one.VectorCounts = c[:1]
		if c[0] > 0 && ds.Dim > 0 && c[0] <= len(ds.Float32)/ds.Dim {
			one.Float32 = ds.Float32[:c[0]*ds.Dim]
		}
	}
	if len(ds.Paths) >= 1 {
		one.Paths = ds.Paths[:1]
	}
	if len(ds.HierarchyPaths) > 0 {
		one.HierarchyPaths = make(map[string][]string, len(ds.HierarchyPaths))
		for name, ps := range ds.HierarchyPaths {
			if len(ps) >= 1 {
				ps = ps[:1]
			}
			one.HierarchyPaths[name] = ps
		}
	}
	return &one
}
