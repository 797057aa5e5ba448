// Package conformance holds the behaviour suite every index type must pass: one table of
// index configurations, one set of tests modelled on VSAG's functional tests. Index packages
// add their configurations in files named <index>_cases_test.go.
package conformance
