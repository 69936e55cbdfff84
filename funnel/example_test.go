package funnel_test

import (
	"bytes"
	"fmt"

	"github.com/google/pprof/profile"
	"github.com/leakfunnel/leakfunnel/funnel"
)

// worker waits for a job that never comes.
func worker(jobs <-chan int) {
	for range jobs {
	}
}

// waitParked waits until every goroutine running fn is blocked; examples
// use it so that their output does not depend on scheduling.
func waitParked(fn string, n int) {
	for {
		count := 0
		for _, g := range funnel.Capture().Goroutines {
			if len(g.Frames) > 0 && g.Frames[0].Func == fn && g.State == "chan receive" {
				count++
			}
		}
		if count == n {
			return
		}
	}
}

func ExampleCapture() {
	jobs := make(chan int)
	go worker(jobs)
	waitParked("github.com/leakfunnel/leakfunnel/funnel_test.worker", 1)

	s := funnel.Capture()
	for _, g := range s.Goroutines {
		if len(g.Frames) > 0 && g.Frames[0].Func == "github.com/leakfunnel/leakfunnel/funnel_test.worker" {
			fmt.Println(g.State, "in", g.Frames[0].Func)
			fmt.Println("created by", g.CreatedBy.Func)
		}
	}
	close(jobs)
	// Output:
	// chan receive in github.com/leakfunnel/leakfunnel/funnel_test.worker
	// created by github.com/leakfunnel/leakfunnel/funnel_test.ExampleCapture
}

func ExampleLeaked() {
	base := funnel.Capture()
	jobs := make(chan int)
	for range 3 {
		go worker(jobs)
	}
	waitParked("github.com/leakfunnel/leakfunnel/funnel_test.worker", 3)

	leaks, err := funnel.Leaked(base, funnel.Capture(), funnel.StandardFilters())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(leaks), "leaked, the first in", leaks[0].Frames[0].Func)

	close(jobs) // release the workers
	// Output:
	// 3 leaked, the first in github.com/leakfunnel/leakfunnel/funnel_test.worker
}

func ExampleStandardFilters() {
	filters := append(funnel.StandardFilters(),
		funnel.TopFunction("example.com/cache.(*Cache).janitor"),
		funnel.InState("IO wait"),
	)
	for _, f := range filters[len(filters)-2:] {
		fmt.Println(f)
	}
	// Output:
	// top function "example.com/cache.(*Cache).janitor"
	// state "IO wait"
}

func ExampleFilterFunc() {
	labelled := funnel.FilterFunc("labelled background", func(g funnel.Goroutine) bool {
		return g.Labels["role"] == "background"
	})
	g := funnel.Goroutine{ID: 9, Labels: map[string]string{"role": "background"}}
	fmt.Println(labelled, labelled.Ignores(&g))
	// Output:
	// labelled background true
}

func ExampleWriteProfile() {
	s := &funnel.Snapshot{Goroutines: []funnel.Goroutine{{
		ID:     7,
		State:  "chan receive",
		Frames: []funnel.Frame{{Func: "example.com/pool.(*Pool).worker", File: "/src/pool.go", Line: 88}},
	}}}
	var b bytes.Buffer
	if err := funnel.WriteProfile(&b, s); err != nil {
		fmt.Println(err)
		return
	}
	// `go tool pprof -top` reads the same bytes.
	p, err := profile.Parse(&b)
	if err != nil {
		fmt.Println(err)
		return
	}
	sample := p.Sample[0]
	fmt.Println(p.SampleType[0].Type, p.SampleType[0].Unit, sample.Value[0])
	fmt.Println(sample.Location[0].Line[0].Function.Name, sample.Label["state"][0])
	// Output:
	// goroutine count 1
	// example.com/pool.(*Pool).worker chan receive
}

func ExampleRecorder_CaptureSince() {
	// One Recorder for all checks keeps its dump buffer between them.
	var r funnel.Recorder
	base := r.Capture()
	jobs := make(chan int)
	for range 2 {
		go worker(jobs)
	}
	waitParked("github.com/leakfunnel/leakfunnel/funnel_test.worker", 2)

	// Only the goroutines started since base are parsed.
	cur := r.CaptureSince(base)
	leaks, err := funnel.Leaked(base, cur, funnel.StandardFilters())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(leaks), "leaked of", len(cur.Goroutines), "new")

	close(jobs)
	// Output:
	// 2 leaked of 2 new
}
