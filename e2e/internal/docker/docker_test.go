package docker

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The fixtures are real output of a 20.10 engine (through a 28.x client):
// testdata/image-inspect.json of `docker image inspect hello:dev
// calculator:dev`, container-running.json of a hardened hello container
// once healthy, container-exited.json of the calculator after '1 / 0'.

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestParseImages(t *testing.T) {
	images, err := ParseImages(readFixture(t, "image-inspect.json"))
	if err != nil || len(images) != 2 {
		t.Fatalf("ParseImages: %d images, %v; want 2", len(images), err)
	}
	tests := []struct {
		img         Image
		tag         string
		size        int64
		entrypoint  string
		healthcheck []string
		port        string
	}{
		{images[0], "hello:dev", 9050033, "/usr/local/bin/hello", []string{"CMD", "/usr/local/bin/hello", "healthcheck"}, "80/tcp"},
		{images[1], "calculator:dev", 1806498, "/usr/local/bin/calculator", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			c := tt.img.Config
			if !strings.HasPrefix(tt.img.ID, "sha256:") || !slices.Equal(tt.img.RepoTags, []string{tt.tag}) {
				t.Errorf("ID %q, tags %q; want sha256:..., [%s]", tt.img.ID, tt.img.RepoTags, tt.tag)
			}
			if got := tt.img.Platform(); got != "linux/amd64" {
				t.Errorf("Platform() = %q, want linux/amd64", got)
			}
			if tt.img.Size != tt.size || c.User != "65532:65532" || !slices.Equal(c.Entrypoint, []string{tt.entrypoint}) || c.Cmd != nil {
				t.Errorf("size %d, user %q, entrypoint %q, cmd %q; want %d, 65532:65532, [%s], none",
					tt.img.Size, c.User, c.Entrypoint, c.Cmd, tt.size, tt.entrypoint)
			}
			if got := c.Labels["org.opencontainers.image.source"]; got != "https://github.com/go-multistage/multistage" {
				t.Errorf("source label %q", got)
			}
			if (c.Healthcheck == nil) != (tt.healthcheck == nil) || (c.Healthcheck != nil && !slices.Equal(c.Healthcheck.Test, tt.healthcheck)) {
				t.Errorf("health check %+v, want %q", c.Healthcheck, tt.healthcheck)
			}
			if _, ok := c.ExposedPorts[tt.port]; ok != (tt.port != "") || len(c.ExposedPorts) > 1 {
				t.Errorf("exposed ports %v, want %q", c.ExposedPorts, tt.port)
			}
		})
	}
	if _, err := ParseImages([]byte("Error: No such image: x\n")); err == nil {
		t.Error("ParseImages of an error message: no error")
	}
}

func TestPlatform(t *testing.T) {
	tests := []struct {
		img  Image
		want string
	}{
		{Image{Os: "linux", Architecture: "arm64"}, "linux/arm64"},
		{Image{Os: "linux", Architecture: "arm", Variant: "v7"}, "linux/arm/v7"},
	}
	for _, tt := range tests {
		if got := tt.img.Platform(); got != tt.want {
			t.Errorf("Platform() = %q, want %q", got, tt.want)
		}
	}
}

func TestParseContainers(t *testing.T) {
	tests := []struct {
		file     string
		running  bool
		exitCode int
		health   string
		readOnly bool
		memory   int64
		pids     int64
	}{
		{"container-running.json", true, 0, "healthy", true, 64 << 20, 128},
		{"container-exited.json", false, 1, "", false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			cs, err := ParseContainers(readFixture(t, tt.file))
			if err != nil || len(cs) != 1 {
				t.Fatalf("ParseContainers: %d, %v; want 1 container", len(cs), err)
			}
			c := cs[0]
			s := c.State
			if s.Running != tt.running || s.ExitCode != tt.exitCode || s.StartedAt.IsZero() || s.FinishedAt.IsZero() == !tt.running {
				t.Errorf("state %+v; want running %v, exit code %d, start time set, finish time set once exited", s, tt.running, tt.exitCode)
			}
			health := ""
			if s.Health != nil {
				health = s.Health.Status
				if len(s.Health.Log) == 0 || s.Health.Log[0].Output != "hello healthcheck: healthy\n" {
					t.Errorf("health log %+v", s.Health.Log)
				}
			}
			pids := int64(0)
			if c.HostConfig.PidsLimit != nil {
				pids = *c.HostConfig.PidsLimit
			}
			if health != tt.health || c.HostConfig.ReadonlyRootfs != tt.readOnly || c.HostConfig.Memory != tt.memory || pids != tt.pids {
				t.Errorf("health %q, read-only %v, memory %d, pids %d; want %q, %v, %d, %d",
					health, c.HostConfig.ReadonlyRootfs, c.HostConfig.Memory, pids, tt.health, tt.readOnly, tt.memory, tt.pids)
			}
			if c.Config.User != "65532:65532" {
				t.Errorf("user %q, want the image's 65532:65532", c.Config.User)
			}
			if _, ok := c.Config.Labels[Label]; !ok {
				t.Errorf("labels %v: no %s", c.Config.Labels, Label)
			}
		})
	}
}

// fakeDocker puts a docker command first in PATH for the rest of the test:
// a shell script that appends its arguments to a log, one line a call, then
// runs script. It returns the log's path.
func fakeDocker(t *testing.T, script string) string {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	body := fmt.Sprintf("#!/bin/sh\necho \"$*\" >>'%s'\n%s\n", log, script)
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return log
}

func calls(t *testing.T, log string) []string {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(data)), "\n")
}

func TestLookupImage(t *testing.T) {
	fixture, err := filepath.Abs(filepath.Join("testdata", "image-inspect.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The calculator's entry alone, as docker prints one image.
	var both []json.RawMessage
	if err := json.Unmarshal(readFixture(t, "image-inspect.json"), &both); err != nil || len(both) != 2 {
		t.Fatalf("fixture: %v", err)
	}
	one := filepath.Join(t.TempDir(), "one.json")
	if err := os.WriteFile(one, []byte("["+string(both[1])+"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		script   string
		wantID   string
		notFound bool
		errHas   string
	}{
		{"found", "cat " + one,
			"sha256:d8a5e2e441aa", false, ""},
		{"missing, 20.10 client", `echo '[]'; echo 'Error: No such image: x:1' >&2; exit 1`, "", true, "image x:1: not found"},
		{"missing, 28.x client", `echo '[]'; echo 'Error response from daemon: no such image: x:1: No such image: x:1' >&2; exit 1`, "", true, ""},
		{"no engine", `echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2; exit 1`,
			"", false, "docker image inspect x:1: exit 1"},
		{"two images for one name", `cat ` + fixture, "", false, "2 images, want 1"},
		{"not JSON", `echo 'WARNING: something'`, "", false, "reading docker image inspect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := fakeDocker(t, tt.script)
			img, err := LookupImage("x:1")
			if got := calls(t, log); !slices.Equal(got, []string{"image inspect x:1"}) {
				t.Errorf("docker called with %q, want [image inspect x:1]", got)
			}
			if tt.wantID != "" {
				if err != nil || !strings.HasPrefix(img.ID, tt.wantID) {
					t.Fatalf("LookupImage = %s, %v; want %s...", img.ID, err, tt.wantID)
				}
				return
			}
			if err == nil || errors.Is(err, ErrNotFound) != tt.notFound || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("LookupImage error %v; want one that is ErrNotFound: %v, saying %q", err, tt.notFound, tt.errHas)
			}
		})
	}
}

func TestRemoveImages(t *testing.T) {
	tests := []struct {
		name   string
		script string
		errHas string // "" for no error
	}{
		{"removed", `echo 'Untagged: a:1'; echo 'Deleted: sha256:0123'`, ""},
		// With -f, docker exits 0 and still says so for a missing image.
		{"one missing", `echo 'Untagged: a:1'; echo 'Error: No such image: b:2' >&2`, ""},
		{"a conflict", `echo 'Error response from daemon: conflict: unable to delete 0123 (cannot be forced) - image is being used by running container 4567' >&2; exit 1`,
			"docker image rm -f a:1 b:2: exit status 1: Error response from daemon: conflict"},
		{"a conflict among missing ones", `echo 'Error: No such image: a:1' >&2; echo 'Error: conflict: unable to delete' >&2`,
			"exit status 0: Error: conflict: unable to delete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := fakeDocker(t, tt.script)
			err := RemoveImages("a:1", "b:2")
			if got := calls(t, log); !slices.Equal(got, []string{"image rm -f a:1 b:2"}) {
				t.Errorf("docker called with %q, want one image rm -f a:1 b:2", got)
			}
			if (err != nil) != (tt.errHas != "") || (err != nil && !strings.Contains(err.Error(), tt.errHas)) {
				t.Errorf("RemoveImages: %v; want an error saying %q", err, tt.errHas)
			}
			if strings.Contains(fmt.Sprint(err), "No such image") {
				t.Errorf("the error quotes a missing image, which is no error: %v", err)
			}
		})
	}
	if err := RemoveImages(); err != nil {
		t.Errorf("RemoveImages(): %v", err)
	}
}

func TestStartRemovesTheContainer(t *testing.T) {
	log := fakeDocker(t, `case $1 in run) echo 0123abcd ;; esac`)
	t.Run("test", func(t *testing.T) {
		if id := Start(t, "-p", "127.0.0.1::80", "hello:dev"); id != "0123abcd" {
			t.Errorf("Start = %q, want the id docker printed", id)
		}
	})
	want := []string{"run -d --label " + Label + " -p 127.0.0.1::80 hello:dev", "rm -f -v 0123abcd"}
	if got := calls(t, log); !slices.Equal(got, want) {
		t.Errorf("docker calls %q, want %q", got, want)
	}
}

func TestLoopbackAddr(t *testing.T) {
	tests := []struct {
		out, want string
	}{
		{"127.0.0.1:49153\n", "127.0.0.1:49153"},
		{"0.0.0.0:49153\n[::]:49153\n127.0.0.1:49154\n", "127.0.0.1:49154"},
		{"0.0.0.0:49153\n", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, err := loopbackAddr(tt.out)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q", tt.out, got, err, tt.want)
		}
	}
}

func TestRegularFile(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range []*tar.Header{
		{Name: "bin/", Typeflag: tar.TypeDir, Mode: 0o755},
		{Name: "bin/hello", Typeflag: tar.TypeSymlink, Linkname: "busybox"},
		{Name: "bin/busybox", Typeflag: tar.TypeReg, Mode: 0o755, Size: 5},
	} {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte("\x7fELF\n"))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := regularFile(buf.Bytes()); err != nil || string(got) != "\x7fELF\n" {
		t.Errorf("regularFile = %q, %v; want the regular file's content", got, err)
	}
	if _, err := regularFile([]byte("Error: No such container:path: /usr/local/bin/hello\n")); err == nil {
		t.Error("regularFile of an error message: no error")
	}
}

func TestWaitHTTPAndHealthy(t *testing.T) {
	running, err := filepath.Abs(filepath.Join("testdata", "container-running.json"))
	if err != nil {
		t.Fatal(err)
	}
	fakeDocker(t, "cat "+running)
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if n.Add(1) < 3 {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "Hello from Multi-Stage Build!")
	}))
	defer srv.Close()
	start := time.Now()
	if got := WaitHTTP(t, "c", srv.URL); got != "Hello from Multi-Stage Build!" || n.Load() != 3 {
		t.Errorf("WaitHTTP = %q after %d requests; want the body of the third", got, n.Load())
	}
	WaitHealthy(t, "c") // the fixture is healthy: returns at once
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("waits took %v", took)
	}
}

func TestUniqueName(t *testing.T) {
	a, b := UniqueName("calc"), UniqueName("calc")
	if a == b || !strings.HasPrefix(a, "e2e-calc-") || len(a) != len("e2e-calc-")+8 {
		t.Errorf("UniqueName: %q, %q; want two different e2e-calc-<8 hex digits>", a, b)
	}
}

func TestBuildImage(t *testing.T) {
	one := filepath.Join(t.TempDir(), "one.json")
	if err := os.WriteFile(one, []byte(`[{"Id": "sha256:0123", "Os": "linux", "Architecture": "amd64"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	log := fakeDocker(t, `if [ "$1 $2" = "image inspect" ]; then cat `+one+`; fi`)
	root := t.TempDir()
	script := filepath.Join(root, "scripts", "docker-build.sh")
	if err := os.MkdirAll(filepath.Dir(script), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"build $*\" >>'"+log+"'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GO_IMAGE", "go-standin:local")
	t.Setenv("ALPINE_IMAGE", "") // unset: the Dockerfile's default
	var tag string
	t.Run("test", func(t *testing.T) {
		tag = BuildImage(t, Build{
			Root: root, Context: "/ctx", Dockerfile: "/ctx/Dockerfile.hello", Target: "release-scratch",
			Platform: "linux/amd64", Args: map[string]string{"VERSION": "v1.2.3"},
		})
	})
	if !strings.HasPrefix(tag, "e2e-build-") || !strings.HasSuffix(tag, ":test") {
		t.Errorf("tag %q, want a unique e2e-build-...:test", tag)
	}
	got := calls(t, log)
	want := []string{
		"image inspect go-standin:local",
		"build --progress=plain -f /ctx/Dockerfile.hello -t " + tag + " --target release-scratch --platform linux/amd64 --build-arg GO_IMAGE=go-standin:local --build-arg VERSION=v1.2.3 /ctx",
		"image rm -f " + tag,
	}
	// The engine check (docker info) runs once per test binary, maybe here.
	got = slices.DeleteFunc(got, func(c string) bool { return strings.HasPrefix(c, "info ") })
	if !slices.Equal(got, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// A base image in Args replaces the environment's, and is checked.
	if err := os.Truncate(log, 0); err != nil {
		t.Fatal(err)
	}
	t.Run("args", func(t *testing.T) {
		tag = BuildImage(t, Build{Root: root, Context: "/ctx", Dockerfile: "/ctx/Dockerfile.calculator", Args: map[string]string{"GO_IMAGE": "older:local"}})
	})
	got = slices.DeleteFunc(calls(t, log), func(c string) bool { return strings.HasPrefix(c, "info ") })
	want = []string{
		"image inspect older:local",
		"build --progress=plain -f /ctx/Dockerfile.calculator -t " + tag + " --build-arg GO_IMAGE=older:local /ctx",
		"image rm -f " + tag,
	}
	if !slices.Equal(got, want) {
		t.Errorf("calls with GO_IMAGE in Args:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
