package suiteexample_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/suite_example/pool"
	"github.com/leakfunnel/leakfunnel/suite_example/retryclient"
)

var _ = Describe("retryclient.Client", func() {
	var c *retryclient.Client

	BeforeEach(func() {
		c = retryclient.New(retryclient.Config{Backoff: time.Millisecond})
		DeferCleanup(c.Close)
	})

	It("fetches a body", func(ctx SpecContext) {
		Expect(c.Get(ctx, upstream.URL+"/items/7")).To(BeEquivalentTo("item 7"))
	})

	It("retries 5xx responses with backoff until one succeeds", func(ctx SpecContext) {
		var calls atomic.Int32
		flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if calls.Add(1) < 3 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("finally"))
		}))
		DeferCleanup(flaky.Close)
		Expect(c.Get(ctx, flaky.URL)).To(BeEquivalentTo("finally"))
		Expect(calls.Load()).To(Equal(int32(3)))
	})

	It("does not retry a 4xx response", func(ctx SpecContext) {
		_, err := c.Get(ctx, upstream.URL+"/missing")
		var se *retryclient.StatusError
		Expect(errors.As(err, &se)).To(BeTrue(), "error %v is not a *retryclient.StatusError", err)
		Expect(se.Code).To(Equal(http.StatusNotFound))
	})

	It("gives up when the context ends during backoff", func(ctx SpecContext) {
		slow := retryclient.New(retryclient.Config{Backoff: time.Hour, Attempts: 5})
		DeferCleanup(slow.Close)
		down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusBadGateway)
		}))
		DeferCleanup(down.Close)
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		_, err := slow.Get(short, down.URL)
		Expect(err).To(MatchError(context.DeadlineExceeded))
	})

	It("delivers an asynchronous result to a caller that waits for it", func(ctx SpecContext) {
		var res retryclient.Result
		Eventually(c.GetAsync(ctx, upstream.URL+"/items/9")).Should(Receive(&res))
		Expect(res.Err).NotTo(HaveOccurred())
		Expect(res.Body).To(BeEquivalentTo("item 9"))
	})

	It("probes a URL until the health check is stopped", func() {
		h := c.StartHealthCheck(upstream.URL+"/health", 5*time.Millisecond)
		Eventually(func() int { n, _ := h.Status(); return n }).Should(BeNumerically(">=", 2))
		h.Stop()
		_, err := h.Status()
		Expect(err).NotTo(HaveOccurred())
	})
})

// A fixture opened in BeforeAll lives, correctly, until AfterAll: leakfunnel
// charges its goroutines to the container and checks them after AfterAll,
// so no spec here is blamed for them.
var _ = Describe("an Ordered container with a server and a pool shared by its specs", Ordered, func() {
	var (
		srv     *httptest.Server
		workers *pool.Pool
		c       *retryclient.Client
	)

	BeforeAll(func() {
		srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("pong"))
		}))
		workers = pool.New(2)
		c = retryclient.New(retryclient.Config{})
	})

	AfterAll(func() {
		c.Close()
		workers.Close()
		srv.Close()
	})

	It("calls the server from the pool", func(ctx SpecContext) {
		Expect(workers.Do(ctx, func(ctx context.Context) error {
			_, err := c.Get(ctx, srv.URL)
			return err
		})).To(Succeed())
	})

	It("keeps using the same connection", func(ctx SpecContext) {
		Expect(c.Get(ctx, srv.URL)).To(BeEquivalentTo("pong"))
	})
})
