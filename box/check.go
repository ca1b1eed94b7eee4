package box

import (
	"fmt"
	"time"

	"github.com/pitchbox/pitchbox/buttons"
	"github.com/pitchbox/pitchbox/config"
)

// checkControls checks what only the buttons package knows: the keypad's
// key names. Errors name the key and satisfy config.IsInvalid.
func checkControls(cfg *config.Config) error {
	var es config.Errors
	for i, k := range cfg.Key {
		if _, err := buttons.KeyCode(k.Key); err != nil {
			es = append(es, &config.Error{Key: fmt.Sprintf("key[%d].key", i), Msg: err.Error()})
		}
	}
	if len(es) > 0 {
		return es
	}
	return nil
}

// controlsConfig turns the config's controls into buttons.Config, the
// 4-button layout first and explicit buttons after (a line named in both
// takes the explicit mapping).
func controlsConfig(cfg *config.Config) buttons.Config {
	c := cfg.Buttons
	var bc buttons.Config
	if c.Layout == "4-button" {
		bc = buttons.FourButton()
	}
	bc.Settle = time.Duration(c.DebounceMS) * time.Millisecond
	bc.Long = time.Duration(c.LongPressMS) * time.Millisecond
	if c.StatusLED != "" {
		bc.StatusLED = c.StatusLED
	}
	if c.OverlayLED != "" {
		bc.OverlayLED = c.OverlayLED
	}
	for _, x := range cfg.Button {
		nb := buttons.ButtonConfig{Line: x.Line, Chip: x.Chip, Offset: x.Offset, Press: x.Press, LongPress: x.LongPress, ActiveHigh: x.ActiveHigh}
		replaced := false
		for i := range bc.Buttons {
			if x.Line != "" && bc.Buttons[i].Line == x.Line {
				bc.Buttons[i], replaced = nb, true
			}
		}
		if !replaced {
			bc.Buttons = append(bc.Buttons, nb)
		}
	}
	for _, k := range cfg.Key {
		bc.Keys = append(bc.Keys, buttons.KeyConfig{Device: k.Device, Key: k.Key, Press: k.Press, LongPress: k.LongPress})
	}
	return bc
}
