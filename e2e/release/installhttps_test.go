package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeRelease is a release of one fake program, calculator, for install.sh
// tests that need no snapshot.
type fakeRelease struct {
	version string
	binary  []byte            // what calculator is
	files   map[string][]byte // checksums.txt and the amd64 archive
}

// newFakeRelease makes a release vVERSION of a calculator that is a shell
// script.
func newFakeRelease(t *testing.T, version string) fakeRelease {
	t.Helper()
	r := fakeRelease{version: version, binary: []byte("#!/bin/sh\necho fake calculator\n"), files: map[string][]byte{}}
	var archive bytes.Buffer
	gz := gzip.NewWriter(&archive)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "calculator", Mode: 0o755, Size: int64(len(r.binary)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(r.binary); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	name := "calculator_" + version + "_linux_amd64.tar.gz"
	sum := sha256.Sum256(archive.Bytes())
	r.files[name] = archive.Bytes()
	r.files["checksums.txt"] = []byte(hex.EncodeToString(sum[:]) + "  " + name + "\n")
	return r
}

// serve answers PREFIX/vX.Y.Z/FILE with the release's files.
func (r fakeRelease) serve(mux *http.ServeMux, prefix string) {
	mux.HandleFunc(prefix+"/v"+r.version+"/", func(w http.ResponseWriter, req *http.Request) {
		data, ok := r.files[strings.TrimPrefix(req.URL.Path, prefix+"/v"+r.version+"/")]
		if !ok {
			http.NotFound(w, req)
			return
		}
		_, _ = w.Write(data)
	})
}

// serveLatest answers PREFIX/latest with a redirect to target+"/tag/vX.Y.Z",
// as GitHub's releases/latest does.
func (r fakeRelease) serveLatest(mux *http.ServeMux, prefix, target string) {
	mux.HandleFunc(prefix+"/latest", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, target+"/tag/v"+r.version, http.StatusFound)
	})
	mux.HandleFunc(prefix+"/tag/", func(w http.ResponseWriter, req *http.Request) {
		fmt.Fprintln(w, "<html></html>")
	})
}

// TestInstallScriptHTTPSOnly checks that install.sh stays on https for an
// https URL, with curl (--proto) and wget (the redirects it reports): a fake
// release served on loopback over https installs, and over plain http when
// the mirror is named http://, but a redirect from https to plain http is
// refused, for checksums.txt, the archive and the latest release alike.
// GitHub's default URLs are checked with a stand-in curl that records its
// arguments. No snapshot, no Docker.
func TestInstallScriptHTTPSOnly(t *testing.T) {
	t.Parallel()
	rel := newFakeRelease(t, "1.2.3")
	script, err := os.ReadFile(filepath.Join(repoRoot(t), "install.sh"))
	if err != nil {
		t.Fatal(err)
	}

	plainMux := http.NewServeMux()
	rel.serve(plainMux, "/releases/download")
	rel.serveLatest(plainMux, "/releases", "/releases")
	plain := httptest.NewServer(plainMux)
	t.Cleanup(plain.Close)

	tlsMux := http.NewServeMux()
	rel.serve(tlsMux, "/releases/download")
	rel.serveLatest(tlsMux, "/releases", "/releases")
	// /downgrade: every file, and the latest release, redirect to the
	// plain server.
	tlsMux.HandleFunc("/downgrade/download/", func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, plain.URL+"/releases/download/"+strings.TrimPrefix(req.URL.Path, "/downgrade/download/"), http.StatusFound) //nolint:gosec // G710: the test's own redirect to its own loopback server
	})
	rel.serveLatest(tlsMux, "/downgrade", plain.URL+"/releases")
	// /archive-downgrade: checksums.txt over https, the archive from the
	// plain server.
	tlsMux.HandleFunc("/archive-downgrade/", func(w http.ResponseWriter, req *http.Request) {
		file := strings.TrimPrefix(req.URL.Path, "/archive-downgrade/")
		if strings.HasSuffix(file, "/checksums.txt") {
			_, _ = w.Write(rel.files["checksums.txt"])
			return
		}
		http.Redirect(w, req, plain.URL+"/releases/download/"+file, http.StatusFound) //nolint:gosec // G710: the test's own redirect to its own loopback server
	})
	secure := httptest.NewTLSServer(tlsMux)
	t.Cleanup(secure.Close)

	// curl and GNU wget trust the test server's certificate.
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: secure.Certificate().Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	wgetrc := filepath.Join(dir, "wgetrc")
	if err := os.WriteFile(wgetrc, []byte("ca_certificate = "+ca+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"CURL_CA_BUNDLE=" + ca, "WGETRC=" + wgetrc}
	run := func(fetcher string, args ...string) installRun {
		return installRun{shell: "dash", fetcher: fetcher, machine: "x86_64", env: env, args: append(args, "calculator")}
	}
	archive := "calculator_" + rel.version + "_linux_amd64.tar.gz"

	// busybox wget is not tried: the TLS client of busybox 1.35 cannot
	// talk to Go's test server (it sends no signature_algorithms).
	for _, fetcher := range []string{"curl", "wget"} {
		t.Run(fetcher, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name string
				args []string
			}{
				{"https mirror", []string{"--base-url", secure.URL + "/releases/download", "-v", rel.version}},
				{"https latest", []string{"--releases-url", secure.URL + "/releases"}},
				{"http mirror named so", []string{"--base-url", plain.URL + "/releases/download", "-v", rel.version}},
				{"http releases named so", []string{"--releases-url", plain.URL + "/releases"}},
			} {
				t.Run("good/"+tc.name, func(t *testing.T) {
					res := mustInstall(t, script, run(fetcher, tc.args...))
					got, err := os.ReadFile(filepath.Join(res.bindir, "calculator"))
					if err != nil || !bytes.Equal(got, rel.binary) {
						t.Errorf("install.sh %q did not install the release's calculator (%v):\n%s", tc.args, err, res.stderr)
					}
				})
			}
			for _, tc := range []struct {
				name, want string
				args       []string
			}{
				{"checksums.txt redirected to http", "no release v" + rel.version + " at " + secure.URL + "/downgrade/download",
					[]string{"--base-url", secure.URL + "/downgrade/download", "-v", rel.version}},
				{"archive redirected to http", "cannot download " + archive,
					[]string{"--base-url", secure.URL + "/archive-downgrade", "-v", rel.version}},
				{"latest redirected to http", "cannot ask " + secure.URL + "/downgrade/latest",
					[]string{"--releases-url", secure.URL + "/downgrade"}},
			} {
				t.Run("refused/"+tc.name, func(t *testing.T) {
					assertRefused(t, script, run(fetcher, tc.args...), tc.want)
				})
			}
		})
	}

	// GitHub's URLs, which this test cannot reach: a stand-in curl records
	// each call's --proto and URL, then fails as without a network.
	t.Run("default urls", func(t *testing.T) {
		t.Parallel()
		const github = "https://github.com/go-multistage/multistage/releases"
		for _, tc := range []struct {
			name string
			args []string
			want [][2]string // --proto and URL of each curl call
		}{
			{"latest", nil, [][2]string{{"=https", github + "/latest"}}},
			{"version", []string{"-v", rel.version}, [][2]string{{"=https", github + "/download/v" + rel.version + "/checksums.txt"}}},
			{"http mirror", []string{"--base-url", "http://mirror.test/r", "-v", rel.version}, [][2]string{{"=https,http", "http://mirror.test/r/v" + rel.version + "/checksums.txt"}}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				dir := t.TempDir()
				record := filepath.Join(dir, "calls")
				fake := filepath.Join(dir, "curl")
				body := fmt.Sprintf("#!/bin/sh\n{ printf '%%s\\n' \"$@\"; echo --end--; } >>%s\nexit 6\n", record)
				if err := os.WriteFile(fake, []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
				r := run("curl", tc.args...)
				r.fake = fake
				res := runInstall(t, script, r)
				if res.err == nil {
					t.Fatalf("install.sh %q succeeded without a network:\n%s", tc.args, res.stderr)
				}
				data, err := os.ReadFile(record)
				if err != nil {
					t.Fatalf("curl was not run: %v\n%s", err, res.stderr)
				}
				var got [][2]string
				for call := range strings.SplitSeq(strings.TrimSuffix(string(data), "--end--\n"), "--end--\n") {
					args := strings.Split(strings.TrimSuffix(call, "\n"), "\n")
					proto := ""
					if i := slices.Index(args, "--proto"); i >= 0 && i+1 < len(args) {
						proto = args[i+1]
					}
					got = append(got, [2]string{proto, args[len(args)-1]})
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("install.sh %q called curl with (--proto, URL) %q, want %q", tc.args, got, tc.want)
				}
			})
		}
	})
}
