// Package release is the end-to-end test of the release pipeline.
//
// Its tests copy the working tree into a throwaway git clone with a dummy
// GitHub remote, run scripts/release-snapshot.sh there twice, and check what
// GoReleaser produced: identical checksums.txt across the runs, archives that
// hold static binaries of the right architecture which run (arm64 ones under
// qemu-aarch64-static) and print the release's version, deb/rpm/apk packages
// with the expected metadata and files (the amd64 deb is installed into a
// scratch root with dpkg), CycloneDX SBOMs, and local images with the
// expected tags and labels that pass the image tests of package e2e (the
// module's root package).
//
// Other tests check the versioning scheme on throwaway repositories of their
// own: make tag (tools/release) and the tags it creates, and the version,
// tags and changelog the pinned GoReleaser takes from them, and go install
// and go get of a release from a local clone standing in for the forge; and
// that one Go toolchain, go.work's, builds everything (TestToolchainPin).
//
// The package has no code of its own; see README.md for how to run it.
package release
