package control

import (
	"encoding/json"
	"fmt"
	"time"
)

// ProductEventUUID is the UUID of the user-data-unregistered SEI messages
// that carry ProductEvents in the video (ITU-T H.264 D.2.6): a player
// (the IVS Player's MetadataEventType.SEI) tells them from other SEI by it.
const ProductEventUUID = "9a1e0c4b-7c2d-4f6e-8b3a-5d1f2e6c7a90"

// MaxProductEvent is the largest ProductEvent JSON, in bytes: IVS
// PutMetadata takes at most 1 KB, and SEI is kept as small.
const MaxProductEvent = 1024

// Product events.
const (
	EventShow  = "show"
	EventClear = "clear"
)

// ProductEvent is what buyers' players learn when a preset goes on the
// picture or comes off it: carried in the video as SEI and, with an AWS
// account, through IVS PutMetadata. Absent fields are omitted.
type ProductEvent struct {
	V               int        `json:"v"`
	Event           string     `json:"event"`
	Preset          string     `json:"preset,omitempty"`
	Title           string     `json:"title,omitempty"`
	Price           string     `json:"price,omitempty"`
	OldPrice        string     `json:"old_price,omitempty"`
	URL             string     `json:"url,omitempty"`
	ImageURL        string     `json:"image_url,omitempty"`
	CountdownEndsAt *time.Time `json:"countdown_ends_at,omitempty"`
}

// JSON is the event's payload, at most MaxProductEvent bytes.
func (e ProductEvent) JSON() ([]byte, error) {
	e.V = 1
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if len(b) > MaxProductEvent {
		return nil, fmt.Errorf("control: the product event for %q is %d bytes; at most %d fit in SEI and IVS metadata (shorten the title, prices or url)", e.Preset, len(b), MaxProductEvent)
	}
	return b, nil
}
