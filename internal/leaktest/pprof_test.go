package leaktest_test

import (
	"io"
	"runtime/pprof"
)

// pprofLookup writes the goroutine profile in its debug=1 text form, which
// prints labels.
func pprofLookup(w io.Writer) error { return pprof.Lookup("goroutine").WriteTo(w, 1) }
