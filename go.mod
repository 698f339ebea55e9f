module github.com/cnb-lifecycle/lifecycle

go 1.26.8

require (
	github.com/BurntSushi/toml v1.4.0
	github.com/google/go-containerregistry v0.22.1
	github.com/heroku/color v0.0.6
	github.com/klauspost/compress v1.19.2
	github.com/pkg/errors v0.9.1
	golang.org/x/sync v0.22.0
	golang.org/x/sys v0.47.0
)

require (
	github.com/docker/cli v29.7.2+incompatible // indirect
	github.com/docker/docker-credential-helpers v0.9.3 // indirect
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/mattn/go-colorable v0.1.2 // indirect
	github.com/mattn/go-isatty v0.0.8 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	gotest.tools/v3 v3.5.2 // indirect
)
