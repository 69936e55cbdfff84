package suiteexample_test

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/funnel"
	. "github.com/leakfunnel/leakfunnel/matchers"
	"github.com/leakfunnel/leakfunnel/suite_example/pool"
)

var _ = Describe("Pool", func() {
	var p *pool.Pool

	BeforeEach(func() {
		p = pool.New(4)
		DeferCleanup(p.Close)
	})

	It("runs every task and returns its error", func(ctx SpecContext) {
		var ran atomic.Int32
		errBoom := errors.New("boom")
		for i := range 10 {
			err := p.Do(ctx, func(context.Context) error {
				ran.Add(1)
				if i == 3 {
					return errBoom
				}
				return nil
			})
			if i == 3 {
				Expect(err).To(MatchError(errBoom))
			} else {
				Expect(err).NotTo(HaveOccurred())
			}
		}
		Expect(ran.Load()).To(Equal(int32(10)))
	})

	It("runs tasks concurrently on its workers", func(ctx SpecContext) {
		started := make(chan struct{})
		release := make(chan struct{})
		var results []<-chan error
		for range 4 {
			done, err := p.Submit(ctx, func(context.Context) error {
				started <- struct{}{}
				<-release
				return nil
			})
			Expect(err).NotTo(HaveOccurred())
			results = append(results, done)
		}
		for range 4 {
			Eventually(started).Should(Receive())
		}
		close(release)
		for _, done := range results {
			Eventually(done).Should(Receive(BeNil()))
		}
	})

	It("stops waiting for a free worker when the context ends", func(ctx SpecContext) {
		release := make(chan struct{})
		defer close(release)
		for range 4 {
			_, err := p.Submit(ctx, func(context.Context) error { <-release; return nil })
			Expect(err).NotTo(HaveOccurred())
		}
		short, cancel := context.WithCancel(ctx)
		cancel()
		_, err := p.Submit(short, func(context.Context) error { return nil })
		Expect(err).To(MatchError(context.Canceled))
	})

	It("rejects tasks once closed", func(ctx SpecContext) {
		p.Close()
		Expect(p.Do(ctx, func(context.Context) error { return nil })).To(MatchError(pool.ErrClosed))
	})

	// The matchers check one piece of code, where the reporter checks whole
	// specs.
	It("starts one goroutine per worker and stops them all on Close", func() {
		base := funnel.Capture()
		big := pool.New(8)
		DeferCleanup(big.Close) // in case an assertion below fails first
		started := func() ([]funnel.Goroutine, error) {
			return funnel.Leaked(base, funnel.Capture(), funnel.StandardFilters())
		}
		Eventually(started).Should(HaveLen(8))
		big.Close()
		Eventually(Live()).ShouldNot(HaveLeakedSince(base))
		// A count cannot tell which goroutines ended, but it never grows back
		// once the workers are gone.
		Expect(Live()).To(HaveGoroutineDeltaSince(base, BeNumerically("<=", 0)))
	})

	It("leaks its workers when Close is forgotten, as funnel.Check shows", func(ctx SpecContext) {
		base := funnel.Capture()
		forgotten := pool.New(3)
		DeferCleanup(func() {
			forgotten.Close()
			Eventually(Live()).ShouldNot(HaveLeakedSince(base))
		})
		// A check right after New may find the workers not yet scheduled;
		// checking again once they run is what Eventually is for.
		check := func() (*funnel.Result, error) {
			return funnel.Check(ctx, base, funnel.WithTimeout(50*time.Millisecond))
		}
		Eventually(check).Should(SatisfyAll(
			HaveLeakStartedBy("github.com/leakfunnel/leakfunnel/suite_example/pool.New"),
			HaveClusterOfClass(funnel.ClassBlocked),
		))
	})
})
