package stack_test

import (
	"errors"
	"fmt"

	"github.com/leakfunnel/leakfunnel/funnel/internal/stack"
)

const dump = `goroutine 1 [running]:
main.main()
	/src/main.go:9 +0x1d

goroutine 7 [chan receive, 3 minutes] {job: "nightly report"}:
main.(*Pool[...]).worker(0xc000010000, {0x4f1a20, 0x1})
	/src/pool.go:21 +0x3c
created by main.(*Pool[...]).Start in goroutine 1
	/src/pool.go:12 +0x45
`

func ExampleParse() {
	gs, err := stack.Parse([]byte(dump))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, g := range gs {
		fmt.Printf("goroutine %d: %s for %v, labels %v\n", g.ID, g.State, g.Wait, g.Labels)
		for _, f := range g.Frames {
			fmt.Printf("  %s at %s:%d\n", f.Func, f.File, f.Line)
		}
		if g.CreatedBy.Func != "" {
			fmt.Printf("  created by %s in goroutine %d\n", g.CreatedBy.Func, g.CreatorID)
		}
	}
	// Output:
	// goroutine 1: running for 0s, labels map[]
	//   main.main at /src/main.go:9
	// goroutine 7: chan receive for 3m0s, labels map[job:nightly report]
	//   main.(*Pool[...]).worker at /src/pool.go:21
	//   created by main.(*Pool[...]).Start in goroutine 1
}

func ExampleParse_truncated() {
	// runtime.Stack with a full buffer cuts the dump anywhere.
	cut := dump[:len(dump)-30]
	gs, err := stack.Parse([]byte(cut))
	fmt.Println(errors.Is(err, stack.ErrTruncated), err)
	for _, g := range gs {
		fmt.Printf("goroutine %d truncated=%v\n", g.ID, g.Truncated)
	}
	// Output:
	// true line 8: truncated dump
	// goroutine 1 truncated=false
	// goroutine 7 truncated=true
}

func ExampleIDs() {
	ids, err := stack.IDs([]byte(dump), nil)
	fmt.Println(ids, err)
	// Output:
	// [1 7] <nil>
}

func ExampleParseIf() {
	baseline := map[uint64]bool{1: true}
	gs, err := stack.ParseIf([]byte(dump), func(id uint64) bool { return !baseline[id] })
	for _, g := range gs {
		fmt.Println(g.ID, g.State, g.Frames[0].Func)
	}
	fmt.Println(err)
	// Output:
	// 7 chan receive main.(*Pool[...]).worker
	// <nil>
}
