package bench

import (
	"strings"
	"testing"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/leakfunnel/leakfunnel/matchers"
	"github.com/onsi/gomega/gleak"
	"go.uber.org/goleak"
)

// reportLeaks is the number of identical leaked goroutines in
// BenchmarkReportSize.
const reportLeaks = 1_000

// BenchmarkReportSize measures the failure message for 1,000 identical
// leaked goroutines (same function, same go statement): leakfunnel's
// HaveLeakedSince (one cluster) against gleak's HaveLeaked and goleak.Find
// (one entry per goroutine). One op builds the verdict and its message.
//
// Custom metrics: lines/op and msg-B/op are the message's lines and bytes.
func BenchmarkReportSize(b *testing.B) {
	messages := []struct {
		name    string
		setup   func() (message func() string)
		timeout bool // the peer waits out its retry budget
	}{
		{name: "leakfunnel", setup: func() func() string {
			base := funnel.Capture()
			return func() string {
				m := matchers.HaveLeakedSince(base)
				if ok, err := m.Match(funnel.Capture()); err != nil || !ok {
					return ""
				}
				return m.NegatedFailureMessage(nil)
			}
		}},
		{name: "goleak", setup: func() func() string {
			ignore := goleak.IgnoreCurrent()
			return func() string {
				if err := goleak.Find(ignore); err != nil {
					return err.Error()
				}
				return ""
			}
		}},
		{name: "gleak", setup: func() func() string {
			base := gleak.Goroutines()
			return func() string {
				m := gleak.HaveLeaked(base)
				if ok, err := m.Match(gleak.Goroutines()); err != nil || !ok {
					return ""
				}
				return m.NegatedFailureMessage(nil)
			}
		}},
	}
	for _, c := range messages {
		b.Run("checker="+c.name, func(b *testing.B) {
			background(b, 10)
			message := c.setup()
			release, err := Leak(LeakUnprovable, reportLeaks)
			if err != nil {
				b.Fatal(err)
			}
			defer release()
			var msg string
			for b.Loop() {
				msg = message()
			}
			if msg == "" {
				b.Fatalf("%s found no leak", c.name)
			}
			b.ReportMetric(float64(strings.Count(strings.TrimSuffix(msg, "\n"), "\n")+1), "lines/op")
			b.ReportMetric(float64(len(msg)), "msg-B/op")
		})
	}
}
