package core

import (
	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/index/bruteforce"
	"github.com/govsag/vsag/core/index/diskann"
	"github.com/govsag/vsag/core/index/hgraph"
	"github.com/govsag/vsag/core/index/hnsw"
	"github.com/govsag/vsag/core/index/ivf"
	"github.com/govsag/vsag/core/index/lazyhgraph"
	"github.com/govsag/vsag/core/index/pyramid"
	"github.com/govsag/vsag/core/index/simq"
	"github.com/govsag/vsag/core/index/sindi"
	"github.com/govsag/vsag/core/index/warp"
	"github.com/govsag/vsag/core/params"
)

// The index types of this library, one registration line each.
func init() {
	RegisterIndex(bruteforce.Name, func(c *params.Create) (api.Engine, error) { return bruteforce.New(c) })
	RegisterIndex(hgraph.Name, func(c *params.Create) (api.Engine, error) { return hgraph.New(c) })
	RegisterIndex(hnsw.Name, func(c *params.Create) (api.Engine, error) { return hnsw.New(c) })
	RegisterIndex(ivf.Name, func(c *params.Create) (api.Engine, error) { return ivf.New(c) })
	RegisterIndex(lazyhgraph.Name, func(c *params.Create) (api.Engine, error) { return lazyhgraph.New(c) })
	RegisterIndex(pyramid.Name, func(c *params.Create) (api.Engine, error) { return pyramid.New(c) })
	RegisterIndex(sindi.Name, func(c *params.Create) (api.Engine, error) { return sindi.New(c) })
	RegisterIndex(warp.Name, func(c *params.Create) (api.Engine, error) { return warp.New(c) })
	RegisterIndex(simq.Name, func(c *params.Create) (api.Engine, error) { return simq.New(c) })
	RegisterIndex(diskann.Name, func(c *params.Create) (api.Engine, error) { return diskann.New(c) })
}
