package buttons

import (
	"fmt"
	"sort"
	"strings"
)

// keyCodes are the Linux input key codes (include/uapi/linux/input-event-codes.h)
// that keypads, macro pads, presenters and foot pedals send.
var keyCodes = map[string]uint16{
	"KEY_ESC": 1, "KEY_1": 2, "KEY_2": 3, "KEY_3": 4, "KEY_4": 5, "KEY_5": 6, "KEY_6": 7,
	"KEY_7": 8, "KEY_8": 9, "KEY_9": 10, "KEY_0": 11, "KEY_MINUS": 12, "KEY_EQUAL": 13,
	"KEY_BACKSPACE": 14, "KEY_TAB": 15, "KEY_Q": 16, "KEY_W": 17, "KEY_E": 18, "KEY_R": 19,
	"KEY_T": 20, "KEY_Y": 21, "KEY_U": 22, "KEY_I": 23, "KEY_O": 24, "KEY_P": 25,
	"KEY_ENTER": 28, "KEY_A": 30, "KEY_S": 31, "KEY_D": 32, "KEY_F": 33, "KEY_G": 34,
	"KEY_H": 35, "KEY_J": 36, "KEY_K": 37, "KEY_L": 38, "KEY_Z": 44, "KEY_X": 45,
	"KEY_C": 46, "KEY_V": 47, "KEY_B": 48, "KEY_N": 49, "KEY_M": 50, "KEY_SPACE": 57,
	"KEY_F1": 59, "KEY_F2": 60, "KEY_F3": 61, "KEY_F4": 62, "KEY_F5": 63, "KEY_F6": 64,
	"KEY_F7": 65, "KEY_F8": 66, "KEY_F9": 67, "KEY_F10": 68, "KEY_KP7": 71, "KEY_KP8": 72,
	"KEY_KP9": 73, "KEY_KPMINUS": 74, "KEY_KP4": 75, "KEY_KP5": 76, "KEY_KP6": 77,
	"KEY_KPPLUS": 78, "KEY_KP1": 79, "KEY_KP2": 80, "KEY_KP3": 81, "KEY_KP0": 82,
	"KEY_KPDOT": 83, "KEY_F11": 87, "KEY_F12": 88, "KEY_KPENTER": 96, "KEY_HOME": 102,
	"KEY_UP": 103, "KEY_PAGEUP": 104, "KEY_LEFT": 105, "KEY_RIGHT": 106, "KEY_END": 107,
	"KEY_DOWN": 108, "KEY_PAGEDOWN": 109, "KEY_INSERT": 110, "KEY_DELETE": 111,
	"KEY_MUTE": 113, "KEY_VOLUMEDOWN": 114, "KEY_VOLUMEUP": 115, "KEY_PAUSE": 119,
	"KEY_F13": 183, "KEY_F14": 184, "KEY_F15": 185, "KEY_F16": 186, "KEY_F17": 187,
	"KEY_F18": 188, "KEY_F19": 189, "KEY_F20": 190, "KEY_F21": 191, "KEY_F22": 192,
	"KEY_F23": 193, "KEY_F24": 194, "KEY_PLAYPAUSE": 164, "KEY_NEXTSONG": 163,
	"KEY_PREVIOUSSONG": 165, "KEY_STOPCD": 166, "KEY_PLAYCD": 200, "KEY_PAUSECD": 201,
	"BTN_LEFT": 0x110, "BTN_RIGHT": 0x111, "BTN_MIDDLE": 0x112,
	"BTN_0": 0x100, "BTN_1": 0x101, "BTN_2": 0x102, "BTN_3": 0x103,
}

// KeyCode returns the code of a key name such as "KEY_1" or "KEY_PAGEDOWN".
func KeyCode(name string) (uint16, error) {
	if c, ok := keyCodes[strings.ToUpper(name)]; ok {
		return c, nil
	}
	names := make([]string, 0, len(keyCodes))
	for n := range keyCodes {
		names = append(names, n)
	}
	sort.Strings(names)
	return 0, fmt.Errorf("unknown key %q (allowed: %s)", name, strings.Join(names, ", "))
}
