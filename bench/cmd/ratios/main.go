// Command ratios turns benchstat's CSV output into Markdown tables of
// leakfunnel's results next to its peers', with the ratio leakfunnel/peer for
// every unit.
//
// Usage:
//
//	go tool benchstat -format csv results.txt | go run ./cmd/ratios > ratios.md
//
// Benchmarks must be named Family/.../checker=NAME, as in package bench.
// Checkers whose name starts with "leakfunnel" are ours; each of them gets a
// ratio column against every other checker of the same benchmark. A ratio
// below 1 means leakfunnel is cheaper.
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
}

// result is the center (median) of one benchmark in one unit.
type result struct {
	family, group, checker, unit string
	value                        float64
}

// procSuffix is the -GOMAXPROCS suffix go test appends to names.
var procSuffix = regexp.MustCompile(`-\d+$`)

// parse reads benchstat's CSV: sections of a file header row, a unit row
// (",unit,CI") and one row per benchmark, separated by blank lines.
func parse(r io.Reader) ([]result, error) {
	var out []result
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	unit := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || !strings.HasPrefix(line, ",") && !strings.Contains(line, ",") {
			if line == "" {
				unit = ""
			}
			continue // blank line or the goos/goarch/pkg/cpu header
		}
		rec, err := csv.NewReader(strings.NewReader(line)).Read()
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(rec) < 2 {
			continue
		}
		if rec[0] == "" {
			if rec[len(rec)-1] == "CI" {
				unit = rec[1]
			}
			continue
		}
		if unit == "" || rec[0] == "geomean" {
			continue
		}
		v, err := strconv.ParseFloat(rec[1], 64)
		if err != nil {
			continue // benchstat prints nothing useful for this cell
		}
		res, ok := split(procSuffix.ReplaceAllString(rec[0], ""))
		if !ok {
			continue
		}
		res.unit, res.value = unit, v
		out = append(out, res)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no benchmark rows with a checker= element in the input")
	}
	return out, nil
}

// split cuts "Clean/size=10/checker=goleak" into family, group and checker.
func split(name string) (result, bool) {
	parts := strings.Split(name, "/")
	var r result
	r.family = parts[0]
	var group []string
	for _, p := range parts[1:] {
		if c, ok := strings.CutPrefix(p, "checker="); ok {
			r.checker = c
			continue
		}
		group = append(group, p)
	}
	r.group = strings.Join(group, "/")
	if r.group == "" {
		r.group = "-"
	}
	return r, r.checker != ""
}

// unitOrder puts the headline units first.
var unitOrder = []string{"sec/op", "B/op", "allocs/op", "peak-MiB", "stw/op", "snapshots/op", "ms-after-exit", "lines/op", "msg-B/op"}

// checkerOrder lists checkers in table order; unknown ones go last.
var checkerOrder = []string{"leakfunnel", "leakfunnel-reuse", "leakfunnel-since", "reporter", "floor", "goleak", "gleak", "plain"}

func rank(list []string, s string) int {
	if i := slices.Index(list, s); i >= 0 {
		return i
	}
	return len(list)
}

func ours(checker string) bool {
	return strings.HasPrefix(checker, "leakfunnel") || checker == "reporter"
}

func run(r io.Reader, w io.Writer) error {
	rows, err := parse(r)
	if err != nil {
		return err
	}
	var families []string
	for _, x := range rows {
		if !slices.Contains(families, x.family) {
			families = append(families, x.family)
		}
	}
	bw := bufio.NewWriter(w)
	targets(bw, rows)
	for _, fam := range families {
		var units []string
		for _, x := range rows {
			if x.family == fam && !slices.Contains(units, x.unit) {
				units = append(units, x.unit)
			}
		}
		slices.SortStableFunc(units, func(a, b string) int { return rank(unitOrder, a) - rank(unitOrder, b) })
		fmt.Fprintf(bw, "### %s\n\n", fam)
		for _, u := range units {
			table(bw, rows, fam, u)
		}
	}
	return bw.Flush()
}

// table writes one family's results in one unit: a row per group, the
// checkers' values, then ratios of ours to each other checker.
func table(w io.Writer, rows []result, fam, unit string) {
	var groups, checkers []string
	val := map[[2]string]float64{}
	for _, x := range rows {
		if x.family != fam || x.unit != unit {
			continue
		}
		if !slices.Contains(groups, x.group) {
			groups = append(groups, x.group)
		}
		if !slices.Contains(checkers, x.checker) {
			checkers = append(checkers, x.checker)
		}
		val[[2]string{x.group, x.checker}] = x.value
	}
	slices.SortStableFunc(checkers, func(a, b string) int { return rank(checkerOrder, a) - rank(checkerOrder, b) })
	var pairs [][2]string
	for _, a := range checkers {
		if !ours(a) {
			continue
		}
		for _, b := range checkers {
			if b != a && !ours(b) {
				pairs = append(pairs, [2]string{a, b})
			}
		}
	}
	fmt.Fprintf(w, "%s\n\n| %s |", unit, "case")
	for _, c := range checkers {
		fmt.Fprintf(w, " %s |", c)
	}
	for _, p := range pairs {
		fmt.Fprintf(w, " %s / %s |", p[0], p[1])
	}
	fmt.Fprint(w, "\n|---|")
	for range len(checkers) + len(pairs) {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, g := range groups {
		fmt.Fprintf(w, "| %s |", g)
		for _, c := range checkers {
			v, ok := val[[2]string{g, c}]
			if !ok {
				fmt.Fprint(w, " – |")
				continue
			}
			fmt.Fprintf(w, " %s |", format(v, unit))
		}
		for _, p := range pairs {
			a, okA := val[[2]string{g, p[0]}]
			b, okB := val[[2]string{g, p[1]}]
			if !okA || !okB || b == 0 {
				fmt.Fprint(w, " – |")
				continue
			}
			fmt.Fprintf(w, " %s |", ratio(a/b))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// format prints v in a readable scale for its unit.
func format(v float64, unit string) string {
	switch {
	case strings.HasSuffix(unit, "sec/op"): // sec/op, and benchstat's spec-sec/op for spec-ns/op
		switch {
		case v >= 1:
			return fmt.Sprintf("%.2f s", v)
		case v >= 1e-3:
			return fmt.Sprintf("%.3g ms", v*1e3)
		case v >= 1e-6:
			return fmt.Sprintf("%.3g µs", v*1e6)
		}
		return fmt.Sprintf("%.3g ns", v*1e9)
	case unit == "B/op" || unit == "msg-B/op":
		switch {
		case v >= 1<<20:
			return fmt.Sprintf("%.3g MiB", v/(1<<20))
		case v >= 1<<10:
			return fmt.Sprintf("%.3g KiB", v/(1<<10))
		}
		return fmt.Sprintf("%.0f B", v)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprintf("%.3g", v)
}

// ratio prints a ratio with three significant digits.
func ratio(r float64) string {
	if r >= 100 {
		return fmt.Sprintf("%.0f×", r)
	}
	return fmt.Sprintf("%.3g×", r)
}

// target is one of issue 7's targets, checked against one benchmark value
// or one ratio of two values.
type target struct {
	what  string // the target in words
	ours  string // our checker
	peer  string // the divisor's checker; empty for an absolute limit
	limit float64
	// match selects the family, the groups and the unit.
	family, unit string
	groups       func(group string) bool
}

func sizeAtLeast(n int) func(string) bool {
	return func(g string) bool {
		for _, p := range strings.Split(g, "/") {
			if v, ok := strings.CutPrefix(p, "size="); ok {
				x, err := strconv.Atoi(v)
				return err == nil && x >= n
			}
		}
		return false
	}
}

func sizeIs(n int) func(string) bool {
	return func(g string) bool { return slices.Contains(strings.Split(g, "/"), "size="+strconv.Itoa(n)) }
}

func kindIs(kinds ...string) func(string) bool {
	return func(g string) bool {
		for _, k := range kinds {
			if slices.Contains(strings.Split(g, "/"), "kind="+k) {
				return true
			}
		}
		return false
	}
}

func all(string) bool { return true }

// issueTargets lists the targets of issue 7 for each of our checkers.
func issueTargets() []target {
	var ts []target
	for _, ours := range []string{"leakfunnel", "leakfunnel-reuse", "leakfunnel-since"} {
		for _, peer := range []string{"goleak", "gleak"} {
			for _, unit := range []string{"sec/op", "B/op"} {
				ts = append(ts,
					target{what: "clean, ≥1,000: ≤ 1/8 of peer", ours: ours, peer: peer, limit: 1.0 / 8, family: "Clean", unit: unit, groups: sizeAtLeast(1000)},
					target{what: "clean, 10: ≤ 1/3 of peer", ours: ours, peer: peer, limit: 1.0 / 3, family: "Clean", unit: unit, groups: sizeIs(10)})
			}
		}
		ts = append(ts,
			target{what: "clean, ≥1,000: ≤ 1.3× floor", ours: ours, peer: "floor", limit: 1.3, family: "Clean", unit: "sec/op", groups: sizeAtLeast(1000)},
			target{what: "100,000: one check < 300 ms", ours: ours, limit: 0.3, family: "Clean", unit: "sec/op", groups: sizeIs(100000)},
			target{what: "100,000: one check < 64 MiB allocated", ours: ours, limit: 64 << 20, family: "Clean", unit: "B/op", groups: sizeIs(100000)})
	}
	ts = append(ts,
		target{what: "settling: verdict ≤ 3 ms after the exit", ours: "leakfunnel", limit: 3, family: "Settle", unit: "ms-after-exit", groups: all},
		target{what: "settling: ≤ 2 full snapshots", ours: "leakfunnel", limit: 2, family: "Settle", unit: "snapshots/op", groups: all},
		target{what: "permanent or proven leak: verdict < 20 ms", ours: "leakfunnel", limit: 0.020, family: "LeakVerdict", unit: "sec/op", groups: kindIs("permanent", "proven")})
	return ts
}

// targets writes one row per target and benchmark group: the measured value
// or ratio, the limit, and whether it was hit.
func targets(w io.Writer, rows []result) {
	val := map[[4]string]float64{}
	var order [][2]string // family, group in input order
	for _, x := range rows {
		val[[4]string{x.family, x.group, x.checker, x.unit}] = x.value
		k := [2]string{x.family, x.group}
		if !slices.Contains(order, k) {
			order = append(order, k)
		}
	}
	fmt.Fprint(w, "### Targets\n\n| target | checker | case | unit | measured | limit | verdict |\n|---|---|---|---|---:|---:|---|\n")
	for _, t := range issueTargets() {
		for _, k := range order {
			if k[0] != t.family || !t.groups(k[1]) {
				continue
			}
			a, ok := val[[4]string{k[0], k[1], t.ours, t.unit}]
			if !ok {
				continue
			}
			measured, limit := format(a, t.unit), format(t.limit, t.unit)
			m := a
			checker := t.ours
			if t.peer != "" {
				b, ok := val[[4]string{k[0], k[1], t.peer, t.unit}]
				if !ok || b == 0 {
					continue
				}
				m = a / b
				measured, limit = ratio(m), ratio(t.limit)
				checker = t.ours + " / " + t.peer
			}
			verdict := "hit"
			if m > t.limit {
				verdict = fmt.Sprintf("**missed** (%s the limit)", ratio(m/t.limit))
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", t.what, checker, k[1], t.unit, measured, limit, verdict)
		}
	}
	fmt.Fprintln(w)
}
