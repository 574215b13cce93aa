package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// memCgroup is a memory-limited control group made for one measurement,
// on cgroup v2 (memory.max, memory.peak) or on v1's memory controller
// (memory.limit_in_bytes, memory.max_usage_in_bytes). Swap is limited to
// nothing, so the limit is the one a container runtime sets.
type memCgroup struct {
	dir string
	v2  bool
}

// cgroupRoots are where the two hierarchies are mounted.
const (
	cgroupV2Root = "/sys/fs/cgroup"
	cgroupV1Root = "/sys/fs/cgroup/memory"
)

// newMemCgroup makes the group name limited to limit bytes of memory.
func newMemCgroup(name string, limit int64) (*memCgroup, error) {
	g, err := makeMemCgroup(name)
	if err != nil {
		return nil, err
	}
	files := []struct{ file, value string }{
		{"memory.limit_in_bytes", strconv.FormatInt(limit, 10)},
		{"memory.memsw.limit_in_bytes", strconv.FormatInt(limit, 10)},
	}
	if g.v2 {
		files = []struct{ file, value string }{{"memory.max", strconv.FormatInt(limit, 10)}, {"memory.swap.max", "0"}}
	}
	for i, f := range files {
		err := os.WriteFile(filepath.Join(g.dir, f.file), []byte(f.value), 0)
		if err != nil && (i == 0 || !errors.Is(err, os.ErrNotExist)) { // no swap accounting: no swap to limit
			g.remove()
			return nil, fmt.Errorf("limiting cgroup %s: %w", g.dir, err)
		}
	}
	return g, nil
}

// makeMemCgroup creates the group on the hierarchy that has the memory
// controller.
func makeMemCgroup(name string) (*memCgroup, error) {
	if b, err := os.ReadFile(filepath.Join(cgroupV2Root, "cgroup.controllers")); err == nil && strings.Contains(string(b), "memory") {
		// Already enabled where the write fails (a delegated subtree): the
		// limit below says whether it took.
		_ = os.WriteFile(filepath.Join(cgroupV2Root, "cgroup.subtree_control"), []byte("+memory"), 0)
		g := &memCgroup{dir: filepath.Join(cgroupV2Root, name), v2: true}
		return g, os.MkdirAll(g.dir, 0o755)
	}
	if _, err := os.Stat(filepath.Join(cgroupV1Root, "memory.limit_in_bytes")); err != nil {
		return nil, fmt.Errorf("no cgroup hierarchy with the memory controller at %s or %s", cgroupV2Root, cgroupV1Root)
	}
	g := &memCgroup{dir: filepath.Join(cgroupV1Root, name)}
	if err := os.MkdirAll(g.dir, 0o755); err != nil {
		return nil, fmt.Errorf("making cgroup %s (root is needed): %w", g.dir, err)
	}
	return g, nil
}

// wrap returns argv run inside the group: a shell joins it, then execs
// argv, so every byte the program uses is charged to the group.
func (g *memCgroup) wrap(argv []string) []string {
	return append([]string{"sh", "-c", `echo $$ > "$0" && exec "$@"`, filepath.Join(g.dir, "cgroup.procs")}, argv...)
}

// peak returns the most memory the group has used.
func (g *memCgroup) peak() (int64, error) {
	file := "memory.max_usage_in_bytes"
	if g.v2 {
		file = "memory.peak"
	}
	b, err := os.ReadFile(filepath.Join(g.dir, file))
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// oomKills returns how many processes the kernel killed in the group for
// reaching its limit.
func (g *memCgroup) oomKills() (int, error) {
	file := "memory.oom_control"
	if g.v2 {
		file = "memory.events"
	}
	b, err := os.ReadFile(filepath.Join(g.dir, file))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if n, ok := strings.CutPrefix(line, "oom_kill "); ok {
			return strconv.Atoi(n)
		}
	}
	return 0, fmt.Errorf("%s: no oom_kill count", file)
}

// remove deletes the group; its processes must have exited.
func (g *memCgroup) remove() { os.Remove(g.dir) }
