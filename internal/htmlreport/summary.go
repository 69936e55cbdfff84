package htmlreport

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// The types below mirror the reporter's summary JSON (reporter.Summary and
// the types it holds, schema version [SummaryVersion]; the fields mean what
// they mean there and in docs/reporter.md). They are declared here rather
// than imported so that the reporter can import this package to write the
// HTML report at the end of a suite. A test checks that both sides have the
// same JSON fields. All of them are plain data: zero values are valid and
// values may be copied and shared for reading.

// SummaryVersion is the summary schema version this package reads. A
// summary with another version is rejected by [DecodeSummary].
const SummaryVersion = 1

// Scope says which part of a suite a leak is charged to: "spec",
// "container" or "suite".
type Scope string

// The scopes, as the reporter writes them.
const (
	// ScopeSpec: started by a spec's own nodes.
	ScopeSpec Scope = "spec"
	// ScopeContainer: started in an Ordered container's BeforeAll.
	ScopeContainer Scope = "container"
	// ScopeSuite: started in BeforeSuite.
	ScopeSuite Scope = "suite"
)

// Artifacts lists the files written for one leaking subject. An empty path
// means the file was not written.
type Artifacts struct {
	Dir      string `json:"dir,omitempty"`
	Baseline string `json:"baseline,omitempty"`
	Final    string `json:"final,omitempty"`
	Timeline string `json:"timeline,omitempty"`
	Clusters string `json:"clusters,omitempty"`
	Report   string `json:"report,omitempty"`
}

// LeakCluster is one cluster of leaked goroutines with the node that
// started them: Node ("It", "BeforeEach", ...) at NodeLocation, found by
// AttributedBy ("labels", "site", "creator" or "baseline").
type LeakCluster struct {
	funnel.Cluster
	Scope        Scope  `json:"scope"`
	Node         string `json:"node,omitempty"`
	NodeLocation string `json:"nodeLocation,omitempty"`
	AttributedBy string `json:"attributedBy"`
}

// LeakReport is the leak check of one subject (a spec, an Ordered container
// or the suite).
type LeakReport struct {
	Scope            Scope         `json:"scope"`
	Name             string        `json:"name"`
	Location         string        `json:"location"`
	Process          int           `json:"process"`
	Mode             string        `json:"mode"`
	Failed           bool          `json:"failed,omitempty"`
	SpecState        string        `json:"specState,omitempty"`
	Leaked           int           `json:"leaked"`
	Proven           int           `json:"proven"`
	ProofUsed        bool          `json:"proofUsed,omitempty"`
	Clusters         []LeakCluster `json:"clusters,omitempty"`
	ClustersDropped  int           `json:"clustersDropped,omitempty"`
	GoroutinesBefore int           `json:"goroutinesBefore"`
	GoroutinesAfter  int           `json:"goroutinesAfter"`
	BlockedRatio     float64       `json:"blockedRatio"`
	SettleMS         int64         `json:"settleMs"`
	TimedOut         bool          `json:"timedOut,omitempty"`
	Labelled         bool          `json:"labelled,omitempty"`
	Artifacts        Artifacts     `json:"artifacts"`
	Text             string        `json:"text,omitempty"`
	Errors           []string      `json:"errors,omitempty"`
}

// Occurrence is one subject in which a [RootCause] leaked.
type Occurrence struct {
	Scope        Scope     `json:"scope"`
	Name         string    `json:"name"`
	Location     string    `json:"location"`
	Process      int       `json:"process"`
	Node         string    `json:"node,omitempty"`
	NodeLocation string    `json:"nodeLocation,omitempty"`
	Count        int       `json:"count"`
	Proven       int       `json:"proven"`
	Failed       bool      `json:"failed,omitempty"`
	Artifacts    Artifacts `json:"artifacts"`
}

// RootCause groups the clusters that share one cluster key across the
// suite.
type RootCause struct {
	Key            funnel.ClusterKey `json:"key"`
	Class          funnel.Class      `json:"class"`
	State          string            `json:"state"`
	Top            funnel.Frame      `json:"top"`
	CreatedBy      funnel.Frame      `json:"createdBy"`
	Goroutines     int               `json:"goroutines"`
	Proven         int               `json:"proven"`
	Representative funnel.Goroutine  `json:"representative"`
	Occurrences    []Occurrence      `json:"occurrences"`
}

// Totals are the suite-wide figures of a [Summary].
type Totals struct {
	Specs      int `json:"specs"`
	Checked    int `json:"checked"`
	Leaking    int `json:"leaking"`
	Failed     int `json:"failed"`
	Goroutines int `json:"goroutines"`
	Proven     int `json:"proven"`
	Clusters   int `json:"clusters"`
	RootCauses int `json:"rootCauses"`
}

// SuiteInfo describes the suite run.
type SuiteInfo struct {
	Description string    `json:"description"`
	Path        string    `json:"path"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	Processes   int       `json:"processes"`
	Succeeded   bool      `json:"succeeded"`
}

// Outputs lists the files the reporter wrote at the end of the suite.
type Outputs struct {
	JUnit     string `json:"junit,omitempty"`
	Artifacts string `json:"artifacts,omitempty"`
	Summary   string `json:"summary,omitempty"`
	HTML      string `json:"html,omitempty"`
}

// Summary is the suite summary the reporter writes to summary.json: the
// input of the HTML report. The zero Summary renders as a report of an
// empty suite.
type Summary struct {
	Version    int          `json:"version"`
	Suite      SuiteInfo    `json:"suite"`
	Totals     Totals       `json:"totals"`
	RootCauses []RootCause  `json:"rootCauses"`
	Reports    []LeakReport `json:"reports"`
	Outputs    Outputs      `json:"outputs"`
	Errors     []string     `json:"errors,omitempty"`
}

// DecodeSummary reads one summary JSON document from r. It rejects
// documents that are not JSON objects, that have trailing data, or whose
// version is not [SummaryVersion]; unknown fields are ignored, as the
// schema allows new fields within a version.
func DecodeSummary(r io.Reader) (Summary, error) {
	dec := json.NewDecoder(r)
	var s Summary
	if err := dec.Decode(&s); err != nil {
		return Summary{}, fmt.Errorf("decode summary: %w", err)
	}
	if dec.More() {
		return Summary{}, fmt.Errorf("decode summary: trailing data after the JSON document")
	}
	if s.Version != SummaryVersion {
		return Summary{}, fmt.Errorf("decode summary: version %d, want %d (is this a leakfunnel summary.json?)", s.Version, SummaryVersion)
	}
	return s, nil
}
