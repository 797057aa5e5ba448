package api

import "time"

// IteratorSearcher is implemented by engines with iterator search sessions: a session returns
// the neighbours of one query page by page, each page the next ones not returned before
// (SUPPORT_KNN_ITERATOR_FILTER_SEARCH and SUPPORT_CONTINUE_SEARCH_SESSION, VSAG's KnnSearch
// with an IteratorContext).
type IteratorSearcher interface {
	// NewIterator starts a session for query (validated, normalised for cosine; it may alias
	// the caller's memory, so an engine keeps a copy) with the search block and filter of opts;
	// opts.Deadline and opts.Stats are ignored (each page has its own). The filter is kept for
	// the life of the session. Creating a session does no search work beyond checking the
	// parameters.
	NewIterator(query []float32, opts *SearchOptions) (Iterator, error)
}

// PageOptions carries the settings of one page of an iterator session.
type PageOptions struct {
	// Deadline, when non-zero, ends the page's search early with the results found so far.
	Deadline time.Time
	// Stats, when non-nil, receives counters about the page's search.
	Stats *SearchStats
}

// Iterator is one search session of an engine. Core serialises the calls of one session and
// checks k; the engine's methods run without any lock of core held, and each takes the
// engine's read lock for its own length only, so writes to the index proceed between pages.
//
// The contract every engine keeps:
//   - pages are disjoint: a label is returned at most once per session;
//   - a page ascends by distance;
//   - a label removed before a page is cut is not in that page or any later one;
//   - only labels live when the session was created are returned (a label added later is
//     not), and a label is returned as it is named when its page is cut (after an UpdateID,
//     the new name);
//   - the filter is applied to every label returned, when its page is cut (a filter whose
//     answers change between pages applies as it answers then);
//   - a session run until it returns an empty page has returned every label the filter keeps
//     among those live at its start and not removed since (an empty page is its end).
//
// How pages relate in distance is the engine's own guarantee, documented on its iterator.
type Iterator interface {
	// Next returns up to k neighbours not returned before; fewer than k (zero at the end) when
	// the session has no more.
	Next(k int, page *PageOptions) ([]Neighbor, error)
	// Drain returns up to k of the neighbours the session has already found but not returned
	// (VSAG's is_last_search), ascending, without searching further. The session ends with it.
	Drain(k int) ([]Neighbor, error)
	// Close releases the session's state. Calling it again does nothing.
	Close()
}
