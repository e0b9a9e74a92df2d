package amp

import (
	"net/http"

	"github.com/rs/cors"
)

// Browser returns the rs/cors half of AMP email CORS v1: wrap the whole
// router with it (srv.Handler = policy.Browser().Handler(engine)) and run the
// Evaluate/Apply middleware inside.
//
// It writes Access-Control-Allow-Origin (the request's Origin, verbatim,
// including "null"), Access-Control-Allow-Credentials: true and
// Access-Control-Expose-Headers: AMP-Access-Control-Allow-Source-Origin only
// for requests that Evaluate classifies as v1 and allows; v2 requests never
// get Access-Control-Allow-Origin, even when they carry Origin. rs/cors always
// adds Vary: Origin. Methods GET, HEAD, POST and OPTIONS and request headers
// content-type, amp-email-sender and amp-same-origin are allowed. Preflights
// (OPTIONS with Access-Control-Request-Method) are passed through to the
// wrapped handler, which answers them with 204 and the AMP headers.
//
// Each call builds a new handler; call it once at start-up. The result is
// safe for concurrent use.
func (p *CORSPolicy) Browser() *cors.Cors {
	return cors.New(cors.Options{
		// Takes precedence over AllowedOrigins and gets the raw Origin value,
		// not lower-cased, so "null" reaches Evaluate unchanged.
		AllowOriginVaryRequestFunc: func(r *http.Request, _ string) (bool, []string) {
			// rs/cors asks about every request, Origin or not. Only a v1
			// request (an Origin and no AMP-Email-Sender) can be allowed
			// here: answer the rest without evaluating them (the hot path:
			// Gmail sends v2).
			if len(r.Header[canonEmailSender]) > 0 || r.Header.Get("Origin") == "" {
				return false, nil
			}
			d := p.Evaluate(r)
			return d.Version == 1 && d.Allowed, nil
		},
		AllowCredentials:   true,
		ExposedHeaders:     []string{HeaderAllowSourceOrigin},
		AllowedMethods:     []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodOptions},
		AllowedHeaders:     []string{"content-type", "amp-email-sender", "amp-same-origin"},
		OptionsPassthrough: true,
	})
}
