package reporter

import (
	"encoding/json"
	"fmt"

	"github.com/onsi/ginkgo/v2/types"
)

// Names of the report entries leakfunnel adds to a spec.
const (
	// EntryName names the entry whose value is a [LeakReport]. It is
	// visible in the console when the spec fails or when Ginkgo runs
	// verbose.
	EntryName = "leakfunnel"
	// TimelineEntryName names the entry whose value is a [Timeline]. It is
	// shown in the console only when Ginkgo runs verbose.
	TimelineEntryName = "leakfunnel.timeline"
)

// String renders the report as plain text: the text report when leaks were
// found, otherwise a one-line note.
func (r LeakReport) String() string {
	if r.Text != "" {
		return r.Text
	}
	return fmt.Sprintf("leakfunnel: no leaks (%d goroutines before, %d after, settled in %dms)", r.GoroutinesBefore, r.GoroutinesAfter, r.SettleMS)
}

// decodeEntry reads the value of a report entry into dst, whether the
// entry holds the Go value (the same process) or JSON (another parallel
// process, or a report read back from disk).
func decodeEntry[T any](e types.ReportEntry, dst *T) error {
	switch v := e.Value.GetRawValue().(type) {
	case T:
		*dst = v
		return nil
	case *T:
		if v != nil {
			*dst = *v
			return nil
		}
	}
	data := []byte(e.Value.AsJSON)
	if len(data) == 0 {
		raw, err := json.Marshal(e.Value.GetRawValue())
		if err != nil {
			return fmt.Errorf("decode report entry %q: %w", e.Name, err)
		}
		data = raw
	}
	if err := json.Unmarshal(data, dst); err != nil {
		return fmt.Errorf("decode report entry %q: %w", e.Name, err)
	}
	return nil
}
