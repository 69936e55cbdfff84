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
var checkerOrder = []string{"leakfunnel", "leakfunnel-reuse", "reporter", "floor", "goleak", "gleak", "plain"}

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
	switch unit {
	case "sec/op":
		switch {
		case v >= 1:
			return fmt.Sprintf("%.2f s", v)
		case v >= 1e-3:
			return fmt.Sprintf("%.3g ms", v*1e3)
		case v >= 1e-6:
			return fmt.Sprintf("%.3g µs", v*1e6)
		}
		return fmt.Sprintf("%.3g ns", v*1e9)
	case "B/op", "msg-B/op":
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
