package funnel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Defaults of [Check].
const (
	// DefaultTimeout is how long Check waits for new goroutines to exit.
	DefaultTimeout = time.Second
	// DefaultPollInterval is how often Check reads the goroutine count
	// while it waits.
	DefaultPollInterval = time.Millisecond
)

// firstLookPolls is how many poll intervals Check waits for the count to
// come back to the baseline before it takes a first snapshot anyway,
// to learn whether what remains is permanent, proven or filtered out.
const firstLookPolls = 10

// Option configures [Check]. Options take a value; for the same setting the
// last one wins, except [WithFilters], whose filters add up. The zero Option
// changes nothing.
type Option struct {
	apply func(*checkConfig)
}

type checkConfig struct {
	timeout    time.Duration
	poll       time.Duration
	filters    []Filter
	noStandard bool
	sampler    *Sampler
	proof      bool
	recorder   *Recorder
	// firstLook is how long Check waits for the count to come back to the
	// baseline before its first snapshot; negative means the default,
	// firstLookPolls poll intervals.
	firstLook time.Duration
}

// WithTimeout sets how long [Check] waits for new goroutines to exit before
// it reports what is still there. Zero or negative means
// [DefaultTimeout].
func WithTimeout(d time.Duration) Option {
	return Option{func(c *checkConfig) { c.timeout = d }}
}

// WithPollInterval sets how often [Check] reads the goroutine count while it
// waits. Zero or negative means [DefaultPollInterval].
func WithPollInterval(d time.Duration) Option {
	return Option{func(c *checkConfig) { c.poll = d }}
}

// WithFirstLook sets how long [Check] waits for the goroutine count to come
// back to the baseline before it takes its first snapshot anyway. The
// default is ten poll intervals, which suits code whose goroutines take a
// few milliseconds to wind down: they are then seen gone in one snapshot.
// Zero or negative means a first snapshot at once, which suits a caller
// whose count is usually above the baseline for goroutines the filters
// remove (a test framework's own, still winding down), as the first
// snapshot costs about one stack dump.
func WithFirstLook(d time.Duration) Option {
	return Option{func(c *checkConfig) { c.firstLook = max(d, 0) }}
}

// WithFilters adds filters: goroutines any of them ignores are not leaks.
// Filters of several WithFilters options add up. The filters are copied.
func WithFilters(f ...Filter) Option {
	f = slices.Clone(f)
	return Option{func(c *checkConfig) { c.filters = append(c.filters, f...) }}
}

// WithoutStandardFilters drops [StandardFilters] (the goroutines of the
// runtime, testing, Ginkgo, Gomega and os/signal), leaving only the filters
// given with [WithFilters].
func WithoutStandardFilters() Option {
	return Option{func(c *checkConfig) { c.noStandard = true }}
}

// WithSampler hands [Check] a running [Sampler]: Check stops it when it is
// done and puts its timeline into [Result.Timeline]. A nil sampler is
// ignored.
func WithSampler(s *Sampler) Option {
	return Option{func(c *checkConfig) { c.sampler = s }}
}

// WithProof says whether [Check] consults the goroutineleak profile (see
// [Prove]) when the binary has it. The default is true. Each consultation
// runs one or two garbage collection cycles, and happens only when a leak
// the profile could prove remains.
func WithProof(on bool) Option {
	return Option{func(c *checkConfig) { c.proof = on }}
}

// WithRecorder has [Check] take its snapshots into r's dump buffer (see
// [Recorder]), which survives garbage collections, instead of a pooled one
// the collector may free between checks. A caller that checks repeatedly
// (after every test) keeps one Recorder for all its checks. A nil r means
// the pooled buffer, as without the option.
func WithRecorder(r *Recorder) Option {
	return Option{func(c *checkConfig) { c.recorder = r }}
}

// Result is the verdict of [Check]. It is plain data: every field but
// Baseline survives json.Marshal and json.Unmarshal unchanged (the baseline
// is the caller's own and is not encoded). The zero Result means no leaks.
type Result struct {
	// Baseline is the snapshot the check compared against.
	Baseline *Snapshot `json:"-"`
	// Final is the last snapshot taken, from which Leaks come. It is
	// partial (see [CaptureSince]): Goroutines holds only the goroutines
	// that are not in Baseline, and IDs every goroutine alive at the dump,
	// so Final is an exact baseline for a later check and Final.Len()
	// counts all goroutines, but a profile of it shows only the new ones.
	// When Final.Err is set, the dump could not be parsed completely and
	// leaks carry IDs only (and so class [ClassOther]).
	Final *Snapshot `json:"final"`
	// Leaks are the goroutines of Final that are not in Baseline and that
	// no filter ignores, sorted by ID, with Class set and Proven marked.
	Leaks []Goroutine `json:"leaks"`
	// Clusters groups Leaks, largest first (see [ClusterLeaks]).
	Clusters []Cluster `json:"clusters"`
	// Timeline is the sampler's timeline when [WithSampler] was given.
	Timeline *Timeline `json:"timeline,omitempty"`
	// Settle is how long settling took: from the start of Check to the
	// final snapshot.
	Settle time.Duration `json:"settle"`
	// Snapshots is the number of snapshots (stack dumps, which stop the
	// world) Check took.
	Snapshots int `json:"snapshots"`
	// Polls is the number of goroutine counts Check read while settling.
	Polls int `json:"polls"`
	// TimedOut is set when settling ended at the timeout, or because ctx
	// ended, while some leak could still have exited by itself; Leaks are
	// then what was still there.
	TimedOut bool `json:"timedOut"`
	// ProofUsed is set when the goroutineleak profile was available and
	// enabled: Proven is then meaningful. When false, no leak is proven,
	// which means "not proven", never "not leaked".
	ProofUsed bool `json:"proofUsed"`
}

// String returns the one-line [Headline] of the result.
func (r *Result) String() string {
	if r == nil {
		return "<nil>"
	}
	return Headline(r.Clusters, r.ProofUsed)
}

// GomegaString returns [Result.String], for gomega's format.
func (r *Result) GomegaString() string { return r.String() }

// Check waits for the goroutines started since base to finish, then reports
// those that did not (stages 3 to 5, with the count of stage 1 for waiting).
//
// Settling: Check reads the cheap goroutine count ([ReadMetrics]) every poll
// interval until it is at or below the baseline's count, then takes one
// snapshot to confirm by ID which goroutines are new ([Leaked], with
// [StandardFilters] and the filters of [WithFilters]). The snapshot is a
// [CaptureSince] base: one stack dump, a scan of its header lines, and a
// parse of only the goroutines not in base, so a clean check costs about one
// dump whatever the number of goroutines in base. When no new goroutine
// remains, it is done. When the count stays above the baseline for ten poll
// intervals (see [WithFirstLook]), it takes a first snapshot anyway, to
// learn what remains. While new goroutines remain it keeps polling the count and takes
// another snapshot only when enough goroutines have exited since the last one
// (the created-goroutines counter tells exits from starts) for every leak
// that may still finish to have gone; when one of the leaks was running and
// may have blocked for good since; or, with the goroutineleak profile, when
// some goroutine exited and so may have left a blocked leak unreachable.
// Snapshots after the first are spaced by a gap that starts at one poll
// interval and doubles each time, so that a process whose goroutines come
// and go all the time costs at most about log2(timeout/poll)+2 snapshots
// (12 with the defaults). Settling ends at once, without waiting out the
// timeout, when every remaining new goroutine is [ClassPermanent] or proven
// (see [Prove]). At the timeout, or when ctx ends, Check reports what is
// still there, taking a final snapshot only if a goroutine could have started
// or exited since the last one, or one of the leaks was running.
//
// Each remaining leak is classified ([Classify]) and, when the goroutineleak
// profile is available and [WithProof] is not false, marked Proven; leaks are
// grouped with [ClusterLeaks] and attributed against base. With
// [WithSampler], the sampler is stopped at the end and its timeline is
// included.
//
// The baseline count is base.Metrics.Goroutines ([Snapshot.Len] when
// that is zero), plus one when a sampler given with [WithSampler] was
// started after base was taken. Goroutines that some filter ignores but keep
// the count above the baseline cost one first look (ten poll intervals), not
// the timeout.
//
// Check sees the whole process: goroutines that code running alongside the
// checked code started (parallel tests, for instance) are new to the
// baseline too, and are reported unless a filter removes them (a
// [FilterFunc] on [Goroutine.Labels] keeps only one labelled unit's
// goroutines).
//
// Check returns [ErrNilBaseline] for a nil base. A nil ctx means
// context.Background(). When ctx ends before
// settling, Check returns the result for what it saw and an error wrapping
// ctx's cause. Check may be called from any goroutine; the goroutine calling
// it is never reported (snapshots exclude their caller).
func Check(ctx context.Context, base *Snapshot, opts ...Option) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := checkConfig{proof: true, firstLook: -1}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(&cfg)
		}
	}
	if cfg.timeout <= 0 {
		cfg.timeout = DefaultTimeout
	}
	if cfg.poll <= 0 {
		cfg.poll = DefaultPollInterval
	}
	if cfg.firstLook < 0 {
		cfg.firstLook = firstLookPolls * cfg.poll
	}
	if base == nil {
		if cfg.sampler != nil {
			cfg.sampler.Stop()
		}
		return nil, fmt.Errorf("check: %w", ErrNilBaseline)
	}
	filters := cfg.filters
	if !cfg.noStandard {
		filters = append(StandardFilters(), cfg.filters...)
	}
	c := &checker{
		cfg:       cfg,
		base:      base,
		filters:   filters,
		proof:     cfg.proof && ProofAvailable(),
		threshold: baselineCount(base, cfg.sampler),
		start:     time.Now(),
	}
	res, err := c.run(ctx)
	if cfg.sampler != nil {
		tl := cfg.sampler.Stop()
		if res != nil {
			res.Timeline = tl
		}
	}
	return res, err
}

// baselineCount is the goroutine count settling waits for.
func baselineCount(base *Snapshot, s *Sampler) uint64 {
	n := base.Metrics.Goroutines
	if n == 0 {
		n = uint64(base.Len())
	}
	if s != nil && s.running() && s.Started().After(base.Time) {
		n++
	}
	return n
}

// checker is the state of one Check call.
type checker struct {
	cfg       checkConfig
	base      *Snapshot
	filters   []Filter
	proof     bool
	threshold uint64
	start     time.Time

	res Result
	// at is the metrics read just before the last snapshot; leaks are that
	// snapshot's leaks.
	at    Metrics
	leaks []Goroutine
}

// look takes a snapshot since the baseline and computes its leaks. It returns whether
// settling may end: no leaks, or only permanent and proven ones.
func (c *checker) look() (bool, error) {
	c.at = ReadMetrics()
	var snap *Snapshot
	if c.cfg.recorder != nil {
		snap = c.cfg.recorder.CaptureSince(c.base)
	} else {
		snap = CaptureSince(c.base)
	}
	c.res.Snapshots++
	c.res.Final = snap
	leaks, err := Leaked(c.base, snap, c.filters)
	if err != nil {
		return false, fmt.Errorf("check: %w", err)
	}
	for i := range leaks {
		leaks[i].Class = Classify(&leaks[i])
		if c.proof && leaks[i].Leaked {
			// Marked by an earlier goroutineleak GC cycle: the runtime's
			// own verdict, final.
			leaks[i].Proven = true
		}
	}
	if c.proof {
		if err := Prove(leaks); err != nil && !errors.Is(err, ErrProofUnavailable) {
			return false, fmt.Errorf("check: %w", err)
		}
	}
	c.leaks = leaks
	return c.pending() == 0, nil
}

// pending counts the leaks of the last snapshot that may still finish: not
// permanent and not proven.
func (c *checker) pending() int {
	n := 0
	for i := range c.leaks {
		if c.leaks[i].Class != ClassPermanent && !c.leaks[i].Proven {
			n++
		}
	}
	return n
}

// hasProofCandidate reports whether a pending leak of the last snapshot is
// one the goroutineleak profile could prove.
func (c *checker) hasProofCandidate() bool {
	return hasProofCandidate(c.leaks)
}

// hasRunning reports whether a leak of the last snapshot was running, and so
// may have blocked for good since.
func (c *checker) hasRunning() bool {
	for i := range c.leaks {
		if c.leaks[i].Class == ClassRunning {
			return true
		}
	}
	return false
}

func (c *checker) run(ctx context.Context) (*Result, error) {
	c.res.Baseline = c.base
	c.res.ProofUsed = c.proof
	deadline := c.start.Add(c.cfg.timeout)
	firstLook := c.start.Add(c.cfg.firstLook)
	// After a look, the next one comes no sooner than relook. The gap
	// starts at one poll interval and doubles with each look, which bounds
	// the snapshots of one check to about log2(timeout/poll)+2 even when
	// other goroutines start and exit all the time.
	var relook time.Time
	gap := c.cfg.poll
	var timer *time.Timer
	for {
		m := ReadMetrics()
		c.res.Polls++
		now := time.Now()
		var should bool
		if c.res.Snapshots == 0 {
			should = m.Goroutines <= c.threshold || !now.Before(firstLook)
		} else {
			exits := exitsSince(c.at, m)
			partial := c.hasRunning() || c.proof && exits > 0 && c.hasProofCandidate()
			should = !now.Before(relook) && (exits >= int64(c.pending()) || partial)
		}
		if should {
			done, err := c.look()
			if err != nil {
				return nil, err
			}
			if done {
				return c.finish(false), nil
			}
			relook = time.Now().Add(gap)
			gap *= 2
		}
		if !time.Now().Before(deadline) {
			return c.final()
		}
		if err := ctx.Err(); err != nil {
			return c.interrupted(ctx)
		}
		wait := min(c.cfg.poll, time.Until(deadline))
		if timer == nil {
			timer = time.NewTimer(wait)
			defer timer.Stop()
		} else {
			timer.Reset(wait)
		}
		select {
		case <-timer.C:
		case <-ctx.Done():
			return c.interrupted(ctx)
		}
	}
}

func (c *checker) interrupted(ctx context.Context) (*Result, error) {
	res, err := c.final()
	if err != nil {
		return nil, err
	}
	return res, fmt.Errorf("check: settling interrupted: %w", context.Cause(ctx))
}

// final ends settling at the timeout or at ctx's end: it takes a last
// snapshot unless the goroutine set cannot have changed since the previous
// one.
func (c *checker) final() (*Result, error) {
	m := ReadMetrics()
	c.res.Polls++
	unchanged := c.res.Snapshots > 0 && m.Created == c.at.Created && m.Goroutines == c.at.Goroutines
	if !unchanged || c.hasRunning() {
		done, err := c.look()
		if err != nil {
			return nil, err
		}
		if done {
			return c.finish(false), nil
		}
	}
	return c.finish(true), nil
}

// finish fills in the result from the last snapshot's leaks.
func (c *checker) finish(timedOut bool) *Result {
	c.res.Settle = time.Since(c.start)
	c.res.TimedOut = timedOut
	if len(c.leaks) > 0 {
		c.res.Leaks = c.leaks
		c.res.Clusters = ClusterLeaks(c.leaks, c.base)
	}
	res := c.res
	return &res
}

// exitsSince returns how many goroutines exited between two readings: the
// created-goroutines counter rose by the starts, the count by starts minus
// exits.
func exitsSince(prev, cur Metrics) int64 {
	created := int64(cur.Created - prev.Created)
	grown := int64(cur.Goroutines) - int64(prev.Goroutines)
	return created - grown
}
