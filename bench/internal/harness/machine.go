package harness

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"

	"github.com/go-multistage/multistage/bench/internal/procfs"
	"github.com/go-multistage/multistage/bench/internal/report"
)

// describeMachine reads the CPU model, core count, memory, kernel and the Go
// toolchain that builds everything measured.
func describeMachine(ctx context.Context) (report.Machine, error) {
	m := report.Machine{Cores: runtime.NumCPU(), CPU: "unknown"}
	if info, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = cpuModel(info)
	}
	if info, err := os.ReadFile("/proc/meminfo"); err == nil {
		if n, err := procfs.StatusBytes(info, "MemTotal"); err == nil {
			m.MemoryMB = n / 1e6
		}
	}
	if k, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(k))
	}
	out, err := exec.CommandContext(ctx, "go", "version").Output()
	if err != nil {
		return m, fmt.Errorf("go version: %w", err)
	}
	m.Go = strings.TrimSpace(string(out))
	return m, nil
}

// cpuModel returns the first "model name" of /proc/cpuinfo.
func cpuModel(cpuinfo []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(cpuinfo))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
