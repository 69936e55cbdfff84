package reporter

import (
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// SummaryVersion is the schema version written in [Summary.Version]. It
// changes only when a field is removed or changes meaning; new fields may be
// added within a version.
const SummaryVersion = 1

// Scope says which part of a suite a leak is charged to.
type Scope string

// The scopes a goroutine can be charged to, from the node whose goroutine
// (or descendant) started it.
const (
	// ScopeSpec: started by a spec's own nodes (BeforeEach, JustBeforeEach,
	// It, JustAfterEach, AfterEach, DeferCleanup registered by those);
	// checked when the spec's cleanups have run.
	ScopeSpec Scope = "spec"
	// ScopeContainer: started by BeforeAll, AfterAll or a DeferCleanup
	// registered in them; checked when the Ordered container's AfterAll and
	// its cleanups have run, and reported against the container.
	ScopeContainer Scope = "container"
	// ScopeSuite: started by BeforeSuite, SynchronizedBeforeSuite, AfterSuite
	// or a DeferCleanup registered in them; checked at the end of the suite.
	ScopeSuite Scope = "suite"
)

// Artifacts lists the files written for one leaking subject. Paths are
// absolute; an empty path means the file was not written (no artifacts
// folder configured, or the write failed: see [LeakReport.Errors]).
type Artifacts struct {
	// Dir is the subject's folder inside the artifacts folder.
	Dir string `json:"dir,omitempty"`
	// Baseline is the pprof profile (gzipped protobuf) of the baseline
	// snapshot; use it with `go tool pprof -base`.
	Baseline string `json:"baseline,omitempty"`
	// Final is the pprof profile of the last snapshot of the check.
	Final string `json:"final,omitempty"`
	// Timeline is the metrics timeline as CSV, one row per sample.
	Timeline string `json:"timeline,omitempty"`
	// Clusters is the leak clusters as JSON (a list of [LeakCluster]).
	Clusters string `json:"clusters,omitempty"`
	// Report is the plain-text leak report.
	Report string `json:"report,omitempty"`
}

// Paths returns the non-empty artifact paths, most useful first: the
// plain-text report, the clusters JSON, the final profile, the baseline
// profile and the timeline CSV.
func (a Artifacts) Paths() []string {
	var out []string
	for _, p := range []string{a.Report, a.Clusters, a.Final, a.Baseline, a.Timeline} {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

// LeakCluster is one cluster of leaked goroutines with the spec node that
// started them. It embeds [funnel.Cluster], whose fields appear inline in
// JSON; the representative goroutine's stack is capped to keep reports small.
type LeakCluster struct {
	funnel.Cluster
	// Scope is the scope the cluster is charged to.
	Scope Scope `json:"scope"`
	// Node is the Ginkgo node type that started the goroutines ("It",
	// "BeforeEach", "JustBeforeEach", "AfterEach", "DeferCleanup",
	// "BeforeAll", "BeforeSuite", ...), known from the labels that
	// [AroundNode] sets. Empty when unknown (no AroundNode decorator).
	Node string `json:"node,omitempty"`
	// NodeLocation is the node's file:line; empty when unknown.
	NodeLocation string `json:"nodeLocation,omitempty"`
	// AttributedBy says how the node was found: "labels" (the pprof labels
	// that AroundNode sets), "site" (a go statement in a function literal
	// below the node in the spec file; without AroundNode), "creator" (only
	// the creating goroutine's ID is known) or "baseline" (only that the
	// goroutine is new since the baseline).
	AttributedBy string `json:"attributedBy"`
}

// LeakReport is the leak check of one subject: a spec, an Ordered container
// (goroutines started in BeforeAll) or the suite (goroutines started in
// BeforeSuite). It is the value of the report entries named [EntryName],
// and survives json.Marshal and json.Unmarshal unchanged.
type LeakReport struct {
	// Scope is the kind of subject.
	Scope Scope `json:"scope"`
	// Name is the subject's full text: the spec's container texts and leaf
	// text; the container's texts; or the suite description.
	Name string `json:"name"`
	// Location is the subject's file:line: the It, the container or the
	// BeforeSuite.
	Location string `json:"location"`
	// Process is the Ginkgo parallel process (1-based) that ran the check.
	Process int `json:"process"`
	// Mode is the mode the subject was checked in.
	Mode Mode `json:"mode"`
	// Failed is set when the check failed the spec (mode fail and leaks).
	Failed bool `json:"failed,omitempty"`
	// SpecState is the Ginkgo state of the spec when it was checked
	// ("passed", "failed", "timedout", "interrupted", ...); empty for
	// container and suite subjects.
	SpecState string `json:"specState,omitempty"`
	// Leaked is the number of leaked goroutines, Proven how many of them the
	// goroutineleak profile proved unreachable, and ProofUsed whether that
	// profile was consulted.
	Leaked    int  `json:"leaked"`
	Proven    int  `json:"proven"`
	ProofUsed bool `json:"proofUsed,omitempty"`
	// Clusters groups the leaks, largest first; at most
	// [Config.MaxClusters] are kept, with ClustersDropped counting the rest.
	Clusters        []LeakCluster `json:"clusters,omitempty"`
	ClustersDropped int           `json:"clustersDropped,omitempty"`
	// GoroutinesBefore and GoroutinesAfter count the goroutines in the
	// baseline and in the final snapshot.
	GoroutinesBefore int `json:"goroutinesBefore"`
	GoroutinesAfter  int `json:"goroutinesAfter"`
	// BlockedRatio is the share of goroutines waiting at the end of the
	// metrics timeline (0 when no timeline was recorded).
	BlockedRatio float64 `json:"blockedRatio"`
	// SettleMS is how long the check waited for goroutines to wind down, in
	// milliseconds; TimedOut is set when it gave up.
	SettleMS int64 `json:"settleMs"`
	TimedOut bool  `json:"timedOut,omitempty"`
	// Labelled is set when the subject's goroutines were attributed by the
	// pprof labels of [AroundNode].
	Labelled bool `json:"labelled,omitempty"`
	// Artifacts lists the files written for a leaking subject.
	Artifacts Artifacts `json:"artifacts"`
	// Text is the plain-text leak report (the failure message).
	Text string `json:"text,omitempty"`
	// Errors lists what went wrong while checking or writing artifacts.
	Errors []string `json:"errors,omitempty"`
}

// Occurrence is one subject in which a [RootCause] leaked.
type Occurrence struct {
	Scope    Scope  `json:"scope"`
	Name     string `json:"name"`
	Location string `json:"location"`
	Process  int    `json:"process"`
	// Node and NodeLocation are the node that started the goroutines, when
	// known.
	Node         string `json:"node,omitempty"`
	NodeLocation string `json:"nodeLocation,omitempty"`
	// Count and Proven are this subject's goroutines of the root cause.
	Count  int `json:"count"`
	Proven int `json:"proven"`
	// Failed is set when the subject's check failed its spec.
	Failed bool `json:"failed,omitempty"`
	// Artifacts of the subject.
	Artifacts Artifacts `json:"artifacts"`
}

// RootCause groups the clusters that share one [funnel.ClusterKey] across
// every subject of the suite: one root cause leaking in twelve specs is one
// RootCause with twelve occurrences.
type RootCause struct {
	Key   funnel.ClusterKey `json:"key"`
	Class funnel.Class      `json:"class"`
	State string            `json:"state"`
	// Top is the innermost frame of the representative goroutine.
	Top funnel.Frame `json:"top"`
	// CreatedBy is the go statement that started the goroutines.
	CreatedBy funnel.Frame `json:"createdBy"`
	// Goroutines and Proven are summed over the occurrences.
	Goroutines int `json:"goroutines"`
	Proven     int `json:"proven"`
	// Representative is one goroutine of the cause, stack capped.
	Representative funnel.Goroutine `json:"representative"`
	// Occurrences lists the subjects, in report order.
	Occurrences []Occurrence `json:"occurrences"`
}

// Totals are the suite-wide figures of a [Summary].
type Totals struct {
	// Specs is the number of spec reports seen; Checked how many were
	// checked for leaks (not skipped, not pending, mode not off).
	Specs   int `json:"specs"`
	Checked int `json:"checked"`
	// Leaking is the number of subjects (specs, containers, suite) with
	// leaks; Failed how many of them failed a spec.
	Leaking int `json:"leaking"`
	Failed  int `json:"failed"`
	// Goroutines, Proven and Clusters sum the leaking subjects.
	Goroutines int `json:"goroutines"`
	Proven     int `json:"proven"`
	Clusters   int `json:"clusters"`
	// RootCauses is len(Summary.RootCauses).
	RootCauses int `json:"rootCauses"`
}

// SuiteInfo describes the suite run a [Summary] is about.
type SuiteInfo struct {
	Description string    `json:"description"`
	Path        string    `json:"path"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	// Processes is the number of Ginkgo parallel processes.
	Processes int `json:"processes"`
	// Succeeded is Ginkgo's verdict on the suite.
	Succeeded bool `json:"succeeded"`
}

// Outputs lists the files leakfunnel wrote at the end of the suite, as
// absolute paths; empty when not configured.
type Outputs struct {
	JUnit     string `json:"junit,omitempty"`
	Artifacts string `json:"artifacts,omitempty"`
	Summary   string `json:"summary,omitempty"`
	HTML      string `json:"html,omitempty"`
}

// Summary is the suite summary written to summary.json in the artifacts
// folder (see [Config.Summary]). It is the input of the HTML report. Its
// JSON schema is documented in docs/reporter.md.
type Summary struct {
	// Version is [SummaryVersion].
	Version int       `json:"version"`
	Suite   SuiteInfo `json:"suite"`
	Totals  Totals    `json:"totals"`
	// RootCauses groups every leaking subject's clusters across the suite,
	// most goroutines first.
	RootCauses []RootCause `json:"rootCauses"`
	// Reports holds the leak report of every leaking subject (specs,
	// containers, suite), in report order.
	Reports []LeakReport `json:"reports"`
	// Outputs says where the files are.
	Outputs Outputs `json:"outputs"`
	// Errors lists problems met while building the outputs (an entry that
	// could not be decoded, a file that could not be written).
	Errors []string `json:"errors,omitempty"`
}
