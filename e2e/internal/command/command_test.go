package command

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestExec(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		cmd  Cmd
		want Result
	}{
		{"stdout", New("echo", "hello", "world"), Result{Stdout: "hello world\n"}},
		{"exit status and stderr", New("sh", "-c", "echo out; echo oops >&2; exit 3"), Result{Stdout: "out\n", Stderr: "oops\n", Code: 3}},
		{"directory", New("pwd").In(dir), Result{Stdout: dir + "\n"}},
		{"added variable", New("sh", "-c", `echo "$E2E_X:$HOME"`).Env("E2E_X=1", "HOME=/nowhere"), Result{Stdout: "1:/nowhere\n"}},
		{"later variable wins", New("sh", "-c", `echo "$E2E_X"`).Env("E2E_X=1").Env("E2E_X=2"), Result{Stdout: "2\n"}},
		{"only these variables", New("/usr/bin/env").OnlyEnv("A=1", "B=2"), Result{Stdout: "A=1\nB=2\n"}},
		{"input", New("cat").Input("1 + 2\n3 * 4\n"), Result{Stdout: "1 + 2\n3 * 4\n"}},
		{"no input: empty, not the terminal", New("cat"), Result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Exec()
			if err != nil || got != tt.want {
				t.Errorf("%s: got %+v, %v; want %+v", tt.cmd, got, err, tt.want)
			}
		})
	}
}

func TestExecErrors(t *testing.T) {
	defer func(d time.Duration) { waitDelay = d }(waitDelay)
	waitDelay = 200 * time.Millisecond
	tests := []struct {
		name string
		cmd  Cmd
		want []string // in the error
	}{
		{"not found", New("e2e-no-such-program", "x"), []string{"e2e-no-such-program x: ", "executable file not found"}},
		// 2 s leave the shell time to print, however loaded the machine.
		{"timeout", New("sh", "-c", "echo started; sleep 30").Timeout(2 * time.Second),
			[]string{`sh -c "echo started; sleep 30": still running after 2s`, "stdout: started"}},
		// The killed shell's child keeps the pipes open: without a wait
		// delay, Exec would wait for it.
		{"timeout, child holds the output", New("sh", "-c", "sleep 10 & wait").Timeout(100 * time.Millisecond),
			[]string{"still running after 100ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			_, err := tt.cmd.Exec()
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("Exec took %v, want it to return soon after the timeout", took)
			}
			if err == nil {
				t.Fatalf("%s: no error", tt.cmd)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestOutput(t *testing.T) {
	long := New("sh", "-c", `i=0; while [ $i -lt 30 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 1`)
	tests := []struct {
		name    string
		cmd     Cmd
		want    string
		errHas  []string
		errNot  []string
		wantErr bool
	}{
		{name: "trimmed", cmd: New("printf", `  v1.2.3\n\n`), want: "v1.2.3"},
		{name: "failure names the command and quotes stderr", cmd: New("sh", "-c", "echo 'fatal: not a git repository' >&2; exit 128"),
			wantErr: true, errHas: []string{`sh -c "echo 'fatal: not a git repository' >&2; exit 128": exit status 128: fatal: not a git repository`}},
		{name: "only the last lines of stderr", cmd: long, wantErr: true,
			errHas: []string{"exit status 1", "line 10\n", "line 29"}, errNot: []string{"line 9\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cmd.Output()
			if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
				t.Fatalf("%s: got %q, %v; want %q, error %v", tt.cmd, got, err, tt.want, tt.wantErr)
			}
			for _, w := range tt.errHas {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			for _, w := range tt.errNot {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q quotes %q, beyond the last lines", err, w)
				}
			}
		})
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		cmd  Cmd
		want string
	}{
		{New("docker", "image", "inspect", "hello:dev"), "docker image inspect hello:dev"},
		{New("docker", "run", "--rm", "calculator:dev", "2 * (3 + 4)"), `docker run --rm calculator:dev "2 * (3 + 4)"`},
		{New("git", "commit", "-m", ""), `git commit -m ""`},
		{New("sh", "-c", "a; b"), `sh -c "a; b"`},
	}
	for _, tt := range tests {
		if got := tt.cmd.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

func TestLogTo(t *testing.T) {
	var log strings.Builder
	r, err := New("sh", "-c", "echo one; echo two >&2; echo three; exit 4").LogTo(&log).Exec()
	if err != nil || r != (Result{Code: 4}) || log.String() != "one\ntwo\nthree\n" {
		t.Errorf("got %+v, %v, log %q; want exit 4, no captured output, both outputs in order in the log", r, err, log.String())
	}
}

func TestTemplateIsNotChanged(t *testing.T) {
	base := New("sh", "-c", `echo "$E2E_X"`).Env("E2E_X=base")
	a, b := base.Env("E2E_X=a"), base.Env("E2E_X=b")
	for _, tt := range []struct {
		cmd  Cmd
		want string
	}{{base, "base"}, {a, "a"}, {b, "b"}} {
		if got, err := tt.cmd.Output(); err != nil || got != tt.want {
			t.Errorf("got %q, %v; want %q", got, err, tt.want)
		}
	}
}

func TestTail(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 3, ""},
		{"a\nb\nc\n", 3, "a\nb\nc"},
		{"a\nb\nc\nd\n", 2, "c\nd"},
		{"a\nb", 5, "a\nb"},
		{"a\n\n\n", 1, "a"},
	}
	for _, tt := range tests {
		if got := Tail(tt.in, tt.n); got != tt.want {
			t.Errorf("Tail(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}

// recorder is a testing.TB that records how a helper ended it.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatal(args ...any) {
	r.failed, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}
func (r *recorder) Fatalf(format string, args ...any) { r.Fatal(fmt.Sprintf(format, args...)) }
func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// record runs f with a recorder, as a test would run it on its goroutine.
func record(t *testing.T, f func(*recorder)) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestRunAndMust(t *testing.T) {
	tests := []struct {
		name       string
		f          func(*recorder)
		wantFailed bool
		msgHas     string
	}{
		{"Run: a non-zero exit is a result", func(tb *recorder) {
			if r := New("sh", "-c", "exit 2").Run(tb); r.Code != 2 {
				tb.Fatalf("code %d", r.Code)
			}
		}, false, ""},
		{"Run: a program that cannot start fails", func(tb *recorder) { New("e2e-no-such-program").Run(tb) }, true, "e2e-no-such-program"},
		{"Must: a non-zero exit fails, with stderr", func(tb *recorder) { New("sh", "-c", "echo broken >&2; exit 1").Must(tb) }, true, "exit 1\nstdout: \nstderr: broken"},
		{"Must: success returns trimmed stdout", func(tb *recorder) {
			if out := New("echo", " ok ").Must(tb); out != "ok" {
				tb.Fatalf("out %q", out)
			}
		}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := record(t, tt.f)
			if r.failed != tt.wantFailed || !strings.Contains(r.msg, tt.msgHas) {
				t.Errorf("failed %v with %q; want failed %v with %q", r.failed, r.msg, tt.wantFailed, tt.msgHas)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	tests := []struct {
		ci                  string
		wantFailed, skipped bool
	}{{"", false, true}, {"true", true, false}}
	for _, tt := range tests {
		t.Run("CI="+tt.ci, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := record(t, func(tb *recorder) { Require(tb, "sh", "e2e-no-such-program") })
			if r.failed != tt.wantFailed || r.skipped != tt.skipped || !strings.Contains(r.msg, "e2e-no-such-program not found in PATH") {
				t.Errorf("failed %v, skipped %v, %q", r.failed, r.skipped, r.msg)
			}
			if r := record(t, func(tb *recorder) { Require(tb, "sh") }); r.failed || r.skipped {
				t.Errorf("Require(sh): failed %v, skipped %v: %s", r.failed, r.skipped, r.msg)
			}
		})
	}
}
