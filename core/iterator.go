package core

import (
	"sync"
	"time"

	"github.com/govsag/vsag/core/api"
)

// SearchIterator is an iterator search session (VSAG's KnnSearch with an IteratorContext):
// the neighbours of one query, page by page, each page the next ones not returned before.
// Create it with Index.NewSearchIterator, call Next for each page, and Close it (or Drain it)
// when done.
//
// What every index type guarantees (see api.Iterator):
//   - pages are disjoint: a label is returned at most once per session;
//   - each page ascends by distance;
//   - a label removed before a page is cut is never returned by it or a later page;
//   - only labels live when the session was created are returned: labels added later are
//     not (start a new session to see them);
//   - the filter given at creation is applied to every label returned.
//
// brute_force sessions are exact: taken one after the other, pages ascend by distance. hgraph
// sessions continue one approximate graph search, so a later page may start slightly below the
// previous page's last distance when the walk reaches a node late; ivf sessions scan further
// buckets as results are handed out (scan_buckets_count more per first page's worth), with
// the same caveat. See each package's NewIterator.
//
// Sessions hold no lock between pages: writes to the index (add, remove, update) run between
// them. The methods of one session are safe for concurrent use (they are serialised); an index
// may have any number of sessions. A session whose index was reset or loaded into since it was
// created fails with WRONG_STATUS.
type SearchIterator struct {
	x       *Index
	eng     api.Engine
	it      api.Iterator
	timeout time.Duration

	mu       sync.Mutex
	closed   bool
	returned int
}

// NewSearchIterator starts an iterator search session for a float32 query with the search
// JSON (as for KnnSearch; ef_search is the window of each page) and filter (nil keeps all;
// it must stay usable until the session is closed). Index types without iterator search
// return UNSUPPORTED_INDEX_OPERATION.
func (x *Index) NewSearchIterator(query []float32, searchJSON string, filter Filter) (*SearchIterator, error) {
	return x.NewSearchIteratorDataset(&Dataset{NumElements: 1, Dim: len(query), Float32: query}, searchJSON, filter)
}

// NewSearchIteratorDataset is NewSearchIterator for the first vector of a query Dataset of
// any dense dtype.
func (x *Index) NewSearchIteratorDataset(query *Dataset, searchJSON string, filter Filter) (_ *SearchIterator, err error) {
	defer recovered(&err)
	const what = "search iterator"
	eng := x.eng()
	is, ok := eng.(api.IteratorSearcher)
	if !ok {
		return nil, api.Errorf(api.UnsupportedIndexOperation, "iterator search is not supported by %s", x.name)
	}
	q, err := x.query(query, what)
	if err != nil {
		return nil, err
	}
	sp, err := x.parsedSearch(searchJSON)
	if err != nil {
		return nil, err
	}
	it, err := is.NewIterator(q, &api.SearchOptions{Block: sp.Block, Parallelism: sp.Parallelism, Filter: filter})
	if err != nil {
		return nil, err
	}
	return &SearchIterator{x: x, eng: eng, it: it, timeout: time.Duration(sp.TimeoutMs * float64(time.Millisecond))}, nil
}

// Next returns up to k neighbours not returned before, ascending by distance. A page shorter
// than k is possible when timeout_ms cut it; an empty page means the session has nothing more.
func (s *SearchIterator) Next(k int) ([]Neighbor, error) { return s.NextWithStats(k, nil) }

// NextWithStats is Next that also adds the page's counters to stats (when non-nil).
func (s *SearchIterator) NextWithStats(k int, stats *SearchStats) (_ []Neighbor, err error) {
	defer recovered(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err = s.check(k, "search iterator next")
	if err != nil {
		return nil, err
	}
	page := &api.PageOptions{Stats: stats}
	if s.timeout > 0 {
		page.Deadline = time.Now().Add(s.timeout)
	}
	start := time.Now()
	ns, err := s.it.Next(k, page)
	if stats != nil {
		stats.ElapsedMs += float64(time.Since(start).Nanoseconds()) / 1e6
	}
	if err != nil {
		return nil, err
	}
	s.returned += len(ns)
	return ns, nil
}

// Drain returns up to k of the neighbours the session has found but not returned, ascending,
// without searching further, and closes the session (VSAG's is_last_search). It is optional:
// Close alone releases the session.
func (s *SearchIterator) Drain(k int) (_ []Neighbor, err error) {
	defer recovered(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err = s.check(k, "search iterator drain")
	if err != nil {
		return nil, err
	}
	ns, err := s.it.Drain(k)
	s.closed = true
	s.it.Close()
	if err != nil {
		return nil, err
	}
	s.returned += len(ns)
	return ns, nil
}

// check validates k and the session's state and caps k at the live count. Caller holds mu.
func (s *SearchIterator) check(k int, what string) (int, error) {
	if s.closed {
		return 0, api.Errorf(api.WrongStatus, "%s: the iterator is closed", what)
	}
	if s.x.eng() != s.eng {
		return 0, api.Errorf(api.WrongStatus, "%s: the index was reset or loaded since the iterator was created", what)
	}
	if k <= 0 {
		return 0, api.Errorf(api.InvalidArgument, "%s: k %d must be positive", what, k)
	}
	return s.x.capK(k), nil
}

// Returned returns the number of neighbours the session has returned so far.
func (s *SearchIterator) Returned() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.returned
}

// Closed reports whether the session was closed or drained.
func (s *SearchIterator) Closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// Close releases the session. Calling it again does nothing.
func (s *SearchIterator) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		s.it.Close()
	}
}

// iteratorFeatures adds the iterator flags for engines with iterator search sessions.
func iteratorFeatures(eng api.Engine, s api.FeatureSet) api.FeatureSet {
	if _, ok := eng.(api.IteratorSearcher); ok {
		s = s.With(api.SupportKnnIteratorFilterSearch).With(api.SupportContinueSearchSession)
	}
	return s
}
