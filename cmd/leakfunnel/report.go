package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/leakfunnel/leakfunnel/internal/htmlreport"
)

const reportUsage = `Usage: leakfunnel report <artifacts folder | summary.json> [-o report.html]

Renders the suite summary that leakfunnel's reporter wrote (summary.json in
the artifacts folder, with each leaking subject's timeline.csv) as one
self-contained HTML file, and prints the file's path.

Flags:
`

type reportOptions struct {
	out   string
	quiet bool
}

func reportFlags(stderr io.Writer) (*flag.FlagSet, *reportOptions) {
	o := &reportOptions{}
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), reportUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.out, "o", "", "`path` of the HTML file to write (default: report.html next to summary.json)")
	fs.BoolVar(&o.quiet, "q", false, "do not print the path of the report")
	return fs, o
}

func runReport(args []string, stdout, stderr io.Writer) (int, error) {
	fs, o := reportFlags(stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	if len(pos) != 1 {
		return exitUsage, fmt.Errorf("%w: want one artifacts folder or summary.json, got %d arguments", errUsage, len(pos))
	}
	in, err := htmlreport.Load(pos[0])
	if err != nil {
		return exitFailure, err
	}
	in.Generated = time.Now()
	out := o.out
	if out == "" {
		out = filepath.Join(filepath.Dir(in.Source), "report.html")
	}
	if fi, err := os.Stat(out); err == nil && fi.IsDir() {
		return exitFailure, fmt.Errorf("output %s is a folder; give a file name with -o", out)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return exitFailure, fmt.Errorf("output: %w", err)
	}
	if err := htmlreport.WriteFile(out, in); err != nil {
		return exitFailure, err
	}
	for _, p := range in.Problems {
		fmt.Fprintf(stderr, "leakfunnel report: warning: %s\n", p)
	}
	if !o.quiet {
		abs, err := filepath.Abs(out)
		if err != nil {
			abs = out
		}
		s := in.Summary.Totals
		fmt.Fprintf(stdout, "leakfunnel: %d specs checked, %d leaking subjects, %d goroutines leaked in %d root causes\n", s.Checked, s.Leaking, s.Goroutines, s.RootCauses)
		fmt.Fprintf(stdout, "leakfunnel: report written to %s\n", abs)
	}
	return exitOK, nil
}
