package release

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// modulePath is the import path of the repository; each module's path is
// this plus its directory.
const modulePath = "github.com/go-multistage/multistage"

// forge is a local clone standing in for the repository's host: the go
// command fetches modulePath from it directly, through git's url.insteadOf,
// with a module cache and GOPATH of its own. Other modules come through the
// usual proxy.
type forge struct {
	t   *testing.T
	env []string
	tmp string
}

// newForge makes a throwaway clone of the working tree at root, without its
// tags, and an environment in which the go command resolves modulePath
// from it.
func newForge(t *testing.T, root string) (*forge, gitRepo) {
	t.Helper()
	tmp := t.TempDir()
	r := untaggedClone(t, root, filepath.Join(tmp, "forge"))
	gitconfig := filepath.Join(tmp, "gitconfig")
	config := fmt.Sprintf("[url %q]\n\tinsteadOf = https://%s\n", r.dir, modulePath)
	if err := os.WriteFile(gitconfig, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	gopath := filepath.Join(tmp, "gopath")
	f := &forge{t: t, tmp: tmp, env: []string{
		"GIT_CONFIG_GLOBAL=" + gitconfig,
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_TERMINAL_PROMPT=0",
		"GOPATH=" + gopath,
		"GOMODCACHE=" + filepath.Join(gopath, "pkg", "mod"),
		// Direct from the forge, and no checksum database, for our modules
		// only (GOPRIVATE implies GONOPROXY and GONOSUMDB).
		"GOPRIVATE=" + modulePath,
		"GONOPROXY=", "GONOSUMDB=", "GOINSECURE=",
		// No -buildvcs=false or -mod from the machine; -modcacherw lets the
		// test remove the module cache.
		"GOFLAGS=-modcacherw",
		"GOWORK=off",
		"CGO_ENABLED=0",
	}}
	return f, r
}

// goCmd runs the go command in dir with the forge's environment plus extra.
func (f *forge) goCmd(dir string, extra []string, args ...string) string {
	f.t.Helper()
	out, err := command.New("go", args...).In(dir).Env(f.env...).Env(extra...).Output()
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// install runs go install pkg into a fresh GOBIN and returns the binary.
func (f *forge) install(pkg string) string {
	f.t.Helper()
	bin, err := os.MkdirTemp(f.tmp, "bin-")
	if err != nil {
		f.t.Fatal(err)
	}
	f.goCmd(f.tmp, []string{"GOBIN=" + bin}, "install", pkg)
	name := strings.SplitN(filepath.Base(pkg), "@", 2)[0]
	return filepath.Join(bin, name)
}

// TestGoInstall proves that a release made by make tag (tools/release) can be
// installed and required with the go command, as users do, from a clone
// standing in for the forge: go install at the version and at latest (a
// newer candidate and a newer untagged commit exist), the version the
// installed binaries report (built without ldflags, so read from the build
// information), and a module of its own requiring calculator at the version
// and using calculator/expr.
func TestGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("downloads and compiles the products' dependencies; skipped with -short")
	}
	t.Parallel()
	f, r := newForge(t, repoRoot(t))
	const version = "v1.2.3"
	r.release(version)
	r.commit("feat: after " + version)
	r.release("v1.3.0-rc.1")
	r.commit("feat: work after the candidate, untagged")

	for _, app := range binaries {
		t.Run(app, func(t *testing.T) {
			f := *f
			f.t = t
			mod := modulePath + "/" + app
			if got := f.goCmd(f.tmp, nil, "list", "-m", "-versions", mod); got != mod+" "+version+" v1.3.0-rc.1" {
				t.Errorf("go list -m -versions %s = %q, want the release and the candidate", mod, got)
			}
			if got := f.goCmd(f.tmp, nil, "list", "-m", "-f", "{{.Version}}", mod+"@latest"); got != version {
				t.Errorf("%s@latest resolves to %q, want %s", mod, got, version)
			}
			for _, query := range []string{version, "latest"} {
				exe := f.install(mod + "@" + query)
				info := f.goCmd(f.tmp, nil, "version", "-m", exe)
				if want := "\tmod\t" + mod + "\t" + version + "\t"; !strings.Contains(info, want) {
					t.Errorf("go install %s@%s: the binary's build information lacks %q:\n%s", mod, query, want, info)
				}
				out, err := command.New(exe, versionArg[app]).In(f.tmp).Output()
				if err != nil {
					t.Fatalf("%s %s: %v", exe, versionArg[app], err)
				}
				if !slices.Contains(strings.Fields(out), version) {
					t.Errorf("go install %s@%s, then %s %s printed %q; want it to name %s",
						mod, query, app, versionArg[app], out, version)
				}
			}
		})
	}

	t.Run("consumer of calculator/expr", func(t *testing.T) {
		f := *f
		f.t = t
		dir := filepath.Join(f.tmp, "consumer")
		files := map[string]string{
			"go.mod": "module example.com/consumer\n\ngo 1.26\n\nrequire " + modulePath + "/calculator " + version + "\n",
			"main.go": `// Command consumer evaluates its argument with the released calculator/expr.
package main

import (
	"fmt"
	"os"

	"` + modulePath + `/calculator/expr"
)

func main() {
	v, err := expr.Eval(os.Args[1], expr.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(v.Fraction())
}
`,
		}
		for name, content := range files {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		f.goCmd(dir, nil, "mod", "tidy")
		if got := f.goCmd(dir, nil, "list", "-m", "-f", "{{.Version}}", modulePath+"/calculator"); got != version {
			t.Errorf("the consumer builds with calculator %q, want %s", got, version)
		}
		exe := filepath.Join(dir, "consumer")
		f.goCmd(dir, nil, "build", "-o", exe, ".")
		out, err := command.New(exe, "(1.5 + 2.25) * 4 - 10 / 3").In(dir).Output()
		if err != nil {
			t.Fatal(err)
		}
		if out != "35/3" {
			t.Errorf("consumer evaluated (1.5 + 2.25) * 4 - 10 / 3 to %q, want 35/3", out)
		}
	})
}
