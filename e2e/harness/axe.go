package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/chromedp"
)

// AxeViolation is one rule axe-core found broken on a page, with the
// elements that break it.
type AxeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// String is the violation on one line per element, for a test's log.
func (v AxeViolation) String() string {
	return fmt.Sprintf("%s (%s): %s\n\t%s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
}

// LoadAxe reads axe-core's script from the test-only copy that
// scripts/axe.sh (make deps-test) puts in e2e/testdata/axe under root.
func LoadAxe(root string) (string, error) {
	path := filepath.Join(root, "e2e", "testdata", "axe", "axe.min.js")
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("harness: axe-core is not there (run scripts/axe.sh, part of make deps-test): %w", err)
	}
	return string(b), nil
}

// Axe runs axe-core (its script's source) on the page open in ctx, with
// the WCAG 2.x A and AA rules and axe's best practices, and returns the
// violations whose impact is in impacts (all when impacts is empty).
func Axe(ctx context.Context, source string, impacts ...string) ([]AxeViolation, error) {
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](source)); err != nil {
		return nil, fmt.Errorf("harness: load axe-core: %w", err)
	}
	const run = `axe.run(document, {resultTypes: ["violations"]}).then((r) => r.violations.map((v) => ({
		id: v.id, impact: v.impact || "", help: v.help,
		nodes: v.nodes.map((n) => n.target.join(" ") + ": " + (n.failureSummary || "").replace(/\s+/g, " ")),
	})))`
	all, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("harness: run axe-core: %w", err)
	}
	if len(impacts) == 0 {
		return all, nil
	}
	var out []AxeViolation
	for _, v := range all {
		for _, i := range impacts {
			if v.Impact == i {
				out = append(out, v)
				break
			}
		}
	}
	return out, nil
}

// ArtefactDir is a folder for a test's artefacts (screenshots) that is
// kept after the run: $PITCHBOX_ARTEFACTS/name, or e2e/artifacts/name
// under root (ignored by git).
func ArtefactDir(root, name string) (string, error) {
	base := os.Getenv("PITCHBOX_ARTEFACTS")
	if base == "" {
		base = filepath.Join(root, "e2e", "artifacts")
	}
	dir := filepath.Join(base, name)
	return dir, os.MkdirAll(dir, 0o755)
}
