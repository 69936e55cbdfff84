package suiteexample_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/suite_example/broker"
)

var _ = Describe("Broker", func() {
	var b *broker.Broker

	BeforeEach(func() {
		b = broker.New()
		DeferCleanup(b.Close)
	})

	It("delivers a message to every subscriber of its topic", func() {
		a, err := b.Subscribe("orders", 1)
		Expect(err).NotTo(HaveOccurred())
		c, err := b.Subscribe("orders", 1)
		Expect(err).NotTo(HaveOccurred())
		other, err := b.Subscribe("invoices", 1)
		Expect(err).NotTo(HaveOccurred())

		msg := broker.Message{Topic: "orders", Body: "order 1"}
		Expect(b.Publish(msg)).To(Equal(2))
		Expect(a.C).To(Receive(Equal(msg)))
		Expect(c.C).To(Receive(Equal(msg)))
		Expect(other.C).NotTo(Receive())
	})

	It("drops a message for a subscriber whose buffer is full", func() {
		sub, err := b.Subscribe("orders", 1)
		Expect(err).NotTo(HaveOccurred())
		Expect(b.Publish(broker.Message{Topic: "orders", Body: "1"})).To(Equal(1))
		Expect(b.Publish(broker.Message{Topic: "orders", Body: "2"})).To(Equal(0))
		Expect(sub.C).To(Receive(HaveField("Body", "1")))
	})

	It("ends a context subscription when the context is cancelled", func(ctx SpecContext) {
		subCtx, cancel := context.WithCancel(ctx)
		sub, err := b.SubscribeContext(subCtx, "orders", 1)
		Expect(err).NotTo(HaveOccurred())
		cancel()
		Eventually(sub.C).Should(BeClosed())
	})

	It("waits for a slow subscriber when publishing asynchronously", func() {
		sub, err := b.Subscribe("orders", 0)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(sub.Close)
		for i := range 3 {
			Expect(b.PublishAsync(broker.Message{Topic: "orders", Body: string(rune('a' + i))})).To(Succeed())
		}
		var got []string
		for range 3 {
			var m broker.Message
			Eventually(sub.C).Should(Receive(&m))
			got = append(got, m.Body)
		}
		Expect(got).To(ConsistOf("a", "b", "c"))
	})

	It("releases pending asynchronous deliveries when a subscription closes", func() {
		sub, err := b.Subscribe("orders", 0)
		Expect(err).NotTo(HaveOccurred())
		Expect(b.PublishAsync(broker.Message{Topic: "orders", Body: "never read"})).To(Succeed())
		sub.Close()
		Eventually(sub.C).Should(BeClosed())
	})

	It("rejects use after Close", func() {
		b.Close()
		_, err := b.Subscribe("orders", 1)
		Expect(err).To(MatchError(broker.ErrClosed))
		Expect(b.PublishAsync(broker.Message{Topic: "orders"})).To(MatchError(broker.ErrClosed))
	})
})
