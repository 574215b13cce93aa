//go:build unix

package server

import (
	"net"
	"syscall"
)

// unread reports whether bytes wait unread on c's socket, looking without
// blocking and whatever its deadlines say (a read whose deadline has passed
// fails before it looks). known is false when c has no socket to look at.
// A close by the peer, or a broken socket, counts as nothing waiting.
func unread(c net.Conn) (waiting, known bool) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, false
	}
	var n int
	var rerr error
	var b [1]byte
	// Control runs at once, unlike RawConn.Read, which checks the deadline
	// first; MSG_DONTWAIT keeps it from blocking, MSG_PEEK leaves the bytes
	// for net/http to read.
	if err := rc.Control(func(fd uintptr) {
		n, _, rerr = syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
	}); err != nil {
		return false, false
	}
	// EAGAIN: nothing has arrived; any other error: nothing will.
	return rerr == nil && n > 0, true
}
