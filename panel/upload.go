package panel

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/pitchbox/pitchbox/config"
)

// UploadError is a refused upload; Code is the HTTP status.
type UploadError struct {
	Code int
	Msg  string
}

func (e *UploadError) Error() string { return "upload refused: " + e.Msg }

func uploadStatus(err error) int {
	var ue *UploadError
	if errors.As(err, &ue) {
		return ue.Code
	}
	return http.StatusInternalServerError
}

// ImageInfo describes a stored upload.
type ImageInfo struct {
	Width, Height int
	Format        string
}

// checkFileName accepts plain names of PNG or JPEG files: no folders, no
// leading dot, letters, digits, spaces, '.', '_' and '-', at most 100
// characters.
func checkFileName(name string) error {
	bad := func(why string) error {
		return &UploadError{http.StatusBadRequest, fmt.Sprintf("file name %q is not allowed: %s (allowed: a plain name of letters, digits, space, '.', '_', '-', ending in .png, .jpg or .jpeg)", name, why)}
	}
	switch {
	case name == "":
		return bad("it is empty")
	case len(name) > 100:
		return bad("it is longer than 100 characters")
	case strings.ContainsAny(name, `/\`) || strings.Contains(name, ".."):
		return bad("it names a folder")
	case strings.HasPrefix(name, ".") || strings.HasPrefix(name, " "):
		return bad("it starts with a dot or a space")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-' || r == ' ') {
			return bad(fmt.Sprintf("it holds %q", r))
		}
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
	default:
		return bad("it does not end in .png, .jpg or .jpeg")
	}
	return nil
}

// saveUpload reads the "file" part of a multipart upload, checks it, and
// stores it in dir under its (checked) name. Nothing is written unless
// every check passes.
func saveUpload(w http.ResponseWriter, r *http.Request, dir string) (string, ImageInfo, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadBytes+64<<10)
	mr, err := r.MultipartReader()
	if err != nil {
		return "", ImageInfo{}, &UploadError{http.StatusBadRequest, "send the image as multipart/form-data in a field named \"file\""}
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			if isTooLarge(err) {
				return "", ImageInfo{}, tooLarge()
			}
			return "", ImageInfo{}, &UploadError{http.StatusBadRequest, "no field named \"file\" in the upload"}
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		return storePart(part, dir)
	}
}

func tooLarge() error {
	return &UploadError{http.StatusRequestEntityTooLarge, fmt.Sprintf("the file is larger than %d MB (allowed: at most %d MB)", MaxUploadBytes>>20, MaxUploadBytes>>20)}
}

func isTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func storePart(part *multipart.Part, dir string) (string, ImageInfo, error) {
	name := part.FileName() // the raw name: FileName() keeps only its base
	if raw := rawFileName(part); raw != "" {
		name = raw
	}
	if err := checkFileName(name); err != nil {
		return "", ImageInfo{}, err
	}
	data, err := io.ReadAll(io.LimitReader(part, MaxUploadBytes+1))
	if err != nil {
		if isTooLarge(err) {
			return "", ImageInfo{}, tooLarge()
		}
		return "", ImageInfo{}, &UploadError{http.StatusBadRequest, "the upload was cut short: " + err.Error()}
	}
	if len(data) > MaxUploadBytes {
		return "", ImageInfo{}, tooLarge()
	}
	cfg, format, err := checkImage(data)
	if err != nil {
		return "", ImageInfo{}, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", ImageInfo{}, err
	}
	if err := config.WriteFileAtomic(filepath.Join(dir, name), data, 0o644); err != nil {
		return "", ImageInfo{}, err
	}
	return name, ImageInfo{Width: cfg.Width, Height: cfg.Height, Format: format}, nil
}

// rawFileName is the filename parameter as the client sent it: Go's
// FileName strips folders, which would hide a path-traversal attempt that
// the seller should hear about instead.
func rawFileName(p *multipart.Part) string {
	cd := p.Header.Get("Content-Disposition")
	i := strings.Index(cd, "filename=")
	if i < 0 {
		return ""
	}
	v := cd[i+len("filename="):]
	if strings.HasPrefix(v, `"`) {
		v = v[1:]
		if j := strings.IndexByte(v, '"'); j >= 0 {
			v = v[:j]
		}
	} else if j := strings.IndexByte(v, ';'); j >= 0 {
		v = v[:j]
	}
	return v
}
