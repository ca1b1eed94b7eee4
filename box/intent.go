package box

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pitchbox/pitchbox/config"
)

// The seller's intent to be live is kept in the state directory, written
// atomically like the configuration, so that a box that loses power or
// crashes while live goes live again when it restarts, and a box the
// seller stopped stays off.

// intentFile is the intent's file name in the state directory.
const intentFile = "live.json"

// intent is what live.json holds.
type intent struct {
	Live bool `json:"live"`
}

// loadIntent reads the saved intent; a missing file is "not live".
func loadIntent(stateDir string) (intent, error) {
	var in intent
	b, err := os.ReadFile(filepath.Join(stateDir, intentFile))
	if errors.Is(err, fs.ErrNotExist) {
		return in, nil
	}
	if err != nil {
		return in, fmt.Errorf("box: read the live intent: %w", err)
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return intent{}, fmt.Errorf("box: %s is damaged (%v); staying off", intentFile, err)
	}
	return in, nil
}

// saveIntent writes the intent atomically.
func saveIntent(stateDir string, in intent) error {
	b, _ := json.Marshal(in)
	return config.WriteFileAtomic(filepath.Join(stateDir, intentFile), append(b, '\n'), 0o600)
}

// persistIntent saves the seller's intent as it is now: saves are
// serialised and each reads b.live when it runs, so the file ends with
// the last change whatever order racing calls come in. A failure is
// logged (the box goes on).
func (b *Box) persistIntent() { b.persistIntentIn(b.set.current().StateDir) }

// persistIntentIn is persistIntent for the state directory dir, for a
// caller that holds the settings lock (lock order: settings, intent,
// box).
func (b *Box) persistIntentIn(dir string) {
	b.intentMu.Lock()
	defer b.intentMu.Unlock()
	b.mu.Lock()
	live := b.live
	b.mu.Unlock()
	if err := saveIntent(dir, intent{Live: live}); err != nil {
		b.log.Error("box: cannot save whether the box is live; after a restart it may not resume", "err", err)
	}
}

// startIntent goes live at start when the seller was live when the box
// stopped, or when autostart says so; it never goes on air otherwise.
func (b *Box) startIntent() {
	cfg := b.set.current()
	in, err := loadIntent(cfg.StateDir)
	if err != nil {
		b.log.Warn(err.Error())
	}
	switch {
	case in.Live:
		b.log.Info("box: the box was live when it stopped; going live again")
		b.goLive("resume", false)
	case cfg.Output.AutostartOn():
		b.goLive("autostart", false)
	}
}
