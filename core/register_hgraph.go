package core

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/params"
)

func init() {
	RegisterIndex(hgraph.Name, func(c *params.Create) (api.Engine, error) { return hgraph.New(c) })
}
