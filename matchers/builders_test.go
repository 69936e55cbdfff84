package matchers_test

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// Readable builders for synthetic funnel values. They pin message text in
// golden files independently of goroutine IDs and paths of a real run.

var t0 = time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC)

// frame builds a frame in example.com/shop.
func frame(fn, file string, line int) funnel.Frame {
	return funnel.Frame{Func: "example.com/shop/" + fn, File: "/src/example.com/shop/" + file, Line: line}
}

// goroutine builds a goroutine blocked in state, innermost frame first.
func goroutine(id uint64, state string, class funnel.Class, frames ...funnel.Frame) funnel.Goroutine {
	return funnel.Goroutine{ID: id, State: state, Class: class, Frames: frames}
}

// startedBy sets the creation site and the creator goroutine.
func startedBy(g funnel.Goroutine, creator funnel.Frame, creatorID uint64) funnel.Goroutine {
	g.CreatedBy, g.CreatorID = creator, creatorID
	return g
}

// cluster builds a cluster of count goroutines like rep, with IDs counting
// up from rep.ID, of which proven are proven.
func cluster(rep funnel.Goroutine, count, proven int) funnel.Cluster {
	ids := make([]uint64, count)
	for i := range ids {
		ids[i] = rep.ID + uint64(i)
	}
	return funnel.Cluster{
		Key:            funnel.ClusterKey{Class: rep.Class, State: rep.State, Frames: rep.Frames[0].Func, CreatedBy: rep.CreatedBy.Func},
		Count:          count,
		IDs:            ids,
		Representative: rep,
		Class:          rep.Class,
		Proven:         proven,
		Attribution:    funnel.Attribution{CreatedBy: rep.CreatedBy, CreatorID: rep.CreatorID, Labels: rep.Labels},
	}
}

// expand returns the goroutines of clusters, one per ID.
func expand(clusters []funnel.Cluster) []funnel.Goroutine {
	var gs []funnel.Goroutine
	for _, c := range clusters {
		for i, id := range c.IDs {
			g := c.Representative
			g.ID = id
			g.Proven = i < c.Proven
			gs = append(gs, g)
		}
	}
	return gs
}

// snapshotOf builds a snapshot at t holding n goroutines with IDs from
// first on and extra, sorted by ID as funnel.Capture sorts them.
func snapshotOf(t time.Time, first uint64, n int, extra ...funnel.Goroutine) *funnel.Snapshot {
	s := &funnel.Snapshot{Time: t}
	for i := range n {
		id := first + uint64(i)
		s.Goroutines = append(s.Goroutines, funnel.Goroutine{
			ID: id, State: "select", Class: funnel.ClassBlocked,
			Frames: []funnel.Frame{frame(fmt.Sprintf("baseline.worker%d", i), "baseline/worker.go", 10+i)},
		})
	}
	s.Goroutines = append(s.Goroutines, extra...)
	slices.SortFunc(s.Goroutines, func(a, b funnel.Goroutine) int { return cmp.Compare(a.ID, b.ID) })
	return s
}

// poolLeak is a cluster of 37 workers of a pool, 2 proven, with a label.
func poolLeak() funnel.Cluster {
	g := goroutine(101, "chan receive", funnel.ClassBlocked,
		frame("worker.(*Pool).loop", "worker/pool.go", 88),
		frame("worker.(*Pool).run", "worker/pool.go", 70),
		frame("worker.NewPool.func1", "worker/pool.go", 43),
	)
	g = startedBy(g, frame("worker.NewPool", "worker/pool.go", 42), 7)
	g.Labels = map[string]string{"spec": "scales up", "node": "It"}
	c := cluster(g, 37, 2)
	c.Attribution.CreatorInBaseline = true
	c.LongestWait = 2 * time.Minute
	return c
}

// retryLeak is one goroutine sleeping in a retry loop with a deep stack.
func retryLeak() funnel.Cluster {
	g := goroutine(240, "sleep", funnel.ClassSleeping,
		frame("retry.Backoff", "retry/retry.go", 19),
		frame("retry.Do", "retry/retry.go", 33),
		frame("client.(*Client).dial", "client/client.go", 120),
		frame("client.(*Client).reconnect", "client/client.go", 101),
		frame("client.(*Client).loop", "client/client.go", 90),
		frame("client.(*Client).run", "client/client.go", 80),
		frame("client.(*Client).serve", "client/client.go", 70),
		frame("client.Dial.func1", "client/client.go", 78),
	)
	g.Elided = true
	return cluster(startedBy(g, frame("client.Dial", "client/client.go", 77), 12), 1, 0)
}

// nilChanLeak is a permanent leak with no known creator goroutine.
func nilChanLeak() funnel.Cluster {
	g := goroutine(300, "chan receive (nil chan)", funnel.ClassPermanent,
		frame("cache.(*Cache).evict", "cache/cache.go", 51),
	)
	c := cluster(startedBy(g, frame("cache.New", "cache/cache.go", 30), 0), 2, 2)
	c.Attribution.Ancestors = []uint64{12, 1}
	return c
}

// smallLeak builds the n-th filler cluster for the "and K more" line.
func smallLeak(n int) funnel.Cluster {
	g := goroutine(uint64(400+10*n), "select", funnel.ClassBlocked,
		frame(fmt.Sprintf("pubsub.(*Topic).fanout%d", n), "pubsub/topic.go", 60+n))
	return cluster(startedBy(g, frame("pubsub.(*Broker).Subscribe", "pubsub/broker.go", 25), 9), 1, 0)
}

// result builds a settled check result over clusters.
func result(proofUsed bool, clusters ...funnel.Cluster) *funnel.Result {
	leaks := expand(clusters)
	base := snapshotOf(t0, 1, 14)
	final := snapshotOf(t0.Add(1200*time.Millisecond), 1, 14, leaks...)
	return &funnel.Result{
		Baseline:  base,
		Final:     final,
		Leaks:     leaks,
		Clusters:  clusters,
		Settle:    time.Second,
		Snapshots: 2,
		TimedOut:  true,
		ProofUsed: proofUsed,
	}
}
