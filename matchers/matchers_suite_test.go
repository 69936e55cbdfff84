package matchers_test

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/matchers"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the current output")

func TestMatchers(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Matchers Suite")
}

// suiteBaseline is captured before any spec runs; the suite checks at the
// end that nothing leaked since, except the permanent fixtures specs
// deliberately leave behind (see leavePermanent).
var suiteBaseline *funnel.Snapshot

var (
	permanentMu  sync.Mutex
	permanentIDs []uint64
)

// leavePermanent records goroutines that can never end (a nil channel, an
// empty select), so that the suite's own leak check leaves them out.
func leavePermanent(ids ...uint64) {
	permanentMu.Lock()
	defer permanentMu.Unlock()
	permanentIDs = append(permanentIDs, ids...)
}

func isPermanentFixture(g funnel.Goroutine) bool {
	permanentMu.Lock()
	defer permanentMu.Unlock()
	return slices.Contains(permanentIDs, g.ID)
}

var _ = BeforeSuite(func() {
	Expect(funnel.EnableTraceLabels()).To(Succeed())
	suiteBaseline = funnel.Capture()
})

var _ = AfterSuite(func(ctx SpecContext) {
	res, err := funnel.Check(ctx, suiteBaseline)
	Expect(err).NotTo(HaveOccurred())
	Expect(res).NotTo(matchers.HaveLeaked(matchers.IgnoringFunc("permanent fixtures", isPermanentFixture)),
		"the matchers suite itself leaked goroutines")
})

// golden compares got with testdata/<name>.golden, or rewrites the file
// when the suite runs with -update.
func golden(name, got string) {
	GinkgoHelper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		Expect(os.WriteFile(path, []byte(got), 0o644)).To(Succeed())
		return
	}
	want, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred(), "missing golden file; run go test ./matchers -update")
	Expect(got).To(Equal(string(want)), "output differs from %s; if the change is intended, run go test ./matchers -update", path)
}
