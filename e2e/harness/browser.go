package harness

import (
	"context"
	"fmt"
	"os/exec"

	"github.com/chromedp/chromedp"
)

// Browser starts Debian's chromium headless with a fresh profile in dir
// and returns a chromedp context for one tab, and a function that closes
// the browser.
func Browser(ctx context.Context, dir string, width, height int) (context.Context, context.CancelFunc, error) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		return nil, nil, fmt.Errorf("harness: chromium is not installed (the README's test command installs it): %w", err)
	}
	opts := append([]chromedp.ExecAllocatorOption{}, chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(width, height),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	cctx, cancelTab := chromedp.NewContext(actx)
	if err := chromedp.Do(cctx); err != nil {
		cancelTab()
		cancelAlloc()
		return nil, nil, fmt.Errorf("harness: start chromium: %w", err)
	}
	return cctx, func() { cancelTab(); cancelAlloc() }, nil
}
