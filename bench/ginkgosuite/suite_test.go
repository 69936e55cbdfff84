package ginkgosuite_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
	"go.uber.org/goleak"

	"github.com/leakfunnel/leakfunnel/bench"
	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/reporter"
)

var (
	checker    = envOr("LEAKFUNNEL_BENCH_CHECKER", "plain")
	specs      = envInt("LEAKFUNNEL_BENCH_SPECS", 100)
	background = envInt("LEAKFUNNEL_BENCH_BACKGROUND", 10)
)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func envInt(key string, def int) int {
	v, err := strconv.Atoi(envOr(key, strconv.Itoa(def)))
	if err != nil || v < 0 {
		return def
	}
	return v
}

// leaks is the reporter, installed at the top level only for the reporter run.
var leaks = install()

func install() *reporter.Reporter {
	if checker != "reporter" {
		return nil
	}
	return reporter.Install()
}

func TestGinkgoSuite(t *testing.T) {
	switch checker {
	case "plain", "reporter", "leakfunnel", "gleak", "goleak":
	default:
		t.Fatalf("LEAKFUNNEL_BENCH_CHECKER=%q: want plain, reporter, leakfunnel, gleak or goleak", checker)
	}
	RegisterFailHandler(Fail)
	var args []any
	if leaks != nil {
		args = append(args, leaks.AroundNode())
	}
	RunSpecs(t, "leakfunnel overhead suite", args...)
}

var pool bench.Background

// settle and snapshots sum up the leakfunnel checks' Result.Settle and
// Result.Snapshots.
var (
	settle    time.Duration
	snapshots int
)

var _ = BeforeSuite(func() {
	Expect(pool.Resize(background)).To(Succeed())
	DeferCleanup(func() error { return pool.Resize(0) })
})

// The peers' documented per-spec checks, registered like the reporter's:
// a baseline in a top-level BeforeEach, the verdict in a DeferCleanup.
var _ = BeforeEach(func() {
	switch checker {
	case "leakfunnel":
		base := funnel.Capture()
		DeferCleanup(func(ctx SpecContext) {
			res, err := funnel.Check(ctx, base)
			Expect(err).NotTo(HaveOccurred())
			Expect(res.Leaks).To(BeEmpty())
			settle += res.Settle
			snapshots += res.Snapshots
		})
	case "gleak":
		base := gleak.Goroutines()
		DeferCleanup(func() {
			Eventually(gleak.Goroutines).ShouldNot(gleak.HaveLeaked(base))
		})
	case "goleak":
		ignore := goleak.IgnoreCurrent()
		DeferCleanup(func() {
			Expect(goleak.Find(ignore)).To(Succeed())
		})
	}
})

var _ = Describe("clean specs", func() {
	for i := range specs {
		It(fmt.Sprintf("spec %d", i), func() {
			Expect(i).To(BeNumerically(">=", 0))
		})
	}
})

var _ = ReportAfterSuite("timing", func(r Report) {
	var first, last time.Time
	var specTime time.Duration
	n := 0
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if first.IsZero() || s.StartTime.Before(first) {
			first = s.StartTime
		}
		if s.EndTime.After(last) {
			last = s.EndTime
		}
		specTime += s.RunTime
		n++
	}
	if n == 0 {
		return
	}
	// From the first spec's start to the last one's end: the specs and
	// everything that runs between them, but not the suite's setup.
	wall := last.Sub(first)
	extra := ""
	if checker == "leakfunnel" {
		extra = fmt.Sprintf("\t%.0f settle-ns/op\t%.2f snapshots/op", float64(settle.Nanoseconds())/float64(n), float64(snapshots)/float64(n))
	}
	fmt.Printf("\nBenchmarkGinkgoSuite/background=%d/checker=%s\t%d\t%.0f ns/op\t%.0f spec-ns/op%s\n",
		background, checker, n, float64(wall.Nanoseconds())/float64(n), float64(specTime.Nanoseconds())/float64(n), extra)
})
