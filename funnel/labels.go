package funnel

import (
	"fmt"
	"os"
	"strings"
)

// EnableTraceLabels turns on GODEBUG=tracebacklabels=1, so that stack dumps,
// and so [Capture], carry each goroutine's pprof labels
// ([Goroutine.Labels]). Labels set with runtime/pprof.Do are inherited by
// every goroutine started under them, which lets a leak be tied to the
// labelled code (a spec, a request) that started it.
//
// It adds tracebacklabels=1 to the GODEBUG environment variable with
// os.Setenv, keeping every other setting and replacing an existing
// tracebacklabels value; the runtime applies the change at once. Calling it
// again changes nothing. Note that it changes the process environment:
// child processes started afterwards inherit the setting. It returns the
// error of os.Setenv, wrapped.
//
// Modules that declare go 1.27 or later get tracebacklabels=1 by default.
func EnableTraceLabels() error {
	cur := os.Getenv("GODEBUG")
	next := withSetting(cur, "tracebacklabels", "1")
	if next == cur {
		return nil
	}
	if err := os.Setenv("GODEBUG", next); err != nil {
		return fmt.Errorf("enable trace labels: %w", err)
	}
	return nil
}

// withSetting returns the GODEBUG value godebug with key set to value: an
// existing key=... is replaced in place (and later duplicates dropped),
// otherwise key=value is appended. Empty items are dropped.
func withSetting(godebug, key, value string) string {
	var out []string
	found := false
	for item := range strings.SplitSeq(godebug, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		k, _, _ := strings.Cut(item, "=")
		if k == key {
			if found {
				continue
			}
			found = true
			item = key + "=" + value
		}
		out = append(out, item)
	}
	if !found {
		out = append(out, key+"="+value)
	}
	return strings.Join(out, ",")
}
