package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"

	"github.com/leakfunnel/leakfunnel/funnel"
)

const diffUsage = `Usage: leakfunnel diff [flags] <baseline.pb.gz> <current.pb.gz>
       leakfunnel diff [flags] <subject artifacts folder>

Prints the clustered leak report between two goroutine profiles written by
funnel.WriteProfile (the baseline.pb.gz and final.pb.gz of a leaking
subject's artifacts folder): the goroutines of the current profile whose ID
is not in the baseline, after funnel's standard filters, grouped by cluster.
Exits with 1 when goroutines leaked, 0 when none did.

Flags:
`

type diffOptions struct {
	all         bool
	fullPaths   bool
	maxClusters int
	maxFrames   int
}

func diffFlags(stderr io.Writer) (*flag.FlagSet, *diffOptions) {
	o := &diffOptions{}
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), diffUsage)
		fs.PrintDefaults()
	}
	fs.BoolVar(&o.all, "all", false, "report every new goroutine: do not apply funnel's standard filters (Ginkgo, Gomega, testing, runtime)")
	fs.BoolVar(&o.fullPaths, "full-paths", false, "print file paths as recorded instead of their last two elements")
	fs.IntVar(&o.maxClusters, "max-clusters", 20, "clusters printed in full; `n` <= 0 means all")
	fs.IntVar(&o.maxFrames, "max-frames", 12, "frames printed per cluster; `n` <= 0 means all")
	return fs, o
}

func runDiff(args []string, stdout, stderr io.Writer) (int, error) {
	fs, o := diffFlags(stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return exitUsage, err
	}
	var basePath, curPath string
	switch len(pos) {
	case 1:
		dir := pos[0]
		fi, err := os.Stat(dir)
		if err != nil {
			return exitFailure, err
		}
		if !fi.IsDir() {
			return exitUsage, fmt.Errorf("%w: one argument must be a subject's artifacts folder (with baseline.pb.gz and final.pb.gz); give two profiles otherwise", errUsage)
		}
		basePath, curPath = filepath.Join(dir, "baseline.pb.gz"), filepath.Join(dir, "final.pb.gz")
	case 2:
		basePath, curPath = pos[0], pos[1]
	default:
		return exitUsage, fmt.Errorf("%w: want <baseline.pb.gz> <current.pb.gz>, got %d arguments", errUsage, len(pos))
	}
	base, err := readSnapshot(basePath)
	if err != nil {
		return exitFailure, fmt.Errorf("baseline: %w", err)
	}
	cur, err := readSnapshot(curPath)
	if err != nil {
		return exitFailure, fmt.Errorf("current: %w", err)
	}
	var filters []funnel.Filter
	if !o.all {
		filters = funnel.StandardFilters()
	}
	leaks, err := funnel.Leaked(base, cur, filters)
	if err != nil {
		return exitFailure, err
	}
	newCount, gone := 0, 0
	for _, g := range cur.Goroutines {
		if !base.Contains(g.ID) {
			newCount++
		}
	}
	for _, g := range base.Goroutines {
		if !cur.Contains(g.ID) {
			gone++
		}
	}
	clusters := funnel.ClusterLeaks(leaks, base)
	opts := funnel.FormatOptions{
		MaxClusters: orAll(o.maxClusters),
		MaxFrames:   orAll(o.maxFrames),
		FullPaths:   o.fullPaths,
		ProofUsed:   false,
	}
	var b strings.Builder
	if err := funnel.FormatClusters(&b, clusters, opts); err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(&b, "baseline %s: %s; current %s: %s; %s (%d ignored by filters), %d gone\n",
		basePath, plural(len(base.Goroutines), "goroutine"), curPath, plural(len(cur.Goroutines), "goroutine"),
		plural(newCount, "new goroutine"), newCount-len(leaks), gone)
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		return exitFailure, fmt.Errorf("write: %w", err)
	}
	if len(leaks) > 0 {
		return exitLeaks, nil
	}
	return exitOK, nil
}

// orAll maps a flag value onto FormatOptions, where zero means the
// default: zero and negative flag values both mean no cap.
func orAll(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}

// errNotLeakfunnel says a profile was not written by funnel.WriteProfile.
var errNotLeakfunnel = errors.New("not a leakfunnel goroutine profile")

// readSnapshot reads a profile written by funnel.WriteProfile and rebuilds
// the snapshot's goroutines from its samples: one sample per goroutine, its
// ID in the numeric label "goroutine", its state, class and creator in
// string labels, its frames in the sample's locations. The creator's file
// and line and the ancestors are not in the profile.
func readSnapshot(path string) (*funnel.Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: not a pprof profile: %w", path, err)
	}
	snap, err := snapshotOf(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return snap, nil
}

// snapshotOf converts a profile written by funnel.WriteProfile.
func snapshotOf(p *profile.Profile) (*funnel.Snapshot, error) {
	if len(p.SampleType) == 0 || p.SampleType[0].Type != "goroutine" {
		types := make([]string, len(p.SampleType))
		for i, t := range p.SampleType {
			types[i] = t.Type + "/" + t.Unit
		}
		return nil, fmt.Errorf("%w: sample type %q, want goroutine/count", errNotLeakfunnel, strings.Join(types, ","))
	}
	s := &funnel.Snapshot{}
	if p.TimeNanos != 0 {
		s.Time = time.Unix(0, p.TimeNanos)
	}
	seen := make(map[uint64]bool, len(p.Sample))
	for i, sample := range p.Sample {
		ids := sample.NumLabel[funnel.LabelGoroutine]
		if len(ids) != 1 || ids[0] <= 0 {
			return nil, fmt.Errorf("%w: sample %d has no %q label with the goroutine ID (write profiles with funnel.WriteProfile)", errNotLeakfunnel, i+1, funnel.LabelGoroutine)
		}
		if len(sample.Value) == 0 || sample.Value[0] != 1 {
			return nil, fmt.Errorf("%w: sample %d counts %v goroutines, want one sample per goroutine", errNotLeakfunnel, i+1, sample.Value)
		}
		id := uint64(ids[0])
		if seen[id] {
			return nil, fmt.Errorf("%w: goroutine %d appears twice", errNotLeakfunnel, id)
		}
		seen[id] = true
		g := funnel.Goroutine{ID: id}
		for k, vs := range sample.Label {
			if len(vs) == 0 {
				continue
			}
			v := vs[0]
			switch k {
			case funnel.LabelState:
				g.State = v
			case funnel.LabelClass:
				g.Class = funnel.Class(v)
			case funnel.LabelCreatedBy:
				g.CreatedBy.Func = v
			case funnel.LabelCluster:
			default:
				if g.Labels == nil {
					g.Labels = map[string]string{}
				}
				g.Labels[strings.TrimPrefix(k, "label:")] = v
			}
		}
		for _, loc := range sample.Location {
			for _, ln := range loc.Line {
				fr := funnel.Frame{Line: int(ln.Line)}
				if ln.Function != nil {
					fr.Func, fr.File = ln.Function.Name, ln.Function.Filename
				}
				g.Frames = append(g.Frames, fr)
			}
		}
		s.Goroutines = append(s.Goroutines, g)
	}
	slices.SortFunc(s.Goroutines, func(a, b funnel.Goroutine) int { return cmp.Compare(a.ID, b.ID) })
	s.Metrics.Goroutines = uint64(len(s.Goroutines))
	return s, nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
