// Package panel serves pitchbox's JSON control API — the one the CLI uses
// over the unix control socket and the web panel uses over the network —
// from one set of handlers. The socket is authorised by its file
// permissions.
package panel

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/pitchbox/pitchbox/control"
)

// NotFound is implemented by errors that mean "no such thing" (404).
type NotFound interface{ NotFound() bool }

// NewAPI returns the API handler for the box c (with the setup endpoints
// when c also implements Settings). source labels the actions it takes in
// logs and status ("cli", "panel").
func NewAPI(c control.Controller, source string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, statusView{Status: c.Status(), Now: time.Now()})
	})
	mux.HandleFunc("POST /api/presets/{name}/show", func(w http.ResponseWriter, r *http.Request) {
		name := presetName(c, r.PathValue("name"))
		if err := c.Show(name, source); err != nil {
			var nf NotFound
			if errors.As(err, &nf) && nf.NotFound() {
				writeError(w, http.StatusNotFound, err)
				return
			}
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"scene": name})
	})
	mux.HandleFunc("POST /api/clear", func(w http.ResponseWriter, r *http.Request) {
		c.Clear(source)
		writeJSON(w, http.StatusOK, map[string]string{"scene": ""})
	})
	mux.HandleFunc("POST /api/live/start", func(w http.ResponseWriter, r *http.Request) {
		if err := c.GoLive(source); err != nil {
			writeError(w, http.StatusInternalServerError, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]bool{"live": true})
	})
	mux.HandleFunc("POST /api/live/stop", func(w http.ResponseWriter, r *http.Request) {
		c.StopLive(source)
		writeJSON(w, http.StatusOK, map[string]bool{"live": false})
	})
	mux.HandleFunc("GET /api/preview.jpg", func(w http.ResponseWriter, r *http.Request) {
		jpg, err := c.Snapshot(r.Context(), 80)
		writeJPEG(w, jpg, err)
	})
	addChat(mux, c)
	if s, ok := c.(Settings); ok {
		addSettings(mux, s)
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, errors.New("panel: no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	return mux
}

// statusView is the status with the box's clock when it was taken, so
// that a browser whose clock is off still counts the time on air and the
// retry countdown right.
type statusView struct {
	control.Status
	Now time.Time `json:"now"`
}

// presetName is the name of the preset ref names by its id or its name,
// or ref itself when the box has no such preset (or no settings).
func presetName(c control.Controller, ref string) string {
	s, ok := c.(Settings)
	if !ok {
		return ref
	}
	ps := s.Config().Presets
	if i := findPreset(ps, ref); i >= 0 {
		return ps[i].Name
	}
	return ref
}

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// writeJPEG answers with a picture, or 503 when there is none.
func writeJPEG(w http.ResponseWriter, jpg []byte, err error) {
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(jpg)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, ErrorBody{Error: bounded(err.Error())})
}
