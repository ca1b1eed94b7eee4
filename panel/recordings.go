package panel

import (
	"encoding/binary"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"github.com/pitchbox/pitchbox/config"
)

// Recording is one local recording as GET /api/recordings lists it.
type Recording struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
	// Seconds is the recording's length, from its last FLV tag; left
	// out when that tag is torn (a recording cut short by a power loss).
	Seconds float64 `json:"seconds,omitempty"`
}

// recordingName is the only name a recording can have (see stream.File):
// a plain file name, so that no request reaches outside the folder.
var recordingName = regexp.MustCompile(`^pitchbox-[0-9]{8}-[0-9]{6}(-[0-9]+)?\.flv$`)

// recordingsDir is where the box records (box.RecordingsDir).
func recordingsDir(c *config.Config) string { return filepath.Join(c.StateDir, "recordings") }

// getRecordings serves GET /api/recordings: the recordings, newest first.
func (s settingsAPI) getRecordings(w http.ResponseWriter, r *http.Request) {
	dir := recordingsDir(s.Config())
	list := []Recording{}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if !e.Type().IsRegular() || !recordingName.MatchString(e.Name()) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		list = append(list, Recording{Name: e.Name(), Size: info.Size(), Modified: info.ModTime().UTC(),
			Seconds: flvSeconds(filepath.Join(dir, e.Name()), info.Size())})
	}
	sort.SliceStable(list, func(i, j int) bool { return list[i].Modified.After(list[j].Modified) })
	writeJSON(w, http.StatusOK, list)
}

// getRecording serves GET /api/recordings/{name}: the file, as a download.
func (s settingsAPI) getRecording(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !recordingName.MatchString(name) {
		writeError(w, http.StatusBadRequest, errors.New("panel: not a recording's name (allowed: pitchbox-YYYYMMDD-HHMMSS.flv)"))
		return
	}
	path := filepath.Join(recordingsDir(s.Config()), name)
	f, err := os.Open(path)
	if err != nil {
		writeError(w, http.StatusNotFound, notFoundf("panel: no recording named %q", name))
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		writeError(w, http.StatusNotFound, notFoundf("panel: no recording named %q", name))
		return
	}
	// An hour of recording is over a gigabyte: the server's write
	// timeout would cut its download short.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	w.Header().Set("Content-Type", "video/x-flv")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	http.ServeContent(w, r, name, info.ModTime(), f)
}

// flvSeconds is the timestamp of the last tag of the FLV file at path
// (size bytes long), found through the PreviousTagSize ending the file;
// 0 when that tag is torn or the file unreadable.
func flvSeconds(path string, size int64) float64 {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	var b [11]byte
	if size < 13+15 {
		return 0
	}
	if _, err := f.ReadAt(b[:4], size-4); err != nil {
		return 0
	}
	n := int64(binary.BigEndian.Uint32(b[:4]))
	if n < 11 || n > size-13-4 {
		return 0
	}
	if _, err := f.ReadAt(b[:], size-4-n); err != nil && err != io.EOF {
		return 0
	}
	if b[0] != 8 && b[0] != 9 || int64(b[1])<<16|int64(b[2])<<8|int64(b[3]) != n-11 {
		return 0
	}
	ms := uint32(b[7])<<24 | uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6])
	return float64(ms) / 1000
}
