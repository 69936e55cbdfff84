// Package broker is an in-process publish/subscribe broker: the second
// package under test of leakfunnel's example suite.
//
// Subscribers receive messages on a channel. [Broker.Publish] delivers
// synchronously and drops a message for a subscriber whose buffer is full;
// [Broker.PublishAsync] delivers in the background and waits for slow
// subscribers instead. A subscription ends with [Subscription.Close], or with
// its context when it was made by [Broker.SubscribeContext].
package broker

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned after [Broker.Close].
var ErrClosed = errors.New("broker closed")

// Message is one published message.
type Message struct {
	Topic string
	Body  string
}

// Broker routes messages from publishers to the subscribers of a topic.
//
// The zero Broker is not usable; create one with [New]. A Broker is safe for
// concurrent use.
type Broker struct {
	mu     sync.Mutex
	subs   map[string]map[*Subscription]struct{}
	closed bool
}

// New returns an empty broker.
func New() *Broker {
	return &Broker{subs: make(map[string]map[*Subscription]struct{})}
}

// Subscription is one subscriber's view of a topic. Messages arrive on C.
// Close it when done: a subscription that is never closed keeps receiving
// (and, with [Broker.PublishAsync], keeps delivery goroutines waiting).
type Subscription struct {
	// C receives the topic's messages. It is closed by [Subscription.Close].
	C <-chan Message

	ch       chan Message
	done     chan struct{}
	once     sync.Once
	inflight sync.WaitGroup // PublishAsync deliveries still running
	broker   *Broker
	topic    string
}

// Subscribe subscribes to topic with a buffer of size messages (zero means
// unbuffered).
func (b *Broker) Subscribe(topic string, size int) (*Subscription, error) {
	ch := make(chan Message, max(size, 0))
	s := &Subscription{C: ch, ch: ch, done: make(chan struct{}), broker: b, topic: topic}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, ErrClosed
	}
	if b.subs[topic] == nil {
		b.subs[topic] = make(map[*Subscription]struct{})
	}
	b.subs[topic][s] = struct{}{}
	return s, nil
}

// SubscribeContext is [Broker.Subscribe] for a subscription that ends when ctx
// is done. It starts a goroutine that waits for ctx: a caller that never
// cancels ctx leaks that goroutine for as long as the process runs.
func (b *Broker) SubscribeContext(ctx context.Context, topic string, size int) (*Subscription, error) {
	s, err := b.Subscribe(topic, size)
	if err != nil {
		return nil, err
	}
	go func() {
		select {
		case <-ctx.Done():
			s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// Close ends the subscription and closes C. It is safe to call more than once
// and concurrently with publishing.
func (s *Subscription) Close() {
	s.once.Do(func() {
		s.broker.mu.Lock()
		delete(s.broker.subs[s.topic], s)
		s.broker.mu.Unlock()
		// No new delivery can start now: Publish and PublishAsync find
		// subscribers under the broker lock. Wake the running deliveries and
		// wait for them before closing ch, so nothing sends on a closed channel.
		close(s.done)
		s.inflight.Wait()
		close(s.ch)
	})
}

// Publish delivers msg to every subscriber of its topic that has room for it
// and returns how many received it. It never blocks.
func (b *Broker) Publish(msg Message) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, ErrClosed
	}
	n := 0
	for s := range b.subs[msg.Topic] {
		select {
		case s.ch <- msg:
			n++
		default:
		}
	}
	return n, nil
}

// PublishAsync delivers msg in the background, waiting for each subscriber
// to receive it or to close its subscription. It returns at once. A subscriber
// that neither reads nor closes keeps one delivery goroutine per message
// waiting.
func (b *Broker) PublishAsync(msg Message) error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	b.mu.Unlock()
	go func() {
		for _, s := range b.subscribers(msg.Topic) {
			go s.deliver(msg)
		}
	}()
	return nil
}

func (b *Broker) subscribers(topic string) []*Subscription {
	b.mu.Lock()
	defer b.mu.Unlock()
	subs := make([]*Subscription, 0, len(b.subs[topic]))
	for s := range b.subs[topic] {
		s.inflight.Add(1)
		subs = append(subs, s)
	}
	return subs
}

func (s *Subscription) deliver(msg Message) {
	defer s.inflight.Done()
	select {
	case s.ch <- msg:
	case <-s.done:
	}
}

// Close closes every subscription and rejects further use.
func (b *Broker) Close() {
	b.mu.Lock()
	b.closed = true
	var subs []*Subscription
	for _, set := range b.subs {
		for s := range set {
			subs = append(subs, s)
		}
	}
	b.mu.Unlock()
	for _, s := range subs {
		s.Close()
	}
}
