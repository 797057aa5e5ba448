//go:build race

package graph

// raceEnabled shrinks the heavier tests when the race detector slows everything tenfold.
const raceEnabled = true
