package box

import (
	"context"
	"fmt"
	"time"

	"github.com/pitchbox/pitchbox/buttons"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/v4l2"
)

// GoLive starts publishing (or recording), now and after every rebuild,
// until StopLive; the intent is saved, so that a restart resumes it. It is
// a no-op when live.
func (b *Box) GoLive(source string) error {
	b.goLive(source, true)
	return nil
}

// goLive is GoLive; save says whether the intent is the seller's, to be
// kept across restarts (autostart and resume are not).
func (b *Box) goLive(source string, save bool) {
	b.mu.Lock()
	was := b.live
	b.live = true
	if b.pipe != nil {
		b.pipe.goLive()
	}
	b.mu.Unlock()
	if save {
		b.persistIntent()
	}
	if !was {
		b.act("live start", source)
	}
}

// StopLive saves that the seller stopped, then ends the stream cleanly
// (which may take seconds on a bad link: a power cut meanwhile must not
// bring the stream back). It is a no-op when not live.
func (b *Box) StopLive(source string) {
	b.mu.Lock()
	was := b.live
	b.live = false
	b.onAirSince = time.Time{}
	p := b.pipe
	b.mu.Unlock()
	b.persistIntent()
	if p != nil {
		p.stopLive()
	}
	if was {
		b.act("live stop", source)
	}
}

// Live reports whether the box is live or trying to be.
func (b *Box) Live() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.live
}

// State is the stream's state. While the pipeline is rebuilt it is
// Connecting if the seller asked for live, else Off.
func (b *Box) State() control.State {
	b.mu.Lock()
	p, live := b.pipe, b.live
	b.mu.Unlock()
	if p != nil {
		return p.streamState()
	}
	if live {
		return control.Connecting
	}
	return control.Off
}

func (b *Box) act(what, source string) {
	b.mu.Lock()
	b.lastAct = control.LastAction{Action: what, Source: source, At: time.Now()}
	b.mu.Unlock()
	b.log.Info("box: "+what, "by", source)
}

func (b *Box) ledState() buttons.State {
	return buttons.State{Stream: b.State(), Overlay: b.Scene() != ""}
}

// Devices lists the cameras with their formats, the modes a seller can
// pick, and the mode the box opens for the configured size and rate.
func (b *Box) Devices() ([]control.Device, error) {
	devs, err := b.opt.devices()
	out := make([]control.Device, 0, len(devs))
	cam := b.set.current().Camera
	for _, d := range devs {
		cd := control.Device{Path: d.Path, Name: d.Name, Bus: d.Bus, Modes: []control.CameraMode{}}
		for _, f := range d.Formats {
			cf := control.Format{FourCC: f.FourCC.String(), Description: f.Description}
			for _, s := range f.Sizes {
				cf.Sizes = append(cf.Sizes, control.FrameSize{Width: s.Width, Height: s.Height,
					MaxWidth: s.MaxWidth, MaxHeight: s.MaxHeight, Rates: s.Rates})
			}
			cd.Formats = append(cd.Formats, cf)
		}
		for _, m := range v4l2.Offered(d.Formats) {
			cd.Modes = append(cd.Modes, cameraMode(m))
		}
		if m, why, err := v4l2.ChooseFor(d.Formats, cam.Width, cam.Height, cam.FPS, cam.Format); err != nil {
			cd.Why = err.Error()
		} else {
			cm := cameraMode(m)
			cd.Chosen, cd.Why = &cm, why
		}
		out = append(out, cd)
	}
	return out, err
}

// cameraMode is m in the control API's terms.
func cameraMode(m v4l2.Mode) control.CameraMode {
	return control.CameraMode{Format: m.FourCC.Name(), Width: m.Width, Height: m.Height, FPS: m.FPS}
}

// CameraControls lists the camera's controls (exposure, focus, white
// balance …) where it has them.
func (b *Box) CameraControls() ([]control.CameraControl, error) {
	p, err := b.current()
	if err != nil {
		return nil, err
	}
	infos, err := p.src.Controls()
	if err != nil {
		return nil, err
	}
	out := make([]control.CameraControl, len(infos))
	for i, c := range infos {
		out[i] = control.CameraControl{ID: c.ID, Name: c.Name, Type: c.Type, Min: c.Min, Max: c.Max,
			Step: c.Step, Default: c.Default, Value: c.Value, ReadOnly: c.ReadOnly, Inactive: c.Inactive}
		for _, m := range c.Menu {
			out[i].Menu = append(out[i].Menu, control.MenuItem{Index: m.Index, Name: m.Name})
		}
	}
	return out, nil
}

// SetCameraControl sets one camera control and returns the value kept.
func (b *Box) SetCameraControl(id uint32, v int32) (int32, error) {
	p, err := b.current()
	if err != nil {
		return 0, err
	}
	got, err := p.src.SetControl(id, v)
	if err == nil {
		b.log.Info("box: camera control set", "id", fmt.Sprintf("%#x", id), "value", got)
	}
	return got, err
}

// Snapshot returns the next composited frame, overlay included, as a JPEG
// of the given quality: what buyers see.
func (b *Box) Snapshot(ctx context.Context, quality int) ([]byte, error) {
	p, err := b.current()
	if err != nil {
		return nil, err
	}
	var jpg []byte
	var jerr error
	if err := p.snap.with(ctx, func(f *frame.Frame) { jpg, jerr = encodeJPEG(f, quality) }); err != nil {
		return nil, err
	}
	return jpg, jerr
}
