package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// kustomizations are the directories operators apply with kubectl -k.
var kustomizations = []struct {
	dir    string
	digest bool // the image must be pinned by digest
}{
	{dir: "deploy/kubernetes"},
	{dir: "deploy/kubernetes/overlays/pinned", digest: true},
}

// helloUID is the image's user and group, and what the manifests must run as.
const helloUID = 65532

// manifests is one rendered kustomization, decoded.
type manifests struct {
	deployment *appsv1.Deployment
	service    *corev1.Service
	pdb        *policyv1.PodDisruptionBudget
	hpa        *autoscalingv2.HorizontalPodAutoscaler
}

// render runs kubectl kustomize on dir and returns its output.
func render(t *testing.T, dir string) []byte {
	t.Helper()
	command.Require(t, "kubectl") // it renders the kustomizations (kubectl kustomize)
	return []byte(command.New("kubectl", "kustomize", dir).In(repoRoot).Timeout(time.Minute).Must(t))
}

// splitDocuments splits a multi-document YAML stream at its "---" lines.
func splitDocuments(stream []byte) [][]byte {
	var docs [][]byte
	for doc := range bytes.SplitSeq(stream, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) > 0 {
			docs = append(docs, doc)
		}
	}
	return docs
}

// decodeStrict decodes one object into its official k8s.io/api type. A kind
// we do not ship, an unknown or duplicate field and a value of the wrong
// type are errors.
func decodeStrict(doc []byte) (any, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, fmt.Errorf("reading apiVersion and kind: %w", err)
	}
	var obj any
	switch tm.APIVersion + " " + tm.Kind {
	case "apps/v1 Deployment":
		obj = &appsv1.Deployment{}
	case "v1 Service":
		obj = &corev1.Service{}
	case "policy/v1 PodDisruptionBudget":
		obj = &policyv1.PodDisruptionBudget{}
	case "autoscaling/v2 HorizontalPodAutoscaler":
		obj = &autoscalingv2.HorizontalPodAutoscaler{}
	default:
		return nil, fmt.Errorf("unexpected object apiVersion %q kind %q", tm.APIVersion, tm.Kind)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("%s %s: %w", tm.APIVersion, tm.Kind, err)
	}
	return obj, nil
}

// decodeAll decodes every object of a rendered stream; each kind must
// appear exactly once.
func decodeAll(stream []byte) (manifests, error) {
	var m manifests
	var errs []error
	seen := map[string]int{}
	for _, doc := range splitDocuments(stream) {
		obj, err := decodeStrict(doc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			m.deployment = o
		case *corev1.Service:
			m.service = o
		case *policyv1.PodDisruptionBudget:
			m.pdb = o
		case *autoscalingv2.HorizontalPodAutoscaler:
			m.hpa = o
		}
		seen[fmt.Sprintf("%T", obj)]++
	}
	for kind, n := range seen {
		if n != 1 {
			errs = append(errs, fmt.Errorf("%d objects of type %s, want 1", n, kind))
		}
	}
	if m.deployment == nil || m.service == nil || m.pdb == nil || m.hpa == nil {
		errs = append(errs, fmt.Errorf("want a Deployment, a Service, a PodDisruptionBudget and a HorizontalPodAutoscaler; got %v", seen))
	}
	return m, errors.Join(errs...)
}

// TestKubernetesDecodeStrict renders every kustomization and decodes each
// object strictly into the k8s.io/api types.
func TestKubernetesDecodeStrict(t *testing.T) {
	for _, k := range kustomizations {
		t.Run(filepath.Base(k.dir), func(t *testing.T) {
			t.Parallel()
			if _, err := decodeAll(render(t, k.dir)); err != nil {
				t.Fatalf("kubectl kustomize %s: %v", k.dir, err)
			}
		})
	}
}

// TestKubernetesDecoderRejects proves the decoder strict: each broken copy
// of the rendered base must fail to decode.
func TestKubernetesDecoderRejects(t *testing.T) {
	base := string(render(t, kustomizations[0].dir))
	if _, err := decodeAll([]byte(base)); err != nil {
		t.Fatalf("the unbroken base does not decode: %v", err)
	}
	tests := []struct {
		name, old, new string
	}{
		{"unknown field", "readinessProbe:", "readinesProbe:"},
		{"unknown top-level field", "kind: Deployment\n", "kind: Deployment\nstatuss: {}\n"},
		{"string for an integer", "containerPort: 8080", `containerPort: "8080"`},
		{"fraction for an integer", "terminationGracePeriodSeconds: 30", "terminationGracePeriodSeconds: 30.5"},
		{"list for an object", "seccompProfile:\n          type: RuntimeDefault", "seccompProfile: [RuntimeDefault]"},
		{"bad quantity", "memory: 64Mi", "memory: 64 megabytes"},
		{"duplicate field", "automountServiceAccountToken: false", "automountServiceAccountToken: false\n      automountServiceAccountToken: true"},
		{"unknown kind", "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets"},
		{"wrong API version", "apiVersion: autoscaling/v2", "apiVersion: autoscaling/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(base, tt.old) {
				t.Fatalf("the rendered base has no %q to break", tt.old)
			}
			broken := strings.Replace(base, tt.old, tt.new, 1)
			if _, err := decodeAll([]byte(broken)); err == nil {
				t.Errorf("replacing %q with %q: decoded without error", tt.old, tt.new)
			} else {
				t.Logf("rejected: %v", err)
			}
		})
	}
}

// TestKubernetesProperties checks what makes the rollout lossless and the
// pod locked down, on every kustomization.
func TestKubernetesProperties(t *testing.T) {
	tags := releaseTags(t)
	for _, k := range kustomizations {
		t.Run(filepath.Base(k.dir), func(t *testing.T) {
			t.Parallel()
			m, err := decodeAll(render(t, k.dir))
			if err != nil {
				t.Fatal(err)
			}
			c := helloContainer(t, m.deployment)
			checkImage(t, c.Image, k.digest, tags)
			checkPorts(t, m, c)
			checkProbes(t, c)
			checkSecurity(t, m.deployment.Spec.Template.Spec, c)
			checkShutdownTiming(t, m.deployment.Spec.Template.Spec, c)
			checkScaling(t, m)
		})
	}
}

// helloContainer returns the Deployment's only container.
func helloContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 || cs[0].Name != "hello" {
		t.Fatalf("want one container named hello, got %d: %v", len(cs), cs)
	}
	if n := len(d.Spec.Template.Spec.InitContainers); n != 0 {
		t.Errorf("%d init containers, want none", n)
	}
	return cs[0]
}

// env returns the value of the container's variable name, or "" if unset.
func env(c corev1.Container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value, true
		}
	}
	return "", false
}

// containerPort resolves a probe's or Service's port (a number or a port
// name) to a container port number, or 0 when it names none.
func containerPort(c corev1.Container, p intstr.IntOrString) int32 {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && p.StrVal == cp.Name) || (p.Type == intstr.Int && p.IntVal == cp.ContainerPort) {
			return cp.ContainerPort
		}
	}
	return 0
}

// checkPorts: hello listens where the container port, the Service and the
// selectors say.
func checkPorts(t *testing.T, m manifests, c corev1.Container) {
	t.Helper()
	addr, ok := env(c, "HELLO_ADDR")
	if !ok {
		t.Fatal("HELLO_ADDR is not set: the image listens on :80, which non-root users cannot bind on Kubernetes")
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("HELLO_ADDR=%q: %v", addr, err)
	}
	if port != "8080" {
		t.Errorf("HELLO_ADDR=%q, want port 8080", addr)
	}
	if len(c.Ports) != 1 || fmt.Sprint(c.Ports[0].ContainerPort) != port || c.Ports[0].Name != "http" {
		t.Errorf("container ports %+v, want one named http on %s (HELLO_ADDR)", c.Ports, port)
	}
	svc := m.service.Spec
	if len(svc.Ports) != 1 || fmt.Sprint(containerPort(c, svc.Ports[0].TargetPort)) != port {
		t.Errorf("Service ports %+v: the target must be the container's port %s", svc.Ports, port)
	}
	pod := m.deployment.Spec.Template.Labels
	if !selects(svc.Selector, pod) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Selector, pod)
	}
	if sel := m.deployment.Spec.Selector; sel == nil || !selects(sel.MatchLabels, pod) || len(sel.MatchExpressions) > 0 {
		t.Errorf("Deployment selector %v does not select its pods %v", sel, pod)
	}
	if sel := m.pdb.Spec.Selector; sel == nil || !selects(sel.MatchLabels, pod) {
		t.Errorf("PodDisruptionBudget selector %v does not select the pods %v", sel, pod)
	}
}

// selects reports whether a non-empty selector matches labels.
func selects(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// checkProbes: readiness on /readyz, liveness and startup on /healthz, all
// on the port hello listens on. TestKubernetesProbesAgainstHello checks
// these paths against the real server.
func checkProbes(t *testing.T, c corev1.Container) {
	t.Helper()
	want := []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"startupProbe", c.StartupProbe, "/healthz"},
		{"readinessProbe", c.ReadinessProbe, "/readyz"},
		{"livenessProbe", c.LivenessProbe, "/healthz"},
	}
	for _, w := range want {
		p := w.probe
		switch {
		case p == nil:
			t.Errorf("%s missing", w.name)
			continue
		case p.HTTPGet == nil:
			t.Errorf("%s is not an HTTP GET probe: %+v", w.name, p.ProbeHandler)
			continue
		}
		if p.HTTPGet.Path != w.path {
			t.Errorf("%s path %q, want %q", w.name, p.HTTPGet.Path, w.path)
		}
		if containerPort(c, p.HTTPGet.Port) != 8080 {
			t.Errorf("%s port %v is not the container's port 8080", w.name, p.HTTPGet.Port.String())
		}
		if p.HTTPGet.Scheme != "" && p.HTTPGet.Scheme != corev1.URISchemeHTTP {
			t.Errorf("%s scheme %s, want HTTP", w.name, p.HTTPGet.Scheme)
		}
		// hello's probe answers are instant; 1 s is the kubelet's default.
		if p.TimeoutSeconds < 1 {
			t.Errorf("%s timeoutSeconds %d, want ≥ 1", w.name, p.TimeoutSeconds)
		}
	}
	if c.LivenessProbe != nil && c.LivenessProbe.HTTPGet != nil && c.LivenessProbe.HTTPGet.Path == "/readyz" {
		t.Error("liveness must not probe /readyz: it answers 503 while draining, and the kubelet would kill the drain")
	}
}

// checkSecurity: non-root 65532, read-only root, no capabilities, no
// privilege escalation, RuntimeDefault seccomp, no service-account token.
func checkSecurity(t *testing.T, pod corev1.PodSpec, c corev1.Container) {
	t.Helper()
	ps := pod.SecurityContext
	if ps == nil {
		t.Fatal("no pod securityContext")
	}
	if !isTrue(ps.RunAsNonRoot) || ps.RunAsUser == nil || *ps.RunAsUser != helloUID || ps.RunAsGroup == nil || *ps.RunAsGroup != helloUID {
		t.Errorf("pod securityContext runAsNonRoot %v, runAsUser %v, runAsGroup %v; want true, %d, %d",
			deref(ps.RunAsNonRoot), deref(ps.RunAsUser), deref(ps.RunAsGroup), helloUID, helloUID)
	}
	if ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod seccompProfile %+v, want RuntimeDefault", ps.SeccompProfile)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("automountServiceAccountToken must be false: hello never calls the API")
	}
	if pod.EnableServiceLinks == nil || *pod.EnableServiceLinks {
		t.Error("enableServiceLinks must be false: a Service named hello injects HELLO_* variables")
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("the pod shares a host namespace")
	}
	cs := c.SecurityContext
	if cs == nil {
		t.Fatal("no container securityContext")
	}
	if !isTrue(cs.ReadOnlyRootFilesystem) {
		t.Error("readOnlyRootFilesystem must be true")
	}
	if cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation {
		t.Error("allowPrivilegeEscalation must be false")
	}
	if isTrue(cs.Privileged) {
		t.Error("privileged must not be true")
	}
	if cs.RunAsUser != nil && *cs.RunAsUser != helloUID {
		t.Errorf("container runAsUser %d overrides the pod's %d", *cs.RunAsUser, helloUID)
	}
	if cs.Capabilities == nil || !slices.Equal(cs.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(cs.Capabilities.Add) > 0 {
		t.Errorf("capabilities %+v, want drop [ALL] and nothing added", cs.Capabilities)
	}
	for _, v := range pod.Volumes {
		if v.HostPath != nil {
			t.Errorf("volume %s mounts a host path", v.Name)
		}
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func deref[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}

// checkShutdownTiming: the readiness probe sees the drain before the
// listener closes, and the kubelet's kill comes after hello's drain.
func checkShutdownTiming(t *testing.T, pod corev1.PodSpec, c corev1.Container) {
	t.Helper()
	delay := helloDuration(t, c, "HELLO_SHUTDOWN_DELAY")
	grace := helloDuration(t, c, "HELLO_GRACE_PERIOD")
	if pod.TerminationGracePeriodSeconds == nil {
		t.Fatal("terminationGracePeriodSeconds unset")
	}
	kill := time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	if kill < delay+grace {
		t.Errorf("terminationGracePeriodSeconds %v < HELLO_SHUTDOWN_DELAY %v + HELLO_GRACE_PERIOD %v: the kubelet kills the drain", kill, delay, grace)
	}
	if r := c.ReadinessProbe; r != nil {
		failures := max(r.FailureThreshold, 1) // the API's default is 3; the manifest must say
		seen := time.Duration(r.PeriodSeconds*failures) * time.Second
		if r.PeriodSeconds == 0 || delay < seen {
			t.Errorf("HELLO_SHUTDOWN_DELAY %v < readiness periodSeconds %d × failureThreshold %d: the listener closes before the endpoint is removed",
				delay, r.PeriodSeconds, r.FailureThreshold)
		}
	}
	if lc := c.Lifecycle; lc != nil && lc.PreStop != nil {
		t.Errorf("preStop hook %+v: hello's own shutdown delay does the waiting (and scratch has no sleep)", lc.PreStop)
	}
}

// helloDuration returns a duration setting from the container's env, or
// hello's default for it (read from hello -h) when unset.
func helloDuration(t *testing.T, c corev1.Container, name string) time.Duration {
	t.Helper()
	v, ok := env(c, name)
	if !ok {
		v = helloDefault(t, name)
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, v, err)
	}
	return d
}

// checkScaling: the HPA owns the replica count and leaves room for the
// budget; resources are set so that it can measure CPU.
func checkScaling(t *testing.T, m manifests) {
	t.Helper()
	d, hpa, pdb := m.deployment, m.hpa.Spec, m.pdb.Spec
	if d.Spec.Replicas != nil {
		t.Errorf("Deployment replicas %d set: every apply would reset the HPA's count", *d.Spec.Replicas)
	}
	ref := hpa.ScaleTargetRef
	if ref.APIVersion != "apps/v1" || ref.Kind != "Deployment" || ref.Name != d.Name {
		t.Errorf("HPA scales %+v, want apps/v1 Deployment %s", ref, d.Name)
	}
	if hpa.MinReplicas == nil || *hpa.MinReplicas < 2 || hpa.MaxReplicas < *hpa.MinReplicas {
		t.Errorf("HPA replicas %v to %d: want at least 2 (one may be disrupted) and max ≥ min", deref(hpa.MinReplicas), hpa.MaxReplicas)
	}
	cpu := false
	for _, metric := range hpa.Metrics {
		if metric.Type == autoscalingv2.ResourceMetricSourceType && metric.Resource != nil && metric.Resource.Name == corev1.ResourceCPU &&
			metric.Resource.Target.Type == autoscalingv2.UtilizationMetricType && metric.Resource.Target.AverageUtilization != nil {
			cpu = true
		}
	}
	if !cpu {
		t.Errorf("HPA metrics %+v: want CPU utilization", hpa.Metrics)
	}
	if pdb.MaxUnavailable == nil && pdb.MinAvailable == nil {
		t.Error("PodDisruptionBudget sets neither maxUnavailable nor minAvailable")
	}
	if pdb.MaxUnavailable != nil && pdb.MaxUnavailable.String() != "1" {
		t.Errorf("PodDisruptionBudget maxUnavailable %s, want 1", pdb.MaxUnavailable.String())
	}
	c := helloContainer(t, d)
	r := c.Resources
	if r.Requests.Cpu().IsZero() || r.Requests.Memory().IsZero() || r.Limits.Memory().IsZero() {
		t.Errorf("resources %+v: want CPU and memory requests (the HPA measures against the CPU request) and a memory limit", r)
	}
	gml, ok := env(c, "GOMEMLIMIT")
	var gmlp *string
	if ok {
		gmlp = &gml
	}
	checkMemLimit(t, gmlp, r.Limits.Memory().Value())
	if r.Limits.Memory().Cmp(*r.Requests.Memory()) < 0 {
		t.Errorf("memory limit %s below the request %s", r.Limits.Memory(), r.Requests.Memory())
	}
	s := d.Spec.Strategy
	if s.Type != appsv1.RollingUpdateDeploymentStrategyType || s.RollingUpdate == nil ||
		s.RollingUpdate.MaxUnavailable == nil || s.RollingUpdate.MaxUnavailable.String() != "0" {
		t.Errorf("strategy %+v: want RollingUpdate with maxUnavailable 0", s)
	}
	hostSpread := false
	for _, tsc := range d.Spec.Template.Spec.TopologySpreadConstraints {
		if tsc.TopologyKey == "kubernetes.io/hostname" && tsc.LabelSelector != nil && selects(tsc.LabelSelector.MatchLabels, d.Spec.Template.Labels) {
			hostSpread = true
		}
	}
	if !hostSpread {
		t.Error("no topology spread over kubernetes.io/hostname selecting the pods")
	}
}

// imagePrefix is where the release publishes: IMAGE_PREFIX of the release
// workflow, ghcr.io/<owner>.
const imagePrefix = "ghcr.io/go-multistage"

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// checkImage: the image is ours, its tag one that the release publishes,
// and pinned by digest where the overlay says so.
func checkImage(t *testing.T, ref string, wantDigest bool, tags map[string][]*regexp.Regexp) {
	t.Helper()
	name, digest, hasDigest := strings.Cut(ref, "@")
	if hasDigest && !digestRE.MatchString(digest) {
		t.Errorf("image %q: digest %q is not sha256:<64 hex>", ref, digest)
	}
	if wantDigest && !hasDigest {
		t.Errorf("image %q is not pinned by digest", ref)
	}
	i := strings.LastIndex(name, ":")
	if i < 0 || strings.Contains(name[i:], "/") {
		t.Fatalf("image %q has no tag", ref)
	}
	repo, tag := name[:i], name[i+1:]
	patterns, ok := tags[repo]
	if !ok {
		t.Fatalf("image %q: %s is not an image the release publishes (%v)", ref, repo, keys(tags))
	}
	for _, re := range patterns {
		if re.MatchString(tag) {
			return
		}
	}
	t.Errorf("image %q: tag %q is none of the release's tags %v", ref, tag, patterns)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// releaseTags reads .goreleaser.yaml and returns, per image repository, the
// tags it publishes as patterns: {{ .Version }} becomes a semantic version,
// {{ .Major }}.{{ .Minor }} two numbers.
func releaseTags(t *testing.T) map[string][]*regexp.Regexp {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		DockersV2 []struct {
			Images []string `json:"images"`
			Tags   []string `json:"tags"`
		} `json:"dockers_v2"`
	}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	out := map[string][]*regexp.Regexp{}
	for _, d := range cfg.DockersV2 {
		for _, img := range d.Images {
			repo := strings.ReplaceAll(img, "{{ .Env.IMAGE_PREFIX }}", imagePrefix)
			for _, tag := range d.Tags {
				re, err := tagPattern(tag)
				if err != nil {
					t.Fatalf(".goreleaser.yaml: image %s: %v", img, err)
				}
				out[repo] = append(out[repo], re)
			}
		}
	}
	if len(out[imagePrefix+"/hello"]) == 0 {
		t.Fatalf(".goreleaser.yaml publishes no %s/hello tags: %v", imagePrefix, keys(out))
	}
	return out
}

// tagCondition is the condition a moving tag is pushed on ({{ if not
// .Prerelease }}, or the release checks' RELEASE_LATEST): the tag's shape
// is the same either way.
var tagCondition = regexp.MustCompile(`\{\{ if [^}]*\}\}`)

// tagPattern turns a GoReleaser tag template into an anchored pattern.
func tagPattern(tmpl string) (*regexp.Regexp, error) {
	s := regexp.QuoteMeta(tagCondition.ReplaceAllString(tmpl, ""))
	for _, r := range []struct{ old, new string }{
		{regexp.QuoteMeta("{{ end }}"), ""},
		{regexp.QuoteMeta("{{ .Version }}"), `[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?`},
		{regexp.QuoteMeta("{{ .Major }}"), `[0-9]+`},
		{regexp.QuoteMeta("{{ .Minor }}"), `[0-9]+`},
	} {
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	if strings.Contains(s, "\\{\\{") {
		return nil, fmt.Errorf("tag template %q: a template this test does not know; teach tagPattern", tmpl)
	}
	return regexp.Compile("^" + s + "$")
}
