package htmlreport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/leakfunnel/leakfunnel/funnel"
)

// SummaryFile is the name of the summary JSON inside an artifacts folder.
const SummaryFile = "summary.json"

// ErrNoSummary is returned (wrapped) by [Load] when the path is a folder
// without a summary.json.
var ErrNoSummary = errors.New("no " + SummaryFile + " in folder")

// Load reads the reporter's outputs for [Render]: the summary JSON at path,
// or path/summary.json when path is a folder, and the timeline CSV of every
// leaking subject that has one.
//
// The summary records absolute paths. When the artifacts folder was moved
// (downloaded from CI, say), paths under the recorded folder are rewritten
// to the folder the summary was found in. A timeline that cannot be read
// does not fail Load: the problem is listed in [Input.Problems] and the
// report says so next to the subject. Errors name the file and wrap the
// cause ([ErrNoSummary], a *fs.PathError, a JSON error).
//
// The returned Input has Source set to the summary's path; LinkBase and
// Generated are left for the caller. Load only reads files and may be
// called concurrently.
func Load(path string) (Input, error) {
	file := path
	fi, err := os.Stat(path)
	if err != nil {
		return Input{}, fmt.Errorf("load report input: %w", err)
	}
	if fi.IsDir() {
		file = filepath.Join(path, SummaryFile)
		if _, err := os.Stat(file); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return Input{}, fmt.Errorf("load report input: %s: %w (is it a leakfunnel artifacts folder?)", path, ErrNoSummary)
			}
			return Input{}, fmt.Errorf("load report input: %w", err)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return Input{}, fmt.Errorf("load report input: %w", err)
	}
	defer f.Close()
	sum, err := DecodeSummary(f)
	if err != nil {
		return Input{}, fmt.Errorf("load report input: %s: %w", file, err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		abs = file
	}
	rebase(&sum, filepath.Dir(abs))

	in := Input{Summary: sum, Source: abs, Timelines: map[string][]funnel.Sample{}}
	for _, lr := range sum.Reports {
		p := lr.Artifacts.Timeline
		if p == "" {
			continue
		}
		if _, done := in.Timelines[p]; done {
			continue
		}
		samples, err := readTimelineFile(p)
		if err != nil {
			in.Problems = append(in.Problems, err.Error())
			continue
		}
		in.Timelines[p] = samples
	}
	return in, nil
}

// rebase rewrites the artifact paths of s that lie under the recorded
// artifacts folder to lie under dir, the folder the summary was read from,
// when the subject folders are found there: the folder was moved or copied.
func rebase(s *Summary, dir string) {
	old := s.Outputs.Artifacts
	if old == "" || filepath.Clean(old) == dir || !hasSubjectDirs(s, old, dir) {
		return
	}
	move := func(p *string) {
		if *p == "" {
			return
		}
		rel, err := filepath.Rel(old, *p)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return
		}
		*p = filepath.Join(dir, rel)
	}
	moveAll := func(a *Artifacts) {
		for _, p := range []*string{&a.Dir, &a.Baseline, &a.Final, &a.Timeline, &a.Clusters, &a.Report} {
			move(p)
		}
	}
	for i := range s.Reports {
		moveAll(&s.Reports[i].Artifacts)
	}
	for i := range s.RootCauses {
		for j := range s.RootCauses[i].Occurrences {
			moveAll(&s.RootCauses[i].Occurrences[j].Artifacts)
		}
	}
	move(&s.Outputs.JUnit)
	move(&s.Outputs.Summary)
	s.Outputs.Artifacts = dir
}

// hasSubjectDirs reports whether the first subject folder recorded under
// old also exists under dir.
func hasSubjectDirs(s *Summary, old, dir string) bool {
	for _, lr := range s.Reports {
		if lr.Artifacts.Dir == "" {
			continue
		}
		rel, err := filepath.Rel(old, lr.Artifacts.Dir)
		if err != nil || strings.HasPrefix(rel, "..") {
			continue
		}
		_, err = os.Stat(filepath.Join(dir, rel))
		return err == nil
	}
	return false
}

func readTimelineFile(path string) ([]funnel.Sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read timeline: %w", err)
	}
	defer f.Close()
	samples, err := ReadTimeline(f)
	if err != nil {
		return nil, fmt.Errorf("read timeline %s: %w", path, err)
	}
	return samples, nil
}

// ReadTimeline reads a timeline CSV as the reporter writes it (timeline.csv
// in a subject's artifacts folder): a header row naming the columns, then
// one row per sample. Columns are found by name, so their order does not
// matter and unknown columns are ignored; offset_ms and goroutines are
// required, other known columns (waiting, runnable, running, not_in_go,
// created, heap_object_bytes, stack_bytes, mcache_inuse_bytes, gc_cycles,
// finalizers_*, cleanups_*) are read when present. Errors name the line.
// An empty result (a header and no rows) is not an error.
func ReadTimeline(r io.Reader) ([]funnel.Sample, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty timeline: no header row")
		}
		return nil, fmt.Errorf("header: %w", err)
	}
	col := map[string]int{}
	for i, name := range header {
		col[strings.TrimSpace(name)] = i
	}
	for _, need := range []string{"offset_ms", "goroutines"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("header: no %q column (is it a leakfunnel timeline.csv?)", need)
		}
	}
	type field struct {
		name string
		dst  func(*funnel.Metrics) *uint64
	}
	fields := []field{
		{"goroutines", func(m *funnel.Metrics) *uint64 { return &m.Goroutines }},
		{"waiting", func(m *funnel.Metrics) *uint64 { return &m.Waiting }},
		{"runnable", func(m *funnel.Metrics) *uint64 { return &m.Runnable }},
		{"running", func(m *funnel.Metrics) *uint64 { return &m.Running }},
		{"not_in_go", func(m *funnel.Metrics) *uint64 { return &m.NotInGo }},
		{"created", func(m *funnel.Metrics) *uint64 { return &m.Created }},
		{"heap_object_bytes", func(m *funnel.Metrics) *uint64 { return &m.HeapObjectBytes }},
		{"stack_bytes", func(m *funnel.Metrics) *uint64 { return &m.StackBytes }},
		{"mcache_inuse_bytes", func(m *funnel.Metrics) *uint64 { return &m.MCacheInUseBytes }},
		{"gc_cycles", func(m *funnel.Metrics) *uint64 { return &m.GCCycles }},
		{"finalizers_queued", func(m *funnel.Metrics) *uint64 { return &m.FinalizersQueued }},
		{"finalizers_executed", func(m *funnel.Metrics) *uint64 { return &m.FinalizersExecuted }},
		{"cleanups_queued", func(m *funnel.Metrics) *uint64 { return &m.CleanupsQueued }},
		{"cleanups_executed", func(m *funnel.Metrics) *uint64 { return &m.CleanupsExecuted }},
	}
	offCol := col["offset_ms"]
	var out []funnel.Sample
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		var s funnel.Sample
		ms, err := strconv.ParseFloat(rec[offCol], 64)
		if err != nil || ms < 0 {
			return nil, fmt.Errorf("line %d: offset_ms %q is not a non-negative number", line, rec[offCol])
		}
		s.Offset = time.Duration(ms * float64(time.Millisecond))
		for _, f := range fields {
			i, ok := col[f.name]
			if !ok {
				continue
			}
			v, err := strconv.ParseUint(rec[i], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("line %d: %s %q is not a count", line, f.name, rec[i])
			}
			*f.dst(&s.Metrics) = v
		}
		out = append(out, s)
	}
	return out, nil
}
