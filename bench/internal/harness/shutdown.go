package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/go-multistage/multistage/bench/internal/loadgen"
	"github.com/go-multistage/multistage/bench/internal/report"
)

// targetExitAfterLast bounds how long ours may take to exit after the last
// request it served.
const targetExitAfterLast = time.Second

// shutdownResult is what one SIGTERM-under-load run found.
type shutdownResult struct {
	exit      string        // "exit 0", "killed by signal terminated", ...
	exitCode  int           // -1 when killed by a signal
	selfExit  bool          // false: it had to be killed after 30 s
	sinceTerm time.Duration // SIGTERM → process gone
	sinceLast time.Duration // last answer → process gone
	load      loadgen.Result
}

// shutdown sends SIGTERM to the seed-like server and to ours while they are
// under load (item 4).
func (h *Harness) shutdown(ctx context.Context, s *report.Section) error {
	p := h.plan
	s.Method = fmt.Sprintf("Each server is started alone (pinned as in item 2) and loaded over %d keep-alive connections by the harness's own load generator "+
		"(`bench/internal/loadgen`, not pinned); SIGTERM is sent %v in. The generator follows every request: answered; never sent "+
		"(dial refused once the listener is closed, or the connection found closed before the request was written); or failed: "+
		"written, then the connection closed or reset before a complete answer, a timeout, or a status ≥ 400. "+
		"A request the server drops by closing a keep-alive connection before reading it counts as failed here; "+
		"HTTP/1.1 clients may retry such a request if it is idempotent (a GET), but not a POST. "+
		"\"After the last answer\" is the time from the last complete answer to the process's exit. "+
		"wrk is not used here because after a listener closes it counts its refused reconnections as read and write errors, mixed with dropped requests. "+
		"The seed-like server runs as an ordinary process here, so SIGTERM kills it; as PID 1 in a container the same program exits with status 2 (see 4b).",
		p.connections, p.shutdownAfter)
	logFile, err := os.Create(h.path("shutdown-access-log.jsonl"))
	if err != nil {
		return err
	}
	defer os.Remove(logFile.Name())
	defer logFile.Close()

	seed, err := h.shutdownOnce(ctx, h.seedServerSpec("seed", h.devnull))
	if err != nil {
		return err
	}
	ours, err := h.shutdownOnce(ctx, h.helloSpec("ours", logFile))
	if err != nil {
		return err
	}

	s.Add("seed: how it ended", "", seed.exit, report.Info)
	s.Add("seed: exit after the last answer", "", ms(seed.sinceLast)+" ("+ms(seed.sinceTerm)+" after SIGTERM)", report.Info)
	s.Add("seed: failed requests", "", failedText(seed.load), report.Info)
	s.Add("ours (access log on): how it ended", "exit 0", ours.exit, report.Verdict(ours.selfExit && ours.exitCode == 0))
	s.Add("ours: exit after the last answer", "< "+targetExitAfterLast.String(),
		ms(ours.sinceLast)+" ("+ms(ours.sinceTerm)+" after SIGTERM)", report.Verdict(ours.selfExit && ours.sinceLast < targetExitAfterLast))
	s.Add("ours: failed requests", "0", failedText(ours.load), report.Verdict(ours.load.Failed() == 0))
	return nil
}

// shutdownOnce starts spec, loads it, sends SIGTERM and watches it end.
func (h *Harness) shutdownOnce(ctx context.Context, spec serverSpec) (shutdownResult, error) {
	p := h.plan
	stderr, err := os.Create(h.path("shutdown-" + spec.name + "-stderr.log"))
	if err != nil {
		return shutdownResult{}, err
	}
	defer stderr.Close()
	sv, err := startServer(ctx, spec, h.cfg.ServerCPU, stderr)
	if err != nil {
		return shutdownResult{}, err
	}
	defer sv.kill() // a no-op once it has exited

	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	type outcome struct {
		res loadgen.Result
		err error
	}
	loaded := make(chan outcome, 1)
	go func() {
		res, err := loadgen.Run(loadCtx, loadgen.Options{URL: sv.url, Connections: p.connections, Timeout: 2 * time.Second})
		loaded <- outcome{res, err}
	}()

	select {
	case <-time.After(p.shutdownAfter):
	case <-sv.done:
		stopLoad()
		<-loaded
		return shutdownResult{}, fmt.Errorf("%s server exited under load before SIGTERM: %s", spec.name, sv.exitDescription())
	}
	term := time.Now()
	selfExit := sv.terminate(30 * time.Second)
	time.Sleep(200 * time.Millisecond) // see what new requests meet
	stopLoad()
	out := <-loaded
	if out.err != nil {
		return shutdownResult{}, out.err
	}
	if out.res.LastAnswer.IsZero() {
		return shutdownResult{}, errors.New(spec.name + " server: the load generator got no answer at all")
	}
	res := shutdownResult{
		exit: sv.exitDescription(), exitCode: sv.state.ExitCode(), selfExit: selfExit,
		sinceTerm: sv.ended.Sub(term), load: out.res,
		// The last answer can be read a moment after the process died (its
		// bytes were already sent): a difference below 0 counts as 0.
		sinceLast: max(0, sv.ended.Sub(out.res.LastAnswer)),
	}
	if !selfExit {
		res.exit += " (had to be killed: no exit within 30 s of SIGTERM)"
	}
	return res, nil
}

func failedText(r loadgen.Result) string {
	return fmt.Sprintf("%d (closed or reset before the answer %d, broken %d; answered %d; not sent: refused %d, closed while idle %d)",
		r.Failed(), r.NoAnswer, r.Broken, r.Answered, r.Refused, r.ClosedIdle)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
