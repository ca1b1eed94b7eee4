package panel

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/control"
)

type fakeBox struct {
	control.Controller // what the tests do not use; calling it panics

	scene string
	live  bool
	by    string
}

type notFound struct{ error }

func (notFound) NotFound() bool { return true }

func (f *fakeBox) Status() control.Status {
	st := control.Status{Scene: f.scene}
	if f.live {
		st.State = control.Live
	}
	return st
}
func (f *fakeBox) Show(name, source string) error {
	if name != "buy" {
		return notFound{errors.New("no preset named " + name)}
	}
	f.scene, f.by = name, source
	return nil
}
func (f *fakeBox) Clear(source string)        { f.scene, f.by = "", source }
func (f *fakeBox) GoLive(source string) error { f.live = true; return nil }
func (f *fakeBox) StopLive(source string)     { f.live = false }
func (f *fakeBox) Snapshot(ctx context.Context, q int) ([]byte, error) {
	return []byte{0xFF, 0xD8, 0xFF, 0xD9}, nil
}

func TestAPIOverUnixSocket(t *testing.T) {
	fb := &fakeBox{}
	sock := filepath.Join(t.TempDir(), "run", "c.sock")
	stop, err := ServeUnix(context.Background(), sock, NewAPI(fb, "cli"))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if _, err := ServeUnix(context.Background(), sock, NewAPI(fb, "cli")); err == nil || !strings.Contains(err.Error(), "another pitchbox") {
		t.Fatalf("second listener: %v", err)
	}
	c := NewClient(sock)
	if _, err := c.Do("POST", "/api/presets/buy/show"); err != nil || fb.scene != "buy" || fb.by != "cli" {
		t.Fatalf("show: %v, scene %q by %q", err, fb.scene, fb.by)
	}
	if _, err := c.Do("POST", "/api/presets/nope/show"); err == nil || !strings.Contains(err.Error(), "no preset named nope") {
		t.Fatalf("unknown preset: %v", err)
	}
	if _, err := c.Do("GET", "/api/presets/buy/show"); err == nil {
		t.Fatal("GET on a mutating endpoint accepted")
	}
	if _, err := c.Do("POST", "/api/live/start"); err != nil || !fb.live {
		t.Fatalf("live start: %v", err)
	}
	body, err := c.Do("GET", "/api/status")
	if err != nil || !strings.Contains(string(body), `"state": "live"`) {
		t.Fatalf("status %s, %v", body, err)
	}
	if jpg, err := c.Do("GET", "/api/preview.jpg"); err != nil || len(jpg) != 4 {
		t.Fatalf("preview: %v", err)
	}
	if _, err := c.Do("POST", "/api/clear"); err != nil || fb.scene != "" {
		t.Fatalf("clear: %v", err)
	}
	if _, err := c.Do("GET", "/api/bogus"); err == nil || !strings.Contains(err.Error(), "no such endpoint") {
		t.Fatalf("bogus: %v", err)
	}
}

func TestStaleSocketReplaced(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "c.sock")
	stop, err := ServeUnix(context.Background(), sock, NewAPI(&fakeBox{}, "cli"))
	if err != nil {
		t.Fatal(err)
	}
	stop()
	stop2, err := ServeUnix(context.Background(), sock, NewAPI(&fakeBox{}, "cli"))
	if err != nil {
		t.Fatalf("after a clean stop: %v", err)
	}
	stop2()
}
