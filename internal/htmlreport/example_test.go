package htmlreport_test

import (
	"fmt"
	"strings"

	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
)

func ExampleRender() {
	in := htmlreport.Input{Summary: htmlreport.Summary{
		Version: htmlreport.SummaryVersion,
		Suite:   htmlreport.SuiteInfo{Description: "shop suite"},
		Totals:  htmlreport.Totals{Specs: 12, Checked: 12},
	}}
	var b strings.Builder
	if err := htmlreport.Render(&b, in); err != nil {
		fmt.Println(err)
		return
	}
	page := b.String()
	fmt.Println(strings.SplitN(page, "\n", 2)[0])
	fmt.Println(strings.Contains(page, "<title>leakfunnel: shop suite</title>"))
	fmt.Println(strings.Contains(page, "No leaks: every checked subject ended with the goroutines it started with."))
	// Output:
	// <!DOCTYPE html>
	// true
	// true
}

func ExampleReadTimeline() {
	csv := `offset_ms,goroutines,waiting,runnable,running,not_in_go,created,heap_object_bytes,stack_bytes,mcache_inuse_bytes,gc_cycles,finalizers_queued,finalizers_executed,cleanups_queued,cleanups_executed
0.000,22,20,0,1,1,107,1253720,524288,4592,4,0,0,0,0
10.651,25,23,0,1,1,114,1253720,589824,4592,4,0,0,0,0
`
	samples, err := htmlreport.ReadTimeline(strings.NewReader(csv))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range samples {
		fmt.Printf("%v: %d goroutines, %d waiting, %d stack bytes\n", s.Offset, s.Metrics.Goroutines, s.Metrics.Waiting, s.Metrics.StackBytes)
	}
	// Output:
	// 0s: 22 goroutines, 20 waiting, 524288 stack bytes
	// 10.651ms: 25 goroutines, 23 waiting, 589824 stack bytes
}
