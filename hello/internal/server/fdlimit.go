package server

// fdReserve is how many file descriptors the connection cap leaves to the
// process itself: standard streams, the listener, the runtime's poller,
// and room for an accept that the cap must refuse.
const fdReserve = 32

// fitCap returns the connection cap that fits a file descriptor limit of
// nofile (known false: the limit could not be read, the cap stays): each
// connection holds one descriptor, and fdReserve stay for the rest.
func fitCap(limit int, nofile uint64, known bool) int {
	if !known || nofile >= uint64(limit)+fdReserve {
		return limit
	}
	if nofile <= fdReserve {
		return 1
	}
	return int(nofile - fdReserve)
}
