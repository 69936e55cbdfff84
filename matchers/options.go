package matchers

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/format"
	"github.com/onsi/gomega/types"
)

// Option configures [HaveLeakedSince], [HaveLeaked] and [GuardLeaks]. Options
// are made only by the functions of this package; the zero Option does
// nothing.
//
// Filter options (the Ignoring... family) add up: every filter given is
// applied. Value options ([OnlyProven], [OnlyClasses], [WithStandardFilters],
// [WithSettleTimeout]) take a value, and the last one given wins.
type Option struct {
	apply func(*config)
}

// config is what the options of one matcher build. It is built once, in the
// constructor, and only read afterwards.
type config struct {
	filters    []funnel.Filter
	matchers   []ignoringMatcher
	funcs      []ignoringFunc
	noStandard bool
	onlyProven bool
	// proof is nil for the default of each matcher (see WithProof).
	proof   *bool
	classes []funnel.Class
	settle  time.Duration
	descs   []string
}

type ignoringMatcher struct {
	m types.GomegaMatcher
}

type ignoringFunc struct {
	desc string
	f    func(funnel.Goroutine) bool
}

func newConfig(opts []Option) *config {
	c := &config{}
	for _, o := range opts {
		if o.apply != nil {
			o.apply(c)
		}
	}
	return c
}

func filterOption(desc string, f funnel.Filter) Option {
	return Option{apply: func(c *config) {
		c.filters = append(c.filters, f)
		c.descs = append(c.descs, desc)
	}}
}

// IgnoringTopFunction ignores goroutines whose innermost frame is the
// function fn, spelled as the runtime prints it
// ("example.com/pkg.(*Pool).loop").
func IgnoringTopFunction(fn string) Option {
	return filterOption(fmt.Sprintf("IgnoringTopFunction(%q)", fn), funnel.TopFunction(fn))
}

// IgnoringTopFunctionPrefix ignores goroutines whose innermost function
// starts with prefix. It replaces gleak's "pkg.fn..." notation.
func IgnoringTopFunctionPrefix(prefix string) Option {
	return filterOption(fmt.Sprintf("IgnoringTopFunctionPrefix(%q)", prefix), funnel.TopFunctionPrefix(prefix))
}

// IgnoringCreator ignores goroutines started by a go statement in the
// function fn.
func IgnoringCreator(fn string) Option {
	return filterOption(fmt.Sprintf("IgnoringCreator(%q)", fn), funnel.CreatedByFunction(fn))
}

// IgnoringAnyFrame ignores goroutines that have the function fn anywhere in
// their stack.
func IgnoringAnyFrame(fn string) Option {
	return filterOption(fmt.Sprintf("IgnoringAnyFrame(%q)", fn), funnel.AnyFrame(fn))
}

// IgnoringState ignores goroutines in the given wait state, spelled as the
// runtime prints it ("IO wait", "select", "chan receive").
func IgnoringState(state string) Option {
	return filterOption(fmt.Sprintf("IgnoringState(%q)", state), funnel.InState(state))
}

// IgnoringGoroutines ignores every goroutine of snap, by ID. A nil snap
// ignores nothing.
func IgnoringGoroutines(snap *funnel.Snapshot) Option {
	n := 0
	if snap != nil {
		n = len(snap.Goroutines)
	}
	return filterOption(fmt.Sprintf("IgnoringGoroutines(%d goroutines)", n), funnel.InSnapshot(snap))
}

// IgnoringFilters ignores goroutines that any of the given funnel filters
// ignores. It lets a suite share one filter list between [funnel.Check] and
// the matchers.
func IgnoringFilters(filters ...funnel.Filter) Option {
	fs := slices.Clone(filters)
	return Option{apply: func(c *config) {
		for _, f := range fs {
			c.filters = append(c.filters, f)
			c.descs = append(c.descs, fmt.Sprintf("IgnoringFilters(%s)", f))
		}
	}}
}

// IgnoringFunc ignores goroutines for which ignore returns true. desc names
// the filter in failure messages. A nil ignore is reported as an error by the
// matcher.
func IgnoringFunc(desc string, ignore func(funnel.Goroutine) bool) Option {
	return Option{apply: func(c *config) {
		c.funcs = append(c.funcs, ignoringFunc{desc: desc, f: ignore})
		c.descs = append(c.descs, fmt.Sprintf("IgnoringFunc(%q)", desc))
	}}
}

// Ignoring ignores goroutines that the Gomega matcher m matches. m is given a
// [funnel.Goroutine]; gleak's filter matchers (gleak.IgnoringTopFunction,
// gleak.IgnoringCreator, gleak.IgnoringInBacktrace, gleak.IgnoringGoroutines
// and any matcher written for a gleak.Goroutine) are given the goroutine
// converted to a gleak.Goroutine instead, so existing gleak filters keep
// working. An error from m fails the leak matcher with that error; a nil m is
// reported as an error too.
func Ignoring(m types.GomegaMatcher) Option {
	return Option{apply: func(c *config) {
		c.matchers = append(c.matchers, ignoringMatcher{m: m})
		c.descs = append(c.descs, "Ignoring("+matcherName(m)+")")
	}}
}

// WithStandardFilters says whether the standard filters of
// [funnel.StandardFilters] (Ginkgo, Gomega, testing, os/signal and runtime
// goroutines) apply. They do by default.
func WithStandardFilters(on bool) Option {
	return Option{apply: func(c *config) { c.noStandard = !on }}
}

// OnlyProven restricts the verdict to leaks proven by the goroutineleak
// profile. With a snapshot the profile is read during Match; with a
// [funnel.Result] the proof of the check is used. Where the profile is not
// available (a binary built without GOEXPERIMENT=goroutineleakprofile on Go
// 1.26) the matcher returns an error rather than quietly finding nothing.
func OnlyProven(on bool) Option {
	return Option{apply: func(c *config) { c.onlyProven = on }}
}

// WithProof says whether the goroutineleak profile is consulted, where the
// binary has it, to mark leaks proven. Each consultation forces a garbage
// collection (a few milliseconds), so the defaults differ: [GuardLeaks]
// consults it by default, as [funnel.Check] does; [HaveLeakedSince] on a
// snapshot does not, unless WithProof(true) or OnlyProven(true) is given.
// [HaveLeaked] and [HaveLeakedSince] on a [funnel.Result] use the proof of
// the check and ignore this option. Where the profile is missing,
// WithProof(true) changes nothing: leaks are reported as not proven.
func WithProof(on bool) Option {
	return Option{apply: func(c *config) { c.proof = &on }}
}

// OnlyClasses restricts the verdict to leaks of the given blocking classes.
// Called with no classes it lifts the restriction.
func OnlyClasses(classes ...funnel.Class) Option {
	cs := slices.Clone(classes)
	return Option{apply: func(c *config) { c.classes = cs }}
}

// WithSettleTimeout sets how long [GuardLeaks] lets goroutines wind down
// before it reports them. Zero means the default of [funnel.Check] (1s).
// The matchers themselves do not wait: use Eventually or [funnel.Check].
func WithSettleTimeout(d time.Duration) Option {
	return Option{apply: func(c *config) { c.settle = d }}
}

// restricted reports whether leaks are left out by class or proof.
func (c *config) restricted() bool { return c.onlyProven || len(c.classes) > 0 }

func (c *config) keep(g *funnel.Goroutine) bool {
	if c.onlyProven && !g.Proven {
		return false
	}
	if len(c.classes) > 0 && !slices.Contains(c.classes, g.Class) {
		return false
	}
	return true
}

// restriction describes OnlyProven and OnlyClasses for messages.
func (c *config) restriction() string {
	var parts []string
	if c.onlyProven {
		parts = append(parts, "OnlyProven(true)")
	}
	if len(c.classes) > 0 {
		names := make([]string, len(c.classes))
		for i, cl := range c.classes {
			names[i] = fmt.Sprintf("%q", string(cl))
		}
		parts = append(parts, "OnlyClasses("+strings.Join(names, ", ")+")")
	}
	return strings.Join(parts, ", ")
}

// filterSet builds the funnel filters of one Match call: the standard
// filters unless switched off, the typed filters, and adapters for
// IgnoringFunc and Ignoring. Errors raised inside the adapters (a Gomega
// matcher failing on its input) are collected in the returned *filterErrors,
// which the caller checks after the filters ran.
func (c *config) filterSet(owner string) ([]funnel.Filter, *filterErrors, error) {
	var fs []funnel.Filter
	if !c.noStandard {
		fs = funnel.StandardFilters()
	}
	fs = append(fs, c.filters...)
	errs := &filterErrors{}
	for _, f := range c.funcs {
		if f.f == nil {
			return nil, nil, fmt.Errorf("%s matcher: IgnoringFunc(%q) was given a nil function", owner, f.desc)
		}
		fs = append(fs, funnel.FilterFunc(f.desc, f.f))
	}
	for _, im := range c.matchers {
		if im.m == nil {
			return nil, nil, fmt.Errorf("%s matcher: Ignoring expects a Gomega matcher.  Got:\n%s", owner, format.Object(nil, 1))
		}
		m := im.m
		fs = append(fs, funnel.FilterFunc("Ignoring("+matcherName(m)+")", func(g funnel.Goroutine) bool {
			ok, err := matchGoroutine(m, g)
			if err != nil {
				errs.add(err)
				return false
			}
			return ok
		}))
	}
	return fs, errs, nil
}

// filterErrors collects errors raised by filters while they run. Filters
// may run on a goroutine of funnel.Check, hence the mutex.
type filterErrors struct {
	mu    sync.Mutex
	first error
}

func (e *filterErrors) add(err error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.first == nil {
		e.first = err
	}
}

// err returns the first error added, or nil.
func (e *filterErrors) err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.first
}

// describeFilters lists the filters of c for messages.
func (c *config) describeFilters() string {
	var parts []string
	if c.noStandard {
		parts = append(parts, "no standard filters")
	} else {
		parts = append(parts, "standard")
	}
	parts = append(parts, c.descs...)
	return strings.Join(parts, ", ")
}

// matcherName is a short description of a Gomega matcher for messages: its
// dynamic type, such as "*gleak.ignoringTopFunctionMatcher".
func matcherName(m types.GomegaMatcher) string {
	if m == nil {
		return "nil"
	}
	return fmt.Sprintf("%T", m)
}

// describeExtraFilters lists the filters of c applied on top of those of a
// funnel.Check, for messages about a funnel.Result.
func (c *config) describeExtraFilters() string {
	return strings.Join(append([]string{"the check's"}, c.descs...), ", ")
}
