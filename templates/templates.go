// Package templates holds the AMP snippet and whole-email templates amplive
// renders for marketers, embedded in the binary.
//
// Files (Go text/template with the delimiters [[ and ]], so that the
// amp-mustache {{ }} tags in them are plain text to Go):
//
//	blocks/<block>.html   one AMP block: an amp-list, or an amp-form with its
//	                      amp-state, submit-success and submit-error templates
//	email/amp.html        the AMP4EMAIL document around the blocks
//	email/fallback.html   the text/html part (html/template), shown by clients
//	                      without AMP
//	email/text.txt        the text/plain part
//
// The amp package renders them (amp.Snippet, amp.Email); golden outputs are
// under ../testdata/snippets and ../testdata/emails.
package templates

import "embed"

// FS is the template tree described in the package comment. Paths are
// slash-separated and relative, e.g. "blocks/cart.html".
//
//go:embed blocks/*.html email/*.html email/*.txt
var FS embed.FS

// Delims are the Go template delimiters the files use (left, right).
var Delims = [2]string{"[[", "]]"}
