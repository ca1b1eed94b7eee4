package panel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/ivs"
)

// Settings is what the setup endpoints need; a Controller that also
// implements it gets them.
type Settings interface {
	// Config returns a copy of the configuration.
	Config() *config.Config
	// Update changes, validates, saves and applies the configuration;
	// restarted reports that the box is being rebuilt for it.
	Update(change func(*config.Config) error) (restarted bool, err error)
	Restart()
	Logs() []string
	PreviewPreset(ctx context.Context, p config.Preset) ([]byte, error)
	control.Camera
	control.Destination
}

// Upload limits for preset images.
const (
	MaxUploadBytes = 10 << 20
	// MaxUploadPixels bounds the decoded size of an uploaded image (a
	// 4096×4096 picture); a "PNG bomb" is refused from its header.
	MaxUploadPixels = 4096 * 4096
)

// Mask stands for a secret that is set; sent back unchanged, it keeps it.
const Mask = "********"

// imagesDir is where uploaded preset images are kept.
func imagesDir(c *config.Config) string { return filepath.Join(c.StateDir, "images") }

// PresetView is a preset as the API shows and takes it.
type PresetView struct {
	// ID names the preset in URLs (derived from Name; see
	// config.PresetID); Name is its label, free text.
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	// Kind is "qr", "image", "card" (a product card) or "text" (a lower
	// third); only its own fields are used.
	Kind  string `json:"kind"`
	QR    string `json:"qr,omitempty"`
	Image string `json:"image,omitempty"` // an uploaded image's name: the picture, or a card's photo
	Text  string `json:"text,omitempty"`
	// Title, Price, OldPrice and URL make a card.
	Title    string `json:"title,omitempty"`
	Price    string `json:"price,omitempty"`
	OldPrice string `json:"old_price,omitempty"`
	URL      string `json:"url,omitempty"`
	// CountdownSeconds > 0 adds a countdown to any kind; CountdownEnd is
	// "hold" or "clear".
	CountdownSeconds int      `json:"countdown_seconds,omitempty"`
	CountdownEnd     string   `json:"countdown_end,omitempty"`
	Position         string   `json:"position,omitempty"`
	X                *float64 `json:"x,omitempty"`
	Y                *float64 `json:"y,omitempty"`
	Size             float64  `json:"size"`
}

// PresetKinds are the kinds of preset the panel makes.
var PresetKinds = []string{"qr", "image", "card", "text"}

func presetView(p config.Preset) PresetView {
	v := PresetView{ID: p.ID(), Name: p.Name, QR: p.QR, Text: p.Text, Title: p.Title, Price: p.Price,
		OldPrice: p.OldPrice, URL: p.URL, CountdownSeconds: p.CountdownSeconds, CountdownEnd: p.CountdownEnd,
		Position: p.Position, X: p.X, Y: p.Y, Size: p.Size, Kind: "qr"}
	if p.Image != "" {
		v.Kind, v.Image = "image", filepath.Base(p.Image)
	}
	switch {
	case p.IsCard():
		v.Kind = "card"
	case p.Text != "":
		v.Kind = "text"
	}
	return v
}

// preset turns v into a config preset, the image resolved to the upload
// folder (or kept when it is the one the preset already had).
func (v PresetView) preset(c *config.Config, old *config.Preset) (config.Preset, error) {
	p := config.Preset{Name: strings.TrimSpace(v.Name), Position: v.Position, X: v.X, Y: v.Y, Size: v.Size,
		CountdownSeconds: v.CountdownSeconds, CountdownEnd: v.CountdownEnd}
	if p.Size == 0 {
		p.Size = config.DefaultPresetSize
		if v.Kind == "text" {
			p.Size = config.DefaultTextSize
		}
	}
	var err error
	switch v.Kind {
	case "qr", "":
		p.QR = v.QR
	case "text":
		if p.Text = v.Text; p.Text == "" {
			return p, errors.New("a lower third needs its text")
		}
	case "card":
		p.Title, p.Price, p.OldPrice, p.URL = v.Title, v.Price, v.OldPrice, v.URL
		if v.Title == "" {
			return p, errors.New("a product card needs a title (the product's name)")
		}
		if v.Image != "" { // the photo is optional
			p.Image, err = uploadedImage(c, old, v.Image)
		}
	case "image":
		if v.Image == "" {
			return p, errors.New("choose or upload an image")
		}
		p.Image, err = uploadedImage(c, old, v.Image)
	default:
		return p, fmt.Errorf("kind %q is not allowed (allowed: %q)", v.Kind, PresetKinds)
	}
	return p, err
}

// uploadedImage is the path of the uploaded image name, or the image old
// already has when it is the same file.
func uploadedImage(c *config.Config, old *config.Preset, name string) (string, error) {
	if old != nil && old.Image != "" && filepath.Base(old.Image) == name {
		return old.Image, nil
	}
	if err := checkFileName(name); err != nil {
		return "", err
	}
	path := filepath.Join(imagesDir(c), name)
	if _, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("no uploaded image named %q; upload it first", name)
	}
	return path, nil
}

// findPreset is the index of the preset ref names, by its id or by its
// exact name; -1 for none.
func findPreset(ps []config.Preset, ref string) int {
	if i := slices.IndexFunc(ps, func(p config.Preset) bool { return p.ID() == ref }); i >= 0 {
		return i
	}
	return slices.IndexFunc(ps, func(p config.Preset) bool { return p.Name == ref })
}

// settingsAPI serves the setup endpoints; each method is one endpoint.
type settingsAPI struct {
	Settings
	thumbs *thumbCache
}

func addSettings(mux *http.ServeMux, st Settings) {
	s := settingsAPI{Settings: st, thumbs: &thumbCache{}}
	mux.HandleFunc("GET /api/config", s.getConfig)
	mux.HandleFunc("PUT /api/config", s.putConfig)
	mux.HandleFunc("GET /api/presets", s.getPresets)
	mux.HandleFunc("POST /api/presets", s.postPresets)
	mux.HandleFunc("PUT /api/presets/{name}", s.putPreset)
	mux.HandleFunc("DELETE /api/presets/{name}", s.deletePreset)
	mux.HandleFunc("GET /api/presets/{name}/thumb", s.getPresetThumb)
	mux.HandleFunc("PUT /api/presets", s.putPresetOrder)
	mux.HandleFunc("POST /api/presets/preview", s.postPresetsPreview)
	mux.HandleFunc("GET /api/images", s.getImages)
	mux.HandleFunc("POST /api/images", s.postImages)
	mux.HandleFunc("GET /api/destination", s.getDestination)
	mux.HandleFunc("PUT /api/destination", s.putDestination)
	mux.HandleFunc("PUT /api/destination/chat", s.putChat)
	mux.HandleFunc("POST /api/destination/discover", s.postDestinationDiscover)
	mux.HandleFunc("POST /api/destination/test", s.postDestinationTest)
	mux.HandleFunc("GET /api/camera", s.getCamera)
	mux.HandleFunc("PUT /api/camera", s.putCamera)
	mux.HandleFunc("PUT /api/camera/controls/{id}", s.putCameraControl)
	mux.HandleFunc("GET /api/system", s.getSystem)
	mux.HandleFunc("POST /api/system/restart", s.postSystemRestart)
	mux.HandleFunc("GET /api/recordings", s.getRecordings)
	mux.HandleFunc("GET /api/recordings/{name}", s.getRecording)
}

// getConfig serves GET /api/config.
func (s settingsAPI) getConfig(w http.ResponseWriter, r *http.Request) {
	m, err := configMap(s.Config())
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// putConfig serves PUT /api/config.
func (s settingsAPI) putConfig(w http.ResponseWriter, r *http.Request) {
	var m map[string]any
	b, err := readBody(r)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err = dec.Decode(&m); err != nil {
			err = fmt.Errorf("panel: request body: %v (want the JSON object GET /api/config returns)", err)
		}
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	update(w, s, func(c *config.Config) error { return replaceConfig(c, m) })
}

// getPresets serves GET /api/presets.
func (s settingsAPI) getPresets(w http.ResponseWriter, r *http.Request) {
	ps := []PresetView{}
	for _, p := range s.Config().Presets {
		ps = append(ps, presetView(p))
	}
	writeJSON(w, http.StatusOK, ps)
}

// postPresets serves POST /api/presets.
func (s settingsAPI) postPresets(w http.ResponseWriter, r *http.Request) {
	var v PresetView
	if err := readJSON(r, &v); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	update(w, s, func(c *config.Config) error {
		p, err := v.preset(c, nil)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(c.Presets, func(q config.Preset) bool { return q.Name == p.Name }) {
			return fmt.Errorf("a preset named %q exists already", p.Name)
		}
		c.Presets = append(c.Presets, p)
		return nil
	})
}

// putPreset serves PUT /api/presets/{name}.
func (s settingsAPI) putPreset(w http.ResponseWriter, r *http.Request) {
	var v PresetView
	if err := readJSON(r, &v); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ref := r.PathValue("name")
	update(w, s, func(c *config.Config) error {
		i := findPreset(c.Presets, ref)
		if i < 0 {
			return notFoundf("no preset named %q", ref)
		}
		p, err := v.preset(c, &c.Presets[i])
		if err != nil {
			return err
		}
		if p.Name != c.Presets[i].Name && slices.ContainsFunc(c.Presets, func(q config.Preset) bool { return q.Name == p.Name }) {
			return fmt.Errorf("a preset named %q exists already", p.Name)
		}
		c.Presets[i] = p
		return nil
	})
}

// deletePreset serves DELETE /api/presets/{name}.
func (s settingsAPI) deletePreset(w http.ResponseWriter, r *http.Request) {
	ref := r.PathValue("name")
	update(w, s, func(c *config.Config) error {
		i := findPreset(c.Presets, ref)
		if i < 0 {
			return notFoundf("no preset named %q", ref)
		}
		c.Presets = slices.Delete(c.Presets, i, i+1)
		return nil
	})
}

// putPresetOrder serves PUT /api/presets.
func (s settingsAPI) putPresetOrder(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Order []string `json:"order"`
	}
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	update(w, s, func(c *config.Config) error {
		if len(req.Order) != len(c.Presets) {
			return fmt.Errorf("order must name each of the %d presets once", len(c.Presets))
		}
		out := make([]config.Preset, 0, len(c.Presets))
		for _, n := range req.Order {
			i := findPreset(c.Presets, n)
			if i < 0 || slices.ContainsFunc(out, func(q config.Preset) bool { return q.Name == c.Presets[i].Name }) {
				return fmt.Errorf("order must name each preset once; %q is unknown or repeated", n)
			}
			out = append(out, c.Presets[i])
		}
		c.Presets = out
		return nil
	})
}

// postPresetsPreview serves POST /api/presets/preview.
func (s settingsAPI) postPresetsPreview(w http.ResponseWriter, r *http.Request) {
	var v PresetView
	if err := readJSON(r, &v); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	c := s.Config()
	p, err := v.preset(c, nil)
	if err == nil {
		if v.Name == "" {
			p.Name = "preview"
		}
		c.Presets = []config.Preset{p}
		err = c.Validate()
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	jpg, err := s.PreviewPreset(r.Context(), p)
	writeJPEG(w, jpg, err)
}

// getImages serves GET /api/images.
func (s settingsAPI) getImages(w http.ResponseWriter, r *http.Request) {
	names := []string{}
	es, _ := os.ReadDir(imagesDir(s.Config()))
	for _, e := range es {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	writeJSON(w, http.StatusOK, names)
}

// postImages serves POST /api/images.
func (s settingsAPI) postImages(w http.ResponseWriter, r *http.Request) {
	c := s.Config()
	name, info, err := saveUpload(w, r, imagesDir(c))
	if err != nil {
		code := uploadStatus(err)
		if code == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
		writeError(w, code, err)
		return
	}
	// A preset showing a replaced image is rendered again.
	if slices.ContainsFunc(c.Presets, func(p config.Preset) bool { return p.Image == filepath.Join(imagesDir(c), name) }) {
		if _, err := s.Update(func(*config.Config) error { return nil }); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
	}
	writeJSON(w, http.StatusCreated, map[string]any{"image": name, "width": info.Width, "height": info.Height, "format": info.Format})
}

// getDestination serves GET /api/destination.
func (s settingsAPI) getDestination(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, destinationView(s.Config()))
}

// discoverRequest is POST /api/destination/discover's body.
type discoverRequest struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	Region          string `json:"region"`
	ChannelARN      string `json:"channel_arn"`
	Endpoint        string `json:"endpoint"`
	// Protocol is how to send: "rtmps" (the default) or "srt".
	Protocol string `json:"protocol"`
}

// account is the AWS account req names, over c's, with its secret: the
// one given, or the stored one when the endpoint and region stay.
func (req discoverRequest) account(c *config.Config) (config.AWS, string, error) {
	a := c.AWS
	a.AccessKeyID, a.ChannelARN = strings.TrimSpace(req.AccessKeyID), strings.TrimSpace(req.ChannelARN)
	if req.Region != "" {
		a.Region = strings.TrimSpace(req.Region)
	}
	if req.Endpoint != "" {
		a.Endpoint = strings.TrimSpace(req.Endpoint)
	}
	secret := strings.TrimSpace(req.SecretAccessKey)
	if secret != "" && secret != Mask {
		return a, secret, nil
	}
	if a.Endpoint != c.AWS.Endpoint || a.AWSRegion() != c.AWS.AWSRegion() {
		// The stored secret signs only for the endpoint it was given for.
		return a, "", errors.New("panel: give the secret access key again to use another AWS region or endpoint")
	}
	secret, err := a.Secret()
	return a, secret, err
}

// postDestinationDiscover serves POST /api/destination/discover: the
// channel's ingest (RTMPS or SRT) and stream key, found with the AWS
// account given.
func (s settingsAPI) postDestinationDiscover(w http.ResponseWriter, r *http.Request) {
	var req discoverRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if req.Protocol != "" && req.Protocol != "rtmps" && req.Protocol != "srt" {
		writeError(w, http.StatusBadRequest, fmt.Errorf("panel: protocol %q is not allowed (allowed: rtmps, srt)", req.Protocol))
		return
	}
	c := s.Config()
	a, secret, err := req.account(c)
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	acct := ivs.Account{AccessKeyID: a.AccessKeyID, SecretAccessKey: secret, Region: a.AWSRegion(), Endpoint: a.Endpoint}
	in, err := ivs.Discover(r.Context(), acct, a.ChannelARN)
	if err == nil && req.Protocol == "srt" {
		if in.URL = in.SRTURL; in.URL == "" {
			err = errors.New("panel: IVS gave no SRT endpoint for this channel; choose RTMPS")
		}
	}
	if err != nil {
		writeError(w, http.StatusBadGateway, err)
		return
	}
	secretFile := filepath.Join(c.StateDir, "aws-secret-access-key")
	if err := config.WriteSecret(secretFile, secret); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	a.SecretAccessKeyFile = secretFile
	update(w, s, func(c *config.Config) error {
		c.AWS = a
		c.Output.URL, c.Output.StreamKey, c.Output.StreamKeyFile = in.URL, in.StreamKey, ""
		return nil
	})
}

// postDestinationTest serves POST /api/destination/test.
func (s settingsAPI) postDestinationTest(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.ProbeDestination(r.Context()))
}

// getCamera serves GET /api/camera.
func (s settingsAPI) getCamera(w http.ResponseWriter, r *http.Request) {
	c := s.Config().Camera
	devs, derr := s.Devices()
	ctrls, cerr := s.CameraControls()
	out := map[string]any{"device": c.Device, "width": c.Width, "height": c.Height, "fps": c.FPS,
		"format": orAuto(c.Format), "decoder": orAuto(c.Decoder), "devices": nonNil(devs), "controls": nonNil(ctrls)}
	if derr != nil {
		out["devices_error"] = derr.Error()
	}
	if cerr != nil {
		out["controls_error"] = cerr.Error()
	}
	writeJSON(w, http.StatusOK, out)
}

// orAuto is v, or "auto" when empty.
func orAuto(v string) string {
	if v == "" {
		return "auto"
	}
	return v
}

// putCamera serves PUT /api/camera.
func (s settingsAPI) putCamera(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Device string `json:"device"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
		FPS    int    `json:"fps"`
		// Format is kept when absent (the decoder always is).
		Format *string `json:"format"`
	}
	if err := readJSON(r, &body); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	update(w, s, func(c *config.Config) error {
		c.Camera.Device, c.Camera.Width, c.Camera.Height, c.Camera.FPS = body.Device, body.Width, body.Height, body.FPS
		if body.Format != nil {
			c.Camera.Format = *body.Format
		}
		return nil
	})
}

// putCameraControl serves PUT /api/camera/controls/{id}.
func (s settingsAPI) putCameraControl(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 0, 32)
	if err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("panel: control id %q is not a number", r.PathValue("id")))
		return
	}
	var req struct {
		Value int32 `json:"value"`
	}
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	got, err := s.SetCameraControl(uint32(id), req.Value)
	if err != nil {
		writeError(w, http.StatusConflict, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "value": got})
}

// getSystem serves GET /api/system.
func (s settingsAPI) getSystem(w http.ResponseWriter, r *http.Request) {
	logs := s.Logs()
	if logs == nil {
		logs = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"logs": logs})
}

// postSystemRestart serves POST /api/system/restart.
func (s settingsAPI) postSystemRestart(w http.ResponseWriter, r *http.Request) {
	s.Restart()
	writeJSON(w, http.StatusAccepted, map[string]bool{"restarting": true})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string  { return e.msg }
func (e *notFoundError) NotFound() bool { return true }

func notFoundf(format string, a ...any) error { return &notFoundError{fmt.Sprintf(format, a...)} }

// update runs Settings.Update through apply and answers with the
// outcome.
func update(w http.ResponseWriter, s Settings, change func(*config.Config) error) {
	restarted, err := apply(s, change)
	if err != nil {
		writeUpdateError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"saved": true, "restarting": restarted})
}

// keyFiles serialises saves that write and tidy the panel's key files: a
// tidy must not remove the file another save has just written.
var keyFiles sync.Mutex

// apply runs Settings.Update with change, checked by guardAPI, and a new
// stream key kept in the panel's key file rather than the config file.
func apply(s Settings, change func(*config.Config) error) (restarted bool, err error) {
	keyFiles.Lock()
	defer keyFiles.Unlock()
	restarted, err = s.Update(func(c *config.Config) error {
		old := c.Clone()
		if err := change(c); err != nil {
			return err
		}
		if err := guardAPI(old, c); err != nil {
			return err
		}
		_, err := keyToFile(old, c)
		return err
	})
	tidyKeyFiles(s.Config())
	return restarted, err
}

// writeUpdateError answers a settings change that was refused or not
// saved.
func writeUpdateError(w http.ResponseWriter, err error) {
	var nf NotFound
	switch {
	case errors.As(err, &nf) && nf.NotFound():
		writeError(w, http.StatusNotFound, err)
	case errors.Is(err, control.ErrNotSaved):
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeError(w, http.StatusBadRequest, err)
	}
}

// DestinationView is the destination with its secrets masked.
type DestinationView struct {
	URL          string `json:"url"`
	StreamKeySet bool   `json:"stream_key_set"`
	StreamKey    string `json:"stream_key,omitempty"` // Mask when set
	AWS          struct {
		AccessKeyID string `json:"access_key_id"`
		SecretSet   bool   `json:"secret_access_key_set"`
		Region      string `json:"region"`
		ChannelARN  string `json:"channel_arn"`
	} `json:"aws"`
	Chat ChatView `json:"chat"`
}

func destinationView(c *config.Config) DestinationView {
	var v DestinationView
	v.URL = c.Output.URL
	v.URL = maskURL(v.URL) // secrets in the URL stay on the box
	if k, err := c.Output.Key(); err == nil && k != "" {
		v.StreamKeySet, v.StreamKey = true, Mask
	}
	if t, err := c.Output.Token(); err == nil && t != "" && c.Output.Protocol() == config.ProtoWHIP {
		v.StreamKeySet, v.StreamKey = true, Mask // the WHIP token takes the key's field
	}
	v.AWS.AccessKeyID, v.AWS.Region, v.AWS.ChannelARN = c.AWS.AccessKeyID, c.AWS.AWSRegion(), c.AWS.ChannelARN
	v.AWS.SecretSet = c.AWS.SecretAccessKeyFile != ""
	v.Chat = ChatView{RoomARN: c.Chat.RoomARN, TokenURL: c.Chat.TokenURL}
	return v
}

// configMap is the configuration as JSON with the file's key names and
// its secrets masked: the inline stream key and WHIP token, and the
// passphrase and stream id in an SRT URL.
func configMap(c *config.Config) (map[string]any, error) {
	var b bytes.Buffer
	c = c.Clone()
	if c.Output.StreamKey != "" {
		c.Output.StreamKey = Mask
	}
	if c.Output.WHIPToken != "" {
		c.Output.WHIPToken = Mask
	}
	c.Output.URL = maskURL(c.Output.URL)
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		return nil, err
	}
	var m map[string]any
	if _, err := toml.Decode(b.String(), &m); err != nil {
		return nil, err
	}
	return m, nil
}

// replaceConfig replaces c with m (the shape GET /api/config returns),
// checked like a file: unknown keys and bad values are errors naming them.
// The masked stream key keeps the current one.
func replaceConfig(c *config.Config, m map[string]any) error {
	if out, ok := m["output"].(map[string]any); ok {
		unmask(out, c.Output)
	}
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(jsonToTOML(m)); err != nil {
		return fmt.Errorf("config: %v", err)
	}
	n, err := config.Parse("", b.Bytes())
	if err != nil {
		return err
	}
	*c = *n
	return nil
}

// unmask puts back in out (the output section as GET /api/config gave
// it) the secrets that came back masked: they keep the current ones.
func unmask(out map[string]any, cur config.Output) {
	if out["stream_key"] == Mask {
		out["stream_key"] = cur.StreamKey
	}
	if out["whip_token"] == Mask {
		out["whip_token"] = cur.WHIPToken
	}
	if u, ok := out["url"].(string); ok {
		out["url"] = unmaskURL(u, cur.URL)
	}
}

// jsonToTOML turns json.Numbers into int64 or float64 so that TOML gets
// integers where the file has them.
func jsonToTOML(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = jsonToTOML(e)
		}
	case []any:
		for i, e := range t {
			t[i] = jsonToTOML(e)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}
