//go:build unix

package server

import (
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestUnread(t *testing.T) {
	for _, tt := range []struct {
		name        string
		send        string
		closeClient bool
		want        bool
	}{
		{name: "nothing sent", want: false},
		{name: "a request arrived", send: "GET / HTTP/1.1\r\n", want: true},
		{name: "one byte", send: "G", want: true},
		{name: "peer closed", closeClient: true, want: false},
		{name: "bytes, then close", send: "GET", closeClient: true, want: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			server, client := tcpPair(t)
			if tt.send != "" {
				if _, err := io.WriteString(client, tt.send); err != nil {
					t.Fatal(err)
				}
			}
			if tt.closeClient {
				client.Close()
			}
			// A deadline in the past, as shutdown sets it: the look must
			// not depend on it. Loopback delivers at once; give it a moment.
			server.SetReadDeadline(time.Unix(0, 1))
			var waiting, known bool
			for deadline := time.Now().Add(safeTimeout); ; time.Sleep(time.Millisecond) {
				waiting, known = unread(server)
				if waiting == tt.want || time.Now().After(deadline) {
					break
				}
			}
			if !known || waiting != tt.want {
				t.Fatalf("unread() = %v, %v; want %v, true", waiting, known, tt.want)
			}
			// Looking leaves the bytes for the reader.
			server.SetReadDeadline(time.Now().Add(safeTimeout))
			got := make([]byte, len(tt.send))
			if _, err := io.ReadFull(server, got); err != nil || string(got) != tt.send {
				t.Errorf("read after unread() = %q, %v; want %q", got, err, tt.send)
			}
		})
	}
}

func TestUnreadWithoutSocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if waiting, known := unread(a); waiting || known {
		t.Errorf("unread(net.Pipe) = %v, %v; want false, false", waiting, known)
	}
}
