package funnel

// TEMPORARY CONTRACT STUBS for funnel part 2 (classify, cluster, attribute,
// prove, settle, timeline). The owner of part 2 replaces this file with the
// real classify.go, cluster.go, attribute.go, prove.go, check.go,
// timeline.go and deletes it.

import (
	"context"
	"time"
)

// Classify returns g's blocking class.
func Classify(g *Goroutine) Class { return ClassOther }

// ClusterKey is the comparable fingerprint of a cluster.
type ClusterKey struct {
	Class     Class  `json:"class"`
	State     string `json:"state"`
	Frames    string `json:"frames"`
	CreatedBy string `json:"createdBy"`
}

// Attribution says where a leak came from.
type Attribution struct {
	CreatedBy         Frame             `json:"createdBy"`
	CreatorID         uint64            `json:"creatorId,omitempty"`
	CreatorInBaseline bool              `json:"creatorInBaseline,omitempty"`
	Ancestors         []uint64          `json:"ancestors,omitempty"`
	Labels            map[string]string `json:"labels,omitempty"`
}

// Attribute ties g to where it came from.
func Attribute(g *Goroutine, base *Snapshot) Attribution { return Attribution{} }

// Cluster is a group of leaked goroutines with the same fingerprint.
type Cluster struct {
	Key            ClusterKey    `json:"key"`
	Count          int           `json:"count"`
	IDs            []uint64      `json:"ids"`
	Representative Goroutine     `json:"representative"`
	Class          Class         `json:"class"`
	Proven         int           `json:"proven"`
	LongestWait    time.Duration `json:"longestWait,omitempty"`
	Attribution    Attribution   `json:"attribution"`
}

// ClusterLeaks groups leaks into clusters, largest first.
func ClusterLeaks(leaks []Goroutine, base *Snapshot) []Cluster { return nil }

// ProofAvailable reports whether the goroutineleak profile exists.
func ProofAvailable() bool { return false }

// Prove marks leaks proven by the goroutineleak profile.
func Prove(leaks []Goroutine) error { return nil }

// Sample is one timeline sample.
type Sample struct {
	Offset  time.Duration `json:"offset"`
	Metrics Metrics       `json:"metrics"`
}

// TimelineSummary holds a timeline's derived figures.
type TimelineSummary struct {
	GoroutineDelta   int64   `json:"goroutineDelta"`
	PeakGoroutines   uint64  `json:"peakGoroutines"`
	BlockedRatio     float64 `json:"blockedRatio"`
	Created          uint64  `json:"created"`
	HeapGrowth       int64   `json:"heapGrowth"`
	StackGrowth      int64   `json:"stackGrowth"`
	FinalizerBacklog int64   `json:"finalizerBacklog"`
	CleanupBacklog   int64   `json:"cleanupBacklog"`
}

// Timeline is the stage-2 record of a sampler.
type Timeline struct {
	Start    time.Time       `json:"start"`
	Interval time.Duration   `json:"interval"`
	Samples  []Sample        `json:"samples"`
	Summary  TimelineSummary `json:"summary"`
}

// Sampler reads metrics at an interval.
type Sampler struct{}

// StartSampler starts a sampler.
func StartSampler(interval time.Duration) *Sampler { return &Sampler{} }

// Stop stops the sampler and returns its timeline.
func (s *Sampler) Stop() *Timeline { return &Timeline{} }

// Option configures Check.
type Option struct{}

func WithTimeout(d time.Duration) Option      { return Option{} }
func WithPollInterval(d time.Duration) Option { return Option{} }
func WithFilters(f ...Filter) Option          { return Option{} }
func WithoutStandardFilters() Option          { return Option{} }
func WithSampler(s *Sampler) Option           { return Option{} }
func WithProof(on bool) Option                { return Option{} }

// Result is the verdict of Check.
type Result struct {
	Baseline  *Snapshot     `json:"-"`
	Final     *Snapshot     `json:"final"`
	Leaks     []Goroutine   `json:"leaks"`
	Clusters  []Cluster     `json:"clusters"`
	Timeline  *Timeline     `json:"timeline,omitempty"`
	Settle    time.Duration `json:"settle"`
	Snapshots int           `json:"snapshots"`
	TimedOut  bool          `json:"timedOut"`
	ProofUsed bool          `json:"proofUsed"`
}

// Check settles, then runs stages 3-5.
func Check(ctx context.Context, base *Snapshot, opts ...Option) (*Result, error) {
	return &Result{}, nil
}
