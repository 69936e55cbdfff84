// Package reporter is leakfunnel's Ginkgo v2 plugin: one call at the top
// level of a suite checks every spec for goroutine leaks, blames each leak on
// the spec and node that started it, and writes the evidence for CI.
//
//	var leaks = reporter.Install(
//		reporter.WithJUnit("leaks.xml"),
//		reporter.WithArtifacts("leakfunnel-report"),
//	)
//
//	func TestSuite(t *testing.T) {
//		RegisterFailHandler(Fail)
//		RunSpecs(t, "Suite", reporter.AroundNode())
//	}
//
// See docs/reporter.md for configuration, modes, scopes and output formats.
package reporter
