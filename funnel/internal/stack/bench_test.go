package stack

import (
	"bytes"
	"fmt"
	"strconv"
	"testing"
)

// bigDump builds a dump of n goroutines by repeating the records of a real
// dump with fresh IDs, so that it has the real mix of states, frames, labels
// and creators.
func bigDump(tb testing.TB, n int) []byte {
	tb.Helper()
	recs := bytes.SplitAfter(readFixture(tb, "go126_labels"), []byte("\n\n"))
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		rec := recs[i%len(recs)]
		rest := rec[len("goroutine "):]
		rest = rest[bytes.IndexByte(rest, ' '):]
		b.WriteString("goroutine ")
		b.WriteString(strconv.Itoa(i + 1))
		b.Write(rest)
		if !bytes.HasSuffix(rest, []byte("\n\n")) && i < n-1 {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func TestBigDump(t *testing.T) {
	gs, err := Parse(bigDump(t, 1000))
	if err != nil || len(gs) != 1000 || gs[999].ID != 1000 {
		t.Fatalf("Parse(bigDump(1000)) = %d records, %v", len(gs), err)
	}
}

// BenchmarkParse reports the cost per goroutine of Parse and IDs:
//
//	go test -run='^$' -bench=. -benchmem ./funnel/internal/stack
func BenchmarkParse(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		dump := bigDump(b, n)
		b.Run(fmt.Sprintf("Parse/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(dump)))
			for b.Loop() {
				if _, err := Parse(dump); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/goroutine")
		})
		b.Run(fmt.Sprintf("IDs/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(dump)))
			ids := make([]uint64, 0, n)
			for b.Loop() {
				var err error
				if ids, err = IDs(dump, ids[:0]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/goroutine")
		})
		b.Run(fmt.Sprintf("ParseIf-none/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(dump)))
			for b.Loop() {
				if _, err := ParseIf(dump, func(uint64) bool { return false }); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/goroutine")
		})
	}
}
