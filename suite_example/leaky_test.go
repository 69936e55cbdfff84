package suiteexample_test

// Specs that leak on purpose, one per pattern met in real code. They run in
// leakfunnel's report-only mode; each states what leakfunnel must report
// (expectations_test.go checks it), and each leak is released once leakfunnel
// has checked the spec, so the process ends clean.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/reporter"
	"github.com/leakfunnel/leakfunnel/suite_example/broker"
	"github.com/leakfunnel/leakfunnel/suite_example/pool"
	"github.com/leakfunnel/leakfunnel/suite_example/retryclient"
)

const testPackage = "github.com/leakfunnel/leakfunnel/suite_example_test"

var _ = Describe("leak patterns", Label(leakyLabel), reporter.ModeLabel(reporter.ModeReport), func() {
	// release holds what frees the current spec's leaks. leakfunnel checks a
	// spec in its last cleanup, after every AfterEach and DeferCleanup, so
	// the leaks are freed in ReportAfterEach, which runs after that.
	var release []func()
	releaseAfterCheck := func(free func()) { release = append(release, free) }
	ReportAfterEach(func(SpecReport) {
		for i := len(release) - 1; i >= 0; i-- {
			release[i]()
		}
		release = nil
	})

	leakyIt("forgotten cancel(): a subscription tied to a context nobody cancels", func() []wantCluster {
		return []wantCluster{{
			Count: 1, Class: funnel.ClassBlocked, State: "select",
			CreatedBy: module + "/broker.(*Broker).SubscribeContext",
			Site:      site("broker/broker.go", "func (b *Broker) SubscribeContext(", "go func() {"),
			Node:      "It",
		}}
	}, func(ctx SpecContext) {
		b := broker.New()
		subCtx, cancel := context.WithCancel(context.Background())
		releaseAfterCheck(cancel) // the spec should have deferred cancel()
		sub, err := b.SubscribeContext(subCtx, "orders", 1)
		Expect(err).NotTo(HaveOccurred())
		Expect(b.Publish(broker.Message{Topic: "orders", Body: "order 1"})).To(Equal(1))
		Expect(sub.C).To(Receive(HaveField("Body", "order 1")))
	})

	leakyIt("unbuffered result channel abandoned on timeout", func() []wantCluster {
		return []wantCluster{{
			Count: 1, Class: funnel.ClassBlocked, State: "select",
			CreatedBy: module + "/retryclient.(*Client).GetAsync",
			Site:      site("retryclient/retryclient.go", "func (c *Client) GetAsync(", "go func() {"),
			Node:      "It",
		}}
	}, func(ctx SpecContext) {
		answer := make(chan struct{})
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-answer:
			case <-r.Context().Done():
				return
			}
			w.Header().Set("Connection", "close")
			w.Write([]byte("late"))
		}))
		DeferCleanup(slow.Close)
		c := retryclient.New(retryclient.Config{})
		DeferCleanup(c.Close)

		results := c.GetAsync(context.Background(), slow.URL) // no context to cancel
		select {
		case <-results:
			Fail("the slow server answered before it was told to")
		case <-time.After(20 * time.Millisecond):
			// The caller gives up on its own timer and forgets results.
		}
		close(answer) // The server answers after all; GetAsync's goroutine now waits to send.
		releaseAfterCheck(func() { <-results })
	})

	leakyIt("ticker goroutine never stopped", func() []wantCluster {
		return []wantCluster{{
			Count: 1, Class: funnel.ClassBlocked, State: "select",
			CreatedBy: module + "/retryclient.(*Client).StartHealthCheck",
			Site:      site("retryclient/retryclient.go", "func (c *Client) StartHealthCheck(", "go func() {"),
			Node:      "It",
		}}
	}, func(ctx SpecContext) {
		c := retryclient.New(retryclient.Config{})
		DeferCleanup(c.Close)
		h := c.StartHealthCheck(upstream.URL+"/health", time.Minute)
		releaseAfterCheck(h.Stop) // the spec should have called h.Stop()
		probes, err := h.Status()
		Expect(probes).To(BeZero())
		Expect(err).NotTo(HaveOccurred())
	})

	leakyIt("WaitGroup.Done skipped on an error path", func() []wantCluster {
		return []wantCluster{{
			Count: 1, Class: funnel.ClassBlocked, State: "sync.WaitGroup.Wait",
			CreatedBy: testPackage + ".(*crawler).FetchAll",
			Site:      site("app_test.go", "cr.wg.Done()", "go func() {"),
			Node:      "It",
		}}
	}, func(ctx SpecContext) {
		cr := &crawler{client: retryclient.New(retryclient.Config{Attempts: 1})}
		DeferCleanup(cr.client.Close)
		pages := cr.FetchAll(ctx, []string{upstream.URL + "/items/1", upstream.URL + "/missing", upstream.URL + "/items/2"})
		failed := 0
		for range 3 {
			var p page
			Eventually(pages).Should(Receive(&p))
			if p.err != nil {
				failed++
			}
		}
		Expect(failed).To(Equal(1))
		releaseAfterCheck(cr.wg.Done) // the Done that the error path skipped
	})

	leakyIt("mutex never unlocked on an early return", func() []wantCluster {
		return []wantCluster{{
			Count: 2, Class: funnel.ClassBlocked, State: "sync.Mutex.Lock",
			CreatedBy: testPackage + ".(*inventory).ReserveOrder",
			Site:      site("app_test.go", "func (inv *inventory) ReserveOrder(", "go func() {"),
			Node:      "It",
		}}
	}, func(ctx SpecContext) {
		inv := &inventory{stock: map[string]int{"apple": 5, "plum": 5}}
		Expect(inv.Reserve("pear", 1)).To(MatchError(errUnknownSKU)) // returns with the lock held
		releaseAfterCheck(inv.mu.Unlock)
		short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		defer cancel()
		err := inv.ReserveOrder(short, map[string]int{"apple": 1, "plum": 2})
		Expect(err).To(MatchError(context.DeadlineExceeded))
	})

	leakyIt("HTTP server never shut down", func() []wantCluster {
		return []wantCluster{{
			Count: 1, Class: funnel.ClassIO, State: "IO wait",
			CreatedBy: "net/http/httptest.(*Server).goServe",
			Site:      "server.go",
			Node:      "It",
		}}
	}, func(ctx SpecContext) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("pong"))
		}))
		releaseAfterCheck(srv.Close) // the spec should have deferred srv.Close()
		c := retryclient.New(retryclient.Config{})
		DeferCleanup(c.Close)
		Expect(c.Get(ctx, srv.URL)).To(BeEquivalentTo("pong"))
	})

	Describe("a worker pool started in BeforeEach", func() {
		var p *pool.Pool

		BeforeEach(func() {
			p = pool.New(2)
			releaseAfterCheck(p.Close) // the suite should have registered DeferCleanup(p.Close)
		})

		leakyIt("is never stopped", func() []wantCluster {
			return []wantCluster{{
				Count: 2, Class: funnel.ClassBlocked, State: "chan receive",
				CreatedBy: module + "/pool.New",
				Site:      site("pool/pool.go", "func New(", "go p.worker()"),
				Node:      "BeforeEach",
			}}
		}, func(ctx SpecContext) {
			Expect(p.Do(ctx, func(context.Context) error { return nil })).To(Succeed())
		})
	})

	leakyIt("leak started by a goroutine that has already exited", func() []wantCluster {
		return []wantCluster{{
			Count: 1, Class: funnel.ClassBlocked, State: "select",
			CreatedBy: module + "/broker.(*Broker).PublishAsync.func1",
			Site:      site("broker/broker.go", "func (b *Broker) PublishAsync(", "go s.deliver(msg)"),
			Node:      "It",
		}}
	}, func(ctx SpecContext) {
		b := broker.New()
		audit, err := b.Subscribe("audit", 0) // a subscriber that never reads
		Expect(err).NotTo(HaveOccurred())
		releaseAfterCheck(audit.Close)
		// PublishAsync's goroutine starts one delivery per subscriber and
		// returns; the delivery to audit waits forever.
		Expect(b.PublishAsync(broker.Message{Topic: "audit", Body: "login"})).To(Succeed())
	})
})
