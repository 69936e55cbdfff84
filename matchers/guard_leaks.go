package matchers

import (
	"context"
	"fmt"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// TB is the part of *testing.T (and *testing.B, *testing.F and Ginkgo's
// GinkgoT()) that [GuardLeaks] uses.
type TB interface {
	Helper()
	Cleanup(func())
	Error(args ...any)
}

// GuardLeaks checks that the calling test leaves no goroutine behind. It
// captures a baseline at once and registers a cleanup that runs
// [funnel.Check] against it, letting goroutines wind down for up to the
// settle timeout, and reports leaks with t.Error, clustered as
// [HaveLeakedSince] renders them:
//
//	func TestPool(t *testing.T) {
//		matchers.GuardLeaks(t)
//		// ...
//	}
//
// Call it first in the test: cleanups run last-in first-out, so the check
// then runs after the test's other cleanups, which may stop goroutines.
// Filters and restrictions are the same options the matchers take;
// [WithSettleTimeout] sets how long to wait (default 1s), and
// WithProof(false) skips the goroutineleak profile.
//
// GuardLeaks sees every goroutine of the process, so goroutines of tests
// running in parallel (t.Parallel) are reported as leaks of this one; use it
// in tests that do not run in parallel, or ignore the others with options.
// It does not stop the test; it only marks it failed.
func GuardLeaks(t TB, opts ...Option) {
	t.Helper()
	cfg := newConfig(opts)
	base := funnel.Capture()
	t.Cleanup(func() {
		t.Helper()
		if msg := guardCheck(context.Background(), cfg, base); msg != "" {
			t.Error(msg)
		}
	})
}

// guardCheck runs the check of [GuardLeaks] and returns the failure text,
// or "" when nothing leaked.
func guardCheck(ctx context.Context, cfg *config, base *funnel.Snapshot) string {
	const name = "GuardLeaks"
	noStd := *cfg
	noStd.noStandard = true // funnel.Check applies the standard filters itself
	fs, ferrs, err := noStd.filterSet(name)
	if err != nil {
		return err.Error()
	}
	checkOpts := []funnel.Option{funnel.WithFilters(fs...)}
	if cfg.noStandard {
		checkOpts = append(checkOpts, funnel.WithoutStandardFilters())
	}
	if cfg.settle > 0 {
		checkOpts = append(checkOpts, funnel.WithTimeout(cfg.settle))
	}
	switch {
	case cfg.onlyProven:
		checkOpts = append(checkOpts, funnel.WithProof(true))
	case cfg.proof != nil:
		checkOpts = append(checkOpts, funnel.WithProof(*cfg.proof))
	}
	res, err := funnel.Check(ctx, base, checkOpts...)
	if err != nil {
		return fmt.Sprintf("%s: the leak check failed: %v", name, err)
	}
	if ferrs.err() != nil {
		return fmt.Sprintf("%s: a filter failed: %v", name, ferrs.err())
	}
	only := &config{onlyProven: cfg.onlyProven, classes: cfg.classes}
	v, err := leaksOfResult(name, only, res, nil)
	if err != nil {
		return err.Error()
	}
	if len(v.leaks) == 0 {
		return ""
	}
	return name + ": " + leakMessage(&v, cfg, true, true)
}
