// The example suite: clean specs for three small packages (a worker pool, a
// pub/sub broker and a retrying HTTP client), and specs labelled "leaky" that
// reproduce goroutine leaks users meet in real code. leakfunnel checks every
// spec; the leaky ones run in report-only mode, and expectations_test.go fails
// the suite unless each was reported exactly as it expects.
package suiteexample_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/matchers"
	"github.com/leakfunnel/leakfunnel/reporter"
)

// outDir is where leakfunnel writes its JUnit XML, per-spec artifacts and
// suite summary, relative to this package's folder (where Ginkgo runs the
// suite).
const outDir = "leakfunnel-report"

// One line turns leakfunnel on for every spec of the suite. At the end of
// the suite it writes the JUnit XML, the artifacts and the summary, renders
// the self-contained HTML report from them, and prints where they all are.
var leaks = reporter.Install(
	reporter.WithJUnit(filepath.Join(outDir, "leaks.xml")),
	reporter.WithArtifacts(outDir),
	reporter.WithHTML(filepath.Join(outDir, "report.html")),
)

func TestSuiteExample(t *testing.T) {
	RegisterFailHandler(Fail)
	// AroundNode labels every node's goroutine with its spec and node, so
	// each leak is blamed on the node that started it, even through
	// goroutines that have since exited; it also checks, at the end of each
	// process, what BeforeSuite started there.
	RunSpecs(t, "leakfunnel example suite", leaks.AroundNode())
}

// upstream is a fixture shared by the whole suite: an HTTP API on 127.0.0.1,
// started in BeforeSuite and closed when the suite ends. Its goroutines are
// charged to the suite, never to the specs that call it.
var upstream *httptest.Server

// afterSetup is every goroutine of this process once BeforeSuite is done.
var afterSetup *funnel.Snapshot

var _ = BeforeSuite(func() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "item %s", r.PathValue("id"))
	})
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	})
	upstream = httptest.NewServer(mux)
	DeferCleanup(upstream.Close)
	afterSetup = funnel.Capture()
})

// The leaky specs release their leaks once leakfunnel has checked them, and
// the clean specs leak nothing: when the last spec is done, this process has
// no goroutine that was not there after BeforeSuite.
var _ = AfterSuite(func() {
	Eventually(matchers.Live()).WithTimeout(5 * time.Second).ShouldNot(matchers.HaveLeakedSince(afterSetup))
})
