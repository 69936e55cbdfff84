package funnel

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FormatOptions controls [FormatClusters] and [FormatResult]. The zero value
// selects the defaults documented on each field.
type FormatOptions struct {
	// MaxClusters is how many clusters are written in full; the rest are
	// summed up in one "... and K more clusters" line. Zero means 5; a
	// negative value means no cap.
	MaxClusters int
	// MaxFrames is how many frames of a cluster's condensed stack are
	// written; the rest are counted in a "... N more frames" line. Zero
	// means 6; a negative value means no cap.
	MaxFrames int
	// MaxIDs is how many goroutine IDs are listed per cluster. Zero means
	// 8; a negative value means no cap.
	MaxIDs int
	// Indent is written at the start of every line. Empty means none.
	Indent string
	// FullPaths writes file paths as recorded. When false, a path is
	// shortened to its last two elements ("worker/pool.go"), as in gleak's
	// condensed dumps, so that text does not depend on the machine.
	FullPaths bool
	// ProofUsed says that the goroutineleak profile was consulted. When
	// false the headline says "(proof not used)" instead of counting proven
	// leaks, and clusters carry no proof marks.
	ProofUsed bool
}

const (
	reportMaxClusters = 5
	reportMaxFrames   = 6
	reportMaxIDs      = 8
)

func (o FormatOptions) limit(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return -1
	}
	return v
}

// Headline returns the one-line summary of clusters:
// "leakfunnel: 3 goroutines leaked in 2 clusters (1 proven)". With
// proofUsed false the parenthesis reads "(proof not used)": nothing is
// proven, which means "not proven", never "not leaked". It has no trailing
// newline.
func Headline(clusters []Cluster, proofUsed bool) string {
	leaked, proven := 0, 0
	for _, c := range clusters {
		leaked += c.Count
		proven += c.Proven
	}
	var b strings.Builder
	b.WriteString("leakfunnel: ")
	b.WriteString(reportPlural(leaked, "goroutine"))
	b.WriteString(" leaked in ")
	b.WriteString(reportPlural(len(clusters), "cluster"))
	if proofUsed {
		fmt.Fprintf(&b, " (%d proven)", proven)
	} else {
		b.WriteString(" (proof not used)")
	}
	return b.String()
}

// FormatClusters writes a plain-text leak report for clusters to w: the
// [Headline], then each cluster in the given order (count, class, wait
// reason, the frame it waits in (see [WaitSite]) with file:line, creation
// site and creator,
// attribution labels, one condensed stack and the goroutine IDs), capped by
// opts. Clusters are written in the order given; [ClusterLeaks] returns them
// largest first. The text has no colour codes and ends with a newline. An
// empty clusters slice writes the headline only.
//
// FormatClusters returns the first error of w. It is safe for concurrent use
// as long as w is.
func FormatClusters(w io.Writer, clusters []Cluster, opts FormatOptions) error {
	var b strings.Builder
	reportClusters(&b, clusters, opts)
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write leak report: %w", err)
	}
	return nil
}

// FormatResult writes the report for r to w: what [FormatClusters] writes
// for r.Clusters (with opts.ProofUsed taken from r), then one line with the
// figures of the check: goroutines in the baseline and at the end, the
// settle time and snapshot count, and, when a timeline is present, its
// blocked ratio and peak. A nil r is an error.
func FormatResult(w io.Writer, r *Result, opts FormatOptions) error {
	if r == nil {
		return fmt.Errorf("format result: nil result")
	}
	opts.ProofUsed = r.ProofUsed
	var b strings.Builder
	reportClusters(&b, r.Clusters, opts)
	b.WriteString(opts.Indent)
	b.WriteString(ResultFigures(r))
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	if err != nil {
		return fmt.Errorf("write leak report: %w", err)
	}
	return nil
}

// ResultFigures returns the figures line of [FormatResult], without
// indentation or newline: "goroutines 14 -> 17, settled in 1s (3
// snapshots, timed out), blocked ratio 0.82, peak 20". Parts whose data is
// missing are left out; a nil r gives "".
func ResultFigures(r *Result) string {
	if r == nil {
		return ""
	}
	var parts []string
	if r.Baseline != nil && r.Final != nil {
		parts = append(parts, fmt.Sprintf("goroutines %d -> %d", r.Baseline.Len(), r.Final.Len()))
	} else if r.Final != nil {
		parts = append(parts, fmt.Sprintf("goroutines at end %d", r.Final.Len()))
	}
	settle := fmt.Sprintf("settled in %s (%s", reportDuration(r.Settle), reportPlural(r.Snapshots, "snapshot"))
	if r.TimedOut {
		settle += ", timed out"
	}
	parts = append(parts, settle+")")
	if r.Timeline != nil && len(r.Timeline.Samples) > 0 {
		s := r.Timeline.Summary
		parts = append(parts, fmt.Sprintf("blocked ratio %.2f, peak %d", s.BlockedRatio, s.PeakGoroutines))
	}
	return strings.Join(parts, ", ")
}

func reportClusters(b *strings.Builder, clusters []Cluster, opts FormatOptions) {
	in := opts.Indent
	b.WriteString(in)
	b.WriteString(Headline(clusters, opts.ProofUsed))
	b.WriteByte('\n')
	maxC := opts.limit(opts.MaxClusters, reportMaxClusters)
	shown := len(clusters)
	if maxC >= 0 && shown > maxC {
		shown = maxC
	}
	for i, c := range clusters[:shown] {
		reportCluster(b, i+1, &c, opts)
	}
	if rest := clusters[shown:]; len(rest) > 0 {
		n := 0
		for _, c := range rest {
			n += c.Count
		}
		fmt.Fprintf(b, "%s... and %s (%s)\n", in, reportMore(len(rest), "cluster"), reportPlural(n, "goroutine"))
	}
}

func reportCluster(b *strings.Builder, n int, c *Cluster, opts FormatOptions) {
	in := opts.Indent
	pad := in + "    "
	g := &c.Representative
	class := c.Class
	if class == "" {
		class = c.Key.Class
	}
	if class == "" {
		class = g.Class
	}
	state := c.Key.State
	if state == "" {
		state = g.State
	}
	fmt.Fprintf(b, "%s[%d] %s, %s (%s)", in, n, reportPlural(c.Count, "goroutine"), reportClass(class), state)
	if opts.ProofUsed {
		switch {
		case c.Proven == c.Count && c.Count > 0:
			b.WriteString(", proven")
		case c.Proven > 0:
			fmt.Fprintf(b, ", %d of %d proven", c.Proven, c.Count)
		default:
			b.WriteString(", not proven")
		}
	}
	if c.LongestWait > 0 {
		fmt.Fprintf(b, ", waiting %s", reportDuration(c.LongestWait))
	}
	b.WriteByte('\n')

	if len(g.Frames) > 0 {
		fmt.Fprintf(b, "%swaits in:   %s\n", pad, reportFrame(WaitSite(g), opts.FullPaths))
	}
	a := c.Attribution
	created := a.CreatedBy
	if created.Func == "" {
		created = g.CreatedBy
	}
	creatorID := a.CreatorID
	if creatorID == 0 {
		creatorID = g.CreatorID
	}
	if created.Func == "" {
		fmt.Fprintf(b, "%sstarted by: unknown (the runtime or the main goroutine)\n", pad)
	} else {
		fmt.Fprintf(b, "%sstarted by: %s", pad, reportFrame(created, opts.FullPaths))
		if creatorID != 0 {
			fmt.Fprintf(b, ", in goroutine %d", creatorID)
			if a.CreatorInBaseline {
				b.WriteString(" (alive in the baseline)")
			} else if a.AncestorInBaseline != 0 {
				fmt.Fprintf(b, ", descended from goroutine %d of the baseline", a.AncestorInBaseline)
			}
		}
		b.WriteByte('\n')
	}
	if len(a.Ancestors) > 0 {
		ids := make([]string, len(a.Ancestors))
		for i, id := range a.Ancestors {
			ids[i] = strconv.FormatUint(id, 10)
		}
		fmt.Fprintf(b, "%sancestors:  goroutines %s\n", pad, strings.Join(ids, " <- "))
	}
	labels := a.Labels
	if len(labels) == 0 {
		labels = g.Labels
	}
	if len(labels) > 0 {
		keys := make([]string, 0, len(labels))
		for k := range labels {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + strconv.Quote(labels[k])
		}
		fmt.Fprintf(b, "%slabels:     %s\n", pad, strings.Join(parts, " "))
	}
	if len(g.Frames) > 0 {
		maxF := opts.limit(opts.MaxFrames, reportMaxFrames)
		frames := g.Frames
		if maxF >= 0 && len(frames) > maxF {
			frames = frames[:maxF]
		}
		for i, f := range frames {
			label := "stack:      "
			if i > 0 {
				label = "            "
			}
			fmt.Fprintf(b, "%s%s%s\n", pad, label, reportFrame(f, opts.FullPaths))
		}
		more := len(g.Frames) - len(frames)
		switch {
		case more > 0 && g.Elided:
			fmt.Fprintf(b, "%s            ... %s, then frames elided by the runtime\n", pad, reportMore(more, "frame"))
		case more > 0:
			fmt.Fprintf(b, "%s            ... %s\n", pad, reportMore(more, "frame"))
		case g.Elided:
			fmt.Fprintf(b, "%s            ... frames elided by the runtime\n", pad)
		}
	}
	if len(c.IDs) > 0 {
		maxI := opts.limit(opts.MaxIDs, reportMaxIDs)
		ids := c.IDs
		if maxI >= 0 && len(ids) > maxI {
			ids = ids[:maxI]
		}
		parts := make([]string, len(ids))
		for i, id := range ids {
			parts[i] = strconv.FormatUint(id, 10)
		}
		fmt.Fprintf(b, "%sgoroutines: %s", pad, strings.Join(parts, ", "))
		if more := len(c.IDs) - len(ids); more > 0 {
			fmt.Fprintf(b, " and %d more", more)
		}
		b.WriteByte('\n')
	}
}

func reportClass(c Class) string {
	if c == "" {
		return "unclassified"
	}
	return string(c)
}

// reportFrame renders f as "pkg.fn at dir/file.go:12".
func reportFrame(f Frame, fullPaths bool) string {
	if f.File == "" {
		return f.Func
	}
	file := f.File
	if !fullPaths {
		file = reportShortPath(file)
	}
	return fmt.Sprintf("%s at %s:%d", f.Func, file, f.Line)
}

// reportShortPath keeps the last two elements of a slash-separated path.
func reportShortPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return p
	}
	j := strings.LastIndexByte(p[:i], '/')
	return p[j+1:]
}

func reportPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// reportMore renders "1 more frame" or "3 more frames".
func reportMore(n int, noun string) string {
	if n == 1 {
		return "1 more " + noun
	}
	return strconv.Itoa(n) + " more " + noun + "s"
}

// reportDuration rounds d for reading: to the millisecond from 1ms up, to
// the microsecond below.
func reportDuration(d time.Duration) string {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}
