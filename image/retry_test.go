package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// flaky answers the first `fail` requests with answer and the others with
// "ok".
func flaky(t *testing.T, fail int32, answer func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) <= fail {
			answer(w, r)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func status(code int, header ...string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprint(w, `{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}`)
	}
}

// hangUp cuts the connection: with a reset, or after half a body.
func hangUp(truncate bool) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		if truncate {
			fmt.Fprint(conn, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf")
		} else {
			conn.(*net.TCPConn).SetLinger(0)
		}
		conn.Close()
	}
}

func testPolicy(warnings *[]string) Retry {
	return Retry{Retries: 3, Backoff: time.Millisecond, MaxWait: 5 * time.Second, Timeout: 300 * time.Millisecond,
		Warn: func(f string, a ...any) { *warnings = append(*warnings, fmt.Sprintf(f, a...)) }}
}

func get(t *testing.T, p Retry, method, url string, body io.Reader) (string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{Transport: p.Transport(false)}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.Status + " " + string(data), err
}

func TestRetryTransientFaults(t *testing.T) {
	slow := func(w http.ResponseWriter, _ *http.Request) { time.Sleep(time.Second); fmt.Fprint(w, "late") }
	stall := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "10")
		fmt.Fprint(w, "12345")
		w.(http.Flusher).Flush()
		time.Sleep(time.Second)
	}
	cases := map[string]func(http.ResponseWriter, *http.Request){
		"500": status(500), "502": status(502), "503": status(503), "504": status(504), "408": status(408),
		"429 Retry-After": status(429, "Retry-After", "1"),
		"reset":           hangUp(false),
		"truncated":       hangUp(true),
		"slow headers":    slow,
		"stalled body":    stall,
	}
	for name, answer := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, n := flaky(t, 2, answer)
			var warnings []string
			start := time.Now()
			got, err := get(t, testPolicy(&warnings), http.MethodGet, s.URL+"/v2/x/manifests/latest?secret=1", nil)
			if err != nil || got != "200 OK ok" {
				t.Fatalf("got %q, %v; want 200 OK ok", got, err)
			}
			if n.Load() != 3 || len(warnings) != 2 {
				t.Errorf("%d requests, warnings %q; want 3 requests and 2 warnings", n.Load(), warnings)
			}
			for _, w := range warnings {
				if !strings.Contains(w, "GET "+s.URL+"/v2/x/manifests/latest: ") || strings.Contains(w, "secret") || !strings.Contains(w, "retrying in") {
					t.Errorf("warning %q: want the operation without its query and the wait", w)
				}
			}
			if name == "429 Retry-After" && time.Since(start) < 2*time.Second {
				t.Errorf("Retry-After: 1 not honoured: done in %s", time.Since(start))
			}
		})
	}
}

func TestRetryBoundAndPersistentFaults(t *testing.T) {
	t.Run("persistent 503 gives up after the bound", func(t *testing.T) {
		s, n := flaky(t, 100, status(503))
		var warnings []string
		_, err := get(t, testPolicy(&warnings), http.MethodGet, s.URL+"/v2/x/blobs/sha256:1", nil)
		var gu *GaveUp
		if !errors.As(err, &gu) || gu.Attempts != 4 || n.Load() != 4 {
			t.Fatalf("err %v after %d requests; want GaveUp after 4", err, n.Load())
		}
		if !strings.Contains(err.Error(), "503 Service Unavailable: UNAVAILABLE: try later (gave up after 4 attempts)") || Transient(err) {
			t.Errorf("err %q: want the status, the registry's message and the attempts, and not transient", err)
		}
	})
	for _, code := range []int{401, 403, 404, 400} {
		t.Run(fmt.Sprint(code, " is not retried"), func(t *testing.T) {
			s, n := flaky(t, 100, status(code))
			var warnings []string
			got, err := get(t, testPolicy(&warnings), http.MethodGet, s.URL, nil)
			if err != nil || !strings.HasPrefix(got, fmt.Sprint(code)) || n.Load() != 1 || len(warnings) != 0 {
				t.Errorf("got %q, %v after %d requests; want the answer after one", got, err, n.Load())
			}
		})
	}
	t.Run("a streamed body is sent once", func(t *testing.T) {
		s, n := flaky(t, 100, status(503))
		var warnings []string
		pr, pw := io.Pipe()
		go func() { fmt.Fprint(pw, "layer bytes"); pw.Close() }()
		_, err := get(t, testPolicy(&warnings), http.MethodPatch, s.URL, pr)
		if err == nil || !Transient(err) || n.Load() != 1 {
			t.Errorf("err %v after %d requests; want one transient failure for the writer to retry", err, n.Load())
		}
	})
	t.Run("a body it can rewind is sent again", func(t *testing.T) {
		s, n := flaky(t, 1, status(502))
		var warnings []string
		got, err := get(t, testPolicy(&warnings), http.MethodPut, s.URL, strings.NewReader(`{"manifest":1}`))
		if err != nil || got != "200 OK ok" || n.Load() != 2 {
			t.Errorf("got %q, %v after %d requests", got, err, n.Load())
		}
	})
	t.Run("Retry-After past the limit fails at once", func(t *testing.T) {
		s, n := flaky(t, 100, status(429, "Retry-After", "3600"))
		var warnings []string
		_, err := get(t, testPolicy(&warnings), http.MethodGet, s.URL, nil)
		if err == nil || !strings.Contains(err.Error(), "retry after 1h0m0s") || n.Load() != 1 {
			t.Errorf("err %v after %d requests", err, n.Load())
		}
	})
	t.Run("a cancelled context stops the waits", func(t *testing.T) {
		s, _ := flaky(t, 100, status(503))
		p := Retry{Retries: 5, Backoff: time.Hour, MaxWait: time.Hour}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL, nil)
		_, err := (&http.Client{Transport: p.Transport(false)}).Do(req)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v, want the context's", err)
		}
	})
}

func TestRetryFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	r, err := RetryFromEnv(env(map[string]string{EnvRetries: "2", EnvBackoff: "10ms", EnvTimeout: "3s"}))
	if err != nil || r.Retries != 2 || r.Backoff != 10*time.Millisecond || r.Timeout != 3*time.Second {
		t.Errorf("got %+v, %v", r, err)
	}
	if r, _ := RetryFromEnv(env(nil)); r.Retries != 4 || r.Backoff != time.Second {
		t.Errorf("defaults: %+v", r)
	}
	for k, v := range map[string]string{EnvRetries: "-1", EnvBackoff: "soon", EnvTimeout: "0s"} {
		if _, err := RetryFromEnv(env(map[string]string{k: v})); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: err %v, want one naming the variable", k, v, err)
		}
	}
	for n, want := range []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second} {
		if n == 0 {
			continue
		}
		p := Retry{Backoff: time.Second, MaxWait: 3 * time.Second}
		if got := p.wait(n); got < min(want, p.MaxWait) || got > min(want+want/10, p.MaxWait) {
			t.Errorf("wait(%d) = %s, want about %s capped at 3s", n, got, want)
		}
	}
}

// TestRegistrySharesTransports: a Registry from NewRegistry, and its
// copies, reuse one base transport per setting; the zero Registry works
// with a new one each time.
func TestRegistrySharesTransports(t *testing.T) {
	r := NewRegistry(nil, []string{"insecure.example"}, Retry{})
	copied := r
	inner := func(rt http.RoundTripper) http.RoundTripper { return rt.(*retryTransport).inner }
	if inner(r.transport("a.example")) != inner(copied.transport("b.example")) {
		t.Error("a copy of the registry made a new transport for the same setting")
	}
	if inner(r.transport("a.example")) == inner(r.transport("insecure.example")) {
		t.Error("the secure and the insecure registry share a transport")
	}
	var zero Registry
	if inner(zero.transport("a.example")) == inner(zero.transport("a.example")) {
		t.Error("the zero Registry shares transports: it has nowhere to keep them")
	}
}
