package harness

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// docker runs the Docker CLI against an engine that answered.
type docker struct {
	version string
	// build is the repository's scripts/docker-build.sh, the one place
	// that picks the builder (buildx, or BuildKit in an older client).
	build string
}

// findDocker returns a client for a running engine that builds with the
// scripts of the repository at root, or nil and the reason there is none.
func findDocker(ctx context.Context, root string) (*docker, string) {
	if _, err := exec.LookPath("docker"); err != nil {
		return nil, "no docker command"
	}
	out, err := command(ctx, "", nil, "docker", "info", "--format", "{{.ServerVersion}}")
	v := strings.TrimSpace(string(out))
	if err != nil || v == "" {
		return nil, "no engine (docker info does not answer)"
	}
	d := &docker{version: v, build: filepath.Join(root, "scripts", "docker-build.sh")}
	if !isExecutable(d.build) {
		return nil, d.build + " is missing: the harness builds images through it"
	}
	return d, ""
}

func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode()&0o111 != 0
}

// imageInfo is what the harness reads of an image.
type imageInfo struct {
	Size   int64
	RootFS struct {
		Layers []string
	}
	Config struct {
		ExposedPorts map[string]struct{} // "80/tcp"
	}
}

// tcpPort returns the lowest TCP port the image exposes.
func (i imageInfo) tcpPort() (int, bool) {
	port := 0
	for p := range i.Config.ExposedPorts {
		n, proto, _ := strings.Cut(p, "/")
		v, err := strconv.Atoi(n)
		if err != nil || (proto != "tcp" && proto != "") {
			continue
		}
		if port == 0 || v < port {
			port = v
		}
	}
	return port, port != 0
}

// inspect returns an image's size and layers; ok is false if the engine has
// no such image.
func (d *docker) inspect(ctx context.Context, image string) (info imageInfo, ok bool, err error) {
	cmd := exec.CommandContext(ctx, "docker", "image", "inspect", image)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(strings.ToLower(stderr.String()), "no such image") {
			return info, false, nil
		}
		return info, false, fmt.Errorf("docker image inspect %s: %w: %s", image, err, tail(stderr.String(), 500))
	}
	var infos []imageInfo
	if err := json.Unmarshal(out, &infos); err != nil || len(infos) != 1 {
		return info, false, fmt.Errorf("docker image inspect %s: unexpected output: %v", image, err)
	}
	return infos[0], true, nil
}

// inspectExisting is inspect for an image that must be there.
func (d *docker) inspectExisting(ctx context.Context, image string) (imageInfo, error) {
	info, ok, err := d.inspect(ctx, image)
	if err == nil && !ok {
		err = fmt.Errorf("image %s is not in the engine", image)
	}
	return info, err
}

// buildImage builds tag from dockerfile (its last stage) with the build
// context dir, with the base images as build arguments.
func (d *docker) buildImage(ctx context.Context, dir, dockerfile, tag string, buildArgs map[string]string) error {
	args := []string{"-f", dockerfile, "-t", tag}
	for k, v := range buildArgs {
		args = append(args, "--build-arg", k+"="+v)
	}
	args = append(args, dir)
	_, err := command(ctx, "", nil, d.build, args...)
	return err
}

// baseImages returns the base images our images were built from: GO_IMAGE
// and ALPINE_IMAGE of the configuration and, for either one not set, the
// repository's `scripts/machine/standins.sh env`, if the script exists, which builds
// the offline stand-in bases when they are missing and prints both as
// shell assignments. Either may still be empty.
func (h *Harness) baseImages(ctx context.Context) (goImage, alpineImage string, err error) {
	goImage, alpineImage = h.cfg.GoImage, h.cfg.AlpineImage
	script := filepath.Join(h.cfg.Root, "scripts", "machine", "standins.sh")
	if goImage != "" && alpineImage != "" || !isExecutable(script) {
		return goImage, alpineImage, nil
	}
	h.logf("   GO_IMAGE/ALPINE_IMAGE not set: asking %s", script)
	out, err := command(ctx, h.cfg.Root, nil, script, "env")
	if err != nil {
		return "", "", err
	}
	vars := parseAssignments(out)
	return cmp.Or(goImage, vars["GO_IMAGE"]), cmp.Or(alpineImage, vars["ALPINE_IMAGE"]), nil
}

// parseAssignments reads NAME=VALUE lines (optionally "export NAME=VALUE",
// VALUE optionally quoted) and ignores everything else.
func parseAssignments(out []byte) map[string]string {
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		line = strings.TrimPrefix(line, "export ")
		k, v, ok := strings.Cut(line, "=")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		vars[k] = v
	}
	return vars
}
