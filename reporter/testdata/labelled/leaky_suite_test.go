// Package leaky_test is a fixture suite for the reporter's end-to-end
// tests: it leaks from every kind of node, with AroundNode labels.
package leaky_test

import (
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/reporter"
)

// out is the folder for leakfunnel's outputs, set by the end-to-end tests.
// Without it the suite skips itself and writes nothing, so that `ginkgo -r`
// from the repository root does not run the fixture.
var out = os.Getenv("FIXTURE_OUT")

func outPath(name string) string {
	if out == "" {
		return ""
	}
	return filepath.Join(out, name)
}

// This top-level BeforeEach is registered before leakfunnel's, so it runs
// first; for one spec it leaks and fails before leakfunnel's BeforeEach.
var _ = BeforeEach(func() {
	if CurrentSpecReport().LeafNodeText != "fails in an earlier BeforeEach" {
		return
	}
	started := make(chan struct{})
	go blockInEarlyBeforeEach(started)
	waitStarted(started)
	Fail("an earlier top-level BeforeEach failed")
})

var leaks = reporter.Install(
	reporter.WithJUnit(outPath("leaks.xml")),
	reporter.WithArtifacts(outPath("artifacts")),
	reporter.WithHTML(outPath("report.html")),
	reporter.WithSettleTimeout(300*time.Millisecond),
)

func TestLeaky(t *testing.T) {
	if out == "" {
		t.Skip("fixture of the reporter's end-to-end tests: run by them, with FIXTURE_OUT set")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "Leaky", leaks.AroundNode())
}

// release is never closed: leaked goroutines stay until the process exits.
var release = make(chan struct{})

// waitStarted blocks until a fixture goroutine has signalled that it runs.
func waitStarted(started chan struct{}) { <-started }

func blockInIt(started chan struct{})              { close(started); <-release }
func blockInBeforeEach(started chan struct{})      { close(started); <-release }
func blockInJustBeforeEach(started chan struct{})  { close(started); <-release }
func blockInAfterEach(started chan struct{})       { close(started); <-release }
func blockInCleanup(started chan struct{})         { close(started); <-release }
func blockInGrandchild(started chan struct{})      { close(started); <-release }
func blockInReportMode(started chan struct{})      { close(started); <-release }
func blockInOffMode(started chan struct{})         { close(started); <-release }
func blockAfterTimeout(started chan struct{})      { close(started); <-release }
func blockViaWorker(started chan struct{})         { close(started); <-release }
func blockInOpenContainer(started chan struct{})   { close(started); <-release }
func blockInOrderedSpec(started chan struct{})     { close(started); <-release }
func blockInFailingSpec(started chan struct{})     { close(started); <-release }
func blockBeforeInterrupt(started chan struct{})   { close(started); <-release }
func blockInEarlyBeforeEach(started chan struct{}) { close(started); <-release }

// spawnAndExit starts a grandchild and exits once it runs.
func spawnAndExit(started chan struct{}) {
	go blockInGrandchild(started)
	<-started
}

// work feeds the suite worker started in BeforeSuite, which is never
// stopped: a suite-scoped leak.
var work chan func()

func suiteWorker(work chan func()) {
	for f := range work {
		go f()
	}
}

var _ = BeforeSuite(func() {
	work = make(chan func())
	go suiteWorker(work)
})

// pool is a fixture with worker goroutines, stopped by Stop.
type pool struct{ stop chan struct{} }

func startPool(n int) *pool {
	p := &pool{stop: make(chan struct{})}
	for range n {
		go p.worker()
	}
	return p
}

func (p *pool) worker() { <-p.stop }
func (p *pool) Stop()   { close(p.stop) }

// serve accepts connections until ln is closed.
func serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			buf := make([]byte, 1)
			c.Read(buf)
			c.Close()
		}()
	}
}

var _ = Describe("leaky", func() {
	It("is clean", func() {
		done := make(chan struct{})
		go func() { close(done) }()
		<-done
	})

	It("leaks in It", func() {
		started := make(chan struct{})
		go blockInIt(started)
		waitStarted(started)
	})

	Context("with a BeforeEach", func() {
		BeforeEach(func() {
			started := make(chan struct{})
			go blockInBeforeEach(started)
			waitStarted(started)
		})
		It("leaks in BeforeEach", func() {})
	})

	Context("with a JustBeforeEach", func() {
		JustBeforeEach(func() {
			started := make(chan struct{})
			go blockInJustBeforeEach(started)
			waitStarted(started)
		})
		It("leaks in JustBeforeEach", func() {})
	})

	Context("with an AfterEach", func() {
		AfterEach(func() {
			started := make(chan struct{})
			go blockInAfterEach(started)
			waitStarted(started)
		})
		It("leaks in AfterEach", func() {})
	})

	It("leaks in DeferCleanup", func() {
		DeferCleanup(func() {
			started := make(chan struct{})
			go blockInCleanup(started)
			waitStarted(started)
		})
	})

	It("leaks through a grandchild", func() {
		started := make(chan struct{})
		exited := make(chan struct{})
		go func() {
			spawnAndExit(started)
			close(exited)
		}()
		<-exited
	})

	It("asks the suite worker", func() {
		started := make(chan struct{})
		work <- func() { blockViaWorker(started) }
		waitStarted(started)
	})

	It("leaks in report mode", reporter.ModeLabel(reporter.ModeReport), func() {
		started := make(chan struct{})
		go blockInReportMode(started)
		waitStarted(started)
	})

	It("leaks in off mode", reporter.ModeLabel(reporter.ModeOff), func() {
		started := make(chan struct{})
		go blockInOffMode(started)
		waitStarted(started)
	})

	It("leaks and times out", NodeTimeout(50*time.Millisecond), func(ctx SpecContext) {
		started := make(chan struct{})
		go blockAfterTimeout(started)
		waitStarted(started)
		<-ctx.Done()
	})

	It("fails and leaks", func() {
		started := make(chan struct{})
		go blockInFailingSpec(started)
		waitStarted(started)
		Fail("the spec's own failure")
	})

	It("fails in an earlier BeforeEach", func() {})

	It("drains slowly", leaks.ForSpec(reporter.WithSettleTimeout(5*time.Second)), func() {
		done := make(chan struct{})
		go func() {
			time.Sleep(400 * time.Millisecond)
			close(done)
		}()
	})
})

var _ = Describe("a database", Ordered, func() {
	var ln net.Listener
	var workers, writer *pool
	BeforeAll(func() {
		var err error
		ln, err = net.Listen("tcp", "127.0.0.1:0")
		Expect(err).NotTo(HaveOccurred())
		go serve(ln)
		workers = startPool(3)
	})
	AfterAll(func() {
		Expect(ln.Close()).To(Succeed())
		workers.Stop()
		if writer != nil {
			writer.Stop()
		}
	})

	It("queries", func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Write([]byte{1})
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Close()).To(Succeed())
	})

	It("opens a writer on first use", func(ctx SpecContext) {
		reporter.ContainerScoped(ctx, func() { writer = startPool(1) })
	})

	It("leaks on its own", func() {
		started := make(chan struct{})
		go blockInOrderedSpec(started)
		waitStarted(started)
	})
})

var _ = Describe("a cache", Ordered, func() {
	BeforeAll(func() {
		startPool(2) // never stopped: the container leaks
		started := make(chan struct{})
		go blockInOpenContainer(started)
		waitStarted(started)
	})
	AfterAll(func() {
		// Forgets to stop the pool and the blocked goroutine.
	})

	It("reads", func() {})
	It("writes", func() {})
})

var _ = Describe("a queue", Ordered, ContinueOnFailure, func() {
	var outer *pool
	BeforeAll(func() { outer = startPool(2) })
	AfterAll(func() { outer.Stop() })

	It("enqueues", func() {})

	Describe("with consumers", func() {
		var inner *pool
		BeforeAll(func() { inner = startPool(2) })
		AfterAll(func() { inner.Stop() })

		It("consumes", func() {})
		It("fails without leaking", func() { Fail("a failure that is not a leak") })
		It("acks", func() {})
	})
})

var _ = Describe("a pending container", Ordered, Pending, func() {
	BeforeAll(func() { startPool(1) })
	It("never runs", func() {})
})

var _ = Describe("an interrupted spec", Label("interrupt"), func() {
	It("leaks and waits for an interrupt", func(ctx SpecContext) {
		if os.Getenv("FIXTURE_INTERRUPT") == "" {
			Skip("run only by the interrupt test")
		}
		started := make(chan struct{})
		go blockBeforeInterrupt(started)
		waitStarted(started)
		Expect(os.WriteFile(filepath.Join(out, "waiting"), nil, 0o644)).To(Succeed())
		<-ctx.Done()
	})
})
