package hnsw

import (
	"github.com/govsag/vsag/core/alloc"
	"github.com/govsag/vsag/core/api"
)

// UseAccount hands a to the underlying hgraph (alloc.User).
func (x *Index) UseAccount(a *alloc.Account) { x.g.UseAccount(a) }

// SetProgress hands p to the underlying hgraph (api.ProgressReporter).
func (x *Index) SetProgress(p *api.Progress) { x.g.SetProgress(p) }
