//go:build !race

package hgraph

const raceEnabled = false
