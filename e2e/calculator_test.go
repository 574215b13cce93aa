package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/go-multistage/multistage/e2e/internal/docker"
)

// TestCalculatorSeed004 runs seed 004's command and the two ways of giving
// the calculator its input, on both flavours.
func TestCalculatorSeed004(t *testing.T) {
	t.Parallel()
	for _, img := range calcImages {
		t.Run(img.Flavour(), func(t *testing.T) {
			t.Parallel()
			name := img.require(t)

			t.Run("no input", func(t *testing.T) {
				// The seed's exact command: no -i, so standard input is empty.
				// The seed's calculator spins forever here; ours prints a hint.
				r := docker.Run(t, "run", "--rm", name)
				if r.Code != 0 || r.Stdout != "" || !strings.Contains(r.Stderr, "--help") {
					t.Errorf("docker run --rm %s: want exit 0, no output and a hint on stderr; got %s", name, r)
				}
			})

			t.Run("no input ends within 2s", func(t *testing.T) {
				// Measured from the engine's start and finish times, so the
				// engine's own overhead does not count.
				container := docker.UniqueName("calc")
				docker.RemoveOnCleanup(t, container)
				if r := docker.Run(t, "run", "--name", container, "--label", docker.Label, name); r.Code != 0 {
					t.Fatalf("docker run: %s", r)
				}
				// A run of a few milliseconds can even show FinishedAt a little
				// before StartedAt, which the engine records after the start.
				s := docker.InspectContainer(t, container).State
				if s.Running || s.FinishedAt.IsZero() {
					t.Fatalf("container %s has not finished: %+v", container, s)
				}
				if took := s.FinishedAt.Sub(s.StartedAt); took >= 2*time.Second {
					t.Errorf("calculator without input ran %v, want under 2s", took)
				}
			})

			t.Run("argument", func(t *testing.T) {
				r := docker.Run(t, "run", "--rm", name, "2 * (3 + 4)")
				if r.Code != 0 || r.Stdout != "14\n" {
					t.Errorf("docker run --rm %s '2 * (3 + 4)': want 14; got %s", name, r)
				}
			})

			t.Run("piped lines", func(t *testing.T) {
				r := docker.Command("run", "--rm", "-i", name).Input("1 + 2\n3 * 4\n").Run(t)
				if r.Code != 0 || r.Stdout != "3\n12\n" {
					t.Errorf("printf '1 + 2\\n3 * 4\\n' | docker run --rm -i %s: want 3 and 12; got %s", name, r)
				}
			})

			t.Run("variables", func(t *testing.T) {
				r := docker.Command("run", "--rm", "-i", name).Input("x = 3\nx * 2\n").Run(t)
				if r.Code != 0 || r.Stdout != "6\n" {
					t.Errorf("printf 'x = 3\\nx * 2\\n' | docker run --rm -i %s: want 6; got %s", name, r)
				}
			})
		})
	}
}

// TestCalculatorHardened runs each flavour locked down.
func TestCalculatorHardened(t *testing.T) {
	t.Parallel()
	for _, img := range calcImages {
		t.Run(img.Flavour(), func(t *testing.T) {
			t.Parallel()
			name := img.require(t)
			args := append(append([]string{"run", "--rm", "-i"}, hardened...), name)
			r := docker.Command(args...).Input("2 * (3 + 4)\n").Run(t)
			if r.Code != 0 || r.Stdout != "14\n" {
				t.Errorf("hardened calculator: want 14; got %s", r)
			}
		})
	}
}
