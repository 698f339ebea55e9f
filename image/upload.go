package image

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/pkg/errors"
)

// UploadBlob streams a blob into repo while it is being produced: body is
// read to its end in one PATCH request, and the upload is committed with
// the digest that digest returns once body is exhausted (distribution spec
// "chunked upload", one chunk). The exporter uses it to compress a layer
// straight into the registry instead of writing it first and uploading it
// after; remote.Write then finds the blob present and skips it.
func (r Registry) UploadBlob(ctx context.Context, repo name.Repository, body io.Reader, digest func() (v1.Hash, error)) error {
	client, err := r.client(ctx, repo)
	if err != nil {
		return err
	}
	start := &url.URL{Scheme: repo.Registry.Scheme(), Host: repo.RegistryStr(), Path: fmt.Sprintf("/v2/%s/blobs/uploads/", repo.RepositoryStr())}
	loc, err := r.step(ctx, client, http.MethodPost, start, nil, http.StatusAccepted)
	if err != nil {
		return errors.Wrapf(err, "starting a blob upload to %s", repo)
	}
	loc, err = r.step(ctx, client, http.MethodPatch, loc, body, http.StatusAccepted, http.StatusNoContent, http.StatusCreated)
	if err != nil {
		return errors.Wrapf(err, "uploading a blob to %s", repo)
	}
	d, err := digest()
	if err != nil {
		return err
	}
	q := loc.Query()
	q.Set("digest", d.String())
	loc.RawQuery = q.Encode()
	if _, err := r.step(ctx, client, http.MethodPut, loc, nil, http.StatusCreated); err != nil {
		return errors.Wrapf(err, "committing blob %s to %s", d, repo)
	}
	return nil
}

func (r Registry) client(ctx context.Context, repo name.Repository) (*http.Client, error) {
	kc := r.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain()
	}
	auth, err := authn.Resolve(ctx, kc, repo)
	if err != nil {
		return nil, errors.Wrapf(err, "resolving credentials for %s", repo.RegistryStr())
	}
	t, err := transport.NewWithContext(ctx, repo.Registry, auth, r.transport(repo.RegistryStr()), []string{repo.Scope(transport.PushScope)})
	if err != nil {
		return nil, errors.Wrapf(err, "reaching %s", repo.RegistryStr())
	}
	return &http.Client{Transport: t}, nil
}

// step sends one request of the upload and returns the next location.
func (r Registry) step(ctx context.Context, c *http.Client, method string, u *url.URL, body io.Reader, ok ...int) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if err := transport.CheckError(resp, ok...); err != nil {
		return nil, err
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return u, nil
	}
	return u.Parse(loc)
}
