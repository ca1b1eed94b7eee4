package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/BurntSushi/toml"
)

// Save writes c to path atomically: a temporary file in the same folder is
// written, synced and renamed over path, and the folder is synced, so a
// crash or power cut leaves either the old file or the new one, never a
// torn one. The file is 0600 when it holds a secret inline: the stream
// key, a WHIP token, or an SRT URL (its passphrase and stream id).
func Save(path string, c *Config) error {
	var b bytes.Buffer
	if err := toml.NewEncoder(&b).Encode(c); err != nil {
		return fmt.Errorf("config: encode: %w", err)
	}
	mode := os.FileMode(0o644)
	if o := c.Output; o.StreamKey != "" || o.WHIPToken != "" || o.Protocol() == ProtoSRT {
		mode = 0o600
	}
	return WriteFileAtomic(path, b.Bytes(), mode)
}

// WriteSecret stores a secret (such as the stream key) atomically in a file
// of mode 0600.
func WriteSecret(path, secret string) error {
	return WriteFileAtomic(path, []byte(secret+"\n"), 0o600)
}

// WriteFileAtomic replaces path with data (temp file, fsync, rename, fsync
// of the folder).
func WriteFileAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("config: save %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("config: save %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("config: save %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("config: save %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("config: save %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("config: save %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// PrepareStateDir creates the state directory and checks that pitchbox
// can write there, returning a config error naming state_dir if not.
func (c *Config) PrepareStateDir() error {
	if err := os.MkdirAll(c.StateDir, 0o750); err != nil {
		return &Error{Key: "state_dir", Msg: fmt.Sprintf("%s cannot be created: %v", c.StateDir, unwrapPath(err))}
	}
	f, err := os.CreateTemp(c.StateDir, ".write-test*")
	if err != nil {
		return &Error{Key: "state_dir", Msg: fmt.Sprintf("%s is not writable: %v", c.StateDir, unwrapPath(err))}
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
