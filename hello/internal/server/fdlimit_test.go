package server

import (
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func TestFitCap(t *testing.T) {
	tests := []struct {
		limit  int
		nofile uint64
		known  bool
		want   int
	}{
		{1024, 1 << 20, true, 1024},
		{1024, 1024 + fdReserve, true, 1024},
		{1024, 1024, true, 1024 - fdReserve},
		{1024, 256, true, 256 - fdReserve},
		{10, 100, true, 10},
		{1024, fdReserve, true, 1},
		{1024, 0, true, 1},
		{1024, 0, false, 1024},
	}
	for _, tt := range tests {
		if got := fitCap(tt.limit, tt.nofile, tt.known); got != tt.want {
			t.Errorf("fitCap(%d, %d, %t) = %d, want %d", tt.limit, tt.nofile, tt.known, got, tt.want)
		}
	}
}

// emfileListener fails its first accepts with EMFILE, as a process out of
// file descriptors does, then accepts from the real listener.
type emfileListener struct {
	net.Listener
	fails atomic.Int32
}

func (l *emfileListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestAcceptSurvivesEMFILE: out of descriptors, the listener closes the
// longest-silent connection to make room and tries again, instead of
// handing net/http an error it would back off on for up to a second.
func TestAcceptSurvivesEMFILE(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracker(100)
	ln := newListener(&emfileListener{Listener: inner}, tr)
	defer ln.Close()

	// One silent connection, old enough to be closed.
	silent, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	first, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.(*trackedConn).since.Store(tr.now() - int64(time.Second))

	ln.Listener.(*emfileListener).fails.Store(3)
	client, err := net.Dial("tcp", inner.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	accepted := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			c.Close()
		}
		accepted <- err
	}()
	select {
	case err := <-accepted:
		if err != nil {
			t.Fatalf("Accept after EMFILE: %v", err)
		}
	case <-time.After(safeTimeout):
		t.Fatal("Accept did not recover from EMFILE")
	}
	if n := tr.fdExhausted.Load(); n != 3 {
		t.Errorf("fdExhausted = %d, want 3", n)
	}
	if !first.(*trackedConn).interrupted.Load() {
		t.Error("the silent connection was not asked to close to make room")
	}
}
