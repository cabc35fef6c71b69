package app

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"govapp/internal/platform/errs"
)

// bodyLimits is the size of request body each route accepts, decided from
// the request line alone, before any of the body is read: the server reads a
// body only up to the limit of the route it is for (GET and the other
// bodiless methods: none), so a large body sent to a small route costs no
// memory, and a body over its limit answers 413 without being read.
type bodyLimits struct {
	def    int          // POST, PUT and PATCH routes without a limit of their own
	larger []routeLimit // routes with a larger limit of their own
}

type routeLimit struct {
	method string
	segs   []string // path segments; ":name" matches any one segment
	limit  int
}

// noBody is the limit of bodiless methods: the server needs a positive
// number, and refuseBody answers any body that still arrives.
const noBody = 1

func newBodyLimits(routes []route, def int) bodyLimits {
	bl := bodyLimits{def: def}
	for _, r := range routes {
		if r.BodyLimit > def && acceptsBody(r.Method) {
			bl.larger = append(bl.larger, routeLimit{method: r.Method, segs: strings.Split(strings.Trim(r.Path, "/"), "/"), limit: r.BodyLimit})
		}
	}
	return bl
}

func acceptsBody(method string) bool {
	return method == fiber.MethodPost || method == fiber.MethodPut || method == fiber.MethodPatch
}

// forRequest is the body limit of a request line (fasthttp's HeaderReceived).
func (bl bodyLimits) forRequest(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	method := string(h.Method())
	if !acceptsBody(method) {
		return fasthttp.RequestConfig{MaxRequestBodySize: noBody}
	}
	if len(bl.larger) > 0 {
		path := h.RequestURI()
		if i := bytes.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		for _, r := range bl.larger {
			if r.method == method && matchSegments(r.segs, path) {
				return fasthttp.RequestConfig{MaxRequestBodySize: r.limit}
			}
		}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: bl.def}
}

// matchSegments reports whether path ("/a/b/c") matches the route's segments.
func matchSegments(segs []string, path []byte) bool {
	path = bytes.Trim(path, "/")
	for i, s := range segs {
		var seg []byte
		if j := bytes.IndexByte(path, '/'); j >= 0 {
			seg, path = path[:j], path[j+1:]
		} else {
			seg, path = path, nil
		}
		if len(seg) == 0 || (s[0] != ':' && s != string(seg)) {
			return false
		}
		if path == nil && i < len(segs)-1 {
			return false
		}
	}
	return path == nil
}

var (
	errEncodedBody = errs.New(errs.KindUnsupportedMedia, "unsupported_content_encoding", "不接受压缩的请求体（Content-Encoding），请直接发送原文")
	errBodyOnGet   = errs.New(errs.KindInvalid, "unexpected_body", "该接口不接受请求体")
)

// refuseEncodedBody answers 415 to a request whose body is compressed. No
// client of govapp compresses what it sends (wx.request, WeChat's servers, the
// console do not); unpacking would let a few hundred bytes become gigabytes
// before any limit or authentication.
func refuseEncodedBody(c *fiber.Ctx) error {
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderContentEncoding) {
		for _, e := range bytes.Split(v, []byte(",")) {
			if e = bytes.TrimSpace(e); len(e) > 0 && !bytes.EqualFold(e, []byte("identity")) {
				return errEncodedBody
			}
		}
	}
	return c.Next()
}

// refuseBody answers a body sent to a route that takes none (GET, HEAD,
// DELETE): the server already read at most noBody bytes of it.
func refuseBody(c *fiber.Ctx) error {
	if len(c.Request().Body()) > 0 || c.Request().Header.ContentLength() > 0 {
		return errBodyOnGet
	}
	return c.Next()
}
