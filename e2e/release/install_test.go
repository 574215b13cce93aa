package release

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// installRun is one run of install.sh, fed on standard input as
// `curl ... | sh -s -- ARGS` does.
type installRun struct {
	shell   string   // "dash", "bash" or "busybox" (busybox sh with only busybox applets)
	fetcher string   // "curl" or "wget" (busybox: its own wget)
	machine string   // what a fake uname -m prints; "" for the real uname
	setarch string   // run under `setarch ARCH` (the real uname -m then prints ARCH), or ""
	args    []string // install.sh's arguments
	cosign  string   // a cosign binary to put on PATH, or ""
	// fake, when set, is the program put on PATH as fetcher instead of
	// the host's.
	fake string
	env  []string // more environment variables (NAME=value)
	// interrupt, when not nil, makes the run send SIGINT to install.sh's
	// process group (as Ctrl-C does) once it yields.
	interrupt <-chan struct{}
}

// installResult is what a run left: its exit error, its standard error, and
// the directories it was given.
type installResult struct {
	err    error
	stderr string
	bindir string
	tmpdir string
}

// TestInstallScript runs install.sh (the clone's, so the working tree's)
// against the snapshot's files laid out as GitHub's releases/download
// (BASE/vX.Y.Z/FILE) and served on loopback: good installs with each shell
// and downloader, then a tampered archive, an unknown version, an unknown
// program and an unsupported architecture, each refused with nothing left
// behind.
func TestInstallScript(t *testing.T) {
	f := snapshot(t)
	srv := serveRelease(t, f)
	script := installScript(t, f)
	base := srv.URL + "/releases/download"
	version := f.meta.Version

	good := []struct {
		name    string
		run     installRun
		program string
		goarch  string
	}{
		{"dash curl calculator", installRun{shell: "dash", fetcher: "curl", machine: "x86_64", args: []string{"--base-url", base, "-v", version}}, "calculator", "amd64"},
		{"bash wget hello v-prefixed", installRun{shell: "bash", fetcher: "wget", machine: "x86_64", args: []string{"--base-url", base, "-v", "v" + version}}, "hello", "amd64"},
		{"dash curl arm64 calculator", installRun{shell: "dash", fetcher: "curl", machine: "aarch64", args: []string{"--base-url", base, "-v", version}}, "calculator", "arm64"},
		{"bash wget arm64 hello", installRun{shell: "bash", fetcher: "wget", machine: "arm64", args: []string{"--base-url", base, "-v", version}}, "hello", "arm64"},
		{"dash curl latest hello", installRun{shell: "dash", fetcher: "curl", machine: "amd64", args: []string{"--releases-url", srv.URL + "/releases"}}, "hello", "amd64"},
		// busybox sh runs its own applets before PATH, so uname is the real one.
		{"busybox calculator", installRun{shell: "busybox", args: []string{"--base-url", base, "-v", version}}, "calculator", hostArch(t)},
		{"busybox latest hello", installRun{shell: "busybox", args: []string{"--releases-url", srv.URL + "/releases"}}, "hello", hostArch(t)},
		{"wget latest calculator", installRun{shell: "dash", fetcher: "wget", machine: "x86_64", args: []string{"--releases-url", srv.URL + "/releases", "-v", "latest"}}, "calculator", "amd64"},
	}
	for _, tc := range good {
		t.Run("good/"+tc.name, func(t *testing.T) {
			tc.run.args = append(tc.run.args, tc.program)
			res := mustInstall(t, script, tc.run)
			for _, want := range []string{"SHA-256 of " + tc.program + "_" + version + "_linux_" + tc.goarch + ".tar.gz verified", "installed " + tc.program} {
				if !strings.Contains(res.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, res.stderr)
				}
			}
			assertDirNames(t, res.bindir, []string{tc.program})
			assertDirNames(t, res.tmpdir, nil)
			exe := filepath.Join(res.bindir, tc.program)
			info, err := os.Stat(exe)
			if err != nil {
				t.Fatal(err)
			}
			if info.Mode().Perm() != 0o755 {
				t.Errorf("%s: mode %v, want 0755", exe, info.Mode().Perm())
			}
			got, err := os.ReadFile(exe)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, releasedBinary(t, f, tc.program, tc.goarch)) {
				t.Errorf("%s is not the archive's %s/%s binary", exe, tc.program, tc.goarch)
			}
			assertVersionLine(t, runBinary(t, exe, tc.goarch, "", versionArg[tc.program]), tc.program, f)
		})
	}

	tampered := srv.URL + "/tampered"
	refused := []struct {
		name string
		run  installRun
		want string
	}{
		{"tampered archive", installRun{shell: "dash", fetcher: "curl", machine: "x86_64", args: []string{"--base-url", tampered, "-v", version, "calculator"}}, "does not match checksums.txt"},
		{"tampered archive busybox", installRun{shell: "busybox", machine: "x86_64", args: []string{"--base-url", tampered, "-v", version, "calculator"}}, "does not match checksums.txt"},
		{"unknown version", installRun{shell: "dash", fetcher: "curl", machine: "x86_64", args: []string{"--base-url", base, "-v", "9.9.9", "calculator"}}, "no release v9.9.9 at " + base},
		{"unknown version wget", installRun{shell: "bash", fetcher: "wget", machine: "x86_64", args: []string{"--base-url", base, "-v", "9.9.9", "calculator"}}, "no release v9.9.9 at " + base},
		{"malformed version", installRun{shell: "dash", fetcher: "curl", machine: "x86_64", args: []string{"--base-url", base, "-v", "1.2/../../x", "calculator"}}, "bad version"},
		{"unknown program", installRun{shell: "dash", fetcher: "curl", machine: "x86_64", args: []string{"--base-url", base, "-v", version, "bogus"}}, "unknown program 'bogus': choose one of: hello calculator"},
		{"unsupported architecture", installRun{shell: "dash", fetcher: "curl", machine: "riscv64", args: []string{"--base-url", base, "-v", version, "calculator"}}, "unsupported architecture 'riscv64' (uname -m)"},
		{"unsupported architecture busybox setarch", installRun{shell: "busybox", setarch: "i686", args: []string{"--base-url", base, "-v", version, "calculator"}}, "unsupported architecture 'i686' (uname -m)"},
		{"base url without version", installRun{shell: "dash", fetcher: "curl", machine: "x86_64", args: []string{"--base-url", base, "calculator"}}, "--base-url needs -v VERSION"},
		{"nothing served", installRun{shell: "dash", fetcher: "curl", machine: "x86_64", args: []string{"--base-url", closedURL(t), "-v", version, "calculator"}}, "no release v" + version},
	}
	for _, tc := range refused {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			assertRefused(t, script, tc.run, tc.want)
		})
	}
}

// TestInstallScriptInterrupted interrupts install.sh (SIGINT to its process
// group, as Ctrl-C does) while the archive is half downloaded: it must exit
// 130, with the older binary in BINDIR untouched and its temporary directory
// gone.
func TestInstallScriptInterrupted(t *testing.T) {
	f := snapshot(t)
	m := serveRelease(t, f)
	script := installScript(t, f)
	halfway := make(chan struct{}, 1)
	unblock := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := os.ReadFile(filepath.Join(m.good, m.tag, path.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if !strings.HasSuffix(r.URL.Path, ".tar.gz") {
			w.Write(data)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		select {
		case halfway <- struct{}{}:
		default:
		}
		select {
		case <-unblock:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(stall.Close)
	t.Cleanup(func() { close(unblock) })

	for _, r := range []installRun{
		{shell: "dash", fetcher: "curl", machine: "x86_64"},
		{shell: "busybox"},
		{shell: "bash", fetcher: "wget", machine: "x86_64"},
	} {
		t.Run(strings.TrimSpace(r.shell+" "+r.fetcher), func(t *testing.T) {
			r.args = []string{"--base-url", stall.URL, "-v", f.meta.Version, "calculator"}
			r.interrupt = halfway
			res := runInstallOver(t, script, r)
			if exit := (*exec.ExitError)(nil); !errors.As(res.err, &exit) || exit.ExitCode() != 130 {
				t.Errorf("interrupted install.sh: %v, want exit status 130; output:\n%s", res.err, res.stderr)
			}
			assertDirNames(t, res.tmpdir, nil)
		})
	}
}

// oldBinary is what a refused install must leave in BINDIR untouched.
const oldBinary = "#!/bin/sh\necho old\n"

// runInstallOver runs install.sh with a program already installed in BINDIR
// and checks that BINDIR still holds exactly that file, unchanged.
func runInstallOver(t *testing.T, script []byte, r installRun) installResult {
	t.Helper()
	bindir := filepath.Join(t.TempDir(), "bin")
	if err := os.MkdirAll(bindir, 0o755); err != nil {
		t.Fatal(err)
	}
	old := filepath.Join(bindir, "calculator")
	if err := os.WriteFile(old, []byte(oldBinary), 0o755); err != nil {
		t.Fatal(err)
	}
	r.args = append([]string{"-b", bindir}, r.args...)
	res := runInstall(t, script, r)
	assertDirNames(t, bindir, []string{"calculator"})
	if got, err := os.ReadFile(old); err != nil || string(got) != oldBinary {
		t.Errorf("the installed %s changed (%d bytes now, %v)", old, len(got), err)
	}
	return res
}

// installScript returns install.sh of f's clone (so the working tree's).
func installScript(t *testing.T, f *fixture) []byte {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(f.repo, "install.sh"))
	if err != nil {
		t.Fatal(err)
	}
	return script
}

// mustInstall runs install.sh (runInstall) and fails the test unless it
// succeeds.
func mustInstall(t *testing.T, script []byte, r installRun) installResult {
	t.Helper()
	res := runInstall(t, script, r)
	if res.err != nil {
		t.Fatalf("install.sh %q: %v\n%s", r.args, res.err, res.stderr)
	}
	return res
}

// assertRefused runs install.sh over an installed program (runInstallOver)
// and checks that it refused as install.sh refuses anything: exit status 1,
// an error line that says want, and nothing left in TMPDIR.
func assertRefused(t *testing.T, script []byte, r installRun, want string) installResult {
	t.Helper()
	res := runInstallOver(t, script, r)
	if res.err == nil {
		t.Fatalf("install.sh %q succeeded, want a refusal:\n%s", r.args, res.stderr)
	}
	if exit := (*exec.ExitError)(nil); !errors.As(res.err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("install.sh %q: %v, want exit status 1", r.args, res.err)
	}
	if line := errorLine(res.stderr); !strings.Contains(line, want) {
		t.Errorf("error line %q lacks %q; stderr:\n%s", line, want, res.stderr)
	}
	assertDirNames(t, res.tmpdir, nil)
	return res
}

// runInstall runs install.sh as `sh -s -- ARGS < install.sh` with a PATH that
// holds only the tools r names and a fake uname, a TMPDIR of its own and, if
// r.args has no -b, a BINDIR that does not exist yet.
func runInstall(t *testing.T, script []byte, r installRun) installResult {
	t.Helper()
	dir := t.TempDir()
	res := installResult{bindir: filepath.Join(dir, "bin"), tmpdir: filepath.Join(dir, "tmp")}
	if err := os.Mkdir(res.tmpdir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := toolbox(t, r)
	shell := filepath.Join(path, "sh")
	args := []string{"-s", "--"}
	if !slices.Contains(r.args, "-b") {
		args = append(args, "-b", res.bindir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	argv := append([]string{shell}, append(args, r.args...)...)
	if r.setarch != "" {
		setarch, err := exec.LookPath("setarch")
		if err != nil {
			command.Unavailable(t, "setarch (util-linux) not found in PATH (install.sh test)")
		}
		argv = append([]string{setarch, r.setarch}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...) //nolint:forbidigo // its own process group, which the interrupt case signals
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(script)
	cmd.Env = append([]string{"PATH=" + path, "TMPDIR=" + res.tmpdir, "HOME=" + dir}, r.env...)
	var stderr bytes.Buffer
	cmd.Stdout = &stderr
	cmd.Stderr = &stderr
	if r.interrupt == nil {
		res.err = cmd.Run()
		res.stderr = stderr.String()
		return res
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-r.interrupt:
		if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
			t.Errorf("interrupting install.sh: %v", err)
		}
		res.err = <-exited
	case res.err = <-exited:
		t.Errorf("install.sh ended before the interrupt: %v", res.err)
	}
	res.stderr = stderr.String()
	return res
}

// toolbox makes a directory of the programs install.sh may use, linked from
// the host (or every busybox applet, for the busybox shell), with sh being
// the shell under test and uname a fake that reports r.machine.
func toolbox(t *testing.T, r installRun) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "path")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	link := func(name, target string) {
		t.Helper()
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	host := func(name string) string {
		t.Helper()
		p, err := exec.LookPath(name)
		if err != nil {
			command.Unavailable(t, "%s not found in PATH (install.sh test)", name)
		}
		return p
	}
	if r.shell == "busybox" {
		busybox := host("busybox")
		for _, applet := range strings.Fields(command.New(busybox, "--list").Must(t)) {
			if applet != "uname" {
				link(applet, busybox)
			}
		}
	} else {
		link("sh", host(r.shell))
		for _, tool := range []string{"mktemp", "rm", "mkdir", "cp", "chmod", "mv", "tar", "gzip", "awk", "sed", "grep", "tr", "tail", "cat", "sha256sum"} {
			link(tool, host(tool))
		}
		if r.fake != "" {
			link(r.fetcher, r.fake)
		} else {
			link(r.fetcher, host(r.fetcher))
		}
	}
	if r.cosign != "" {
		link("cosign", r.cosign)
	}
	if r.machine == "" {
		if r.shell != "busybox" {
			link("uname", host("uname"))
		}
		return dir
	}
	fake := fmt.Sprintf("#!%s\ncase $1 in -m) echo %s ;; -s) echo Linux ;; *) echo 'fake uname: unexpected %s' >&2; exit 2 ;; esac\n", host("sh"), r.machine, "$*")
	if err := os.WriteFile(filepath.Join(dir, "uname"), []byte(fake), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// releaseMirror is the snapshot's release served on loopback as a GitHub
// repository's releases are:
//
//	/releases/download/vX.Y.Z/FILE   checksums.txt and the archives
//	/releases/latest                 a redirect to /releases/tag/vX.Y.Z
//	/tampered/vX.Y.Z/FILE            the same, each archive with one byte changed
//	/forged/vX.Y.Z/FILE              the tampered archives with a checksums.txt
//	                                 that matches them (what only a signature catches)
type releaseMirror struct {
	*httptest.Server
	tag                    string
	good, tampered, forged string // the served directories, each holding tag/
}

// serveRelease starts a releaseMirror of f's release.
func serveRelease(t *testing.T, f *fixture) *releaseMirror {
	t.Helper()
	m := &releaseMirror{tag: "v" + f.meta.Version, good: t.TempDir(), tampered: t.TempDir(), forged: t.TempDir()}
	for _, d := range []string{m.good, m.tampered, m.forged} {
		if err := os.Mkdir(filepath.Join(d, m.tag), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sums, err := os.ReadFile(filepath.Join(f.dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	forgedSums := string(sums)
	for _, a := range f.ofType("Archive") {
		data, err := os.ReadFile(filepath.Join(f.dist, a.Name))
		if err != nil {
			t.Fatal(err)
		}
		m.write(t, m.good, a.Name, data)
		goodSum := sha256.Sum256(data)
		data[len(data)/2] ^= 0x01
		badSum := sha256.Sum256(data)
		m.write(t, m.tampered, a.Name, data)
		m.write(t, m.forged, a.Name, data)
		forgedSums = strings.ReplaceAll(forgedSums, hex.EncodeToString(goodSum[:]), hex.EncodeToString(badSum[:]))
	}
	m.write(t, m.good, "checksums.txt", sums)
	m.write(t, m.tampered, "checksums.txt", sums)
	m.write(t, m.forged, "checksums.txt", []byte(forgedSums))

	mux := http.NewServeMux()
	mux.Handle("/releases/download/", http.StripPrefix("/releases/download", http.FileServer(http.Dir(m.good))))
	mux.Handle("/tampered/", http.StripPrefix("/tampered", http.FileServer(http.Dir(m.tampered))))
	mux.Handle("/forged/", http.StripPrefix("/forged", http.FileServer(http.Dir(m.forged))))
	mux.HandleFunc("/releases/latest", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/releases/tag/"+m.tag, http.StatusFound)
	})
	mux.HandleFunc("/releases/tag/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "<html><title>%s</title></html>\n", strings.TrimPrefix(r.URL.Path, "/releases/tag/"))
	})
	m.Server = httptest.NewServer(mux)
	t.Cleanup(m.Close)
	return m
}

// write puts a release file into dir's copy of the release.
func (m *releaseMirror) write(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, m.tag, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// hostArch returns the release architecture of this machine, which the real
// uname reports.
func hostArch(t *testing.T) string {
	t.Helper()
	switch m := command.New("uname", "-m").Must(t); m {
	case "x86_64":
		return "amd64"
	case "aarch64":
		return "arm64"
	default:
		t.Fatalf("no release for this machine (%s)", m)
		return ""
	}
}

// closedURL returns the URL of a loopback port that nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	return url
}

// errorLine returns install.sh's "install.sh: error: ..." line from stderr,
// or "".
func errorLine(stderr string) string {
	for line := range strings.Lines(stderr) {
		if strings.HasPrefix(line, "install.sh: error: ") {
			return strings.TrimSpace(line)
		}
	}
	return ""
}

// assertDirNames checks that dir holds exactly names (nil: dir is empty or
// does not exist).
func assertDirNames(t *testing.T, dir string, names []string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, sortedCopy(names)) {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}

// TestInstallScriptCosign runs install.sh with cosign on PATH against a
// checksums.txt signed here with a throwaway key and no transparency log, as
// the release rehearsal signs: the signed release installs; a checksums.txt
// forged to match tampered archives, a missing bundle and
// another key are each refused with nothing left behind. (The keyless check
// needs Sigstore's trust root from the network: TestInstallScriptKeyless
// checks what install.sh asks of cosign there.)
func TestInstallScriptCosign(t *testing.T) {
	f := snapshot(t)
	cosign := pinnedCosign(t, f)
	m := serveRelease(t, f)
	script := installScript(t, f)
	keys := t.TempDir()
	env := []string{"COSIGN_PASSWORD=", "HOME=" + keys}
	for _, name := range []string{"release", "other"} {
		if _, err := command.New(cosign, "generate-key-pair", "--output-key-prefix", name).In(keys).Env(env...).Output(); err != nil {
			t.Fatal(err)
		}
	}
	bundle := filepath.Join(keys, "checksums.txt.sigstore.json")
	if _, err := command.New(cosign, "sign-blob", "--key", filepath.Join(keys, "release.key"),
		"--use-signing-config=false", "--tlog-upload=false", "--bundle", bundle, "--yes",
		filepath.Join(m.good, m.tag, "checksums.txt")).In(keys).Env(env...).Output(); err != nil {
		t.Fatal(err)
	}
	signature, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	m.write(t, m.good, "checksums.txt.sigstore.json", signature)
	m.write(t, m.forged, "checksums.txt.sigstore.json", signature)
	version := f.meta.Version
	releaseKey := filepath.Join(keys, "release.pub")
	withKey := func(key, base string) []string {
		return []string{"--cosign-key", key, "--base-url", m.URL + base, "-v", version, "calculator"}
	}

	t.Run("good", func(t *testing.T) {
		r := installRun{shell: "dash", fetcher: "curl", machine: "x86_64", cosign: cosign, args: withKey(releaseKey, "/releases/download")}
		res := mustInstall(t, script, r)
		if !strings.Contains(res.stderr, "signature of checksums.txt verified with cosign") {
			t.Errorf("stderr does not say the signature was checked:\n%s", res.stderr)
		}
		got, err := os.ReadFile(filepath.Join(res.bindir, "calculator"))
		if err != nil || !bytes.Equal(got, releasedBinary(t, f, "calculator", "amd64")) {
			t.Errorf("installed calculator is not the archive's (%v)", err)
		}
		assertDirNames(t, res.tmpdir, nil)
	})
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"forged checksums", withKey(releaseKey, "/forged"), "the signature of checksums.txt does not verify"},
		{"no bundle", withKey(releaseKey, "/tampered"), "has no signature bundle"},
		{"other key", withKey(filepath.Join(keys, "other.pub"), "/releases/download"), "the signature of checksums.txt does not verify"},
	} {
		t.Run("refused/"+tc.name, func(t *testing.T) {
			assertRefused(t, script, installRun{shell: "dash", fetcher: "curl", machine: "x86_64", cosign: cosign, args: tc.args}, tc.want)
		})
	}
}

// TestInstallScriptKeyless checks the keyless verification install.sh asks
// cosign for, with a stand-in cosign that records its arguments (the real one
// would fetch Sigstore's trust root from the network): the bundle, the
// release workflow's identity at the tag being installed (or the one given
// with --certificate-identity) and GitHub's OIDC issuer. A cosign that fails
// stops the install.
func TestInstallScriptKeyless(t *testing.T) {
	f := snapshot(t)
	m := serveRelease(t, f)
	script := installScript(t, f)
	m.write(t, m.good, "checksums.txt.sigstore.json", []byte("{}"))
	version := f.meta.Version
	base := []string{"--base-url", m.URL + "/releases/download", "-v", version}
	for _, tc := range []struct {
		name     string
		args     []string
		identity string
		status   int
	}{
		{"release workflow", base, "https://github.com/go-multistage/multistage/.github/workflows/release.yml@refs/tags/v" + version, 0},
		{"given identity", append(slices.Clone(base), "--certificate-identity", "https://example.test/mirror.yml@refs/heads/main"), "https://example.test/mirror.yml@refs/heads/main", 0},
		{"cosign fails", base, "https://github.com/go-multistage/multistage/.github/workflows/release.yml@refs/tags/v" + version, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			record := filepath.Join(dir, "args")
			fake := filepath.Join(dir, "cosign")
			body := fmt.Sprintf("#!/bin/sh\nprintf '%%s\\n' \"$@\" >%s\nexit %d\n", record, tc.status)
			if err := os.WriteFile(fake, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
			r := installRun{shell: "dash", fetcher: "curl", machine: "x86_64", cosign: fake, args: append(slices.Clone(tc.args), "calculator")}
			var res installResult
			if tc.status == 0 {
				res = mustInstall(t, script, r)
			} else {
				res = assertRefused(t, script, r, "the signature of checksums.txt does not verify")
			}
			data, err := os.ReadFile(record)
			if err != nil {
				t.Fatalf("cosign was not run: %v", err)
			}
			args := strings.Split(strings.TrimSpace(string(data)), "\n")
			tmp := strings.TrimSuffix(args[len(args)-1], "/checksums.txt")
			want := []string{"verify-blob", "--bundle", tmp + "/checksums.txt.sigstore.json",
				"--certificate-identity", tc.identity,
				"--certificate-oidc-issuer", "https://token.actions.githubusercontent.com",
				tmp + "/checksums.txt"}
			if !slices.Equal(args, want) || !strings.HasPrefix(tmp, res.tmpdir+"/") {
				t.Errorf("cosign ran with %q, want %q (in TMPDIR %s)", args, want, res.tmpdir)
			}
			assertDirNames(t, res.tmpdir, nil)
		})
	}
}

// pinnedCosign returns the cosign pinned in tools/cosign (built once), or
// E2E_COSIGN when set. It skips while the repository pins no cosign.
func pinnedCosign(t *testing.T, f *fixture) string {
	t.Helper()
	if path := os.Getenv("E2E_COSIGN"); path != "" {
		return path
	}
	mod := filepath.Join(f.repo, "tools", "cosign")
	if _, err := os.Stat(filepath.Join(mod, "go.mod")); err != nil {
		t.Skip("tools/cosign/go.mod pins no cosign")
	}
	path, err := command.New("go", "tool", "-n", "cosign").In(mod).Env("GOWORK=off").Output()
	if err != nil {
		t.Fatalf("building the pinned cosign: %v", err)
	}
	return path
}
