package server

import (
	"context"
	"sync"
	"time"
)

// ownReportEvery is the least time between two records of the requests
// net/http answered itself (see [Server.reportOwn]).
const ownReportEvery = 10 * time.Second

// reportOwn logs, at most once per every, what net/http did with the
// requests no handler saw since the last record: its own answers by status
// class (400, 431, 501, 505 and the like are rejections; OPTIONS * is
// answered 200) and the requests it closed incomplete (header or read
// timeout, or a client that gave up). An attack of malformed or slow
// requests is so visible in the log without a line per request. It ends
// with ctx, after a last record.
func (s *Server) reportOwn(ctx context.Context, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	var last ownTotals
	for {
		select {
		case <-tick.C:
			last = s.logOwn(last, every)
		case <-ctx.Done():
			s.logOwn(last, every)
			return
		}
	}
}

// logOwn logs the counts that changed since last and returns the new ones.
func (s *Server) logOwn(last ownTotals, every time.Duration) ownTotals {
	now := s.conns.own.load()
	if now == last {
		return now
	}
	s.log.Warn("requests answered by net/http itself",
		"status_2xx", now.ok-last.ok, "status_4xx", now.clientError-last.clientError,
		"status_5xx", now.serverError-last.serverError, "status_other", now.other-last.other,
		"incomplete", now.incomplete-last.incomplete, "every", every.String())
	return now
}

// startOwnReport starts [Server.reportOwn] and returns the function that
// stops it after its last record; calls after the first do nothing.
func (s *Server) startOwnReport() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.reportOwn(ctx, s.ownEvery)
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}
