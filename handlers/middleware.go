package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/amplive/amplive/amp"
)

// requestIDHeader carries a request id in and out.
const requestIDHeader = "X-Request-Id"

// requestID takes a sane incoming X-Request-Id (≤ 64 chars of [A-Za-z0-9._-])
// or makes a random one, and echoes it on the response.
func (s *Server) requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader(requestIDHeader)
		if !saneID(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Set(requestIDHeader, id)
		c.Header(requestIDHeader, id)
		c.Next()
	}
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// accessLog writes one JSON line per request: id, method, the matched route
// pattern (never the raw path or query: tokens live in the query, and a
// mistyped URL such as /v1/cart&t=… puts one in the path), status, bytes and
// latency. No personal data is logged.
func (s *Server) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(c.Request.Context(), level, "request",
			slog.String("request_id", c.GetString(requestIDHeader)),
			slog.String("method", c.Request.Method),
			slog.String("route", routeOf(c)),
			slog.Int("status", c.Writer.Status()),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
			slog.Float64("latency_ms", float64(time.Since(start).Microseconds())/1000),
		)
	}
}

// routeOf is the route pattern that matched ("/v1/countdown/:campaign"),
// or "unmatched".
func routeOf(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// recoverJSON turns a panic into a logged error and a JSON 500, with no stack
// trace to the client.
func (s *Server) recoverJSON() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", c.GetString(requestIDHeader), "route", routeOf(c), "panic", v)
				fail(c, http.StatusInternalServerError, CodeInternal, "internal error")
			}
		}()
		c.Next()
	}
}

// noStore marks live answers as private and never cacheable.
func (s *Server) noStore() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Cache-Control", "private, no-store")
		c.Next()
	}
}

// ampCORS applies AMP for Email CORS (amp.CORSPolicy.Evaluate): allowed
// requests get the AMP headers; refused ones a 403 with none; OPTIONS a 204
// with the same headers. On unknown routes a refused non-OPTIONS request
// still gets its 404.
// Spec: https://amp.dev/documentation/guides-and-tutorials/email/learn/cors-in-email
func (s *Server) ampCORS() gin.HandlerFunc { return s.ampCORSWith(fail) }

// failFunc writes an error answer and aborts: fail for the JSON reads,
// failAction for amp-form actions.
type failFunc func(c *gin.Context, status int, code, message string)

// ampCORSWith is ampCORS with refusals written by f.
func (s *Server) ampCORSWith(f failFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		d := s.cors.Evaluate(c.Request)
		if d.Allowed {
			d.Apply(c.Writer.Header())
		}
		switch {
		case !d.Allowed && (c.FullPath() != "" || c.Request.Method == http.MethodOptions):
			f(c, http.StatusForbidden, d.Code, d.Message)
		case c.Request.Method == http.MethodOptions:
			c.AbortWithStatus(http.StatusNoContent)
		default:
			c.Next()
		}
	}
}

// claimsKey is where token() leaves the verified claims.
const claimsKey = "amplive.claims"

// token verifies the JWT in the t query parameter and leaves its claims for
// the handler; a missing, invalid or expired token gets a 401.
func (s *Server) token() gin.HandlerFunc { return s.tokenWith(fail) }

// tokenWith is token with refusals written by f.
func (s *Server) tokenWith(f failFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		claims, err := s.tokens.Verify(c.Query("t"))
		if err != nil {
			code := amp.TokenErrorCode(err)
			f(c, http.StatusUnauthorized, code, tokenMessage(code))
			return
		}
		c.Set(claimsKey, claims)
		c.Next()
	}
}

func tokenMessage(code string) string {
	switch code {
	case CodeTokenMissing:
		return "the URL has no token (query parameter t)"
	case CodeTokenExpired:
		return "the token has expired"
	default:
		return "the token is not valid"
	}
}

func claimsOf(c *gin.Context) *amp.Claims {
	v, _ := c.Get(claimsKey)
	cl, _ := v.(*amp.Claims)
	if cl == nil {
		return &amp.Claims{}
	}
	return cl
}
