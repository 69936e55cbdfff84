// Package reporter is leakfunnel's Ginkgo v2 plugin: one call at the top
// level of a suite checks every spec for goroutine leaks, blames each leak on
// the spec and node that started it, and writes the evidence for CI.
//
//	var leaks = reporter.Install(
//		reporter.WithJUnit("leakfunnel-report/leaks.xml"),
//		reporter.WithArtifacts("leakfunnel-report"),
//	)
//
//	func TestSuite(t *testing.T) {
//		RegisterFailHandler(Fail)
//		RunSpecs(t, "Suite", leaks.AroundNode())
//	}
//
// [Install] registers a top-level BeforeEach that takes each spec's
// baseline and a DeferCleanup that checks the spec after all its teardown
// (funnel.Check: settle, snapshot, classify, cluster, attribute); in
// [ModeFail] a leak fails the spec at its own location. [AroundNode] labels
// every node's goroutine with pprof labels, so that each leak is charged to
// the spec and node (It, BeforeEach, JustBeforeEach, AfterEach,
// DeferCleanup) that started it, and goroutines started in BeforeAll or
// BeforeSuite to their Ordered container or to the suite ([Scope]), which
// are checked when their scope ends. [ContainerScoped] charges objects a
// spec opens for its container. [ModeLabel] and [Reporter.ForSpec] change the
// mode and settings per spec. The package-level [AroundNode] only labels;
// [Reporter.AroundNode] also checks, at the end of each parallel process,
// the goroutines that process's BeforeSuite started.
//
// Each checked spec carries a [LeakReport] report entry (and, when it
// leaked or Ginkgo runs verbose, a [Timeline]); at the end of the suite a
// ReportAfterSuite node, which sees every parallel process, writes a JUnit
// XML report, per-subject artifacts (pprof profiles, timeline CSV, clusters
// JSON) and a [Summary] that groups clusters across specs.
//
// See docs/reporter.md for configuration, modes, scopes and the output
// formats.
package reporter
