package panel_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pitchbox/pitchbox/panel"
)

// TestHTTPSSelfSigned: the certificate is made once (key 0600), kept
// across restarts, and the panel answers over TLS with it.
func TestHTTPSSelfSigned(t *testing.T) {
	dir := t.TempDir()
	cert, fp, err := panel.SelfSignedCert(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(fp) != 95 || strings.Count(fp, ":") != 31 {
		t.Fatalf("fingerprint %q", fp)
	}
	if st, err := os.Stat(filepath.Join(dir, "panel-key.pem")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v", err)
	}
	if _, fp2, err := panel.SelfSignedCert(dir); err != nil || fp2 != fp {
		t.Fatalf("second start made another certificate: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, stop, err := panel.ServeTCP(ctx, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}), &cert)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	leaf, _ := x509.ParseCertificate(cert.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}}
	resp, err := c.Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hello" || panel.Fingerprint(resp.TLS.PeerCertificates[0].Raw) != fp {
		t.Fatalf("got %q over TLS", b)
	}
}
