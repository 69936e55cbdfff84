package matchers_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/matchers"
	"github.com/onsi/gomega"
	"github.com/onsi/gomega/gleak"
)

// lines returns lines from..to (1-based, inclusive) of s. The examples print
// the parts of a message that do not depend on goroutine IDs or on how many
// goroutines the test binary runs.
func lines(s string, from, to int) string {
	ls := strings.Split(s, "\n")
	return strings.Join(ls[from-1:min(to, len(ls))], "\n")
}

func ExampleHaveLeakedSince() {
	base := funnel.Capture()
	jobs := startWorkers(2)

	m := matchers.HaveLeakedSince(base)
	leaked, err := m.Match(funnel.Capture())
	fmt.Println(leaked, err)
	// What Expect(funnel.Capture()).NotTo(HaveLeakedSince(base)) reports:
	fmt.Println(lines(m.NegatedFailureMessage(nil), 2, 4))

	close(jobs)
	res, err := funnel.Check(context.Background(), base)
	fmt.Println(err, len(res.Leaks))
	// Output:
	// true <nil>
	//     leakfunnel: 2 goroutines leaked in 1 cluster (proof not used)
	//     [1] 2 goroutines, blocked (chan receive)
	//         waits in:   github.com/leakfunnel/leakfunnel/matchers_test.worker at matchers/example_workers_test.go:15
	// <nil> 0
}

func ExampleHaveLeaked() {
	base := funnel.Capture()
	jobs := startWorkers(3)
	defer close(jobs)

	// Without the goroutineleak profile, so that the output is the same in
	// every build.
	res, err := funnel.Check(context.Background(), base, funnel.WithTimeout(50*time.Millisecond), funnel.WithProof(false))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := matchers.HaveLeaked()
	leaked, err := m.Match(res)
	fmt.Println(leaked, err)
	fmt.Println(lines(m.NegatedFailureMessage(res), 2, 4))

	// Ignoring the workers, nothing is left.
	leaked, err = matchers.HaveLeaked(matchers.IgnoringAnyFrame("github.com/leakfunnel/leakfunnel/matchers_test.worker")).Match(res)
	fmt.Println(leaked, err)
	// Output:
	// true <nil>
	//     leakfunnel: 3 goroutines leaked in 1 cluster (proof not used)
	//     [1] 3 goroutines, blocked (chan receive)
	//         waits in:   github.com/leakfunnel/leakfunnel/matchers_test.worker at matchers/example_workers_test.go:15
	// false <nil>
}

// printingT is a matchers.TB that prints the errors it is given, standing in
// for *testing.T.
type printingT struct{ cleanups []func() }

func (t *printingT) Helper()           {}
func (t *printingT) Cleanup(f func())  { t.cleanups = append(t.cleanups, f) }
func (t *printingT) Error(args ...any) { fmt.Println(lines(fmt.Sprint(args...), 2, 3)) }

func ExampleGuardLeaks() {
	t := &printingT{}

	// In a test: matchers.GuardLeaks(t) as its first line. The options shorten
	// the wait and leave the goroutineleak profile out, so that the output is
	// the same in every build.
	matchers.GuardLeaks(t, matchers.WithSettleTimeout(50*time.Millisecond), matchers.WithProof(false))
	jobs := startWorkers(1)

	// The test returns; testing runs the cleanups.
	for _, f := range t.cleanups {
		f()
	}
	close(jobs)
	// Output:
	//     leakfunnel: 1 goroutine leaked in 1 cluster (proof not used)
	//     [1] 1 goroutine, blocked (chan receive)
}

func ExampleIgnoring() {
	base := funnel.Capture()
	jobs := startWorkers(2)
	defer close(jobs)
	snap := funnel.Capture()

	// gleak's filters work unchanged inside Ignoring.
	leaked, err := matchers.HaveLeakedSince(base,
		matchers.Ignoring(gleak.IgnoringTopFunction("github.com/leakfunnel/leakfunnel/matchers_test.worker")),
	).Match(snap)
	fmt.Println(leaked, err)
	// Output:
	// false <nil>
}

func ExampleHaveClusterOfClass() {
	base := funnel.Capture()
	jobs := startWorkers(2)
	defer close(jobs)
	res, err := funnel.Check(context.Background(), base, funnel.WithTimeout(50*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, class := range []funnel.Class{funnel.ClassBlocked, funnel.ClassPermanent} {
		found, err := matchers.HaveClusterOfClass(class).Match(res)
		fmt.Println(class, found, err)
	}
	// Output:
	// blocked true <nil>
	// permanent false <nil>
}

func Example_plainTesting() {
	// In a plain test this is g := gomega.NewWithT(t); here failures are
	// printed instead of failing a test.
	g := gomega.NewGomega(func(message string, _ ...int) { fmt.Println(lines(message, 2, 3)) })

	base := funnel.Capture()
	jobs := startWorkers(1)
	g.Expect(funnel.Capture()).NotTo(matchers.HaveLeakedSince(base))

	close(jobs)
	g.Eventually(funnel.Capture).ShouldNot(matchers.HaveLeakedSince(base))
	fmt.Println("no leak once the workers are stopped")
	// Output:
	//     leakfunnel: 1 goroutine leaked in 1 cluster (proof not used)
	//     [1] 1 goroutine, blocked (chan receive)
	// no leak once the workers are stopped
}
