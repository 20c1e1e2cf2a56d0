package httpapi

// Who the client is, behind reverse proxies.
//
// A bureau puts the service behind nginx or a load balancer for TLS. Then
// every connection comes from the proxy, and what the client is (address,
// scheme, host) is only in the headers the proxy adds. Those headers are
// believed only from a configured trusted proxy (Config.TrustedProxies):
// anyone else could write them to dodge the rate limit and the login
// throttle, or to make the TileJSON and OGC links point elsewhere.
//
// From a trusted peer:
//   - the client address is found by walking X-Forwarded-For from the
//     right, skipping trusted addresses; the first one that is not trusted
//     is the client (its left part was written by the client and is not
//     believed). If every hop is trusted, the leftmost is the client.
//   - the scheme and host the client used are the first (client-side)
//     value of X-Forwarded-Proto (http or https) and X-Forwarded-Host (a
//     well-formed host), when present.
// From any other peer those headers are ignored.

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strings"

	"diming"
)

// ParseTrustedProxies reads a comma-separated list of addresses and CIDR
// prefixes ("127.0.0.1, ::1, 10.0.0.0/8"). Blank entries are skipped.
func ParseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, badProxy(f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, badProxy(f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func badProxy(entry string) error {
	return diming.Errorf(diming.EINVALID, "可信代理 %q 不是 IP 地址或 CIDR 网段（如 127.0.0.1、10.0.0.0/8）",
		"trusted proxy %q is not an IP address or CIDR prefix (like 127.0.0.1 or 10.0.0.0/8)", entry)
}

// client is who made a request, as far as the service can tell.
type client struct {
	// ip is the client's address (no port): the peer's, or, from a
	// trusted proxy, the one X-Forwarded-For names.
	ip string
	// scheme and host are how the client reached the service.
	scheme, host string
	// proxied is true when the peer is a trusted proxy.
	proxied bool
}

type clientKey struct{}

// resolveClient works out the client of r (see the file comment).
func resolveClient(r *http.Request, trusted []netip.Prefix) client {
	c := client{scheme: "http", host: r.Host}
	if r.TLS != nil {
		c.scheme = "https"
	}
	if c.host == "" {
		// HTTP/1.0 or an empty Host header: the address the request came
		// in on, so that links still work.
		if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			c.host = la.String()
		}
	}
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	c.ip = peer
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return c
	}
	c.proxied = true
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		hop := strings.TrimSpace(hops[i])
		if hop == "" {
			continue // "a, , b" or a trailing comma
		}
		a, ok := parseHop(hop)
		if !ok {
			break // garbage: the last good hop (a trusted proxy) stands
		}
		c.ip = a.Unmap().String()
		if !isTrusted(a, trusted) {
			break
		}
	}
	if p := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0])); p == "http" || p == "https" {
		c.scheme = p
	}
	if h := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Host"), ",")[0]); validHost.MatchString(h) {
		c.host = h
	}
	return c
}

// parseHop reads one X-Forwarded-For entry: an address, or as some load
// balancers write it, with a port ("203.0.113.7:5678", "[2001:db8::7]:443")
// or in brackets ("[2001:db8::7]").
func parseHop(hop string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(hop); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(hop); err == nil {
		return ap.Addr(), true
	}
	if strings.HasPrefix(hop, "[") && strings.HasSuffix(hop, "]") {
		if a, err := netip.ParseAddr(hop[1 : len(hop)-1]); err == nil {
			return a, true
		}
	}
	return netip.Addr{}, false
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientOf is the client resolved for r by the server's middleware (or,
// for a request that did not pass through it, its peer).
func clientOf(r *http.Request) client {
	if c, ok := r.Context().Value(clientKey{}).(client); ok {
		return c
	}
	return resolveClient(r, nil)
}

func withClient(r *http.Request, trusted []netip.Prefix) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), clientKey{}, resolveClient(r, trusted)))
}

// clientIP is the client's address, the key of rate limits and login
// throttling.
func clientIP(r *http.Request) string { return clientOf(r).ip }

// publicBase is the service's absolute URL as the client reached it.
// Answers built from it carry Vary on X-Forwarded-Proto and -Host.
func publicBase(r *http.Request) string {
	c := clientOf(r)
	return c.scheme + "://" + c.host
}

// validHost is a host name or address with an optional port.
var validHost = regexp.MustCompile(`^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$`)
