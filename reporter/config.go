package reporter

import (
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// Mode says what a leak does to a spec.
type Mode string

// The modes. The zero Mode means [ModeFail].
const (
	// ModeFail fails a spec that leaks; the default.
	ModeFail Mode = "fail"
	// ModeReport checks and reports leaks (report entries, JUnit, artifacts,
	// summary) without failing the spec.
	ModeReport Mode = "report"
	// ModeOff skips the check.
	ModeOff Mode = "off"
)

func (m Mode) orDefault() Mode {
	if m == "" {
		return ModeFail
	}
	return m
}

// labelPrefix starts the Ginkgo labels that set a spec's mode.
const labelPrefix = "leakfunnel:"

// ModeLabel returns the Ginkgo label that sets the mode of the specs it
// decorates: "leakfunnel:fail", "leakfunnel:report" or "leakfunnel:off".
// Put it on a spec or a container:
//
//	It("polls forever by design", reporter.ModeLabel(reporter.ModeOff), func() { ... })
//
// The label is also usable in --label-filter. When a spec carries several
// mode labels, the innermost (the spec's own) wins.
func ModeLabel(m Mode) ginkgo.Labels {
	return ginkgo.Label(labelPrefix + string(m.orDefault()))
}

// Config configures a [Reporter]. The zero Config checks every spec in
// [ModeFail] with funnel's standard filters and default settle timeout, and
// writes no suite outputs.
//
// Relative paths are resolved against the working directory of the test
// process when [Install] runs (Ginkgo runs a suite in its package folder).
type Config struct {
	// Mode is the suite-wide mode; zero means [ModeFail]. A spec's
	// [ModeLabel] or [Reporter.ForSpec] overrides it.
	Mode Mode
	// SettleTimeout is how long a check waits for goroutines to wind down
	// before reporting what is left. Zero means funnel's default (1s).
	SettleTimeout time.Duration
	// PollInterval is how often settling polls the goroutine count. Zero
	// means funnel's default.
	PollInterval time.Duration
	// Filters are added to funnel's standard filters (or replace them when
	// WithoutStandardFilters is set). Goroutines they match are never
	// leaks.
	Filters []funnel.Filter
	// WithoutStandardFilters drops funnel.StandardFilters (Ginkgo, Gomega,
	// testing, os/signal and runtime goroutines). Rarely wanted.
	WithoutStandardFilters bool
	// NoProof skips the goroutineleak profile even when the test binary was
	// built with GOEXPERIMENT=goroutineleakprofile.
	NoProof bool
	// SampleInterval is the metrics timeline's sampling interval while a
	// spec runs. Zero means 10ms; a negative value records no timeline.
	SampleInterval time.Duration
	// MaxTimelineSamples caps the samples kept in a report entry; longer
	// timelines are downsampled. Zero means 120.
	MaxTimelineSamples int
	// MaxClusters caps the clusters kept in a report entry. Zero means 20.
	MaxClusters int
	// MaxFrames caps the frames kept per cluster's representative stack in
	// report entries. Zero means 32.
	MaxFrames int
	// JUnit is the path of leakfunnel's JUnit XML report, written at the end
	// of the suite. Empty means none.
	JUnit string
	// Artifacts is the folder for per-subject artifacts (pprof profiles,
	// timeline CSV, clusters JSON, text report) and the suite summary.
	// Empty means none.
	Artifacts string
	// Summary is the path of the suite summary JSON. Empty means
	// "summary.json" inside Artifacts, or none when Artifacts is empty.
	Summary string
	// HTML is the path of the self-contained HTML report, rendered from the
	// summary and the artifacts at the end of the suite. It needs Artifacts.
	// Empty means none.
	HTML string
}

// Option changes a [Config]. Options apply in order; the last one wins.
type Option func(*Config)

// WithConfig replaces the whole configuration with c; later options change
// it further.
func WithConfig(c Config) Option {
	return func(dst *Config) {
		*dst = c
		dst.Filters = slices.Clone(c.Filters)
	}
}

// WithMode sets [Config.Mode].
func WithMode(m Mode) Option { return func(c *Config) { c.Mode = m } }

// WithSettleTimeout sets [Config.SettleTimeout].
func WithSettleTimeout(d time.Duration) Option { return func(c *Config) { c.SettleTimeout = d } }

// WithPollInterval sets [Config.PollInterval].
func WithPollInterval(d time.Duration) Option { return func(c *Config) { c.PollInterval = d } }

// WithFilters appends filters to [Config.Filters].
func WithFilters(f ...funnel.Filter) Option {
	return func(c *Config) { c.Filters = append(slices.Clone(c.Filters), f...) }
}

// WithoutStandardFilters sets [Config.WithoutStandardFilters].
func WithoutStandardFilters() Option { return func(c *Config) { c.WithoutStandardFilters = true } }

// WithJUnit sets [Config.JUnit].
func WithJUnit(path string) Option { return func(c *Config) { c.JUnit = path } }

// WithArtifacts sets [Config.Artifacts].
func WithArtifacts(dir string) Option { return func(c *Config) { c.Artifacts = dir } }

// WithHTML sets [Config.HTML], the self-contained HTML report written at
// the end of the suite.
func WithHTML(path string) Option { return func(c *Config) { c.HTML = path } }

// WithSummary sets [Config.Summary].
func WithSummary(path string) Option { return func(c *Config) { c.Summary = path } }

// WithSampleInterval sets [Config.SampleInterval].
func WithSampleInterval(d time.Duration) Option { return func(c *Config) { c.SampleInterval = d } }

func (c Config) sampleInterval() time.Duration {
	if c.SampleInterval == 0 {
		return 10 * time.Millisecond
	}
	return c.SampleInterval
}

func (c Config) maxTimelineSamples() int {
	if c.MaxTimelineSamples <= 0 {
		return 120
	}
	return c.MaxTimelineSamples
}

func (c Config) maxClusters() int {
	if c.MaxClusters <= 0 {
		return 20
	}
	return c.MaxClusters
}

func (c Config) maxFrames() int {
	if c.MaxFrames <= 0 {
		return 32
	}
	return c.MaxFrames
}

// modeFromLabels returns the mode set by the innermost mode label among
// labels (container labels first, then the spec's own), or def.
func modeFromLabels(def Mode, labelSets ...[]string) Mode {
	m := def.orDefault()
	for _, set := range labelSets {
		for _, l := range set {
			if v, ok := strings.CutPrefix(l, labelPrefix); ok {
				switch Mode(v) {
				case ModeFail, ModeReport, ModeOff:
					m = Mode(v)
				}
			}
		}
	}
	return m
}

// checkOptions turns the settle settings of c into funnel options.
func (c Config) checkOptions() []funnel.Option {
	var opts []funnel.Option
	if c.SettleTimeout > 0 {
		opts = append(opts, funnel.WithTimeout(c.SettleTimeout))
	}
	if c.PollInterval > 0 {
		opts = append(opts, funnel.WithPollInterval(c.PollInterval))
	}
	if c.WithoutStandardFilters {
		opts = append(opts, funnel.WithoutStandardFilters())
	}
	if len(c.Filters) > 0 {
		opts = append(opts, funnel.WithFilters(c.Filters...))
	}
	// When a spec's cleanup runs, Ginkgo's node goroutines of the spec are
	// often still winding down and keep the count above the baseline; they
	// are filtered out, so waiting for the count would only delay the
	// verdict: the first look, about one stack dump, comes at once.
	opts = append(opts, funnel.WithProof(!c.NoProof), funnel.WithFirstLook(0))
	return opts
}
