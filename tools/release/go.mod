// Module release is the maintainers' release command (make tag, and the
// checks release.yml and make publish-local run before anything is
// published). It is a module of its own, outside go.work and apart from
// ../go.mod, so that it builds in seconds from golang.org/x/mod alone.
module github.com/go-multistage/multistage/tools/release

go 1.26.0

require golang.org/x/mod v0.42.0
