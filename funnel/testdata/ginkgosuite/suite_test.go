package ginkgosuite_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/internal/leaktest"
)

func TestGinkgoSuite(t *testing.T) {
	if os.Getenv("LEAKFUNNEL_FILTER_REPORT") == "" {
		t.Skip("run by TestStandardFiltersGinkgo in package funnel, which sets LEAKFUNNEL_FILTER_REPORT")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "funnel standard filters")
}

// Survivor is a goroutine no standard filter removed.
type Survivor struct {
	ID        uint64 `json:"id"`
	State     string `json:"state"`
	Top       string `json:"top"`
	CreatedBy string `json:"createdBy"`
}

// FilterReport is what one spec writes.
type FilterReport struct {
	Process   int            `json:"process"`
	Spec      string         `json:"spec"`
	Planted   []uint64       `json:"planted"`
	Survivors []Survivor     `json:"survivors"`
	Leaked    []Survivor     `json:"leaked"`
	Matches   map[string]int `json:"matches"`
	Err       string         `json:"err,omitempty"`
}

func survivor(g funnel.Goroutine) Survivor {
	s := Survivor{ID: g.ID, State: g.State, CreatedBy: g.CreatedBy.Func}
	if len(g.Frames) > 0 {
		s.Top = g.Frames[0].Func
	}
	return s
}

// report captures every goroutine and writes what the standard filters
// matched and what survived them, and what leaked since base.
func report(base *funnel.Snapshot, planted []uint64) {
	GinkgoHelper()
	cur := funnel.Capture()
	r := FilterReport{
		Process: GinkgoParallelProcess(),
		Spec:    CurrentSpecReport().FullText(),
		Planted: planted,
		Matches: map[string]int{},
		Err:     cur.Err,
	}
	filters := funnel.StandardFilters()
	for _, f := range filters {
		r.Matches[f.String()] = 0
	}
	for i := range cur.Goroutines {
		g := &cur.Goroutines[i]
		matched := false
		for _, f := range filters {
			if f.IgnoresIn(g, cur) {
				r.Matches[f.String()]++
				matched = true
			}
		}
		if !matched {
			r.Survivors = append(r.Survivors, survivor(*g))
		}
	}
	leaks, err := funnel.Leaked(base, cur, filters)
	Expect(err).NotTo(HaveOccurred())
	for _, g := range leaks {
		r.Leaked = append(r.Leaked, survivor(g))
	}
	b, err := json.MarshalIndent(r, "", "  ")
	Expect(err).NotTo(HaveOccurred())
	dir := os.Getenv("LEAKFUNNEL_FILTER_REPORT")
	Expect(dir).NotTo(BeEmpty(), "LEAKFUNNEL_FILTER_REPORT names the output directory")
	name := fmt.Sprintf("proc%d-%s.json", r.Process, CurrentSpecReport().LeafNodeText)
	Expect(os.WriteFile(filepath.Join(dir, name), b, 0o644)).To(Succeed())
}

// plantGomega leaves a goroutine of Gomega's gbytes behind: a timed-out
// read abandons the goroutine still reading the pipe. It is released when
// the spec ends.
func plantGomega() {
	GinkgoHelper()
	r, w := io.Pipe()
	DeferCleanup(func() { Expect(w.Close()).To(Succeed()) })
	_, err := gbytes.TimeoutReader(r, time.Millisecond).Read(make([]byte, 1))
	Expect(err).To(MatchError(gbytes.ErrTimeout))
}

// plantFinalizer runs a finalizer that blocks until the spec ends, so that
// the runtime's finalizer goroutine shows in dumps.
func plantFinalizer() {
	GinkgoHelper()
	started, release := make(chan struct{}), make(chan struct{})
	func() {
		obj := new([64]byte)
		runtime.SetFinalizer(obj, func(*[64]byte) {
			close(started)
			<-release
		})
	}()
	DeferCleanup(func() { close(release) })
	Eventually(func() bool {
		runtime.GC()
		select {
		case <-started:
			return true
		default:
			return false
		}
	}).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(BeTrue())
}

var _ = Describe("standard filters", func() {
	var base *funnel.Snapshot
	BeforeEach(func() {
		base = funnel.Capture()
		Expect(base.Err).To(BeEmpty())
	})

	// Four specs so that both processes of a --procs=2 run get some.
	for i := range 4 {
		It(fmt.Sprintf("leak-%d", i), func() {
			fixture := leaktest.MustStart(GinkgoT(), leaktest.ChanRecv, 2)
			plantGomega()
			if i == 0 || i == 1 {
				plantFinalizer()
			}
			if i == 2 {
				// Capture from another goroutine, so that the spec's
				// own node goroutine is in the snapshot, as it is when
				// a node outlives its timeout.
				done := make(chan struct{})
				go func() {
					defer GinkgoRecover()
					defer close(done)
					report(base, fixture.IDs)
				}()
				<-done
				return
			}
			report(base, fixture.IDs)
		})
	}
})
