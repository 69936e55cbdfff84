package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes of leakfunnel.
const (
	// exitOK: the command did what was asked; for diff, no goroutine leaked.
	exitOK = 0
	// exitLeaks: diff found goroutines in the current profile that are not
	// in the baseline.
	exitLeaks = 1
	// exitUsage: unknown command, bad flags or wrong number of arguments.
	exitUsage = 2
	// exitFailure: an input could not be read (missing file, not a
	// summary, not a profile) or the output could not be written.
	exitFailure = 3
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// errUsage marks errors that are the caller's mistake in the command line.
var errUsage = errors.New("usage")

const usage = `leakfunnel: goroutine leak reports from leakfunnel's outputs.

Usage:
  leakfunnel report <artifacts folder | summary.json> [-o report.html]
  leakfunnel diff [flags] <baseline.pb.gz> <current.pb.gz>
  leakfunnel diff [flags] <subject artifacts folder>
  leakfunnel help [command]

Exit codes: 0 success (diff: nothing leaked), 1 diff found leaks,
2 usage error, 3 input or output error.
`

// run is leakfunnel with its arguments and output streams; it returns the
// exit code.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var code int
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "report":
		code, err = runReport(rest, stdout, stderr)
	case "diff":
		code, err = runDiff(rest, stdout, stderr)
	case "help", "-h", "-help", "--help":
		return runHelp(rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "leakfunnel: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
	if err == nil {
		return code
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	fmt.Fprintf(stderr, "leakfunnel %s: %v\n", args[0], err)
	if errors.Is(err, errUsage) {
		fmt.Fprintf(stderr, "run 'leakfunnel help %s' for usage\n", args[0])
		return exitUsage
	}
	return exitFailure
}

func runHelp(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	switch args[0] {
	case "report":
		fs, _ := reportFlags(io.Discard)
		fmt.Fprint(stdout, reportUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	case "diff":
		fs, _ := diffFlags(io.Discard)
		fmt.Fprint(stdout, diffUsage)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
	default:
		fmt.Fprintf(stderr, "leakfunnel help: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	return exitOK
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments ("report dir -o x.html") and returns the positional
// ones. A lone "--" ends flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
