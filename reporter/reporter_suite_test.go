package reporter_test

import (
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/leakfunnel/leakfunnel/reporter"
)

// The reporter's own suite is checked by the reporter.
var _ = reporter.Install(reporter.WithSettleTimeout(2 * time.Second))

func TestReporter(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Reporter Suite", reporter.AroundNode())
}
