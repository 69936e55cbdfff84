package htmlreport

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// Chart geometry, in SVG user units (the chart scales to its box).
const (
	chartW      = 720
	chartH      = 240
	chartLeft   = 52
	chartRight  = 72
	chartTop    = 34
	chartBottom = 40
	// maxChartPoints caps the points of one series; longer timelines keep
	// each bucket's minimum and maximum, so peaks survive.
	maxChartPoints = 160
)

// chart is the view model of one timeline chart, rendered as inline SVG by
// the "chart" template.
type chart struct {
	W, H                  int
	X0, X1, Y0, Y1        string // plot area edges
	PlotW, PlotH          string
	LeftTickX, RightTickX string // where the axis labels are anchored
	TickEnd, XLabelY      string // bottom tick marks and their labels
	Series                []series
	LeftTicks, RightTicks []tick
	XTicks                []tick
	Marks                 []mark
	Settle                *band
	Title, Desc           string
	// Grid, Ticks and MarkPath are SVG path data: the horizontal grid
	// lines, the bottom tick marks and the vertical mark lines.
	Grid, Ticks, MarkPath string
	LeftLabel, RightLabel string
}

type series struct {
	Name, Class, Points string
	// Legend describes the series' first, last and peak values.
	Legend string
}

type tick struct {
	Pos   string // x for XTicks, y for the others
	Label string
}

type mark struct {
	X, Label, Class, Anchor string
	// LabelX and LabelY place the label; the settle label sits inside the
	// band so that it never collides with the start and end labels.
	LabelX, LabelY string
}

type band struct {
	X, W string
}

// buildChart draws a timeline: goroutines (total and waiting) on the left
// axis, heap object and stack bytes on the right, with the spec start, the
// start of settling (settle before the last sample) and the end marked.
// It returns nil for fewer than one sample.
func buildChart(samples []funnel.Sample, settle time.Duration, timedOut bool) *chart {
	if len(samples) == 0 {
		return nil
	}
	end := samples[len(samples)-1].Offset
	if end <= 0 {
		end = time.Millisecond
	}
	x0, x1 := float64(chartLeft), float64(chartW-chartRight)
	y0, y1 := float64(chartTop), float64(chartH-chartBottom)
	xOf := func(d time.Duration) float64 { return x0 + (x1-x0)*float64(d)/float64(end) }

	var gLo, gHi, bLo, bHi float64 = math.MaxFloat64, 0, math.MaxFloat64, 0
	for _, s := range samples {
		m := s.Metrics
		gLo = min(gLo, float64(m.Goroutines), float64(m.Waiting))
		gHi = max(gHi, float64(m.Goroutines), float64(m.Waiting))
		bLo = min(bLo, float64(m.HeapObjectBytes), float64(m.StackBytes))
		bHi = max(bHi, float64(m.HeapObjectBytes), float64(m.StackBytes))
	}
	gTicks, gMin, gMax := niceAxis(gLo, gHi, 5, true)
	// Byte ticks are round in the unit the axis is labelled in.
	unit, unitName := byteUnit(bHi)
	bTicks, bMin, bMax := niceAxis(bLo/unit, bHi/unit, 5, false)
	bMin, bMax = bMin*unit, bMax*unit
	yOf := func(v, lo, hi float64) float64 { return y1 - (y1-y0)*(v-lo)/(hi-lo) }

	c := &chart{
		W: chartW, H: chartH,
		X0: num(x0), X1: num(x1), Y0: num(y0), Y1: num(y1),
		PlotW: num(x1 - x0), PlotH: num(y1 - y0),
		LeftTickX: num(x0 - 6), RightTickX: num(x1 + 6),
		TickEnd: num(y1 + 4), XLabelY: num(y1 + 16),
		LeftLabel: "goroutines", RightLabel: "bytes",
	}
	for _, v := range gTicks {
		c.LeftTicks = append(c.LeftTicks, tick{num(yOf(v, gMin, gMax)), strconv.FormatFloat(v, 'f', -1, 64)})
	}
	prec := 0
	if len(bTicks) > 1 {
		prec = max(0, int(-math.Floor(math.Log10(bTicks[1]-bTicks[0])+1e-9)))
	}
	for _, v := range bTicks {
		c.RightTicks = append(c.RightTicks, tick{num(yOf(v*unit, bMin, bMax)), strconv.FormatFloat(v, 'f', prec, 64) + " " + unitName})
	}
	xt, _, _ := niceAxis(0, float64(end)/float64(time.Millisecond), 6, true)
	for _, v := range xt {
		d := time.Duration(v * float64(time.Millisecond))
		if d > end {
			continue
		}
		c.XTicks = append(c.XTicks, tick{num(xOf(d)), formatMS(v)})
	}

	type metric struct {
		name, class string
		get         func(funnel.Metrics) uint64
		bytes       bool
	}
	metrics := []metric{
		{"goroutines", "s-total", func(m funnel.Metrics) uint64 { return m.Goroutines }, false},
		{"waiting", "s-waiting", func(m funnel.Metrics) uint64 { return m.Waiting }, false},
		{"heap objects", "s-heap", func(m funnel.Metrics) uint64 { return m.HeapObjectBytes }, true},
		{"stacks", "s-stack", func(m funnel.Metrics) uint64 { return m.StackBytes }, true},
	}
	idx := pickIndexes(samples, maxChartPoints, func(s funnel.Sample) uint64 { return s.Metrics.Goroutines })
	for _, mt := range metrics {
		var peak uint64
		for _, s := range samples {
			peak = max(peak, mt.get(s.Metrics))
		}
		pts := make([][2]int, len(idx))
		for n, i := range idx {
			s := samples[i]
			v := float64(mt.get(s.Metrics))
			y := yOf(v, gMin, gMax)
			if mt.bytes {
				y = yOf(v, bMin, bMax)
			}
			pts[n] = [2]int{int(math.Round(xOf(s.Offset))), int(math.Round(y))}
		}
		first, last := mt.get(samples[0].Metrics), mt.get(samples[len(samples)-1].Metrics)
		var legend string
		if mt.bytes {
			legend = fmt.Sprintf("%s: %s → %s, peak %s", mt.name, formatBytes(float64(first)), formatBytes(float64(last)), formatBytes(float64(peak)))
		} else {
			legend = fmt.Sprintf("%s: %d → %d, peak %d", mt.name, first, last, peak)
		}
		c.Series = append(c.Series, series{Name: mt.name, Class: mt.class, Points: polyline(pts), Legend: legend})
	}

	top := num(y0 - 5)
	c.Marks = append(c.Marks, mark{X: num(x0), Label: "spec start", Class: "m-start", Anchor: "start", LabelX: num(x0), LabelY: top})
	if settle > 0 && settle < end {
		sx := xOf(end - settle)
		c.Settle = &band{X: num(sx), W: num(x1 - sx)}
		label := "settling"
		if timedOut {
			label = "settling (timed out)"
		}
		c.Marks = append(c.Marks, mark{X: num(sx), Label: label, Class: "m-settle", Anchor: "start", LabelX: num(sx + 4), LabelY: num(y0 + 13)})
	}
	c.Marks = append(c.Marks, mark{X: num(x1), Label: "check end", Class: "m-end", Anchor: "end", LabelX: num(x1), LabelY: top})

	g0, g1 := samples[0].Metrics.Goroutines, samples[len(samples)-1].Metrics.Goroutines
	c.Title = fmt.Sprintf("Metrics timeline: goroutines %d → %d over %s", g0, g1, formatMS(float64(end)/float64(time.Millisecond)))
	desc := make([]string, len(c.Series))
	for i, s := range c.Series {
		desc[i] = s.Legend
	}
	c.Desc = strings.Join(desc, "; ")
	var grid, ticks, marks strings.Builder
	for _, t := range c.LeftTicks {
		fmt.Fprintf(&grid, "M%s %sH%s", c.X0, t.Pos, c.X1)
	}
	for _, t := range c.XTicks {
		fmt.Fprintf(&ticks, "M%s %sV%s", t.Pos, c.Y1, c.TickEnd)
	}
	for _, m := range c.Marks {
		fmt.Fprintf(&marks, "M%s %sV%s", m.X, c.Y0, c.Y1)
	}
	c.Grid, c.Ticks, c.MarkPath = grid.String(), ticks.String(), marks.String()
	return c
}

// polyline renders points as SVG polyline points, dropping the inner
// points of horizontal runs and repeated points, which draw nothing.
func polyline(pts [][2]int) string {
	var b strings.Builder
	for i, p := range pts {
		if i > 0 && i < len(pts)-1 {
			prev, next := pts[i-1], pts[i+1]
			if p == prev || (prev[1] == p[1] && next[1] == p[1]) {
				continue
			}
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strconv.Itoa(p[0]))
		b.WriteByte(',')
		b.WriteString(strconv.Itoa(p[1]))
	}
	return b.String()
}

// pickIndexes chooses at most about max sample indexes, in order: all of
// them when few, otherwise the first and last and, per bucket, the samples
// with the lowest and highest key.
func pickIndexes(samples []funnel.Sample, limit int, key func(funnel.Sample) uint64) []int {
	n := len(samples)
	if n <= limit {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	buckets := max(1, (limit-2)/2)
	out := make([]int, 0, limit)
	out = append(out, 0)
	for b := range buckets {
		lo := 1 + b*(n-2)/buckets
		hi := 1 + (b+1)*(n-2)/buckets
		if lo >= hi {
			continue
		}
		minI, maxI := lo, lo
		for i := lo; i < hi; i++ {
			if key(samples[i]) < key(samples[minI]) {
				minI = i
			}
			if key(samples[i]) > key(samples[maxI]) {
				maxI = i
			}
		}
		out = append(out, min(minI, maxI))
		if minI != maxI {
			out = append(out, max(minI, maxI))
		}
	}
	return append(out, n-1)
}

// niceAxis returns round tick values covering [lo, hi] and the axis range
// they span. With integer set the step is a whole number (counts).
func niceAxis(lo, hi float64, ticks int, integer bool) ([]float64, float64, float64) {
	if lo > hi {
		lo, hi = hi, lo
	}
	if hi-lo < 1e-9 {
		pad := math.Max(1, math.Abs(hi)*0.1)
		if integer {
			pad = math.Max(1, math.Ceil(pad))
		}
		lo, hi = math.Max(0, lo-pad), hi+pad
	}
	step := niceStep((hi - lo) / float64(ticks))
	if integer {
		step = math.Max(1, math.Round(step))
	}
	start := math.Floor(lo/step) * step
	// A little headroom, so that a series at its maximum is not drawn on
	// the plot's top edge.
	stop := math.Ceil((hi+(hi-lo)*0.02)/step) * step
	var out []float64
	for v := start; v <= stop+step/2; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out, start, math.Max(stop, start+step)
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	exp := math.Pow(10, math.Floor(math.Log10(raw)))
	switch f := raw / exp; {
	case f <= 1:
		return exp
	case f <= 2:
		return 2 * exp
	case f <= 5:
		return 5 * exp
	}
	return 10 * exp
}

// num formats an SVG coordinate with at most one decimal.
func num(v float64) string {
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64)
}

// formatBytes renders a byte count in B, KiB, MiB or GiB.
func formatBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(v, 'f', 0, 64) + " B"
	}
	return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) + " " + units[i]
}

// byteUnit returns the binary unit for an axis whose largest value is v.
func byteUnit(v float64) (float64, string) {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	u := 1.0
	i := 0
	for v/u >= 1024 && i < len(units)-1 {
		u *= 1024
		i++
	}
	return u, units[i]
}

// formatMS renders milliseconds: "250 ms", "1.5 s".
func formatMS(ms float64) string {
	if ms >= 1000 {
		return strconv.FormatFloat(math.Round(ms/100)/10, 'f', -1, 64) + " s"
	}
	return strconv.FormatFloat(math.Round(ms), 'f', -1, 64) + " ms"
}
