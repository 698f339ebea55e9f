module github.com/cnb-lifecycle/lifecycle

go 1.26.8

require (
	github.com/BurntSushi/toml v1.4.0
	github.com/heroku/color v0.0.6
	github.com/pkg/errors v0.9.1
)

require (
	github.com/mattn/go-colorable v0.1.2 // indirect
	github.com/mattn/go-isatty v0.0.8 // indirect
	golang.org/x/sys v0.0.0-20190222072716-a9d3bda3a223 // indirect
)
