package main

// The interactive mode, driven through a pseudo-terminal.

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the controlling side (master) and
// the terminal a program runs on (slave), 80 columns wide.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no pseudo-terminals here, and CI is set: %v", err)
		}
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		t.Fatalf("unlocking the pty: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN) // ptsname
	if err != nil {
		t.Fatalf("getting the pty's number: %v", err)
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("opening the pty: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		t.Fatalf("setting the pty's size: %v", err)
	}
	t.Cleanup(func() {
		master.Close()
		slave.Close()
	})
	return master, slave
}

// session is the calculator running on a pseudo-terminal.
type session struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
	slave  *os.File

	// before is the terminal's settings before the calculator started,
	// read before it could switch the terminal to raw mode.
	before unix.Termios

	mu   sync.Mutex
	out  strings.Builder // everything the calculator wrote
	seen int             // how much of out expect has gone past
}

func start(t *testing.T) *session {
	t.Helper()
	master, slave := openPTY(t)
	ctx, cancel := context.WithTimeout(context.Background(), safetyNet)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, binary)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	before := termios(t, slave)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &session{t: t, cmd: cmd, master: master, slave: slave, before: before}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return s
}

// expect waits until the calculator has written want, after what earlier
// calls saw.
func (s *session) expect(want string) {
	s.t.Helper()
	deadline := time.Now().Add(safetyNet)
	for {
		s.mu.Lock()
		out := s.out.String()
		i := strings.Index(out[s.seen:], want)
		if i >= 0 {
			s.seen += i + len(want)
		}
		s.mu.Unlock()
		if i >= 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("no %q in the output after %v; output:\n%q", want, safetyNet, out)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (s *session) send(keys string) {
	s.t.Helper()
	if _, err := s.master.WriteString(keys); err != nil {
		s.t.Fatalf("typing %q: %v", keys, err)
	}
}

// wait waits for the calculator to end and returns its exit status.
func (s *session) wait() int {
	s.t.Helper()
	err := s.cmd.Wait()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		s.t.Fatalf("calculator: %v", err)
	}
	return 0
}

// termios returns the terminal's settings that raw mode changes.
func termios(t *testing.T, f *os.File) unix.Termios {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatalf("reading the terminal's settings: %v", err)
	}
	return *tio
}

func TestInteractive(t *testing.T) {
	s := start(t)
	before := s.before
	s.expect("Type help for help")
	s.expect("> ")

	s.send("1 + 2\r")
	s.expect("\r\n3\r\n")
	s.send("ans * 10\r")
	s.expect("\r\n30\r\n")

	s.send("\x1b[A\r") // up: ans * 10 again
	s.expect("ans * 10")
	s.expect("\r\n300\r\n")

	s.send("1 / 0\r")
	s.expect("\r\n      ^\r\nerror: division by zero at column 5\r\n")

	s.send("12 + 34\x03") // Ctrl-C clears the line
	s.expect("^C\r\n")
	s.send("5\r")
	s.expect("\r\n5\r\n")

	s.send("\x03") // on an empty line: a hint
	s.expect("(To leave, type exit or press Ctrl-D.)")

	s.send("help\r")
	s.expect("Expressions:")

	s.send("\x04") // Ctrl-D leaves
	if code := s.wait(); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if after := termios(t, s.slave); after != before {
		t.Errorf("terminal settings not restored:\nbefore %+v\nafter  %+v", before, after)
	}
}

func TestInteractiveExit(t *testing.T) {
	for _, cmd := range []string{"exit", "quit"} {
		t.Run(cmd, func(t *testing.T) {
			s := start(t)
			before := s.before
			s.expect("> ")
			s.send("2^10\r")
			s.expect("\r\n1024\r\n")
			s.send("2/3\r") // rounded: marked on a real terminal
			s.expect("\r\n≈ 0.66666666666666666667\r\n")
			s.send("x = 3\r") // prints nothing
			s.send("x * 2\r")
			s.expect("\r\n6\r\n")
			s.send(cmd + "\r")
			if code := s.wait(); code != 0 {
				t.Errorf("exit status %d, want 0", code)
			}
			if termios(t, s.slave) != before {
				t.Error("terminal settings not restored")
			}
		})
	}
}

// TestInteractiveSignal checks that a signal ending the calculator at its
// prompt restores the terminal first.
func TestInteractiveSignal(t *testing.T) {
	s := start(t)
	before := s.before
	s.expect("> ")
	if termios(t, s.slave) == before {
		t.Fatal("the terminal is not in raw mode at the prompt")
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	if code := s.wait(); code != 128+int(syscall.SIGTERM) {
		t.Errorf("exit status %d, want %d", code, 128+int(syscall.SIGTERM))
	}
	if termios(t, s.slave) != before {
		t.Error("terminal settings not restored")
	}
}
