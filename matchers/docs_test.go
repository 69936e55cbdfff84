package matchers_test

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("docs/matchers.md", func() {
	It("quotes every golden message verbatim", func() {
		doc, err := os.ReadFile(filepath.Join("..", "docs", "matchers.md"))
		Expect(err).NotTo(HaveOccurred())
		goldens, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
		Expect(err).NotTo(HaveOccurred())
		Expect(goldens).NotTo(BeEmpty())
		for _, path := range goldens {
			text, err := os.ReadFile(path)
			Expect(err).NotTo(HaveOccurred())
			quoted := "```\n" + strings.TrimRight(string(text), "\n") + "\n```"
			Expect(string(doc)).To(ContainSubstring(quoted), "docs/matchers.md does not quote %s; paste the new text in", path)
		}
	})
})
