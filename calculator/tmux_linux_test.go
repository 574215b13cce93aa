package main

// The interactive mode on a real terminal emulator: tmux runs the
// calculator in a pane, the test types into it, resizes it and reads the
// screen back.

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-multistage/multistage/calculator/internal/width"
)

// pane is a tmux pane running a command on a private tmux server.
type pane struct {
	t    *testing.T
	sock string
}

// startPane starts command (run by sh) in a new tmux pane cols wide.
func startPane(t *testing.T, cols int, command string) *pane {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("tmux is needed, and CI is set: %v", err)
		}
		t.Skipf("tmux is needed: %v", err)
	}
	p := &pane{t: t, sock: filepath.Join(t.TempDir(), "tmux.sock")}
	p.tmux("-f", "/dev/null", "new-session", "-d", "-x", strconv.Itoa(cols), "-y", "12",
		"env", "TERM=screen", "sh", "-c", command)
	p.tmux("set-option", "-g", "remain-on-exit", "on")
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", p.sock, "kill-server").Run() }) // best effort
	return p
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.sock}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %q: %v: %s", args, err, out)
	}
	return string(out)
}

// screen returns the pane's rows, without trailing blanks.
func (p *pane) screen() []string {
	p.t.Helper()
	rows := strings.Split(strings.TrimRight(p.tmux("capture-pane", "-p"), "\n"), "\n")
	for i := range rows {
		rows[i] = strings.TrimRight(rows[i], " ")
	}
	return rows
}

// waitScreen waits until ok accepts the screen, and returns it.
func (p *pane) waitScreen(what string, ok func(rows []string) bool) []string {
	p.t.Helper()
	deadline := time.Now().Add(safetyNet)
	for {
		rows := p.screen()
		if ok(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen never showed %s:\n%s", what, strings.Join(rows, "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitRow waits for a row equal to want.
func (p *pane) waitRow(want string) []string {
	p.t.Helper()
	return p.waitScreen(strconv.Quote(want), func(rows []string) bool { return index(rows, want) >= 0 })
}

func index(rows []string, want string) int {
	for i, r := range rows {
		if r == want {
			return i
		}
	}
	return -1
}

// typeText types s literally; keys sends key names such as Enter or C-c.
func (p *pane) typeText(s string) { p.t.Helper(); p.tmux("send-keys", "-l", s) }
func (p *pane) keys(k ...string)  { p.t.Helper(); p.tmux(append([]string{"send-keys"}, k...)...) }

func (p *pane) resize(cols int) {
	p.t.Helper()
	p.tmux("resize-window", "-x", strconv.Itoa(cols), "-y", "12")
}

// lastPrompt returns the last row that starts with the prompt.
func lastPrompt(rows []string) string {
	for i := len(rows) - 1; i >= 0; i-- {
		if strings.HasPrefix(rows[i], "> ") {
			return rows[i]
		}
	}
	return ""
}

func TestTerminalWideInput(t *testing.T) {
	p := startPane(t, 40, binary)
	p.waitRow(">")

	// The caret lines up under wide characters: two ideographic spaces
	// (white space, 2 columns each) before the divisor.
	p.typeText("\u3000\u30001/0")
	p.keys("Enter")
	rows := p.waitRow("error: division by zero at column 5")
	i := index(rows, "error: division by zero at column 5")
	if rows[i-2] != "> \u3000\u30001/0" || rows[i-1] != strings.Repeat(" ", width.String("> \u3000\u30001/"))+"^" {
		t.Errorf("caret not under the divisor:\n%s", strings.Join(rows, "\n"))
	}

	// A line of wide characters longer than the screen scrolls sideways
	// on one row, measured in columns, with the cursor kept on screen.
	p.typeText("2 # " + strings.Repeat("中文", 12))
	rows = p.waitScreen("the end of the wide line", func(rows []string) bool {
		return strings.HasSuffix(lastPrompt(rows), "中文中文")
	})
	prompt := lastPrompt(rows)
	if w := width.String(prompt); w > 39 {
		t.Errorf("prompt row %q is %d columns wide, more than 39", prompt, w)
	}
	if strings.Contains(prompt, "2 #") || rows[len(rows)-1] != prompt {
		t.Errorf("the line did not scroll on its own row:\n%s", strings.Join(rows, "\n"))
	}
	p.keys("Enter")
	p.waitRow("2")

	// Ctrl-C on a line scrolled sideways draws ^C on the line's row.
	p.typeText(strings.Repeat("12345", 10))
	p.keys("C-c")
	rows = p.waitScreen("^C", func(rows []string) bool { return strings.HasSuffix(lastPrompt(rows[:len(rows)-1]), "^C") })
	if r := lastPrompt(rows[:len(rows)-1]); len(r) > 40 || !strings.HasSuffix(r, "45^C") {
		t.Errorf("^C row %q: want it whole on one row of at most 40 columns", r)
	}
	if rows[len(rows)-1] != ">" {
		t.Errorf("no fresh prompt after ^C:\n%s", strings.Join(rows, "\n"))
	}
}

func TestTerminalResize(t *testing.T) {
	p := startPane(t, 40, binary)
	p.waitRow(">")
	line := "1111111111+2222222222+3333333333+44" // 35 characters
	p.typeText(line)
	p.waitRow("> " + line)

	// Narrower: tmux rewraps the row; the calculator must erase that and
	// draw the end of the line on one row, at once, without a key.
	p.resize(20)
	rows := p.waitRow("> " + line[len(line)-17:])
	for _, r := range rows {
		if strings.Contains(r, "1111") || strings.Contains(r, "2222") {
			t.Errorf("stale row %q after the resize:\n%s", r, strings.Join(rows, "\n"))
		}
	}
	if n := strings.Count(strings.Join(rows, "\n"), ">"); n != 1 {
		t.Errorf("%d prompts on the screen, want 1:\n%s", n, strings.Join(rows, "\n"))
	}

	// Wider again: the whole line on one row.
	p.resize(60)
	p.waitRow("> " + line)
	p.keys("Enter")
	p.waitRow("6666666710")
}

// TestTerminalSignal checks that a SIGTERM at the prompt ends the line, so
// that the shell's next output starts on a row of its own.
func TestTerminalSignal(t *testing.T) {
	p := startPane(t, 40, "'"+binary+"'; echo \"status $?\"")
	p.waitRow(">")
	p.typeText("12")
	p.waitRow("> 12")
	shell := strings.TrimSpace(p.tmux("display-message", "-p", "#{pane_pid}"))
	children, err := os.ReadFile("/proc/" + shell + "/task/" + shell + "/children")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(children)))
	if err != nil {
		t.Fatalf("the calculator's pid from %q: %v", children, err)
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rows := p.waitRow("status 143")
	if i := index(rows, "status 143"); rows[i-1] != "> 12" {
		t.Errorf("the shell's output does not start on a row of its own:\n%s", strings.Join(rows, "\n"))
	}
}
