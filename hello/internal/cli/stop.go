package cli

import (
	"context"
	"os"
)

// StopOn returns a context derived from parent that the first signal
// received from signals cancels, asking [Run] for a graceful shutdown;
// its [context.Cause] names the signal. A second signal asks Run to exit
// at once, without draining.
//
// main feeds signals from [os/signal.Notify]; tests send to it by hand.
// StopOn's goroutine ends after the second signal, when signals is
// closed, or when parent is done.
func StopOn(parent context.Context, signals <-chan os.Signal) context.Context {
	ctx, cancel := context.WithCancelCause(parent)
	go func() {
		var first *stopSignal
		for {
			select {
			case sig, ok := <-signals:
				switch {
				case !ok:
					return
				case first == nil:
					first = &stopSignal{sig: sig, urgent: make(chan struct{})}
					cancel(first)
				default:
					first.again = sig
					close(first.urgent)
					return
				}
			case <-parent.Done():
				return
			}
		}
	}()
	return ctx
}

// stopSignal is the cause of a context that [StopOn] cancelled.
type stopSignal struct {
	sig os.Signal
	// urgent closes when a second signal arrives; again is that signal,
	// set before urgent closes.
	urgent chan struct{}
	again  os.Signal
}

func (s *stopSignal) Error() string { return s.sig.String() + " signal received" }
