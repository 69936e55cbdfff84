package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// input is benchstat -format csv output for a made-up run.
const input = `goos: linux
goarch: amd64
pkg: github.com/leakfunnel/leakfunnel/bench
cpu: AMD EPYC
,raw.txt,
,sec/op,CI
Clean/size=1000/checker=floor-2,0.001,∞
Clean/size=1000/checker=leakfunnel-2,0.002,±1%
Clean/size=1000/checker=goleak-2,0.016,±3%
LeakVerdict/size=10/kind=permanent/checker=leakfunnel-2,0.03,±2%
geomean,0.004,

,raw.txt,
,B/op,CI
Clean/size=1000/checker=floor-2,0,∞
Clean/size=1000/checker=leakfunnel-2,1024,±0%
Clean/size=1000/checker=goleak-2,4096,±0%
`

func TestParse(t *testing.T) {
	got, err := parse(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	want := []result{
		{family: "Clean", group: "size=1000", checker: "floor", unit: "sec/op", value: 0.001},
		{family: "Clean", group: "size=1000", checker: "leakfunnel", unit: "sec/op", value: 0.002},
		{family: "Clean", group: "size=1000", checker: "goleak", unit: "sec/op", value: 0.016},
		{family: "LeakVerdict", group: "size=10/kind=permanent", checker: "leakfunnel", unit: "sec/op", value: 0.03},
		{family: "Clean", group: "size=1000", checker: "floor", unit: "B/op", value: 0},
		{family: "Clean", group: "size=1000", checker: "leakfunnel", unit: "B/op", value: 1024},
		{family: "Clean", group: "size=1000", checker: "goleak", unit: "B/op", value: 4096},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(result{})); diff != "" {
		t.Errorf("parse (-want +got):\n%s", diff)
	}
}

func TestParseRejectsInputWithoutCheckers(t *testing.T) {
	if _, err := parse(strings.NewReader(",x,\n,sec/op,CI\nFoo-2,1,∞\n")); err == nil {
		t.Error("parse without checker= names: nil error, want one")
	}
}

func TestRun(t *testing.T) {
	var b strings.Builder
	if err := run(strings.NewReader(input), &b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		// Targets: 2 ms against goleak's 16 ms is exactly 1/8; against the
		// floor 2× misses 1.3× by 1.54×; 30 ms misses 20 ms by 1.5×.
		"| clean, ≥1,000: ≤ 1/8 of peer | leakfunnel / goleak | size=1000 | sec/op | 0.125× | 0.125× | hit |",
		"| clean, ≥1,000: ≤ 1.3× floor | leakfunnel / floor | size=1000 | sec/op | 2× | 1.3× | **missed** (1.54× the limit) |",
		"| permanent or proven leak: verdict < 20 ms | leakfunnel | size=10/kind=permanent | sec/op | 30 ms | 20 ms | **missed** (1.5× the limit) |",
		// Tables: values, then ratios; a zero divisor has no ratio.
		"| case | leakfunnel | floor | goleak | leakfunnel / floor | leakfunnel / goleak |",
		"| size=1000 | 2 ms | 1 ms | 16 ms | 2× | 0.125× |",
		"| size=1000 | 1 KiB | 0 B | 4 KiB | – | 0.25× |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q; got:\n%s", want, out)
		}
	}
}
