package funnel

import (
	"runtime/metrics"
	"testing"
)

// TestMetricNamesExist checks every name ReadMetrics reads against the
// running Go version's list, so that a renamed metric fails here instead of
// silently reading zero.
func TestMetricNamesExist(t *testing.T) {
	known := map[string]metrics.ValueKind{}
	for _, d := range metrics.All() {
		known[d.Name] = d.Kind
	}
	for _, name := range metricNames {
		kind, ok := known[name]
		if !ok {
			t.Errorf("metric %q does not exist in this Go version", name)
			continue
		}
		if kind != metrics.KindUint64 {
			t.Errorf("metric %q has kind %v, want uint64", name, kind)
		}
	}
}

func TestMetricValueUnsupported(t *testing.T) {
	s := []metrics.Sample{{Name: "/no/such/metric:units"}}
	metrics.Read(s)
	if got := value(s[0].Value); got != 0 {
		t.Errorf("value(unsupported metric) = %d, want 0", got)
	}
	if got := value(metrics.Value{}); got != 0 {
		t.Errorf("value(zero Value) = %d, want 0", got)
	}
}
