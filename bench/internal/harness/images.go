package harness

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-multistage/multistage/bench/internal/chart"
	"github.com/go-multistage/multistage/bench/internal/markdown"
	"github.com/go-multistage/multistage/bench/internal/report"
)

// Targets of issue 7 for image sizes, in bytes.
const (
	targetCalculatorScratch = 1.90e6
	targetHelloScratch      = 7.0e6
)

// Reference sizes of the real bases, which cannot be pulled here.
const (
	realAlpineBytes = 7.8e6
	realAlpineSize  = "about 7.8 MB (alpine:3.22, linux/amd64)"
	realGoSize      = "about 0.8–0.9 GB (golang images; the seed quotes 900 MB)"
)

// image is one image of the comparison.
type image struct {
	tag, label string
	flavour    string // "alpine", "scratch" or "go"
	ours       bool
	// maxSize is the size target in bytes, 0 for none.
	maxSize float64
	// serves: a server image, whose docker stop is timed (item 4b).
	serves bool
	// For seed-shaped images: the program's folder in bench/baseline (the
	// build context) and the seed shape's Dockerfile there.
	program, dockerfile string
	// For ours: the seed-shaped image of the same flavour.
	counterpart string
	// Measured.
	size   int64
	layers []string
}

const seedRepo = "seed-baseline"

// comparedImages lists the images of item 1 for our images' tag ("dev"
// unless IMAGE_TAG says otherwise, as in scripts/build-images.sh). With
// another tag, the seed-shaped images carry it too (seed-baseline:TAG-000-alpine),
// so that runs with different tags build and time only their own images.
func comparedImages(tag string) []*image {
	seed := func(shape string) string {
		if tag == "dev" {
			return seedRepo + ":" + shape
		}
		return seedRepo + ":" + tag + "-" + shape
	}
	return []*image{
		{tag: "hello:" + tag, label: "hello (alpine)", flavour: "alpine", ours: true, serves: true, counterpart: seed("000-alpine")},
		{tag: "hello:" + tag + "-scratch", label: "hello (scratch)", flavour: "scratch", ours: true, serves: true, maxSize: targetHelloScratch, counterpart: seed("000-scratch")},
		{tag: "calculator:" + tag, label: "calculator (scratch)", flavour: "scratch", ours: true, maxSize: targetCalculatorScratch, counterpart: seed("004-scratch")},
		{tag: "calculator:" + tag + "-alpine", label: "calculator (alpine)", flavour: "alpine", ours: true, counterpart: seed("004-alpine")},
		{tag: seed("000-single"), label: "seed 000 single-stage", flavour: "go", program: "seedserver", dockerfile: "Dockerfile.000-single"},
		{tag: seed("000-alpine"), label: "seed 000 multi-stage (alpine)", flavour: "alpine", serves: true, program: "seedserver", dockerfile: "Dockerfile.000-alpine"},
		{tag: seed("000-scratch"), label: "seed 000 program, scratch", flavour: "scratch", serves: true, program: "seedserver", dockerfile: "Dockerfile.004-scratch"},
		{tag: seed("004-scratch"), label: "seed 004 multi-stage (scratch)", flavour: "scratch", program: "seedcalc", dockerfile: "Dockerfile.004-scratch"},
		{tag: seed("004-alpine"), label: "seed 004 program, alpine", flavour: "alpine", program: "seedcalc", dockerfile: "Dockerfile.000-alpine"},
	}
}

// imageSizes builds the seed-shaped images from the same bases as ours and
// compares sizes (item 1).
func (h *Harness) imageSizes(ctx context.Context, s *report.Section) error {
	tag := h.imageTag()
	s.Method = "Sizes as `docker image inspect` reports them (uncompressed, all layers; MB = 10⁶ bytes). " +
		"Ours are the images the repository's build made (`hello:" + tag + "`, `hello:" + tag + "-scratch`, `calculator:" + tag + "`, `calculator:" + tag + "-alpine`); " +
		"the seed-shaped ones are built now from the seeds' programs and Dockerfiles in `bench/baseline/` with the same GO_IMAGE and ALPINE_IMAGE. " +
		"Each of ours is compared with the seed program in the same flavour: seed 000's alpine image and seed 004's scratch image as the seeds wrote them, " +
		"and the other two flavours in the other seed's shape (the other seed's Dockerfile)."
	d := h.docker
	if d == nil {
		return h.unavailable(s, h.noDocker)
	}
	goImage, alpineImage, err := h.baseImages(ctx)
	if err != nil {
		return err
	}
	if goImage == "" || alpineImage == "" {
		return h.unavailable(s, "GO_IMAGE and ALPINE_IMAGE are not set and scripts/machine/standins.sh gave none: the base images of our images are unknown")
	}
	bases := map[string]*image{"go": {tag: goImage}, "alpine": {tag: alpineImage}}
	for _, b := range bases {
		info, err := d.inspectExisting(ctx, b.tag)
		if err != nil {
			return err
		}
		b.size, b.layers = info.Size, info.RootFS.Layers
	}

	images := comparedImages(tag)
	var missing []string
	for _, im := range images {
		if !im.ours {
			continue
		}
		info, ok, err := d.inspect(ctx, im.tag)
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, im.tag)
		}
		im.size, im.layers = info.Size, info.RootFS.Layers
	}
	if len(missing) > 0 {
		return h.unavailable(s, "our images are not built: "+strings.Join(missing, ", ")+" (build them with scripts/build-images.sh)")
	}
	args := map[string]string{"GO_IMAGE": goImage, "ALPINE_IMAGE": alpineImage}
	byTag := map[string]*image{}
	for _, im := range images {
		byTag[im.tag] = im
		if im.ours {
			continue
		}
		h.logf("   docker build %s", im.tag)
		baseline := filepath.Join(h.cfg.Bench, "baseline")
		if err := d.buildImage(ctx, filepath.Join(baseline, im.program), filepath.Join(baseline, im.dockerfile), im.tag, args); err != nil {
			return err
		}
		info, err := d.inspectExisting(ctx, im.tag)
		if err != nil {
			return err
		}
		im.size, im.layers = info.Size, info.RootFS.Layers
	}
	h.seedImages = true

	for _, im := range images {
		if !im.ours {
			continue
		}
		if im.maxSize > 0 {
			s.Add(im.tag+" size", "≤ "+mb(im.maxSize), mb(float64(im.size)), report.Verdict(float64(im.size) <= im.maxSize))
		}
		c := byTag[im.counterpart]
		s.Add(fmt.Sprintf("%s vs %s", im.tag, c.label), "smaller",
			fmt.Sprintf("%s vs %s (%+.0f %%)", mb(float64(im.size)), mb(float64(c.size)), 100*(float64(im.size)/float64(c.size)-1)),
			report.Verdict(im.size < c.size))
	}
	single := images[slices.IndexFunc(images, func(im *image) bool { return im.flavour == "go" })]
	s.Add("seed 000 single-stage", "", mb(float64(single.size)), report.Info)
	for _, im := range images {
		if b := bases[im.flavour]; b != nil {
			ok := hasPrefix(im.layers, b.layers)
			s.Add(im.tag+" is built on "+b.tag, "its layers first", yesNo(ok), report.Verdict(ok))
		}
	}

	var rows [][]string
	for _, im := range images {
		who := "seed-shaped, built now"
		if im.ours {
			who = "ours"
		}
		rows = append(rows, []string{"`" + im.tag + "`", im.label, im.flavour, who, mb(float64(im.size))})
	}
	// The chart puts each of ours above its counterpart, the single-stage
	// image last.
	bar := func(im *image) chart.Bar {
		return chart.Bar{Label: im.label, Value: float64(im.size) / 1e6, Text: mb(float64(im.size)), Ours: im.ours}
	}
	for _, im := range images {
		if im.ours {
			h.sizeBars = append(h.sizeBars, bar(im), bar(byTag[im.counterpart]))
		}
	}
	h.sizeBars = append(h.sizeBars, bar(single))
	s.Details = markdown.Table([]string{"Image", "What", "Flavour", "Whose", "Size"}, rows) + "\n" +
		fmt.Sprintf("Bases: `%s` (stand-in for alpine) is %s; the real alpine base is %s, so with it every alpine-flavoured image above, ours and the seeds' alike, "+
			"would be about %s larger, and comparisons within a flavour would not change. "+
			"`%s` (stand-in for the Go image) is %s; the real Go images are %s.\n",
			alpineImage, mb(float64(bases["alpine"].size)), realAlpineSize, mb(realAlpineBytes-float64(bases["alpine"].size)),
			goImage, mb(float64(bases["go"].size)), realGoSize)
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// hasPrefix reports whether the image's layers start with the base's.
func hasPrefix(layers, base []string) bool {
	return len(base) > 0 && len(layers) >= len(base) && slices.Equal(layers[:len(base)], base)
}

// stopTimeout is how long docker stop waits before it kills.
const stopTimeout = 10 * time.Second

// dockerStop times `docker stop` of the server images (item 4, second part).
func (h *Harness) dockerStop(ctx context.Context, s *report.Section) error {
	s.Method = "Each server image runs detached with its port published on loopback; once `GET /` answers 200, " +
		"`docker stop` (SIGTERM to PID 1, SIGKILL after 10 s) is timed and the container's exit code read. No load: this shows how PID 1 handles SIGTERM. " +
		"The time includes the Docker client's and engine's own work (several hundred milliseconds on a busy machine), so it is shown, not judged; the target is a clean exit 0 without the kill."
	if h.docker == nil {
		return h.unavailable(s, h.noDocker)
	}
	if !h.seedImages {
		return h.unavailable(s, "the images of item 1 were not available")
	}
	for _, c := range comparedImages(h.imageTag()) {
		if !c.serves {
			continue
		}
		took, code, err := h.stopOnce(ctx, c.tag)
		if err != nil {
			return err
		}
		measured := fmt.Sprintf("%.2f s, exit %d", took.Seconds(), code)
		if c.ours {
			s.Add("docker stop "+c.tag, "exit 0, before the kill at 10 s", measured, report.Verdict(code == 0 && took < stopTimeout))
		} else {
			s.Add("docker stop "+c.tag, "", measured, report.Info)
		}
	}
	return nil
}

// stopOnce runs image, waits until it serves on the port it exposes, and
// times docker stop.
func (h *Harness) stopOnce(ctx context.Context, image string) (time.Duration, int, error) {
	info, err := h.docker.inspectExisting(ctx, image)
	if err != nil {
		return 0, 0, err
	}
	port, ok := info.tcpPort()
	if !ok {
		return 0, 0, fmt.Errorf("image %s exposes no TCP port", image)
	}
	name := fmt.Sprintf("bench-stop-%d-%d", os.Getpid(), time.Now().UnixNano())
	if _, err := command(ctx, "", nil, "docker", "run", "-d", "--name", name, "-p", "127.0.0.1::"+strconv.Itoa(port), image); err != nil {
		return 0, 0, err
	}
	defer func() { _, _ = command(context.WithoutCancel(ctx), "", nil, "docker", "rm", "-f", name) }() // best effort
	out, err := command(ctx, "", nil, "docker", "port", name, strconv.Itoa(port)+"/tcp")
	if err != nil {
		return 0, 0, err
	}
	hostPort := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	if err := waitHTTP(ctx, "http://"+hostPort+"/", 20*time.Second, nil); err != nil {
		logs, _ := command(ctx, "", nil, "docker", "logs", name)
		return 0, 0, fmt.Errorf("container of %s: %w; logs: %s", image, err, tail(string(logs), 500))
	}
	start := time.Now()
	if _, err := command(ctx, "", nil, "docker", "stop", "-t", strconv.Itoa(int(stopTimeout/time.Second)), name); err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	out, err = command(ctx, "", nil, "docker", "inspect", "-f", "{{.State.ExitCode}}", name)
	if err != nil {
		return 0, 0, err
	}
	code, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		return 0, 0, fmt.Errorf("exit code of %s: %q", name, out)
	}
	return took, code, nil
}
