package funnel

// TEMPORARY CONTRACT STUBS for funnel part 1 (capture, metrics, diff, filters,
// profile). The owner of part 1 replaces this file with the real snapshot.go,
// metrics.go, diff.go, filter.go, profile.go, labels.go and deletes it.

import (
	"io"
)

// ProfileOption configures WriteProfile.
type ProfileOption struct{}

// WriteProfile writes s as a gzipped pprof protobuf.
func WriteProfile(w io.Writer, s *Snapshot, opts ...ProfileOption) error { return nil }

// EnableTraceLabels adds tracebacklabels=1 to GODEBUG.
func EnableTraceLabels() error { return nil }
