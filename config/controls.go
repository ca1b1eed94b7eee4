package config

import (
	"fmt"
	"strconv"

	"github.com/pitchbox/pitchbox/control"
)

func (c *Config) validateControls(bad func(string, string, ...any)) {
	b := c.Buttons
	if b.Layout != "none" && b.Layout != "4-button" {
		bad("buttons.layout", "%q is not allowed (allowed: \"none\", \"4-button\")", b.Layout)
	}
	if b.DebounceMS < 0 || b.DebounceMS > 200 {
		bad("buttons.debounce_ms", "%d is not allowed (allowed: 0 to 200)", b.DebounceMS)
	}
	if b.LongPressMS < 200 || b.LongPressMS > 10000 {
		bad("buttons.long_press_ms", "%d is not allowed (allowed: 200 to 10000)", b.LongPressMS)
	}
	action := func(key, s string) {
		a, err := control.ParseAction(s)
		if err != nil {
			bad(key, "%v", err)
			return
		}
		if a.Verb == "show" {
			if n, err := strconv.Atoi(a.Arg); err == nil {
				if n < 1 || n > len(c.Presets) {
					bad(key, "%q: there are %d presets", s, len(c.Presets))
				}
			} else if !c.hasPreset(a.Arg) {
				bad(key, "%q: no preset named %q (presets: %v)", s, a.Arg, c.PresetNames())
			}
		}
	}
	for i, bt := range c.Button {
		k := fmt.Sprintf("button[%d]", i)
		if (bt.Line == "") == (bt.Chip == "") {
			bad(k+".line", "set line (a GPIO line name such as \"GPIO17\") or chip and offset")
		}
		if bt.Press == "" && bt.LongPress == "" {
			bad(k+".press", "set press or long_press (allowed: %s)", control.ActionHelp)
		}
		action(k+".press", bt.Press)
		action(k+".long_press", bt.LongPress)
	}
	for i, kc := range c.Key {
		k := fmt.Sprintf("key[%d]", i)
		if kc.Device == "" {
			bad(k+".device", "set a device path (/dev/input/by-id/…) or part of its name")
		}
		if kc.Key == "" {
			bad(k+".key", "set a key name such as \"KEY_1\" (checked against the keypad's names when the box starts)")
		}
		if kc.Press == "" && kc.LongPress == "" {
			bad(k+".press", "set press or long_press (allowed: %s)", control.ActionHelp)
		}
		action(k+".press", kc.Press)
		action(k+".long_press", kc.LongPress)
	}
}

func (c *Config) hasPreset(name string) bool {
	for _, p := range c.Presets {
		if p.Name == name || PresetID(p.Name) == name {
			return true
		}
	}
	return false
}
