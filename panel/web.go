package panel

import (
	"embed"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/pitchbox/pitchbox/panel/auth"
)

//go:embed web/templates/*.html web/static/*
var webFS embed.FS

var pageTitles = map[string]string{
	"pair": "Set up", "login": "Log in", "live": "Live", "presets": "Presets", "chat": "Chat",
	"destination": "Destination", "camera": "Camera", "system": "System",
}

// Web is the network side of the panel: the pages, their static files,
// pairing and login, and the API behind a session and a CSRF token. It
// answers only to the box's own names (see allowedHost) and refuses
// state-changing requests sent from another origin.
type Web struct {
	API     http.Handler
	Auth    *auth.Auth
	Log     *slog.Logger
	Secure  bool // served over HTTPS: cookies are Secure
	Version string
	// Hosts returns the extra names the panel answers to ([panel] hosts),
	// asked for each request that names none of the box's own; nil for
	// none.
	Hosts func() []string

	pages    map[string]*template.Template
	hostname string
}

// Handler returns the panel's handler.
func (s *Web) Handler() http.Handler {
	s.pages = map[string]*template.Template{}
	layout := template.Must(template.ParseFS(webFS, "web/templates/layout.html", "web/templates/partials.html"))
	for name := range pageTitles {
		t := template.Must(template.Must(layout.Clone()).ParseFS(webFS, "web/templates/"+name+".html"))
		s.pages[name] = t
	}
	static, _ := fs.Sub(webFS, "web/static")
	if h, err := os.Hostname(); err == nil {
		s.hostname = normHost(h)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(filesOnly{static})))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/live", http.StatusSeeOther)
	})
	for name := range pageTitles {
		mux.HandleFunc("GET /"+name, func(w http.ResponseWriter, r *http.Request) { s.page(w, r, name) })
	}
	mux.HandleFunc("POST /api/auth/pair", jsonOnly(s.pair))
	mux.HandleFunc("POST /api/auth/login", jsonOnly(s.login))
	mux.Handle("POST /api/auth/logout", s.Auth.Require(http.HandlerFunc(s.logout)))
	mux.Handle("POST /api/auth/logout-all", s.Auth.Require(http.HandlerFunc(s.logoutAll)))
	mux.Handle("POST /api/auth/password", s.Auth.Require(http.HandlerFunc(s.password)))
	mux.Handle("/api/", s.Auth.Require(s.API))
	return securityHeaders(s.checkHost(mux))
}

// filesOnly hides directories, so that the file server lists none: a
// request for one is answered 404.
type filesOnly struct{ fs.FS }

// Open opens a file, and reports a directory as not there.
func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, err
	}
	if st, err := file.Stat(); err != nil || st.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}

// jsonOnly refuses bodies that are not JSON: a cross-site form cannot send
// JSON without the browser asking first, so another page cannot log this
// browser in to the box behind the seller's back.
func jsonOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			writeError(w, http.StatusUnsupportedMediaType, errors.New("panel: send JSON (Content-Type: application/json)"))
			return
		}
		h(w, r)
	}
}

// securityHeaders sets the headers that keep the panel's pages from
// being framed, sniffed or fed other sites' scripts.
func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

type pageData struct {
	Page, Title, CSRF, Version string
	Nav                        bool
}

// page renders a page: pairing until the box has a password, then login
// until the browser has a session.
func (s *Web) page(w http.ResponseWriter, r *http.Request, name string) {
	paired := s.Auth.Paired()
	sess, _, ok := s.Auth.FromRequest(r)
	switch {
	case !paired && name != "pair":
		http.Redirect(w, r, "/pair", http.StatusSeeOther)
		return
	case paired && name == "pair":
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case paired && !ok && name != "login":
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case ok && name == "login":
		http.Redirect(w, r, "/live", http.StatusSeeOther)
		return
	}
	d := pageData{Page: name, Title: pageTitles[name], Version: s.Version, Nav: ok}
	if ok {
		d.CSRF = sess.CSRF
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.pages[name].ExecuteTemplate(w, "layout", d); err != nil {
		s.Log.Error("panel: page", "page", name, "err", err)
	}
}

// pair sets the first password with the pairing code, and logs in.
func (s *Web) pair(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Code     string `json:"code"`
		Password string `json:"password"`
	}
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	tok, err := s.Auth.Pair(r.RemoteAddr, req.Code, req.Password)
	if err != nil {
		s.logRefusal("panel: pairing refused", r, err)
		writeAuthError(w, err)
		return
	}
	s.Log.Info("panel: paired; admin password set", "from", r.RemoteAddr)
	http.SetCookie(w, auth.SessionCookie(tok, s.Secure))
	writeJSON(w, http.StatusOK, map[string]bool{"paired": true})
}

// login checks the password and starts a session.
func (s *Web) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Password string `json:"password"`
	}
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	tok, err := s.Auth.Login(r.RemoteAddr, req.Password)
	if err != nil {
		s.logRefusal("panel: login refused", r, err)
		writeAuthError(w, err)
		return
	}
	s.Log.Info("panel: logged in", "from", r.RemoteAddr)
	http.SetCookie(w, auth.SessionCookie(tok, s.Secure))
	writeJSON(w, http.StatusOK, map[string]bool{"logged_in": true})
}

// logout ends this browser's session.
func (s *Web) logout(w http.ResponseWriter, r *http.Request) {
	if _, tok, ok := s.Auth.FromRequest(r); ok {
		s.Auth.Logout(tok)
	}
	http.SetCookie(w, auth.ClearCookie(s.Secure))
	writeJSON(w, http.StatusOK, map[string]bool{"logged_in": false})
}

// logoutAll ends every session, this browser's too: "log out everywhere"
// for a seller who fears a cookie has been taken.
func (s *Web) logoutAll(w http.ResponseWriter, r *http.Request) {
	n := s.Auth.LogoutAll()
	s.Log.Info("panel: logged out everywhere", "from", r.RemoteAddr, "sessions", n)
	http.SetCookie(w, auth.ClearCookie(s.Secure))
	writeJSON(w, http.StatusOK, map[string]bool{"logged_in": false})
}

// password changes the password and ends every other session; this
// browser stays logged in.
func (s *Web) password(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Current  string `json:"current"`
		Password string `json:"password"`
	}
	if err := readJSON(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	_, tok, _ := s.Auth.FromRequest(r)
	if err := s.Auth.ChangePassword(r.RemoteAddr, tok, req.Current, req.Password); err != nil {
		writeAuthError(w, err)
		return
	}
	s.Log.Info("panel: password changed; other sessions ended", "from", r.RemoteAddr)
	writeJSON(w, http.StatusOK, map[string]bool{"changed": true})
}

// logRefusal logs a refused pairing or login: a warning, but only at
// debug level when the box refused to check at all because of the
// overall limit, so that a flood of guesses does not flood the log.
func (s *Web) logRefusal(msg string, r *http.Request, err error) {
	level := slog.LevelWarn
	var be *auth.BusyError
	if errors.As(err, &be) {
		level = slog.LevelDebug
	}
	s.Log.Log(r.Context(), level, msg, "from", r.RemoteAddr, "err", err)
}

// writeAuthError answers a refused pairing, login or password change; a
// refusal to check at all (lock-out, too many checks) says when to retry.
func writeAuthError(w http.ResponseWriter, err error) {
	if secs := auth.RetryAfter(err); secs > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeError(w, authStatus(err), err)
}

// authStatus is the HTTP status for an error from auth.
func authStatus(err error) int {
	switch {
	case auth.RetryAfter(err) > 0:
		return http.StatusTooManyRequests
	case errors.Is(err, auth.ErrWrong), errors.Is(err, auth.ErrWrongPIN):
		return http.StatusUnauthorized
	case errors.Is(err, auth.ErrPaired), errors.Is(err, auth.ErrUnpaired):
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// checkHost answers 421 to a request naming a host that is not this box
// (a page whose own DNS name was rebound to the box's address), and 403
// to a state-changing request whose Origin is not the request's own
// scheme and host, on top of the session's CSRF token.
func (s *Web) checkHost(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.allowedHost(r) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusMisdirectedRequest)
			io.WriteString(w, "panel: this box does not answer to that host name; open the panel by the box's address, or add the name to [panel] hosts\n")
			return
		}
		if auth.Mutating(r.Method) && !sameOrigin(r) {
			writeError(w, http.StatusForbidden, errors.New("panel: the request comes from another site (its Origin is not this panel)"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// allowedHost reports whether the request's Host names this box:
// localhost, a loopback address, one of the box's interface addresses,
// pitchbox.local, the box's hostname (also with .local), with any port;
// or one of Hosts, with its port when the entry gives one.
func (s *Web) allowedHost(r *http.Request) bool {
	name, port := splitHost(r.Host)
	switch {
	case name == "":
		return false
	case name == "localhost", name == "pitchbox.local":
		return true
	case s.hostname != "" && (name == s.hostname || name == s.hostname+".local"):
		return true
	}
	if ip := net.ParseIP(name); ip != nil && (ip.IsLoopback() || boxAddress(ip)) {
		return true
	}
	if s.Hosts == nil {
		return false
	}
	for _, h := range s.Hosts() {
		hn, hp := splitHost(h)
		if hn == name && (hp == "" || hp == withDefaultPort(port, r)) {
			return true
		}
	}
	return false
}

// boxAddress reports whether ip is one of the box's interface addresses
// now (they are looked up each time: DHCP may change them).
func boxAddress(ip net.IP) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		switch a := a.(type) {
		case *net.IPNet:
			if a.IP.Equal(ip) {
				return true
			}
		case *net.IPAddr:
			if a.IP.Equal(ip) {
				return true
			}
		}
	}
	return false
}

// sameOrigin reports whether a request's Origin, when it sends one, is the
// request's own scheme and host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Scheme != scheme(r) || u.Host == "" || u.User != nil || u.Path != "" || u.RawQuery != "" {
		return false
	}
	on, op := splitHost(u.Host)
	rn, rp := splitHost(r.Host)
	return on == rn && withDefaultPort(op, r) == withDefaultPort(rp, r)
}

// scheme is the request's scheme as a browser names it.
func scheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// withDefaultPort fills in the scheme's port when port is "".
func withDefaultPort(port string, r *http.Request) string {
	switch {
	case port != "":
		return port
	case r.TLS != nil:
		return "443"
	}
	return "80"
}

// splitHost splits a Host header (or a [panel] hosts entry) into its
// name, in lower case without brackets, IPv6 zone or trailing dot, and
// its port ("" without one).
func splitHost(hostport string) (string, string) {
	name, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		name, port = h, p
	}
	name = strings.TrimSuffix(strings.TrimPrefix(name, "["), "]")
	if i := strings.IndexByte(name, '%'); i >= 0 {
		name = name[:i]
	}
	return normHost(name), port
}

// normHost is a host name in lower case without a trailing dot.
func normHost(h string) string { return strings.TrimSuffix(strings.ToLower(h), ".") }
