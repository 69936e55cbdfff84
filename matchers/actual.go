package matchers

import (
	"fmt"

	"github.com/leakfunnel/leakfunnel/funnel"
	"github.com/onsi/gomega/format"
)

// input is an actual value of a snapshot-based matcher, checked and
// resolved: exactly one of snap and result is set.
type input struct {
	snap   *funnel.Snapshot
	result *funnel.Result
	// live is set when the actual was [Live]: snap was captured by Match.
	live bool
}

// kinds of actual values a matcher accepts, for error messages.
const (
	acceptSnapshots = "a *funnel.Snapshot, a func() *funnel.Snapshot, matchers.Live() or a *funnel.Result"
	acceptResult    = "a *funnel.Result"
	acceptClusters  = "a *funnel.Result or a []funnel.Cluster"
	acceptTimeline  = "a *funnel.Result or a *funnel.Timeline"
)

// wrongInput is the error for an actual value a matcher cannot use, in
// Gomega's wording.
func wrongInput(name, expected string, actual any) error {
	return fmt.Errorf("%s matcher expects %s.  Got:\n%s", name, expected, describe(actual))
}

// describe formats actual for an error message like format.Object does,
// except that a snapshot is summed up in one line rather than dumped
// goroutine by goroutine.
func describe(actual any) string {
	var s *funnel.Snapshot
	switch a := actual.(type) {
	case *funnel.Snapshot:
		s = a
	case funnel.Snapshot:
		s = &a
	}
	if s == nil {
		return format.Object(actual, 1)
	}
	return fmt.Sprintf("%s<%T>: snapshot of %d goroutines taken at %s", format.Indent, actual, s.Len(), s.Time.Format(timeLayout))
}

// snapshotInput resolves actual for the matchers that compare a snapshot
// with a baseline. A function is called once; a nil pointer, a nil function
// result or a function of another signature is an error naming what was
// expected and what was given.
func snapshotInput(name string, actual any) (input, error) {
	switch a := actual.(type) {
	case *funnel.Snapshot:
		if a != nil {
			return input{snap: a}, nil
		}
	case func() *funnel.Snapshot:
		if a != nil {
			s := a()
			if s == nil {
				return input{}, fmt.Errorf("%s matcher: the function passed as the actual value returned a nil *funnel.Snapshot", name)
			}
			return input{snap: s}, nil
		}
	case func() (*funnel.Snapshot, error):
		if a != nil {
			s, err := a()
			if err != nil {
				return input{}, fmt.Errorf("%s matcher: the function passed as the actual value failed: %w", name, err)
			}
			if s == nil {
				return input{}, fmt.Errorf("%s matcher: the function passed as the actual value returned a nil *funnel.Snapshot", name)
			}
			return input{snap: s}, nil
		}
	case LiveSnapshot:
		return input{snap: funnel.Capture(), live: true}, nil
	case *funnel.Result:
		if a != nil {
			return input{result: a}, nil
		}
	}
	return input{}, wrongInput(name, acceptSnapshots, actual)
}

// resultInput resolves actual for the matchers that need a settled
// [funnel.Result].
func resultInput(name string, actual any) (*funnel.Result, error) {
	if r, ok := actual.(*funnel.Result); ok && r != nil {
		return r, nil
	}
	return nil, wrongInput(name, acceptResult, actual)
}

// clustersInput resolves actual for the cluster and attribution matchers.
func clustersInput(name string, actual any) ([]funnel.Cluster, error) {
	switch a := actual.(type) {
	case *funnel.Result:
		if a != nil {
			return a.Clusters, nil
		}
	case []funnel.Cluster:
		return a, nil
	}
	return nil, wrongInput(name, acceptClusters, actual)
}

// checkBaseline rejects a nil baseline and one taken after the snapshot it
// is compared with.
func checkBaseline(name string, base, cur *funnel.Snapshot) error {
	if base == nil {
		return fmt.Errorf("%s matcher: %w: take one with funnel.Capture() before the code under test starts goroutines", name, funnel.ErrNilBaseline)
	}
	if cur != nil && !base.Time.IsZero() && !cur.Time.IsZero() && base.Time.After(cur.Time) {
		return fmt.Errorf("%s matcher: the baseline (taken at %s) is newer than the snapshot it is compared with (taken at %s); pass the earlier snapshot as the baseline",
			name, base.Time.Format(timeLayout), cur.Time.Format(timeLayout))
	}
	return nil
}

const timeLayout = "15:04:05.000000"
