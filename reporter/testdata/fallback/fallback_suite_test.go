// Package fallback_test is a fixture suite for the reporter's end-to-end
// tests: no AroundNode decorator, and leaks reported without failing.
package fallback_test

import (
	"os"
	"path/filepath"
	"testing"

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

var _ = reporter.Install(
	reporter.WithMode(reporter.ModeReport),
	reporter.WithJUnit(outPath("leaks.xml")),
	reporter.WithArtifacts(outPath("artifacts")),
)

func TestFallback(t *testing.T) {
	if out == "" {
		t.Skip("fixture of the reporter's end-to-end tests: run by them, with FIXTURE_OUT set")
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "Fallback")
}

// release is never closed: leaked goroutines stay until the process exits.
var release = make(chan struct{})

func blockInIt(started chan struct{})         { close(started); <-release }
func blockInBeforeEach(started chan struct{}) { close(started); <-release }

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

var _ = Describe("fallback", func() {
	It("is clean", func() {
		Expect(true).To(BeTrue())
	})

	It("leaks in It", func() {
		started := make(chan struct{})
		go blockInIt(started)
		<-started
	})

	Context("with a BeforeEach", func() {
		BeforeEach(func() {
			started := make(chan struct{})
			go blockInBeforeEach(started)
			<-started
		})
		It("leaks in BeforeEach", func() {})
	})

	Describe("an ordered fixture", Ordered, func() {
		var p *pool
		BeforeAll(func() { p = startPool(3) })
		AfterAll(func() { p.Stop() })
		It("uses it once", func() {})
		It("uses it twice", func() {})
	})
})

var _ = Describe("a container with its own reporter", func() {
	reporter.Install(reporter.WithMode(reporter.ModeReport))

	It("is checked by both", func() {})
})
