package docker

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// Image is what the tests read of `docker image inspect`.
type Image struct {
	ID           string `json:"Id"`
	RepoTags     []string
	Os           string
	Architecture string
	Variant      string
	Size         int64
	Config       ImageConfig
}

// ImageConfig is the configuration an image's containers start with.
type ImageConfig struct {
	User         string
	Entrypoint   []string
	Cmd          []string
	Env          []string
	ExposedPorts map[string]struct{} // "80/tcp"
	Labels       map[string]string
	Healthcheck  *Healthcheck
}

// Healthcheck is an image's HEALTHCHECK.
type Healthcheck struct {
	Test []string // ["CMD", ...] (exec form), ["CMD-SHELL", ...] or ["NONE"]
}

// Platform returns the image's platform: os/architecture[/variant].
func (i Image) Platform() string {
	p := i.Os + "/" + i.Architecture
	if i.Variant != "" {
		p += "/" + i.Variant
	}
	return p
}

// Container is what the tests read of `docker inspect` of a container.
type Container struct {
	ID     string `json:"Id"`
	Name   string
	Image  string // the image's ID
	State  State
	Config struct {
		User   string
		Image  string // the image as named at docker run
		Labels map[string]string
	}
	HostConfig struct {
		ReadonlyRootfs bool
		CapDrop        []string
		Memory         int64  // bytes; 0 for no limit
		PidsLimit      *int64 // nil or 0 for no limit
	}
}

// State is a container's state.
type State struct {
	Status     string // created, running, exited...
	Running    bool
	ExitCode   int
	StartedAt  time.Time
	FinishedAt time.Time
	Health     *Health // nil without a health check
}

// Health is a container's health status and its last probes.
type Health struct {
	Status string // starting, healthy or unhealthy
	Log    []struct {
		ExitCode int
		Output   string
	}
}

// ParseImages reads the JSON array that `docker image inspect` prints.
func ParseImages(data []byte) ([]Image, error) {
	var images []Image
	if err := json.Unmarshal(data, &images); err != nil {
		return nil, fmt.Errorf("reading docker image inspect: %w", err)
	}
	return images, nil
}

// ParseContainers reads the JSON array that `docker inspect --type
// container` prints.
func ParseContainers(data []byte) ([]Container, error) {
	var cs []Container
	if err := json.Unmarshal(data, &cs); err != nil {
		return nil, fmt.Errorf("reading docker inspect: %w", err)
	}
	return cs, nil
}

// LookupImage inspects the image ref. Its error wraps ErrNotFound when the
// engine has no such image.
func LookupImage(ref string) (Image, error) {
	c := Command("image", "inspect", ref)
	r, err := c.Exec()
	if err != nil {
		return Image{}, err
	}
	if r.Code != 0 {
		if isNotFound(r.Stderr) {
			return Image{}, fmt.Errorf("image %s: %w", ref, ErrNotFound)
		}
		return Image{}, fmt.Errorf("%s: %s", c, r)
	}
	images, err := ParseImages([]byte(r.Stdout))
	if err == nil && len(images) != 1 {
		err = fmt.Errorf("%d images, want 1", len(images))
	}
	if err != nil {
		return Image{}, fmt.Errorf("%s: %w", c, err)
	}
	return images[0], nil
}

// FindImage inspects the image ref and reports whether the engine has it;
// any other failure fails tb.
func FindImage(tb testing.TB, ref string) (Image, bool) {
	tb.Helper()
	img, err := LookupImage(ref)
	switch {
	case err == nil:
		return img, true
	case errors.Is(err, ErrNotFound):
		return Image{}, false
	}
	tb.Fatal(err)
	return Image{}, false
}

// InspectImage inspects an image the test needs; a missing one fails tb.
func InspectImage(tb testing.TB, ref string) Image {
	tb.Helper()
	img, err := LookupImage(ref)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// InspectContainer inspects a container; a missing one fails tb.
func InspectContainer(tb testing.TB, container string) Container {
	tb.Helper()
	out := Must(tb, "inspect", "--type", "container", container)
	cs, err := ParseContainers([]byte(out))
	if err == nil && len(cs) != 1 {
		err = fmt.Errorf("%d containers, want 1", len(cs))
	}
	if err != nil {
		tb.Fatalf("docker inspect %s: %v", container, err)
	}
	return cs[0]
}

// CopyFromImage returns the content of one regular file of the image ref,
// copied out of a container that is created but never started (so it works
// for any platform's image, and for images without a shell).
func CopyFromImage(tb testing.TB, ref, file string) []byte {
	tb.Helper()
	id := Must(tb, "create", "--label", Label, ref)
	defer func() {
		if _, err := Command("rm", "-v", id).Output(); err != nil {
			tb.Error(err)
		}
	}()
	r := Run(tb, "cp", id+":"+file, "-")
	if r.Code != 0 {
		tb.Fatalf("docker cp %s:%s -: %s", ref, file, r)
	}
	data, err := regularFile([]byte(r.Stdout)) // raw: a tar stream is not trimmed
	if err != nil {
		tb.Fatalf("docker cp %s:%s: %v", ref, file, err)
	}
	return data
}

// regularFile returns the content of the first regular file in a tar
// stream, as docker cp CONTAINER:FILE - writes one.
func regularFile(stream []byte) ([]byte, error) {
	tr := tar.NewReader(bytes.NewReader(stream))
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("no regular file in the stream: %w", err)
		}
		if h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

// get fetches url once, without keep-alive (so nothing is retried behind
// the caller's back), and returns the body of a 200 answer.
func get(url string) (string, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || err != nil {
		return "", fmt.Errorf("status %d, body %q, read error %v", resp.StatusCode, body, err)
	}
	return string(body), nil
}
