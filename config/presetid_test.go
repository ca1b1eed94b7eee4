package config

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPresetID: plain names are their own ids (older configs keep
// working); free-text names in any script get a slug; names with no
// letter or digit get a hash.
func TestPresetID(t *testing.T) {
	for _, tc := range []struct{ name, id string }{
		{"buy", "buy"},
		{"Buy_1", "Buy_1"},
		{"sale-10", "sale-10"},
		{"Blue mug", "blue-mug"},
		{"Blue mug — €12!", "blue-mug-12"},
		{"  spaced  out  ", "spaced-out"},
		{"Кружка синяя", "кружка-синяя"},
		{"מבצע היום", "מבצע-היום"},
		{"抹茶 セット", "抹茶-セット"},
		{"हिन्दी", "हिन्दी"},
		{"Crème brûlée", "crème-brûlée"},
		{"🎁🎁", "preset-"},
		{"a very long preset name that goes on and on", "a-very-long-preset-name-that-goe"},
		{strings.Repeat("x", 31) + " y", strings.Repeat("x", 31)},
	} {
		got := PresetID(tc.name)
		if tc.id == "preset-" {
			if !strings.HasPrefix(got, "preset-") || len(got) != len("preset-")+8 || got != PresetID(tc.name) {
				t.Errorf("PresetID(%q) = %q, want preset- and a stable 8-digit hash", tc.name, got)
			}
			continue
		}
		if got != tc.id {
			t.Errorf("PresetID(%q) = %q, want %q", tc.name, got, tc.id)
		}
		if n := utf8.RuneCountInString(got); n > maxPresetID || strings.HasSuffix(got, "-") || strings.HasPrefix(got, "-") {
			t.Errorf("PresetID(%q) = %q: %d characters, or a dash at an end", tc.name, got, n)
		}
	}
	if PresetID("🎁") == PresetID("🎉") {
		t.Error("two emoji-only names share an id")
	}
}

// TestPresetNames: free text is accepted as a preset name.
func TestPresetNames(t *testing.T) {
	for _, name := range []string{"Blue mug", "Кружка синяя", "抹茶 セット", "🎁 Gift box", "a", strings.Repeat("ä", 40)} {
		if why := checkPresetName(name); why != "" {
			t.Errorf("%q: %s", name, why)
		}
	}
	for _, name := range []string{"", " lead", "trail ", "tab\there", "line\nbreak", strings.Repeat("x", 41), "\xff"} {
		if checkPresetName(name) == "" {
			t.Errorf("%q accepted", name)
		}
	}
}
