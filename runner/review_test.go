package runner

import (
	"context"
	"os"
	"testing"
)

// Tests from the review of the process start (ForkExec and pidfd, merged
// with --pipe, -S and xargs -o): each one failed before its fix.

// TestReviewSlotVarReplacesInheritedValue: --process-slot-var sets the
// variable even when krun's environment has it already, as GNU xargs
// does and as os/exec's last-wins deduplication did before jobs started
// through ForkExec. A shell hides a duplicate entry (dash and bash take
// the last), a program run directly does not: getenv takes the first.
func TestReviewSlotVarReplacesInheritedValue(t *testing.T) {
	t.Parallel()
	for _, direct := range []bool{false, true} {
		cfg := testConfig(t, `printenv {}`, 1)
		cfg.DirectExec = direct
		cfg.Env = append(os.Environ(), "REVIEW_SLOT=inherited")
		cfg.SlotVar = "REVIEW_SLOT"
		sink := &memSink{}
		cfg.Sink = sink
		res, err := Run(context.Background(), cfg, &listSource{values: []string{"REVIEW_SLOT", "REVIEW_SLOT"}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Succeeded != 2 {
			t.Fatalf("direct %v: result %+v, want 2 succeeded", direct, res)
		}
		for seq := int64(1); seq <= 2; seq++ {
			if got := sink.out[seq].String(); got != "0\n" {
				t.Errorf("direct %v: job %d: printenv REVIEW_SLOT: %q, want the slot, %q", direct, seq, got, "0\n")
			}
		}
	}
}
