package v4l2

import (
	"encoding/binary"
	"strconv"
)

// Control types and flags of struct v4l2_queryctrl.
const (
	CtrlTypeInteger     = 1
	CtrlTypeBoolean     = 2
	CtrlTypeMenu        = 3
	CtrlTypeButton      = 4
	CtrlTypeIntegerMenu = 9
	CtrlFlagDisabled    = 0x0001
	CtrlFlagReadOnly    = 0x0004
	CtrlFlagInactive    = 0x0010
	CtrlFlagNextCtrl    = 0x80000000
	CtrlWhichCurVal     = 0
)

// QueryMenu is struct v4l2_querymenu (packed: the union of name[32] and
// an s64 value does not align it).
type QueryMenu struct {
	ID       uint32
	Index    uint32
	Name     [32]byte // or, for integer menus, a little-endian int64 value
	Reserved uint32
}

// MenuItem is one choice of a menu control.
type MenuItem struct {
	Index int32  `json:"index"`
	Name  string `json:"name"`
}

// ControlInfo is one adjustable control of a device (brightness, exposure,
// focus, white balance …) with its range and current value.
type ControlInfo struct {
	ID       uint32 `json:"id"`
	Name     string `json:"name"`
	Type     string `json:"type"` // "int", "bool" or "menu"
	Min      int32  `json:"min"`
	Max      int32  `json:"max"`
	Step     int32  `json:"step"`
	Default  int32  `json:"default"`
	Value    int32  `json:"value"`
	ReadOnly bool   `json:"read_only,omitempty"`
	// Inactive controls are ignored by the driver for now (focus while
	// autofocus is on, for example).
	Inactive bool `json:"inactive,omitempty"`
	// Menu lists a menu control's choices (exposure: "Manual Mode",
	// "Aperture Priority Mode" …).
	Menu []MenuItem `json:"menu,omitempty"`
}

// menuName is a menu item's text: its name, or for an integer menu its
// value.
func menuName(q *QueryMenu, integer bool) string {
	if integer {
		return strconv.FormatInt(int64(binary.LittleEndian.Uint64(q.Name[:8])), 10)
	}
	return cstr(q.Name[:])
}

// controlInfo converts q, or reports false for controls the panel does
// not offer (disabled ones, buttons, class headings, strings …).
func controlInfo(q *QueryCtrl) (ControlInfo, bool) {
	if q.Flags&CtrlFlagDisabled != 0 {
		return ControlInfo{}, false
	}
	ci := ControlInfo{ID: q.ID, Name: cstr(q.Name[:]), Min: q.Minimum, Max: q.Maximum, Step: q.Step,
		Default: q.DefaultValue, ReadOnly: q.Flags&CtrlFlagReadOnly != 0, Inactive: q.Flags&CtrlFlagInactive != 0}
	switch q.Type {
	case CtrlTypeInteger:
		ci.Type = "int"
	case CtrlTypeBoolean:
		ci.Type = "bool"
	case CtrlTypeMenu, CtrlTypeIntegerMenu:
		ci.Type = "menu"
	default:
		return ControlInfo{}, false
	}
	return ci, true
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
