package image

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/pkg/errors"
)

// The variables that tune retries. They are the lifecycle's own, not the
// specification's, so they stay out of the reserved CNB_ prefix
// (CONFORMANCE GEN-12).
const (
	// EnvRetries is how many times a failed registry request is retried
	// (0 turns retries off).
	EnvRetries = "LIFECYCLE_REGISTRY_RETRIES"
	// EnvBackoff is the wait before the first retry, doubled for each next
	// one (a Go duration: 500ms, 2s).
	EnvBackoff = "LIFECYCLE_REGISTRY_BACKOFF"
	// EnvTimeout is how long a registry may stay silent (no response
	// headers, or no body bytes) before the request is given up as stalled.
	EnvTimeout = "LIFECYCLE_REGISTRY_TIMEOUT"
)

// Retry bounds how transient registry failures are retried: 408, 429, 500,
// 502, 503 and 504 answers, refused or reset connections, truncated small
// bodies and stalls. Requests whose body cannot be sent twice (a streamed
// blob upload) are tried once here; the upload as a whole is then retried
// by the image writer with the same bounds.
type Retry struct {
	Retries int           // retries after the first attempt
	Backoff time.Duration // first wait, doubled each time
	MaxWait time.Duration // longest single wait, Retry-After included
	Timeout time.Duration // silence after which a request is stalled
	// Warn reports each retry; nil is silent.
	Warn func(format string, args ...any)
}

// DefaultRetry is the policy without any of the variables set: four
// retries waiting 1, 2, 4 and 8 seconds, Retry-After honoured up to a
// minute, and five minutes of silence tolerated (a registry may think
// that long over the commit of a large blob).
func DefaultRetry() Retry {
	return Retry{Retries: 4, Backoff: time.Second, MaxWait: time.Minute, Timeout: 5 * time.Minute}
}

// RetryFromEnv reads the policy from the variables, over the defaults.
func RetryFromEnv(lookup func(string) (string, bool)) (Retry, error) {
	r := DefaultRetry()
	if v, ok := lookup(EnvRetries); ok && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return r, errors.Errorf("%s=%q: want a number of retries from 0 to 100", EnvRetries, v)
		}
		r.Retries = n
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{{EnvBackoff, &r.Backoff}, {EnvTimeout, &r.Timeout}} {
		v, ok := lookup(d.name)
		if !ok || v == "" {
			continue
		}
		t, err := time.ParseDuration(v)
		if err != nil || t <= 0 {
			return r, errors.Errorf("%s=%q: want a positive duration such as 500ms or 2s", d.name, v)
		}
		*d.to = t
	}
	return r, nil
}

// GaveUp is the error of a request retried to its bound: the phase fails
// with it, and nothing above retries it again.
type GaveUp struct {
	Attempts int
	Err      error
}

func (e *GaveUp) Error() string {
	if e.Attempts <= 1 {
		return e.Err.Error()
	}
	return fmt.Sprintf("%s (gave up after %d attempts)", e.Err, e.Attempts)
}

func (e *GaveUp) Unwrap() error { return e.Err }

// statusError is a transient answer that was not retried away. The HTTP
// client names the request around it.
type statusError struct {
	status string
	detail string
}

func (e *statusError) Error() string {
	s := e.status
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

// errStalled is a request on which the registry went silent.
var errStalled = errors.New("the registry stopped answering")

// Transient tells whether err is worth trying again: a refused, reset or
// cut connection, a timeout, a stall, or a transient status the transport
// could not retry. A cancelled context, a request already retried to its
// bound and every answer the registry meant (401, 404, ...) are not.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var gu *GaveUp
	if errors.As(err, &gu) {
		return false
	}
	var se *statusError
	if errors.As(err, &se) || errors.Is(err, errStalled) {
		return true
	}
	var tmp interface{ Temporary() bool }
	if errors.As(err, &tmp) && tmp.Temporary() {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, syscall.ECONNRESET, syscall.ECONNREFUSED, syscall.ECONNABORTED, syscall.EPIPE} {
		if errors.Is(err, e) {
			return true
		}
	}
	return strings.Contains(err.Error(), "server closed idle connection")
}

// transientStatus lists the answers worth another attempt.
func transientStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// bufferLimit is the largest body read whole before RoundTrip returns
// (manifests, configs, tokens), so that a truncated one is retried.
const bufferLimit = 4 << 20

// wait is the pause before retry n (1-based): the backoff doubled n-1
// times with a tenth of jitter, capped at MaxWait.
func (r Retry) wait(n int) time.Duration {
	d := r.Backoff
	for i := 1; i < n && d < r.MaxWait; i++ {
		d *= 2
	}
	d += time.Duration(rand.Int64N(int64(d)/10 + 1))
	if r.MaxWait > 0 && d > r.MaxWait {
		d = r.MaxWait
	}
	return d
}

// options is the go-containerregistry side of the policy: the writer retries a whole blob
// upload (whose body the transport could not resend) with the same bounds,
// and nothing retries what the transport already gave up on.
func (r Retry) options() []remote.Option {
	return []remote.Option{
		remote.WithRetryBackoff(remote.Backoff{Duration: r.Backoff, Factor: 2, Jitter: 0.1, Steps: r.Retries + 1, Cap: r.MaxWait}),
		remote.WithRetryStatusCodes(),
		remote.WithRetryPredicate(func(err error) bool {
			if !Transient(err) {
				return false
			}
			r.warn("%s; retrying", OneLine(err))
			return true
		}),
	}
}

func (r Retry) warn(format string, args ...any) {
	if r.Warn != nil {
		r.Warn(format, args...)
	}
}

// Transport wraps a new transport of a registry (plain or TLS-skipping)
// in the policy. Registry shares its transports among its requests.
func (r Retry) Transport(insecure bool) http.RoundTripper {
	return r.over(newBaseTransport(insecure, r.Timeout))
}

func (r Retry) over(base http.RoundTripper) http.RoundTripper {
	return &retryTransport{inner: base, policy: r}
}

// transports are a Registry's base transports, one per setting, so that
// its requests reuse connections.
type transports struct {
	mu    sync.Mutex
	bases map[[2]int64]*http.Transport
}

// get is the base transport for the setting, made on first use.
func (ts *transports) get(insecure bool, timeout time.Duration) *http.Transport {
	key := [2]int64{0, int64(timeout)}
	if insecure {
		key[0] = 1
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t, ok := ts.bases[key]; ok {
		return t
	}
	if ts.bases == nil {
		ts.bases = map[[2]int64]*http.Transport{}
	}
	t := newBaseTransport(insecure, timeout)
	ts.bases[key] = t
	return t
}

// newBaseTransport is ggcr's default transport with a limit on the wait
// for response headers.
func newBaseTransport(insecure bool, timeout time.Duration) *http.Transport {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = timeout
	if insecure {
		t.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // asked for by the platform
	}
	return t
}

type retryTransport struct {
	inner  http.RoundTripper
	policy Retry
}

func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A blob upload's PUT commits it: sent again after a lost answer it
	// meets an upload the registry has closed. The writer retries the whole
	// upload instead, which finds the blob if the first commit went
	// through.
	commit := req.Method == http.MethodPut && strings.Contains(req.URL.Path, "/blobs/uploads/")
	replayable := !commit && (req.Body == nil || req.Body == http.NoBody || req.GetBody != nil)
	attempts := t.policy.Retries + 1
	if !replayable {
		attempts = 1
	}
	ctx := req.Context()
	for n := 1; ; n++ {
		try := req
		if n > 1 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			try = req.Clone(ctx)
			try.Body = body
		}
		resp, err := t.once(try)
		if ctx.Err() != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, ctx.Err()
		}
		var failure error
		var after time.Duration
		switch {
		case err != nil:
			if !Transient(err) {
				return nil, err
			}
			failure = err
		case transientStatus(resp.StatusCode):
			failure, after = t.answer(resp)
		default:
			return resp, nil
		}
		if n >= attempts {
			if !replayable {
				// The writer above retries the whole upload.
				if err != nil {
					return nil, err
				}
				return nil, failure
			}
			return nil, &GaveUp{Attempts: n, Err: failure}
		}
		wait := t.policy.wait(n)
		if after > 0 {
			if t.policy.MaxWait > 0 && after > t.policy.MaxWait {
				return nil, &GaveUp{Attempts: n, Err: errors.Errorf("%s; the registry asks to retry after %s, longer than %s", OneLine(failure), after, t.policy.MaxWait)}
			}
			wait = after
		}
		t.policy.warn("%s %s: %s; retrying in %s (attempt %d of %d)", req.Method, bareURL(req), OneLine(failure), wait.Round(time.Millisecond), n+1, attempts)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// once sends one attempt. Its response body stops with errStalled when
// the registry is silent for the policy's timeout, and a small body is read
// whole here so that a cut one counts as a failed attempt.
func (t *retryTransport) once(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancel(req.Context())
	resp, err := t.inner.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, err
	}
	body := &watchedBody{rc: resp.Body, cancel: cancel, limit: t.policy.Timeout}
	resp.Body = body
	if req.Method == http.MethodHead || resp.ContentLength < 0 || resp.ContentLength > bufferLimit {
		return resp, nil
	}
	data, err := io.ReadAll(body)
	body.Close()
	if err == nil && int64(len(data)) != resp.ContentLength {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, errors.Wrap(err, "reading the answer")
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp, nil
}

// answer turns a transient status into an error, with the registry's own
// message and its Retry-After.
func (t *retryTransport) answer(resp *http.Response) (error, time.Duration) {
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	e := &statusError{status: resp.Status}
	var body struct {
		Errors []struct{ Code, Message string } `json:"errors"`
	}
	if json.Unmarshal(data, &body) == nil && len(body.Errors) > 0 {
		e.detail = body.Errors[0].Code
		if m := body.Errors[0].Message; m != "" {
			e.detail += ": " + m
		}
	}
	return e, retryAfter(resp.Header.Get("Retry-After"))
}

// retryAfter reads Retry-After in seconds or as an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := time.Until(at); d > 0 {
			return d
		}
	}
	return 0
}

// bareURL is a request's URL without its query (upload states, token
// scopes): enough to name the operation, never a credential.
func bareURL(req *http.Request) string {
	u := *req.URL
	u.RawQuery, u.User, u.Fragment = "", nil, ""
	return u.String()
}

// OneLine is err's text on one line, URL queries (upload states) left out.
func OneLine(err error) string {
	return urlQuery.ReplaceAllString(strings.ReplaceAll(err.Error(), "\n", " "), "")
}

var urlQuery = regexp.MustCompile(`\?[^"\s]*`)

// watchedBody is a response body that fails with errStalled when one read
// waits longer than limit. One timer serves every read.
type watchedBody struct {
	rc      io.ReadCloser
	cancel  context.CancelFunc
	limit   time.Duration
	timer   *time.Timer
	stalled atomic.Bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	if b.limit <= 0 {
		return b.rc.Read(p)
	}
	if b.timer == nil {
		b.timer = time.AfterFunc(b.limit, func() {
			b.stalled.Store(true)
			b.cancel()
		})
	} else {
		b.timer.Reset(b.limit)
	}
	n, err := b.rc.Read(p)
	b.timer.Stop()
	if err != nil && b.stalled.Load() {
		err = errors.Wrapf(errStalled, "no data for %s", b.limit)
	}
	return n, err
}

func (b *watchedBody) Close() error {
	if b.timer != nil {
		b.timer.Stop()
	}
	err := b.rc.Close()
	b.cancel()
	return err
}
