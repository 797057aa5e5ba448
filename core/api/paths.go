package api

import "sort"

// HasPaths reports whether ds carries paths (Paths or HierarchyPaths).
func (ds *Dataset) HasPaths() bool { return ds.Paths != nil || ds.HierarchyPaths != nil }

// CheckAllPaths validates every path of ds: Paths as CheckPaths does, and under each name of
// HierarchyPaths a non-empty name and one valid path per row.
func (ds *Dataset) CheckAllPaths(what string) error {
	if ds.Paths != nil {
		if err := ds.CheckPaths(what); err != nil {
			return err
		}
	}
	for _, name := range ds.HierarchyNames() {
		if name == "" {
			return Errorf(InvalidArgument, "%s: a hierarchy of the paths has an empty name", what)
		}
		one := Dataset{NumElements: ds.NumElements, Paths: ds.HierarchyPaths[name]}
		if err := one.CheckPaths(what + ": hierarchy " + name); err != nil {
			return err
		}
	}
	return nil
}

// HierarchyNames returns the names of HierarchyPaths, sorted.
func (ds *Dataset) HierarchyNames() []string {
	names := make([]string, 0, len(ds.HierarchyPaths))
	for name := range ds.HierarchyPaths {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// RowPaths returns the paths of the first n rows by hierarchy: "" names Paths (the unnamed
// hierarchy), the other keys those of HierarchyPaths. It returns nil when ds carries no paths.
func (ds *Dataset) RowPaths(n int) map[string][]string {
	if !ds.HasPaths() {
		return nil
	}
	out := make(map[string][]string, len(ds.HierarchyPaths)+1)
	if ds.Paths != nil {
		out[""] = ds.Paths[:min(n, len(ds.Paths))]
	}
	for name, ps := range ds.HierarchyPaths {
		out[name] = ps[:min(n, len(ps))]
	}
	return out
}

// QueryPaths returns the path of the first row by hierarchy ("" for Paths), the form
// SearchOptions.Paths takes, or nil when ds carries no paths.
func (ds *Dataset) QueryPaths() map[string]string {
	if ds == nil || !ds.HasPaths() {
		return nil
	}
	out := make(map[string]string, len(ds.HierarchyPaths)+1)
	if len(ds.Paths) > 0 {
		out[""] = ds.Paths[0]
	}
	for name, ps := range ds.HierarchyPaths {
		if len(ps) > 0 {
			out[name] = ps[0]
		}
	}
	return out
}
