// Package amp implements the AMP for Email protocol pieces amplive needs:
// the CORS rules email clients apply to amp-list and amp-form XHRs, and the
// signed URL tokens that authenticate those XHRs.
//
// CORS (https://amp.dev/documentation/guides-and-tutorials/email/learn/cors-in-email):
// CORSPolicy.Evaluate classifies a request as version 2 (AMP-Email-Sender) or
// version 1 (Origin plus __amp_source_origin) and checks the sender against an
// allow-list; CORSDecision.Apply writes the AMP response headers; and
// CORSPolicy.Browser returns an rs/cors handler that writes the standard
// Access-Control-* headers for allowed v1 requests. Typical wiring:
//
//	srv.Handler = policy.Browser().Handler(engine)
//	// gin middleware:
//	d := policy.Evaluate(c.Request)
//	d.Apply(c.Writer.Header())
//	if !d.Allowed { /* 403 {"error":{"code":d.Code,"message":d.Message}} */ }
//	if c.Request.Method == http.MethodOptions { /* 204 */ }
//
// Tokens: email proxies strip cookies, so each live URL carries an HS256 JWT
// in its `t` query parameter
// (https://developers.google.com/gmail/ampemail/authenticating-requests).
// Keyring (from ParseKeys) holds kid-named HMAC secrets; Keyring.Sign mints
// tokens and Verifier.Verify checks them, returning errors that map to the
// stable codes "token_missing", "token_expired" and "token_invalid" through
// TokenErrorCode.
//
// Webhook signatures: the event webhook (POST /v1/events) is authenticated
// by an HMAC-SHA256 signature of the raw body in the Amplive-Signature
// header; WebhookSecrets signs and verifies it (webhook.go).
//
// Snippets and emails for marketers (snippet.go, esp.go, email.go, eml.go):
// RenderSnippet renders one block (an amp-list or an amp-form, from the
// templates package) for an ESP preset, with the recipient's token as the
// ESP's merge tag and every amp-mustache template protected from the ESP's
// own template language; RenderEmail builds a whole AMP4EMAIL document with
// its text/html and text/plain fallbacks and size budgets; WriteEML wraps it
// in a multipart/alternative message.
//
// Preview (preview.go): RenderPreview opens an AMP email as an email client
// does — fetches each amp-list, checks the CORS answer, renders the
// amp-mustache template — and returns a static page and a report per block.
// Validator (validator*.go): Validate checks an AMP4EMAIL document against
// the official AMP validator's rules, embedded from rules/.
//
// Selftest (selftest.go) replays email clients' CORS requests against any
// endpoint and checks each answer. Preview and Selftest are the only parts of
// the package that do I/O (HTTP requests to URLs the caller gives).
//
// The package imports no other amplive package except content and templates.
package amp
