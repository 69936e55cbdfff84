package stack

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that ParseIf, IDs and the
// truncation rules agree with it, and that what it accepts survives a round
// trip through the runtime's format, on inputs derived from the real dumps
// in testdata. CI runs it briefly:
//
//	go test -run='^$' -fuzz=FuzzParse -fuzztime=20s -fuzzminimizetime=5s ./funnel/internal/stack
func FuzzParse(f *testing.F) {
	paths, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no fixtures in testdata: %v", err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		// Seed with every real dump cut into pieces of a few records each,
		// so that mutation and minimization stay fast; TestFixtures checks
		// the same invariants on the whole dumps.
		recs := bytes.SplitAfter(b, []byte("\n\n"))
		for i := 0; i < len(recs); i += 3 {
			f.Add(bytes.Join(recs[i:min(i+3, len(recs))], nil))
		}
	}
	for _, s := range []string{
		"",
		"goroutine 1 [running]:\nmain.main()\n\t/a.go:1 +0x1\n",
		"goroutine 7 gp=0x1 m=nil [chan receive (durable) (scan), 3 minutes, locked to thread, synctest bubble 2 labels:{\"a b\": \"c\\\"d\"}]:\n",
		"goroutine 7 [select] {k: v, \"x\": \"\\u00e9\"}:\nmain.f(...)\n\t/a.go:1\n...3 frames elided...\ncreated by main.main\n\t/a.go:2 +0x3\n[originating from goroutine 1]:\nmain.main(...)\n\t/a.go:3 +0x1\n...additional frames elided...\n",
		"goroutine 2 [running]:\n\tgoroutine running on other thread; stack unavailable\r\nnon-Go function at pc=0x1\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, dump []byte) {
		gs, err := Parse(dump)
		checkInvariants(t, dump, gs, err)
		if err == nil {
			checkRoundTrip(t, gs)
		}
	})
}
