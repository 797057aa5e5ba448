package hgraph

import (
	"time"

	"github.com/govsag/vsag/core/api"
	"github.com/govsag/vsag/core/topk"
)

// listedScanShare: an exact scan lists the labels a filter keeps (api.KeptLister) instead of
// testing every row when they are fewer than this share of the rows (a listed label costs a
// look-up in the label table, a tested row a bit test).
const listedScanShare = 0.25

// scanListed is scan for a filter that lists the labels it keeps: only those labels are looked
// up and measured. It returns false when the filter cannot list them or they are too many, and
// the caller then tests every row.
func (x *Index) scanListed(c *searchCtx, query []float32, k int, radius float32, filter api.Filter, deadline time.Time) ([]topk.Item, bool) {
	kl, ok := filter.(api.KeptLister)
	if !ok {
		return nil, false
	}
	lo, hi, ok := x.labels.Bounds()
	if !ok {
		return nil, false
	}
	n, ok := kl.CountKept(lo, hi)
	if !ok || float64(n) > listedScanShare*float64(x.labels.Total()) {
		return nil, false
	}
	codes, comp := x.baseCodes, c.base
	if x.preciseCodes != nil {
		codes, comp = x.preciseCodes, c.precise
	}
	comp.SetQuery(query)
	slab := codes.Slab()
	var dist [scanBlock]float32
	c.heap.Reset(max(k, 1))
	c.items = c.items[:0]
	ids := c.ids[:0]
	checkTime := !deadline.IsZero()
	flush := func() bool {
		if len(ids) == 0 {
			return true
		}
		d := dist[:len(ids)]
		comp.DistanceBatch(slab, ids, d)
		c.s.DistCmp += int64(len(ids))
		c.s.Hops += int64(len(ids))
		for i, r := range ids {
			if k > 0 {
				c.heap.Push(d[i], r)
			} else if d[i] <= radius {
				c.items = append(c.items, topk.Item{Dist: d[i], ID: r})
			}
		}
		ids = ids[:0]
		if checkTime && time.Now().After(deadline) {
			c.s.TimedOut = true
			return false
		}
		return true
	}
	kl.ForEachKept(lo, hi, func(l int64) bool {
		r, live := x.labels.Lookup(l)
		if !live {
			return true
		}
		ids = append(ids, r)
		if len(ids) == scanBlock {
			return flush()
		}
		return true
	})
	if !c.s.TimedOut {
		flush()
	}
	c.ids = ids
	if k > 0 {
		c.items = c.items[:0]
		for c.heap.Len() > 0 {
			c.items = append(c.items, c.heap.Pop())
		}
		for i, j := 0, len(c.items)-1; i < j; i, j = i+1, j-1 {
			c.items[i], c.items[j] = c.items[j], c.items[i]
		}
		return c.items, true
	}
	topk.SortItems(c.items)
	return c.items, true
}
