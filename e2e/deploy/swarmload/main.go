// Command swarmload sends GET requests at a steady rate to a URL whose host
// name resolves to several addresses (a swarm service in endpoint mode
// dnsrr), and accounts for every one of them. The swarm test runs it in a
// scratch image on the service's network.
//
// Usage:
//
//	swarmload -url http://hello/ -rate 200 [-timeout 5s] [-resolve-every 250ms] [-body TEXT]
//
// It resolves the name in the background every -resolve-every and keeps the
// last answer, as a proxy's resolver does, so that no request waits on DNS
// (the resolutions' count, errors and slowest time are reported). Each
// request opens its own connection (keep-alive off), so it reaches whichever
// tasks the service has now: the addresses are taken round-robin, and one
// that refuses the connection or does not answer within its share of the
// timeout is followed by the next, as Go's dialer, curl and browsers do;
// each such attempt is counted as a fallback. The request itself is written
// once and never retried: a reset, a timeout, a status other than 200 or a
// body other than the expected one is a failure.
//
// On SIGTERM or SIGINT it stops sending, waits for the requests in flight,
// prints a JSON summary on standard output (swarmresult.Summary, in
// e2e/deploy/swarmresult) and exits 0. Exit status 2 means bad flags.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-multistage/multistage/e2e/deploy/swarmresult"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the command line.
type options struct {
	target  *url.URL
	rate    int
	timeout time.Duration
	body    string
	bucket  time.Duration
	resolve time.Duration
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	var raw string
	fs := flag.NewFlagSet("swarmload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&raw, "url", "http://hello/", "URL to GET (http only)")
	fs.IntVar(&o.rate, "rate", 200, "requests per second (1 to 5000)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "limit of one request, from dial to the end of the body")
	fs.StringVar(&o.body, "body", "Hello from Multi-Stage Build!", "the exact body every answer must have")
	fs.DurationVar(&o.bucket, "bucket", 100*time.Millisecond, "width of the time buckets of the summary")
	fs.DurationVar(&o.resolve, "resolve-every", 250*time.Millisecond, "how often the host name is resolved again")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" || u.Hostname() == "" {
		return o, fmt.Errorf("-url %q: want http://host[:port]/path", raw)
	}
	o.target = u
	if o.rate < 1 || o.rate > 5000 {
		return o, fmt.Errorf("-rate %d: want 1 to 5000", o.rate)
	}
	if o.timeout <= 0 || o.bucket <= 0 || o.resolve <= 0 {
		return o, errors.New("-timeout, -bucket and -resolve-every must be positive")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "swarmload:", err)
		return 2
	}
	s := newStats(o.bucket)
	c := newClient(o, s)
	resolveCtx, stopResolving := context.WithCancel(context.Background())
	resolved := make(chan struct{})
	go c.resolveLoop(resolveCtx, resolved)
	select {
	case <-resolved:
	case <-time.After(10 * time.Second):
		fmt.Fprintf(stderr, "swarmload: %s did not resolve within 10 s\n", o.target.Hostname())
	case <-ctx.Done():
	}
	fmt.Fprintf(stderr, "swarmload: %d requests/s to %s\n", o.rate, o.target)
	c.loop(ctx)
	stopResolving()
	if err := json.NewEncoder(stdout).Encode(s.summary()); err != nil {
		fmt.Fprintln(stderr, "swarmload:", err)
		return 1
	}
	return 0
}

// client sends the requests.
type client struct {
	o     options
	stats *stats
	http  *http.Client
	host  string
	port  string
	// lookup resolves host; tests replace it.
	lookup func(ctx context.Context, host string) ([]string, error)
	// addrs is the last answer of lookup; next picks the first address
	// a request tries.
	addrs atomic.Pointer[[]string]
	next  atomic.Uint64
}

// attemptKey carries a request's dial record through its context.
type attemptKey struct{}

// attempt is what the dial of one request found.
type attempt struct {
	// deadline ends the request. The transport's dial context does not
	// carry it (dials outlive the requests that start them).
	deadline  time.Time
	addr      string // the address that accepted
	fallbacks []string
}

func newClient(o options, s *stats) *client {
	port := o.target.Port()
	if port == "" {
		port = "80"
	}
	c := &client{o: o, stats: s, host: o.target.Hostname(), port: port, lookup: net.DefaultResolver.LookupHost}
	c.http = &http.Client{
		Timeout: o.timeout,
		Transport: &http.Transport{
			// A fresh connection per request: never reused, so never
			// retried by the transport either.
			DisableKeepAlives: true,
			DialContext:       c.dial,
			MaxIdleConns:      -1,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return c
}

// resolveLoop resolves the host name every o.resolve until ctx ends,
// closing first once an answer is there.
func (c *client) resolveLoop(ctx context.Context, first chan<- struct{}) {
	tick := time.NewTicker(c.o.resolve)
	defer tick.Stop()
	for {
		if c.refresh(ctx) && first != nil {
			close(first)
			first = nil
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// refresh resolves the host name once and keeps a non-empty answer.
func (c *client) refresh(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	t0 := time.Now()
	ips, err := c.lookup(ctx, c.host)
	c.stats.resolved(time.Since(t0), err)
	if err != nil || len(ips) == 0 {
		return false
	}
	c.addrs.Store(&ips)
	return true
}

// dial connects to the addresses of the last answer, round-robin, taking
// the next one when an address refuses or does not answer in time; those
// attempts are recorded.
func (c *client) dial(ctx context.Context, network, _ string) (net.Conn, error) {
	a, _ := ctx.Value(attemptKey{}).(*attempt)
	p := c.addrs.Load()
	if p == nil || len(*p) == 0 {
		return nil, fmt.Errorf("%s has not resolved", c.host)
	}
	ips := *p
	first := int(c.next.Add(1)-1) % len(ips)
	var d net.Dialer
	var errs []error
	for i := range ips {
		ip := ips[(first+i)%len(ips)]
		dctx, cancel := context.WithDeadline(ctx, partialDeadline(a.requestDeadline(ctx), len(ips)-i))
		conn, err := d.DialContext(dctx, network, net.JoinHostPort(ip, c.port))
		cancel()
		if err == nil {
			if a != nil {
				a.addr = ip
			}
			return conn, nil
		}
		errs = append(errs, err)
		if a != nil {
			a.fallbacks = append(a.fallbacks, err.Error())
		}
	}
	return nil, fmt.Errorf("no address of %s accepted: %w", c.host, errors.Join(errs...))
}

// requestDeadline returns the end of the request the dial is for.
func (a *attempt) requestDeadline(ctx context.Context) time.Time {
	if a != nil && !a.deadline.IsZero() {
		return a.deadline
	}
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(time.Minute)
}

// partialDeadline is the deadline of one of several connection attempts,
// shared out as Go's own dialer shares it: the time left until deadline
// divided by the addresses left, but at least 2 s while that much is left.
// So an address that does not answer at all (its container gone, its DNS
// entry not yet) costs an attempt, not the request.
func partialDeadline(deadline time.Time, addrsLeft int) time.Time {
	left := time.Until(deadline)
	timeout := left / time.Duration(addrsLeft)
	const saneMinimum = 2 * time.Second
	if timeout < saneMinimum {
		timeout = min(left, saneMinimum)
	}
	return time.Now().Add(timeout)
}

// loop sends one request every 1/rate seconds until ctx ends, then waits
// for those in flight. When the client itself falls behind (a starved
// machine), it does not catch up in a burst: the rate stays steady, and the
// lost slots show as fewer requests sent.
func (c *client) loop(ctx context.Context) {
	interval := time.Second / time.Duration(c.o.rate)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; ; i++ {
		next := start.Add(time.Duration(i) * interval)
		if late := time.Since(next); late > interval {
			start, i, next = time.Now(), 0, time.Now()
		}
		select {
		case <-ctx.Done():
			wg.Wait()
			return
		case <-time.After(time.Until(next)):
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.once(time.Now())
		}()
	}
}

// once sends one request and records its outcome.
func (c *client) once(started time.Time) {
	a := &attempt{deadline: started.Add(c.o.timeout)}
	ctx := context.WithValue(context.Background(), attemptKey{}, a)
	err := c.get(ctx)
	if err != nil && a.addr != "" {
		err = fmt.Errorf("%s, after %v: %w", a.addr, time.Since(started).Round(time.Millisecond), err)
	}
	c.stats.record(started, a, err)
}

func (c *client) get(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.o.target.String(), nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(len(c.o.body))+1024))
	if err != nil {
		return fmt.Errorf("status %d, reading the body: %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || string(body) != c.o.body {
		return fmt.Errorf("status %d, body %q", resp.StatusCode, body)
	}
	return nil
}

// stats accounts for every request.
type stats struct {
	mu      sync.Mutex
	width   time.Duration
	buckets map[int64]*swarmresult.Bucket
	byAddr  map[string]int
	errors  []swarmresult.Event
	falls   []swarmresult.Event
	dns     swarmresult.Resolutions
}

func (s *stats) resolved(took time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dns.Count++
	if err != nil {
		s.dns.Errors++
	}
	if took >= time.Second {
		s.dns.Slow++
	}
	s.dns.SlowestMS = max(s.dns.SlowestMS, took.Milliseconds())
}

// maxEvents is how many failures, and how many fallbacks, the summary keeps.
const maxEvents = 500

func newStats(width time.Duration) *stats {
	return &stats{width: width, buckets: map[int64]*swarmresult.Bucket{}, byAddr: map[string]int{}}
}

func (s *stats) record(started time.Time, a *attempt, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := started.UnixNano() / int64(s.width) * int64(s.width)
	b := s.buckets[slot]
	if b == nil {
		b = &swarmresult.Bucket{Start: slot}
		s.buckets[slot] = b
	}
	b.Sent++
	b.Fallbacks += len(a.fallbacks)
	for _, f := range a.fallbacks {
		if len(s.falls) < maxEvents {
			s.falls = append(s.falls, swarmresult.Event{At: started.UnixNano(), Error: f})
		}
	}
	if err != nil {
		b.Failed++
		if len(s.errors) < maxEvents {
			s.errors = append(s.errors, swarmresult.Event{At: started.UnixNano(), Error: err.Error()})
		}
		return
	}
	b.OK++
	s.byAddr[a.addr]++
}

func (s *stats) summary() swarmresult.Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := swarmresult.Summary{ByAddr: s.byAddr, Failures: s.errors, FallbackErrors: s.falls, Resolutions: s.dns}
	for _, b := range s.buckets {
		sum.Buckets = append(sum.Buckets, *b)
		sum.Sent += b.Sent
		sum.OK += b.OK
		sum.Failed += b.Failed
		sum.Fallbacks += b.Fallbacks
	}
	sort.Slice(sum.Buckets, func(i, j int) bool { return sum.Buckets[i].Start < sum.Buckets[j].Start })
	return sum
}
