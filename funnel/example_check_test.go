package funnel_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// goroutineID returns the ID of the calling goroutine.
func goroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	var id uint64
	_, _ = fmt.Sscanf(string(buf[:n]), "goroutine %d ", &id)
	return id
}

// waitForState polls snapshots until goroutine id is in state.
func waitForState(id uint64, state string) {
	for {
		if g, ok := funnel.Capture().Find(id); ok && g.State == state {
			return
		}
		runtime.Gosched()
	}
}

func ExampleCheck() {
	base := funnel.Capture()

	// A goroutine that waits for a value nobody sends, until released.
	release := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-release
	}()

	res, err := funnel.Check(context.Background(), base, funnel.WithTimeout(50*time.Millisecond))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leaked:", len(res.Leaks), "in", len(res.Clusters), "cluster")
	c := res.Clusters[0]
	fmt.Println("class:", c.Class, "/ state:", c.Key.State)
	fmt.Println("waits in:", funnel.WaitSite(&c.Representative).Func)
	fmt.Println("timed out:", res.TimedOut)

	close(release)
	<-done
	res, err = funnel.Check(context.Background(), base)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("after release:", len(res.Leaks), "leaked,", res.Snapshots, "snapshot")
	// Output:
	// leaked: 1 in 1 cluster
	// class: blocked / state: chan receive
	// waits in: github.com/leakfunnel/leakfunnel/funnel_test.ExampleCheck.func1
	// timed out: true
	// after release: 0 leaked, 1 snapshot
}

func ExampleClassify() {
	var mu sync.Mutex
	mu.Lock()
	ids := make(chan uint64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ids <- goroutineID()
		mu.Lock()
		mu.Unlock()
	}()
	id := <-ids
	waitForState(id, "sync.Mutex.Lock")

	g, _ := funnel.Capture().Find(id)
	fmt.Println(g.State, "->", funnel.Classify(&g))

	mu.Unlock()
	<-done
	// Output:
	// sync.Mutex.Lock -> blocked
}

func ExampleClusterLeaks() {
	worker := []funnel.Frame{{Func: "example.com/pool.(*Pool).worker", File: "/src/pool.go", Line: 88}}
	created := funnel.Frame{Func: "example.com/pool.New", File: "/src/pool.go", Line: 42}
	leaks := []funnel.Goroutine{
		{ID: 12, State: "chan receive", Frames: worker, CreatedBy: created, CreatorID: 1},
		{ID: 11, State: "chan receive", Frames: worker, CreatedBy: created, CreatorID: 1},
		{ID: 20, State: "sleep", Frames: []funnel.Frame{{Func: "time.Sleep"}, {Func: "example.com/retry.Backoff"}}},
		{ID: 13, State: "chan receive", Frames: worker, CreatedBy: created, CreatorID: 1},
	}
	for _, c := range funnel.ClusterLeaks(leaks, nil) {
		fmt.Println(c)
		fmt.Println("  ids:", c.IDs, "/", c.Attribution)
	}
	// Output:
	// 3 x [blocked] chan receive in example.com/pool.(*Pool).worker, created by example.com/pool.New at /src/pool.go:42
	//   ids: [11 12 13] / created by example.com/pool.New at /src/pool.go:42 in goroutine 1
	// 1 x [sleeping] sleep in example.com/retry.Backoff
	//   ids: [20] / creator unknown
}

func ExampleAttribute() {
	base := &funnel.Snapshot{Goroutines: []funnel.Goroutine{{ID: 7, State: "select"}}}
	leak := funnel.Goroutine{
		ID:        40,
		State:     "chan send",
		CreatedBy: funnel.Frame{Func: "example.com/cache.(*Cache).refresh", File: "/src/cache.go", Line: 31},
		CreatorID: 7,
		Labels:    map[string]string{"spec": "refreshes entries"},
	}
	a := funnel.Attribute(&leak, base)
	fmt.Println(a)
	fmt.Println("started by a goroutine older than the baseline:", a.CreatorInBaseline)
	// Output:
	// created by example.com/cache.(*Cache).refresh at /src/cache.go:31 in goroutine 7 (in baseline), labels {spec=refreshes entries}
	// started by a goroutine older than the baseline: true
}

func ExampleStartSampler() {
	s := funnel.StartSampler(time.Millisecond)

	release := make(chan struct{})
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-release
		}()
	}
	tl := s.Stop()
	close(release)
	wg.Wait()

	fmt.Println("samples:", len(tl.Samples) >= 2)
	fmt.Println("created at least 10:", tl.Summary.Created >= 10)
	fmt.Println("blocked ratio in [0, 1]:", tl.Summary.BlockedRatio >= 0 && tl.Summary.BlockedRatio <= 1)
	// Output:
	// samples: true
	// created at least 10: true
	// blocked ratio in [0, 1]: true
}

func ExampleWithSampler() {
	base := funnel.Capture()
	s := funnel.StartSampler(time.Millisecond)

	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		go func() { defer wg.Done() }()
	}
	wg.Wait()

	// Check stops the sampler and returns its timeline with the result.
	res, err := funnel.Check(context.Background(), base, funnel.WithSampler(s))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("leaked:", len(res.Leaks))
	fmt.Println("timeline:", res.Timeline != nil && len(res.Timeline.Samples) >= 2)
	fmt.Println("created at least 5:", res.Timeline.Summary.Created >= 5)
	// Output:
	// leaked: 0
	// timeline: true
	// created at least 5: true
}
