package stream

import (
	"errors"
	"fmt"

	mch264 "github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
)

// audioConfig parses the header's AAC AudioSpecificConfig: the sample
// rate and channels every destination must announce are the encoder's, not
// assumed ones.
func (h *Header) audioConfig() (*mpeg4audio.AudioSpecificConfig, error) {
	if len(h.AudioConfig) == 0 {
		return nil, errors.New("stream: the stream header has no AAC AudioSpecificConfig")
	}
	var c mpeg4audio.AudioSpecificConfig
	if err := c.Unmarshal(h.AudioConfig); err != nil {
		return nil, fmt.Errorf("stream: malformed AAC AudioSpecificConfig %x: %w", h.AudioConfig, err)
	}
	return &c, nil
}

// checkSPS makes sure the SPS parses before it is handed to gortmplib,
// which panics on one it cannot read.
func (h *Header) checkSPS() error {
	if len(h.SPS) == 0 || len(h.PPS) == 0 {
		return errors.New("stream: the first keyframe carries no SPS and PPS")
	}
	var sps mch264.SPS
	if err := sps.Unmarshal(h.SPS); err != nil {
		return fmt.Errorf("stream: malformed H.264 SPS: %w", err)
	}
	return nil
}
