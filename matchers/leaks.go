package matchers

import (
	"fmt"
	"strings"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/format"
)

// verdict is what the leak matchers compute in Match and render later.
type verdict struct {
	// baseCount and curCount are the goroutines of the baseline and of the
	// snapshot compared with it; -1 when unknown.
	baseCount, curCount int
	// fresh is how many goroutines of the snapshot are not in the baseline,
	// before filters; -1 when unknown (a Result with its own leaks).
	fresh int
	// filtered is how many leaks survived the filters, before OnlyProven and
	// OnlyClasses.
	filtered int
	// leaks are the leaks the verdict is about, after every option.
	leaks    []funnel.Goroutine
	clusters []funnel.Cluster
	// proofUsed says that Proven is meaningful for leaks.
	proofUsed bool
	// result is set when the actual was a funnel.Result.
	result *funnel.Result
	// checkFilters is set when the leaks are those of a funnel.Result,
	// filtered by the check's own filters before the matcher's.
	checkFilters bool
}

// final reports whether the verdict can no longer change: there are leaks,
// and each is proven or permanent.
func (v *verdict) final() bool {
	if len(v.leaks) == 0 {
		return false
	}
	for i := range v.leaks {
		g := &v.leaks[i]
		if !g.Proven && g.Class != funnel.ClassPermanent {
			return false
		}
	}
	return true
}

// leaksSince compares cur with base under cfg.
func leaksSince(name string, cfg *config, base, cur *funnel.Snapshot) (verdict, error) {
	if err := checkBaseline(name, base, cur); err != nil {
		return verdict{}, err
	}
	fs, ferrs, err := cfg.filterSet(name)
	if err != nil {
		return verdict{}, err
	}
	leaks, err := funnel.Leaked(base, cur, fs)
	if err != nil {
		return verdict{}, fmt.Errorf("%s matcher: %w", name, err)
	}
	if ferrs.err() != nil {
		return verdict{}, fmt.Errorf("%s matcher: a filter failed: %w", name, ferrs.err())
	}
	v := verdict{baseCount: base.Len(), curCount: cur.Len(), filtered: len(leaks)}
	for i := range cur.Goroutines {
		if !base.Contains(cur.Goroutines[i].ID) {
			v.fresh++
		}
	}
	for i := range leaks {
		if leaks[i].Class == "" {
			leaks[i].Class = funnel.Classify(&leaks[i])
		}
	}
	if cfg.onlyProven && !funnel.ProofAvailable() {
		return verdict{}, fmt.Errorf("%s matcher: OnlyProven(true) needs the goroutineleak profile, which this binary lacks (build it with GOEXPERIMENT=goroutineleakprofile on Go 1.26)", name)
	}
	if (cfg.onlyProven || (cfg.proof != nil && *cfg.proof)) && funnel.ProofAvailable() && len(leaks) > 0 {
		if err := funnel.Prove(leaks); err != nil {
			return verdict{}, fmt.Errorf("%s matcher: %w", name, err)
		}
		v.proofUsed = true
	}
	v.leaks = restrict(cfg, leaks)
	v.clusters = funnel.ClusterLeaks(v.leaks, base)
	return v, nil
}

// leaksOfResult takes the leaks of a settled check under cfg. The standard
// filters and the check's own filters were applied by funnel.Check; cfg's
// filters are applied on top. When base is neither nil nor the result's own
// baseline, the leaks are computed afresh from the result's final snapshot,
// keeping the class and proof the check found.
func leaksOfResult(name string, cfg *config, r *funnel.Result, base *funnel.Snapshot) (verdict, error) {
	if cfg.onlyProven && !r.ProofUsed {
		return verdict{}, fmt.Errorf("%s matcher: OnlyProven(true) needs a result checked with the goroutineleak profile (funnel.WithProof(true) and a binary built with GOEXPERIMENT=goroutineleakprofile); this result has no proof", name)
	}
	v := verdict{baseCount: -1, curCount: -1, fresh: -1, proofUsed: r.ProofUsed, result: r, checkFilters: true}
	if r.Baseline != nil {
		v.baseCount = r.Baseline.Len()
	}
	if r.Final != nil {
		v.curCount = r.Final.Len()
	}
	if base != nil && base != r.Baseline {
		// The final snapshot of a check parsed only the goroutines new
		// to the check's baseline; Fill adds the others, which base may
		// not hold.
		if r.Final == nil {
			return verdict{}, fmt.Errorf("%s matcher: the funnel.Result has no final snapshot to compare with the baseline", name)
		}
		fv, err := leaksSince(name, &config{
			filters: cfg.filters, matchers: cfg.matchers, funcs: cfg.funcs, noStandard: cfg.noStandard,
		}, base, r.Final.Fill(r.Baseline))
		if err != nil {
			return verdict{}, err
		}
		known := make(map[uint64]*funnel.Goroutine, len(r.Leaks))
		for i := range r.Leaks {
			known[r.Leaks[i].ID] = &r.Leaks[i]
		}
		for i := range fv.leaks {
			if k, ok := known[fv.leaks[i].ID]; ok {
				fv.leaks[i].Class, fv.leaks[i].Proven = k.Class, k.Proven
			}
		}
		v.baseCount, v.fresh, v.filtered, v.checkFilters = fv.baseCount, fv.fresh, len(fv.leaks), false
		v.leaks = restrict(cfg, fv.leaks)
		v.clusters = funnel.ClusterLeaks(v.leaks, base)
		return v, nil
	}
	extra := len(cfg.filters) > 0 || len(cfg.matchers) > 0 || len(cfg.funcs) > 0
	if !extra && !cfg.restricted() {
		v.filtered = len(r.Leaks)
		v.leaks = r.Leaks
		v.clusters = r.Clusters
		return v, nil
	}
	noStd := *cfg
	noStd.noStandard = true // funnel.Check applied them already
	fs, ferrs, err := noStd.filterSet(name)
	if err != nil {
		return verdict{}, err
	}
	var leaks []funnel.Goroutine
	for i := range r.Leaks {
		g := r.Leaks[i]
		ignored := false
		for _, f := range fs {
			if f.IgnoresIn(&g, r.Final) {
				ignored = true
				break
			}
		}
		if !ignored {
			leaks = append(leaks, g)
		}
	}
	if ferrs.err() != nil {
		return verdict{}, fmt.Errorf("%s matcher: a filter failed: %w", name, ferrs.err())
	}
	v.filtered = len(leaks)
	v.leaks = restrict(cfg, leaks)
	v.clusters = funnel.ClusterLeaks(v.leaks, r.Baseline)
	return v, nil
}

func restrict(cfg *config, leaks []funnel.Goroutine) []funnel.Goroutine {
	if !cfg.restricted() {
		return leaks
	}
	var kept []funnel.Goroutine
	for i := range leaks {
		if cfg.keep(&leaks[i]) {
			kept = append(kept, leaks[i])
		}
	}
	return kept
}

// leakMessage renders the failure messages of the leak matchers. since says
// whether the comparison was with a baseline ("since the baseline").
// negated is the ShouldNot/NotTo form, which fails when there are leaks.
func leakMessage(v *verdict, cfg *config, since, negated bool) string {
	var b strings.Builder
	where := ""
	if since {
		where = " since the baseline"
	}
	if negated {
		fmt.Fprintf(&b, "Expected no goroutines to have leaked%s, but %d did (%s):\n",
			where, len(v.leaks), details(v, cfg))
		opts := funnel.FormatOptions{Indent: format.Indent, ProofUsed: v.proofUsed}
		// Writing to a strings.Builder cannot fail.
		_ = funnel.FormatClusters(&b, v.clusters, opts)
		if v.result != nil {
			b.WriteString(format.Indent)
			b.WriteString(funnel.ResultFigures(v.result))
			b.WriteByte('\n')
		}
		b.WriteString(nextStep(v))
		return b.String()
	}
	fmt.Fprintf(&b, "Expected goroutines to have leaked%s, but none did (%s).\n", where, details(v, cfg))
	b.WriteString("If a leak was expected, check that the code under test started it before the snapshot was taken and that no option above ignores it.")
	return b.String()
}

// details is the parenthesis of the first line: counts and options.
func details(v *verdict, cfg *config) string {
	var parts []string
	switch {
	case v.baseCount >= 0 && v.curCount >= 0:
		parts = append(parts, fmt.Sprintf("%d goroutines in the baseline, %d now", v.baseCount, v.curCount))
	case v.curCount >= 0:
		parts = append(parts, fmt.Sprintf("%d goroutines now", v.curCount))
	}
	if v.fresh >= 0 {
		parts = append(parts, fmt.Sprintf("%d new, %d ignored by filters", v.fresh, v.fresh-v.filtered))
	}
	if r := cfg.restriction(); r != "" {
		parts = append(parts, fmt.Sprintf("%d left out by %s", v.filtered-len(v.leaks), r))
	}
	if v.checkFilters {
		parts = append(parts, "filters: "+cfg.describeExtraFilters())
	} else {
		parts = append(parts, "filters: "+cfg.describeFilters())
	}
	return strings.Join(parts, "; ")
}

// nextStep is the last line of a leak message.
func nextStep(v *verdict) string {
	hint := "matchers.IgnoringTopFunction(...)"
	if len(v.clusters) > 0 && len(v.clusters[0].Representative.Frames) > 0 {
		g := &v.clusters[0].Representative
		// Suggest the frame the goroutine's own code waits in; it is the
		// top function only when no runtime or sync frame sits above it.
		if site := funnel.WaitSite(g); site.Func == g.Frames[0].Func {
			hint = fmt.Sprintf("matchers.IgnoringTopFunction(%q)", site.Func)
		} else {
			hint = fmt.Sprintf("matchers.IgnoringAnyFrame(%q)", site.Func)
		}
	}
	return "End these goroutines before the test returns (close their channels, cancel their contexts, stop their servers and tickers), " +
		"or, if they are expected to outlive it, ignore them with an option such as " + hint + "."
}
