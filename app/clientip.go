package app

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

const localClientIP = "client_ip"

// proxyTrust decides which address a request comes from. Behind a load
// balancer the socket address is the balancer's; the client's is in a header
// (X-Forwarded-For, X-Real-IP) that anyone can also send. The header is
// believed only when the socket peer is a configured trusted proxy, and then
// only as far as the chain of trusted proxies goes: the client is the
// right-most address that is not itself a trusted proxy. Anything that does
// not parse as an IP address ends the walk, and the last address believed
// is used (the socket peer if none).
type proxyTrust struct {
	header  string
	trusted []netip.Prefix
}

// newProxyTrust parses http.trusted_proxies (addresses or CIDR prefixes).
func newProxyTrust(header string, trusted []string) (proxyTrust, error) {
	p := proxyTrust{header: strings.TrimSpace(header)}
	for _, s := range trusted {
		s = strings.TrimSpace(s)
		if pre, err := netip.ParsePrefix(s); err == nil {
			p.trusted = append(p.trusted, pre.Masked())
			continue
		}
		addr, err := netip.ParseAddr(s)
		if err != nil {
			return proxyTrust{}, fmt.Errorf("app: http.trusted_proxies: %q is neither an IP address nor a CIDR prefix", s)
		}
		addr = addr.Unmap()
		p.trusted = append(p.trusted, netip.PrefixFrom(addr, addr.BitLen()))
	}
	return p, nil
}

func (p proxyTrust) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pre := range p.trusted {
		if pre.Contains(a) {
			return true
		}
	}
	return false
}

// resolve returns the client address of a request from peer (the socket
// address) and the values of every proxy header line, in order.
func (p proxyTrust) resolve(peer netip.Addr, headerLines [][]byte) netip.Addr {
	peer = peer.Unmap()
	if p.header == "" || len(p.trusted) == 0 || !p.isTrusted(peer) {
		return peer
	}
	client := peer
	// Several header lines are one comma-separated list (RFC 9110 §5.3).
	for i := len(headerLines) - 1; i >= 0; i-- {
		line := headerLines[i]
		for len(line) > 0 {
			var hop []byte
			if j := bytes.LastIndexByte(line, ','); j >= 0 {
				hop, line = line[j+1:], line[:j]
			} else {
				hop, line = line, nil
			}
			a, ok := parseHop(hop)
			if !ok {
				return client
			}
			client = a
			if !p.isTrusted(a) {
				return a
			}
		}
	}
	return client
}

// parseHop reads one element of a forwarding chain: an address, optionally
// with a port ("203.0.113.7:4711", "[2001:db8::1]:443").
func parseHop(b []byte) (netip.Addr, bool) {
	s := strings.TrimSpace(string(b))
	if s == "" || len(s) > 64 {
		return netip.Addr{}, false
	}
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

// peerAddr is the socket address of the request.
func peerAddr(c *fiber.Ctx) netip.Addr {
	a, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	return a.Unmap()
}

// resolveClientIP works out the client address once per request and keeps it
// for clientIP.
func (a *App) resolveClientIP(c *fiber.Ctx) string {
	var lines [][]byte
	if a.proxies.header != "" {
		lines = c.Request().Header.PeekAll(a.proxies.header)
	}
	ip := a.proxies.resolve(peerAddr(c), lines).String()
	c.Locals(localClientIP, ip)
	return ip
}

// clientIP is the client address of the request (see proxyTrust): what rate
// limits count, idempotency keys are scoped to, and logs and the audit log
// record. Never c.IP(), which would believe any forwarded header.
func clientIP(c *fiber.Ctx) string {
	if ip, ok := c.Locals(localClientIP).(string); ok {
		return ip
	}
	return peerAddr(c).String()
}
