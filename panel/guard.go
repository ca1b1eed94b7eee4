package panel

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/pitchbox/pitchbox/config"
)

// guardAPI checks a change made through the API against the settings it
// replaces. A panel session is not root: it may not move the state
// directory, may name files only inside it (the box's own secret files,
// uploaded images, a CA bundle or the control socket there), and a secret
// stays bound to the host it was given for — changing the destination
// (or the AWS endpoint) drops the stored key unless the same request
// gives a new one.
func guardAPI(old, next *config.Config) error {
	if filepath.Clean(next.StateDir) != filepath.Clean(old.StateDir) {
		return &config.Error{Key: "state_dir", Msg: "cannot be changed from the panel (edit the config file as root)"}
	}
	state := old.StateDir
	paths := []struct {
		key, old, next, own, dir string
	}{
		{"output.stream_key_file", old.Output.StreamKeyFile, next.Output.StreamKeyFile, ownKeyFile(old, next.Output.StreamKeyFile), ""},
		{"output.whip_token_file", old.Output.WHIPTokenFile, next.Output.WHIPTokenFile, "", ""},
		{"aws.secret_access_key_file", old.AWS.SecretAccessKeyFile, next.AWS.SecretAccessKeyFile, awsSecretFile(old), ""},
		{"output.ca_file", old.Output.CAFile, next.Output.CAFile, "", state},
		{"control.socket", old.Control.Socket, next.Control.Socket, "", state},
	}
	for _, p := range paths {
		if p.own != "" && p.next == p.own {
			continue
		}
		if err := allowedPath(p.key, p.old, p.next, p.dir); err != nil {
			return err
		}
	}
	if err := guardImages(old, next); err != nil {
		return err
	}
	bindSecrets(old, next)
	return nil
}

// ownKeyFile is path when it is one of the panel's own stream key files,
// else "".
func ownKeyFile(c *config.Config, path string) string {
	for _, f := range streamKeyFiles(c) {
		if path == f {
			return f
		}
	}
	return ""
}

// awsSecretFile is where the panel keeps the AWS secret it is given.
func awsSecretFile(c *config.Config) string {
	return filepath.Join(c.StateDir, "aws-secret-access-key")
}

// allowedPath accepts a path-valued key left as it was, emptied, or (with
// dir) naming a file inside dir.
func allowedPath(key, old, next, dir string) error {
	if next == "" || next == old {
		return nil
	}
	if dir != "" && inside(dir, next) {
		return nil
	}
	where := "it can only be left as it is or emptied; the panel stores secrets itself"
	if dir != "" {
		where = "allowed: a file inside the state directory " + dir
	}
	return &config.Error{Key: key, Msg: fmt.Sprintf("%q cannot be set from the panel (%s)", filepath.Base(next), where)}
}

// guardImages keeps preset images to the ones already configured or the
// panel's upload folder.
func guardImages(old, next *config.Config) error {
	had := map[string]bool{}
	for _, p := range old.Presets {
		had[p.Image] = true
	}
	uploads := imagesDir(old)
	for _, p := range next.Presets {
		if p.Image == "" || had[p.Image] || inside(uploads, p.Image) {
			continue
		}
		return &config.Error{Key: fmt.Sprintf("preset[%q].image", p.Name),
			Msg: fmt.Sprintf("%q is not an uploaded image (allowed: a file uploaded on the Presets page)", filepath.Base(p.Image))}
	}
	return nil
}

// inside reports whether path names something inside dir, symbolic links
// resolved as far as they exist.
func inside(dir, path string) bool {
	if !filepath.IsAbs(path) {
		return false
	}
	d, p := resolve(dir), resolve(path)
	rel, err := filepath.Rel(d, p)
	return err == nil && rel != "." && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// resolve follows symbolic links in the longest part of path that exists.
func resolve(path string) string {
	path = filepath.Clean(path)
	rest := ""
	for p := path; ; p = filepath.Dir(p) {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		} else if !errors.Is(err, os.ErrNotExist) || p == filepath.Dir(p) {
			return path
		}
		rest = filepath.Join(filepath.Base(p), rest)
	}
}

// bindSecrets drops a stream key that would go to another server than the
// one it was given for, and an AWS secret that would sign for another
// endpoint or region, unless next brings its own.
func bindSecrets(old, next *config.Config) {
	o, n := &old.Output, &next.Output
	sameKey := n.StreamKey == o.StreamKey && n.StreamKeyFile == o.StreamKeyFile
	if sameKey && server(n.URL) != server(o.URL) {
		n.StreamKey, n.StreamKeyFile = "", ""
	}
	sameToken := n.WHIPToken == o.WHIPToken && n.WHIPTokenFile == o.WHIPTokenFile
	if sameToken && server(n.URL) != server(o.URL) {
		n.WHIPToken, n.WHIPTokenFile = "", ""
	}
	oa, na := old.AWS, &next.AWS
	if na.SecretAccessKeyFile == oa.SecretAccessKeyFile && (na.Endpoint != oa.Endpoint || na.AWSRegion() != oa.AWSRegion()) {
		na.SecretAccessKeyFile = ""
	}
}

// server is the scheme and host:port a URL sends to.
func server(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return s
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}
