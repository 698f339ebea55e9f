package acceptance

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// reqKind names the registry requests a fault can be scripted for.
type reqKind string

const (
	kindPing         reqKind = "ping"
	kindToken        reqKind = "token"
	kindBlobHead     reqKind = "blob-head"
	kindBlobGet      reqKind = "blob-get"
	kindUploadPost   reqKind = "upload-post"
	kindUploadPatch  reqKind = "upload-patch"
	kindUploadPut    reqKind = "upload-put"
	kindManifestHead reqKind = "manifest-head"
	kindManifestGet  reqKind = "manifest-get"
	kindManifestPut  reqKind = "manifest-put"
	kindOther        reqKind = "other"
)

var (
	uploadPath   = regexp.MustCompile(`^/v2/.+/blobs/uploads/`)
	blobPath     = regexp.MustCompile(`^/v2/.+/blobs/[a-z0-9]+:[a-f0-9]+$`)
	manifestPath = regexp.MustCompile(`^/v2/.+/manifests/[^/]+$`)
)

func kindOf(r *http.Request) reqKind {
	p := r.URL.Path
	switch {
	case p == "/token":
		return kindToken
	case p == "/v2/" || p == "/v2":
		return kindPing
	case uploadPath.MatchString(p):
		switch r.Method {
		case http.MethodPost:
			return kindUploadPost
		case http.MethodPatch:
			return kindUploadPatch
		case http.MethodPut:
			return kindUploadPut
		}
	case blobPath.MatchString(p):
		switch r.Method {
		case http.MethodHead:
			return kindBlobHead
		case http.MethodGet:
			return kindBlobGet
		}
	case manifestPath.MatchString(p):
		switch r.Method {
		case http.MethodHead:
			return kindManifestHead
		case http.MethodGet:
			return kindManifestGet
		case http.MethodPut:
			return kindManifestPut
		}
	}
	return kindOther
}

// The faults a proxy can inject.
const (
	fault500      = "500"
	fault502      = "502"
	fault503      = "503"
	fault429      = "429"      // with Retry-After: 1
	faultReset    = "reset"    // connection reset mid-body
	faultTruncate = "truncate" // the answer's body cut in half
	faultSlow     = "slow"     // silent past the client's timeout
	fault401      = "401"
	fault404      = "404"
	faultRestart  = "restart" // the registry restarts under the request
)

// transientFaults are the faults a phase must ride out with retries.
var transientFaults = []string{fault500, fault502, fault503, fault429, faultReset, faultTruncate, faultSlow}

// faultSilence is how long a "slow" answer keeps quiet; phases under the
// proxy run with a shorter LIFECYCLE_REGISTRY_TIMEOUT (faultClientTimeout).
const (
	faultSilence       = 3 * time.Second
	faultClientTimeout = "1s"
)

// rule injects fault into the matching requests: those of kind (or every
// kind when kind is ""), after skipping `skip` of them, `times` times (-1:
// always).
type rule struct {
	kind        reqKind
	fault       string
	skip, times int
	// repo limits the rule to paths under /v2/<repo>/ ("" for all), suffix
	// to paths ending so (a blob's digest).
	repo, suffix string

	seen map[reqKind]int
}

// faultProxy sits in front of a real registry and answers like one that
// wants bearer tokens (WWW-Authenticate challenge, /token endpoint), so
// that token requests can fail too. Requests go on to the registry with
// their Host kept, so that upload locations point back at the proxy.
type faultProxy struct {
	t        *testing.T
	srv      *httptest.Server
	upstream atomic.Value // host:port of the registry
	// basic, when set, is the user:password the token endpoint wants.
	basic string
	// restart, when set, is what a faultRestart does to the registry: it
	// must stop it and start it again on the same address, in the
	// background.
	restart func()

	mu       sync.Mutex
	rules    []*rule
	injected map[string]int
	kinds    map[reqKind]int
}

func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	t.Helper()
	p := &faultProxy{t: t, injected: map[string]int{}, kinds: map[reqKind]int{}}
	p.upstream.Store(upstream)
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

// Host is the proxy's registry host.
func (p *faultProxy) Host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

// Ref names repo behind the proxy.
func (p *faultProxy) Ref(repo string) string { return p.Host() + "/" + repo }

// script replaces the rules.
func (p *faultProxy) script(rules ...rule) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
	for i := range rules {
		r := rules[i]
		r.seen = map[reqKind]int{}
		p.rules = append(p.rules, &r)
	}
}

// each is one rule per kind: every kind's first `times` requests fail.
func each(fault string, times int, kinds ...reqKind) []rule {
	var rs []rule
	for _, k := range kinds {
		rs = append(rs, rule{kind: k, fault: fault, times: times})
	}
	return rs
}

// counts are the faults injected so far, and the kinds of the requests
// seen.
func (p *faultProxy) counts() (injected int, kinds map[reqKind]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	kinds = map[reqKind]int{}
	for k, n := range p.kinds {
		kinds[k] = n
	}
	for _, n := range p.injected {
		injected += n
	}
	return injected, kinds
}

func (p *faultProxy) match(kind reqKind, path string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kinds[kind]++
	for _, r := range p.rules {
		if r.kind != "" && r.kind != kind {
			continue
		}
		if r.repo != "" && !strings.HasPrefix(path, "/v2/"+r.repo+"/") {
			continue
		}
		if r.suffix != "" && !strings.HasSuffix(path, r.suffix) {
			continue
		}
		r.seen[kind]++
		n := r.seen[kind] - r.skip
		if n <= 0 || (r.times >= 0 && n > r.times) {
			continue
		}
		p.injected[r.fault]++
		return r.fault
	}
	return ""
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	kind := kindOf(r)
	fault := p.match(kind, r.URL.Path)
	switch fault {
	case fault500, fault502, fault503, fault429, fault404, fault401:
		_, _ = io.Copy(io.Discard, r.Body)
		code, _ := strconv.Atoi(fault)
		p.answer(w, code)
		return
	case faultSlow:
		time.Sleep(faultSilence)
	case faultRestart:
		if p.restart != nil {
			p.restart()
		}
		hangUp(w, true)
		return
	case faultReset:
		if r.ContentLength != 0 && r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Take some of the upload, then drop the connection.
			_, _ = io.CopyN(io.Discard, r.Body, 512)
			hangUp(w, true)
			return
		}
	}
	if kind == kindToken {
		p.token(w, r)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer fault-proxy-") {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="fault-proxy"`, p.srv.URL))
		p.answer(w, http.StatusUnauthorized)
		return
	}
	resp, err := p.forward(r)
	if err != nil {
		// The registry is down (restarting): a cut connection, as a client
		// would see it without the proxy.
		hangUp(w, true)
		return
	}
	defer resp.Body.Close()
	if fault == faultReset || fault == faultTruncate {
		body, _ := io.ReadAll(resp.Body)
		if len(body) < 2 {
			hangUp(w, true)
			return
		}
		p.cut(w, resp, body, fault == faultReset)
		return
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// token hands out bearer tokens, to anyone unless basic is set.
func (p *faultProxy) token(w http.ResponseWriter, r *http.Request) {
	if p.basic != "" && r.Header.Get("Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(p.basic)) {
		w.Header().Set("WWW-Authenticate", `Basic realm="fault-proxy"`)
		p.answer(w, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token": "fault-proxy-token", "expires_in": 300})
}

func (p *faultProxy) answer(w http.ResponseWriter, code int) {
	codes := map[int]string{401: "UNAUTHORIZED", 404: "BLOB_UNKNOWN", 429: "TOOMANYREQUESTS"}
	c, ok := codes[code]
	if !ok {
		c = "UNAVAILABLE"
	}
	if code == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	if code == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer realm="%s/token",service="fault-proxy"`, p.srv.URL))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"errors":[{"code":%q,"message":"injected by the test proxy"}]}`, c)
}

func (p *faultProxy) forward(r *http.Request) (*http.Response, error) {
	out, err := http.NewRequestWithContext(r.Context(), r.Method, "http://"+p.upstream.Load().(string)+r.URL.RequestURI(), r.Body)
	if err != nil {
		return nil, err
	}
	out.Header = r.Header.Clone()
	out.Header.Del("Authorization")
	out.Host = r.Host
	out.ContentLength = r.ContentLength
	resp, err := faultProxyClient.Do(out)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// faultProxyClient forwards without following redirects.
var faultProxyClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// cut writes resp's head and the first half of body, then resets the
// connection or closes it cleanly (a truncated answer).
func (p *faultProxy) cut(w http.ResponseWriter, resp *http.Response, body []byte, reset bool) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		p.t.Errorf("fault proxy: %v", err)
		return
	}
	var head bytes.Buffer
	fmt.Fprintf(&head, "HTTP/1.1 %s\r\n", resp.Status)
	for k, vs := range resp.Header {
		if k == "Content-Length" || k == "Transfer-Encoding" || k == "Connection" {
			continue
		}
		for _, v := range vs {
			fmt.Fprintf(&head, "%s: %s\r\n", k, v)
		}
	}
	fmt.Fprintf(&head, "Content-Length: %d\r\nConnection: close\r\n\r\n", len(body))
	_, _ = buf.Write(head.Bytes())
	_, _ = buf.Write(body[:len(body)/2])
	_ = buf.Flush()
	if reset {
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
	}
	conn.Close()
}

// hangUp drops the client's connection, with a reset.
func hangUp(w http.ResponseWriter, reset bool) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}
