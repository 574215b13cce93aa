package cli

import (
	"context"
	"os"
	"syscall"
)

// What each signal main passes to [StopOn] does, as PID 1 and as a plain
// process alike (hello handles each itself, so the kernel's PID 1 rule of
// ignoring unhandled signals changes nothing):
//
//   - SIGTERM, SIGINT: a graceful shutdown; a second one exits at once.
//   - SIGQUIT: a dump of every goroutine's stack on stderr, then an exit at
//     once with [ExitQuit], the log written out as after a second signal.
//     During a shutdown it is the second signal, with the dump.
//   - SIGHUP: logged and ignored. hello has nothing to reload, and a stop
//     on a reload request would take a service down: an orchestrator's
//     restart-on-failure policy does not restart an exit 0. When a terminal
//     hangs up, hello goes on serving; its log writes then fail and are
//     counted as dropped (see [logsink]).
//
// Go's defaults would differ: SIGHUP kills the process at once (status
// 129, no drain, access lines lost without a count), SIGQUIT dumps and
// exits 2, the code for usage errors.

// StopOn returns a context derived from parent that the first stop signal
// received from signals cancels, asking [Run] for a graceful shutdown;
// its [context.Cause] names the signal. A second stop signal, or SIGQUIT,
// asks Run to exit at once, without draining. Signals that do not stop
// (SIGHUP) are handed to Run through the context, to be logged.
//
// main feeds signals from [os/signal.Notify]; tests send to it by hand.
// StopOn's goroutine ends after the exit is asked for, when signals is
// closed, or when parent is done.
func StopOn(parent context.Context, signals <-chan os.Signal) context.Context {
	ignored := make(chan os.Signal, 8)
	ctx, cancel := context.WithCancelCause(context.WithValue(parent, ignoredKey{}, (<-chan os.Signal)(ignored)))
	go func() {
		var first *stopSignal
		for {
			select {
			case sig, ok := <-signals:
				switch {
				case !ok:
					return
				case sig == syscall.SIGHUP:
					select {
					case ignored <- sig:
					default: // a burst of them: the log has enough
					}
				case first == nil:
					first = &stopSignal{sig: sig, urgent: make(chan struct{})}
					if sig == syscall.SIGQUIT {
						first.again = sig
						close(first.urgent)
					}
					cancel(first)
					if sig == syscall.SIGQUIT {
						return
					}
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

// ignoredKey is the context key of the signals [StopOn] does not stop on.
type ignoredKey struct{}

// ignoredSignals returns the channel of signals that ctx's [StopOn] received
// and does not stop on, or nil for a context not made by StopOn.
func ignoredSignals(ctx context.Context) <-chan os.Signal {
	ch, _ := ctx.Value(ignoredKey{}).(<-chan os.Signal)
	return ch
}

// stopSignal is the cause of a context that [StopOn] cancelled.
type stopSignal struct {
	sig os.Signal
	// urgent closes when an exit at once is asked for (a second signal,
	// or SIGQUIT); again is that signal, set before urgent closes.
	urgent chan struct{}
	again  os.Signal
}

func (s *stopSignal) Error() string { return s.sig.String() + " signal received" }

// quit reports whether the exit at once was asked for by SIGQUIT.
func (s *stopSignal) quit() bool { return s.again == syscall.SIGQUIT }
