// Package docker is the lifecycle's Docker daemon backend (CONFORMANCE
// TGT-3, TGT-4): it reads images from and writes images to a Docker Engine
// over its HTTP API, as go-containerregistry v1.Image values, for the
// platform's -daemon flag (CNB_USE_DAEMON).
//
// It speaks the Engine API directly with net/http (no docker client module):
// GET /_ping to negotiate the API version, GET /images/{name}/json to read an
// image's configuration without moving its layers, GET /images/{name}/get
// (docker save) the first time a layer's content is needed, and
// POST /images/load (docker load) to write, streaming one uncompressed
// docker-archive that leaves out the layers the daemon already has.
//
// Reading gives a lazy image: its config is built from the inspect answer,
// its layers are the daemon's uncompressed layers (digest == diffID), and
// its manifest is synthetic (see Client.Image). Writing never gzips: the
// daemon only decompresses.
package docker
