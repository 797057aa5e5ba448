package api

// Progress receives the units of work an engine finishes during one long operation (rows of
// the batch linked, for a Build or Add). Add may be called from several goroutines at once;
// a nil *Progress ignores every call.
type Progress struct {
	add func(n int64)
}

// NewProgress returns a Progress that passes each Add to fn.
func NewProgress(fn func(n int64)) *Progress { return &Progress{add: fn} }

// Add reports n more units done.
func (p *Progress) Add(n int64) {
	if p != nil && n > 0 {
		p.add(n)
	}
}

// ProgressReporter is implemented by engines whose Build and Add do most of their work after
// the rows are stored (linking a graph), so that counting the insert hook's calls would not
// show it. Core calls SetProgress with the operation's Progress (units: rows of the batch)
// before Build or Add and with nil after; the engine reports from its own loops meanwhile.
type ProgressReporter interface {
	SetProgress(p *Progress)
}
