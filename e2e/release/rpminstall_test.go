package release

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-multistage/multistage/e2e/internal/command"
)

// TestRPMInstall installs each amd64 rpm with rpm itself into a fresh root (a
// busybox shell for the scriptlets), then asks rpm about it: query, file
// list, configuration files, and --verify (digest, size, mode, owner, time of
// every file against its header). It runs the installed binary, erases the
// package, and installs it again to check that an edited configuration file
// is kept as .rpmsave on erase.
func TestRPMInstall(t *testing.T) {
	f := snapshot(t)
	if _, err := exec.LookPath("rpm"); err != nil {
		command.Unavailable(t, "rpm (Debian's rpm) not found: it installs the rpm packages")
	}
	host := newScratchHost(t, "installing an rpm into a scratch root")
	for _, pkg := range amd64Packages(t, f, "rpm") {
		t.Run(pkg.Name, func(t *testing.T) {
			binary, root := pkg.id(), host.scratchRoot(t)
			rpm := func(args ...string) (string, error) {
				t.Helper()
				// The database goes where every rpm-based system keeps it (Debian's
				// rpm defaults to ~/.rpmdb); the scriptlets run chrooted into
				// root, with its busybox sh.
				return host.asRoot.output("rpm", append([]string{"--root=" + root, "--dbpath=/var/lib/rpm"}, args...)...)
			}
			mustRPM := func(args ...string) string {
				t.Helper()
				out, err := rpm(args...)
				if err != nil {
					t.Fatalf("rpm %q: %v", args, err)
				}
				return out
			}
			mustRPM("--initdb")
			// The scratch root's busybox shell is no package, so rpm's
			// database cannot satisfy /bin/sh for the scriptlets.
			mustRPM("--install", "--nodeps", f.path(pkg))

			if got, want := mustRPM("--query", "--queryformat", "%{NAME} %{ARCH} %{LICENSE}", binary), binary+" "+packageArch[pkg.Goarch]+" MIT"; got != want {
				t.Errorf("rpm --query: %q, want %q", got, want)
			}
			wantFiles := packageFiles(binary, "rpm")
			if got, want := strings.Fields(mustRPM("--query", "--list", binary)), slices.Sorted(maps.Keys(wantFiles)); !slices.Equal(sortedCopy(got), want) {
				t.Errorf("rpm --query --list: %q, want %q", got, want)
			}
			if got, want := strings.Fields(mustRPM("--query", "--configfiles", binary)), configFiles(binary); !slices.Equal(got, want) {
				t.Errorf("rpm --query --configfiles: %q, want %q", got, want)
			}
			if out := mustRPM("--verify", binary); out != "" {
				t.Errorf("rpm --verify reports differences:\n%s", out)
			}
			assertInstalled(t, f, pkg, root)

			mustRPM("--erase", binary)
			if out, err := rpm("--query", binary); err == nil {
				t.Errorf("after erase, rpm --query %s succeeds: %s", binary, out)
			}
			for name := range wantFiles {
				if _, err := os.Lstat(filepath.Join(root, name)); !os.IsNotExist(err) {
					t.Errorf("after erase, %s: %v, want gone", name, err)
				}
			}

			// An edited configuration file survives the erase as .rpmsave.
			confs := configFiles(binary)
			if len(confs) == 0 {
				return
			}
			mustRPM("--install", "--nodeps", f.path(pkg))
			for _, conf := range confs {
				if _, err := host.asRoot.output("sh", "-c", `echo "# edited" >>"$1"`, "sh", filepath.Join(root, conf)); err != nil {
					t.Fatalf("editing %s: %v", conf, err)
				}
			}
			if out, err := rpm("--verify", binary); err == nil || !strings.Contains(out, confs[0]) {
				t.Errorf("rpm --verify after editing %s: %v, %q; want it reported", confs[0], err, out)
			}
			mustRPM("--erase", binary)
			for _, conf := range confs {
				data, err := os.ReadFile(filepath.Join(root, conf+".rpmsave"))
				if err != nil || !strings.HasSuffix(string(data), "# edited\n") {
					t.Errorf("after erase, %s.rpmsave: %v, %q; want the edited file", conf, err, data)
				}
			}
		})
	}
}

// rootPrefix is what runs a command as root: nothing when the test is root,
// else password-less sudo.
type rootPrefix []string

// output runs name with args as root and returns its output
// (command.Cmd.Output).
func (p rootPrefix) output(name string, args ...string) (string, error) {
	argv := append(append(slices.Clone([]string(p)), name), args...)
	return command.New(argv[0], argv[1:]...).Output()
}

// scratchHost is what installing a package into a scratch root takes: the
// busybox that becomes the root's shell, and the prefix that runs a command
// as root (a package manager needs root to install into a root).
type scratchHost struct {
	busybox string
	asRoot  rootPrefix
}

// newScratchHost finds both (scratchShell, rootCommand); what says what
// needs root.
func newScratchHost(t *testing.T, what string) scratchHost {
	t.Helper()
	return scratchHost{busybox: scratchShell(t), asRoot: rootCommand(t, what)}
}

// rootCommand returns the prefix that runs a command as root: nothing when
// the test is root, else password-less sudo (as on GitHub's runners). Without
// either it skips, or fails when CI is set; what says what needs root.
func rootCommand(t *testing.T, what string) rootPrefix {
	t.Helper()
	if os.Geteuid() == 0 {
		return nil
	}
	if _, err := command.New("sudo", "-n", "true").Output(); err != nil {
		command.Unavailable(t, "%s needs root or password-less sudo", what)
	}
	return rootPrefix{"sudo", "-n"}
}

// scratchShell returns the busybox that scratchRoot copies into a root as
// its shell; without one it skips, or fails when CI is set.
func scratchShell(t *testing.T) string {
	t.Helper()
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		command.Unavailable(t, "busybox (Debian's busybox-static) not found: the scratch root needs a shell")
	}
	return busybox
}
