// Package ginkgosuite is a real Ginkgo suite that funnel's tests run with
// `ginkgo --procs=2` to check [funnel.StandardFilters] against the
// goroutines of the current Go, Ginkgo and Gomega versions. Its specs plant
// leaks, capture every goroutine and write, for each spec, what each
// standard filter matched and what survived, as JSON files into the
// directory named by LEAKFUNNEL_FILTER_REPORT. It is not meant to be run on
// its own.
package ginkgosuite
