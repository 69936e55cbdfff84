package htmlreport

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile renders in to the file at path, replacing it. The HTML is
// written to a temporary file in the same folder first and renamed into
// place, so a reader never sees half a report and a failed render leaves
// any previous file as it was. When in.LinkBase is empty, artifact links
// are made relative to the file's folder. Errors name the path. Concurrent
// calls for one path leave one complete report in place.
func WriteFile(path string, in Input) (err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	dir := filepath.Dir(abs)
	if in.LinkBase == "" {
		in.LinkBase = dir
	}
	f, err := os.CreateTemp(dir, ".leakfunnel-report-*.html")
	if err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := Render(f, in); err != nil {
		f.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}
