// Package tcpproxy is a test helper: a TCP proxy in front of a server (here
// PostGIS) that a test can cut, stall and restore, to see what the service
// does when its database goes away and comes back without stopping the
// shared database server itself.
//
//	p, err := tcpproxy.Listen("127.0.0.1:55432")
//	url := "postgres://postgres@" + p.Addr() + "/db"  // the service connects through p
//	p.Cut()     // every open connection reset, new ones refused: PostGIS is gone
//	p.Restore() // listening again on the same address: PostGIS is back
//
// Cut is what a stopped or crashed server looks like to its clients: open
// connections are reset (RST) and connecting is refused. Stall is a network
// partition: connections stay open and new ones are accepted, but no byte
// passes in either direction until Restore.
package tcpproxy

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"time"
)

// Proxy forwards connections made to Addr to the target. It is safe for
// concurrent use.
type Proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener // nil while cut
	conns map[net.Conn]struct{}
	// open is closed while data flows; while stalled it is an open channel
	// that Restore (or Cut) closes to release the held copies.
	open    chan struct{}
	stalled bool
	closed  bool
	stats   Stats
	wg      sync.WaitGroup
}

// Stats counts what the proxy has seen.
type Stats struct {
	// Accepted connections, forwarded or not.
	Accepted int
	// Reset connections: open when the proxy was cut or closed.
	Reset int
	// Cuts is how many times the proxy was cut.
	Cuts int
}

// Listen starts a proxy on a free 127.0.0.1 port forwarding to target
// (host:port).
func Listen(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tcpproxy: listen: %w", err)
	}
	open := make(chan struct{})
	close(open)
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}, open: open}
	p.serve(ln)
	return p, nil
}

// Addr is the address clients connect to (it stays the same across Cut and
// Restore).
func (p *Proxy) Addr() string { return p.addr }

// Stats returns the counters so far.
func (p *Proxy) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Cut makes the target unreachable: the listener is closed (connecting is
// refused) and every open connection is reset. Cutting a cut proxy does
// nothing.
func (p *Proxy) Cut() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("tcpproxy: closed")
	}
	if p.ln == nil {
		return nil
	}
	err := p.ln.Close()
	p.ln = nil
	p.stats.Cuts++
	p.resetAllLocked()
	if p.stalled {
		// Wake the held copies so they see their connections are gone; the
		// proxy stays stalled for connections accepted after Restore.
		close(p.open)
		p.open = make(chan struct{})
	}
	return err
}

// Stall holds every byte in both directions, on open connections and on
// new ones, which are still accepted: the target looks alive but silent, as
// behind a network partition. Restore lets the held data through.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stalled {
		p.stalled = true
		p.open = make(chan struct{})
	}
}

// Restore undoes Cut and Stall: the proxy listens again on the same address
// and forwards data again.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("tcpproxy: closed")
	}
	if p.stalled {
		p.stalled = false
		close(p.open)
	}
	if p.ln != nil {
		return nil
	}
	// The port was ours a moment ago; another process taking it meanwhile
	// is unlikely but possible, so try for a little while.
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			p.serveLocked(ln)
			return nil
		}
		p.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
		p.mu.Lock()
		if p.closed {
			return errors.New("tcpproxy: closed")
		}
		if p.ln != nil {
			return nil
		}
	}
	return fmt.Errorf("tcpproxy: listen again on %s: %w", p.addr, err)
}

// Close stops the proxy for good, resets open connections and waits for its
// goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	var err error
	if !p.closed {
		p.closed = true
		if p.ln != nil {
			err = p.ln.Close()
			p.ln = nil
		}
		if p.stalled {
			p.stalled = false
			close(p.open)
		}
		p.resetAllLocked()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serveLocked(ln)
}

func (p *Proxy) serveLocked(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return // closed by Cut or Close
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.handle(c)
			}()
		}
	}()
}

// resetAllLocked closes every tracked connection with a reset (linger 0),
// as a crashed server's kernel would.
func (p *Proxy) resetAllLocked() {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = c.Close()
		p.stats.Reset++
	}
	clear(p.conns)
}

// track registers c; it refuses (and closes) c when the proxy is cut or
// closed.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln == nil || p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}

// gate returns the channel that is closed while data may flow.
func (p *Proxy) gate() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.open
}

func (p *Proxy) handle(client net.Conn) {
	p.mu.Lock()
	p.stats.Accepted++
	p.mu.Unlock()
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	done := make(chan struct{})
	defer close(done)
	// A stalled proxy accepts but does not connect on until restored.
	if !p.wait(done, client) {
		client.Close()
		return
	}
	server, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		client.Close()
		return
	}
	if !p.track(server) {
		client.Close()
		return
	}
	defer p.untrack(server)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.pipe(server, client, done) }()
	go func() { defer wg.Done(); p.pipe(client, server, done) }()
	wg.Wait()
}

// wait blocks while the proxy is stalled. It reports false when the
// connection was closed meanwhile (a Cut resets it; the read then fails).
func (p *Proxy) wait(done <-chan struct{}, c net.Conn) bool {
	g := p.gate()
	select {
	case <-g:
		p.mu.Lock()
		_, ok := p.conns[c]
		p.mu.Unlock()
		return ok
	case <-done:
		return false
	}
}

// pipe copies src to dst, holding data while the proxy is stalled; when
// either side ends, both are closed.
func (p *Proxy) pipe(dst, src net.Conn, done <-chan struct{}) {
	defer dst.Close()
	defer src.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.wait(done, src) {
				return
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
