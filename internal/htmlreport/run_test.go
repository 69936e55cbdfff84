package htmlreport_test

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The real run: the example suite (suite_example) run through the ginkgo
// CLI with two processes, on a copy of the module in a temporary folder,
// so that the reporter's artifacts folder (a path relative to the suite's
// package folder) lands there and not in the working tree. It runs once per
// test binary and is shared by the tests that need it.

var (
	scratch string // removed by TestMain

	runOnce sync.Once
	runDir  string // the artifacts folder of the real run
	runErr  error
	runLog  string
)

func TestMain(m *testing.M) {
	var err error
	scratch, err = os.MkdirTemp("", "htmlreport-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(scratch)
	os.Exit(code)
}

// moduleRoot is the repository's module folder.
func moduleRoot() (string, error) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("module root: %w", err)
	}
	return root, nil
}

// realRun returns the artifacts folder of the example suite's run. With
// -short it skips the test.
func realRun(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("skipping the example suite run (about 30s) in -short mode")
	}
	runOnce.Do(func() { runDir, runLog, runErr = runExampleSuite() })
	if runErr != nil {
		t.Fatalf("run the example suite: %v\n%s", runErr, runLog)
	}
	return runDir
}

func runExampleSuite() (dir, log string, err error) {
	root, err := moduleRoot()
	if err != nil {
		return "", "", err
	}
	mod := filepath.Join(scratch, "module")
	// The module's library packages and the suite; not bench (its own
	// module), docs or earlier outputs.
	for _, name := range []string{"go.mod", "go.sum", "funnel", "reporter", "matchers", "internal", "suite_example"} {
		if err := copyTree(filepath.Join(root, name), filepath.Join(mod, name)); err != nil {
			return "", "", err
		}
	}
	ginkgo := filepath.Join(scratch, "bin", "ginkgo")
	build := exec.Command("go", "build", "-o", ginkgo, "github.com/onsi/ginkgo/v2/ginkgo")
	build.Dir = mod
	if out, err := build.CombinedOutput(); err != nil {
		return "", string(out), fmt.Errorf("build the ginkgo CLI: %w", err)
	}
	cmd := exec.Command(ginkgo, "--procs=2", "--no-color", "./suite_example")
	cmd.Dir = mod
	out, runErr := cmd.CombinedOutput()
	dir = filepath.Join(mod, "suite_example", "leakfunnel-report")
	if _, err := os.Stat(filepath.Join(dir, "summary.json")); err != nil {
		return "", string(out), fmt.Errorf("no summary.json after the run (ginkgo: %v): %w", runErr, err)
	}
	// The suite may fail (a spec in mode fail leaks); the report is what
	// these tests are about.
	return dir, string(out), nil
}

// copyTree copies a file or folder, skipping reporter output folders.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if d.Name() == "leakfunnel-report" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
}
