package amp

import (
	"fmt"
	"strings"
	"testing"
)

// emailDoc is a minimal valid AMP email with extra head and body markup.
func emailDoc(head, body string) string {
	return `<!doctype html>
<html ⚡4email data-css-strict>
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
` + head + `
<style amp4email-boilerplate>body{visibility:hidden}</style>
</head>
<body>
` + body + `
</body>
</html>
`
}

const (
	listScript     = `<script async custom-element="amp-list" src="https://cdn.ampproject.org/v0/amp-list-0.1.js"></script>`
	mustacheScript = `<script async custom-template="amp-mustache" src="https://cdn.ampproject.org/v0/amp-mustache-0.2.js"></script>`
	bindScript     = `<script async custom-element="amp-bind" src="https://cdn.ampproject.org/v0/amp-bind-0.1.js"></script>`
	formScript     = `<script async custom-element="amp-form" src="https://cdn.ampproject.org/v0/amp-form-0.1.js"></script>`
)

// TestValidatorRuleFamilies: one small document per rule family, with the
// code (and message) the official validator gives; amplive's own cases on
// top of the official ones.
func TestValidatorRuleFamilies(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, doc string
		code      string // "" = valid, no findings
		message   string // a part of the message
	}{
		{"minimal", emailDoc("", "Hi"), "", ""},
		{"disallowed tag", emailDoc("", `<iframe src="https://x.example"></iframe>`), "DISALLOWED_TAG", "The tag 'iframe' is disallowed."},
		{"custom javascript", emailDoc("", `<script>alert(1)</script>`), "DISALLOWED_SCRIPT_TAG", "Custom JavaScript is not allowed."},
		{"disallowed attribute", emailDoc("", `<p onclick="x()">a</p>`), "DISALLOWED_ATTR", "'onclick' may not appear in tag 'p'"},
		{"duplicate attribute", emailDoc("", `<p class="a" class="b">a</p>`), "DUPLICATE_ATTRIBUTE", "The tag 'p' contains the attribute 'class' repeated multiple times."},
		{"invalid value", emailDoc(formScript, `<form method="post" action-xhr="https://x.example/f"><input type="password"></form>`), "INVALID_ATTR_VALUE", "'type' in tag 'input' is set to the invalid value 'password'"},
		{"url protocol", emailDoc("", `<a href="javascript:alert(1)">x</a>`), "INVALID_URL_PROTOCOL", "Invalid URL protocol 'javascript:'"},
		{"relative url", emailDoc("", `<a href="/x">x</a>`), "DISALLOWED_RELATIVE_URL", "The relative URL '/x'"},
		{"missing url", emailDoc(listScript+mustacheScript, `<amp-list layout="fixed-height" height="10" src=""><template type="amp-mustache">x</template></amp-list>`), "MISSING_URL", "Missing URL for attribute 'src'"},
		{"merge tag left in src", emailDoc(listScript+mustacheScript, `<amp-list layout="fixed-height" height="10" src="https://x.example/l?t={{amp_token}}"><template type="amp-mustache">x</template></amp-list>`), "INVALID_ATTR_VALUE", "set to the invalid value 'https://x.example/l?t={{amp_token}}'"},
		{"mandatory attribute", emailDoc(formScript, `<form method="post"></form>`), "MANDATORY_ATTR_MISSING", "The mandatory attribute 'action-xhr' is missing in tag 'form'"},
		{"required tag", strings.Replace(emailDoc("", "x"), `<style amp4email-boilerplate>body{visibility:hidden}</style>`, "", 1), "TAG_REQUIRED_BY_MISSING", "The tag 'style[amp-boilerplate]' is missing or incorrect, but required by 'amphtml engine script'."},
		{"mandatory tag", strings.Replace(emailDoc("", "x"), `<script async src="https://cdn.ampproject.org/v0.js"></script>`, "", 1), "MANDATORY_TAG_MISSING", "The mandatory tag 'amphtml engine script' is missing or incorrect."},
		{"unique tag", strings.Replace(emailDoc("", "x"), `<meta charset="utf-8">`, `<meta charset="utf-8"><meta charset="utf-8">`, 1), "DUPLICATE_UNIQUE_TAG", "'meta charset=utf-8' appears more than once"},
		{"no doctype", strings.Replace(emailDoc("", "x"), "<!doctype html>", "", 1), "MANDATORY_TAG_MISSING", "'html !doctype'"},
		{"not an email", strings.Replace(emailDoc("", "x"), "⚡4email", "", 1), "MANDATORY_ATTR_MISSING", "'⚡4email' is missing in tag 'html'"},
		{"no strict css: a warning", strings.Replace(emailDoc("", "x"), " data-css-strict", "", 1), "AMP_EMAIL_MISSING_STRICT_CSS_ATTR", "data-css-strict"},
		{"boilerplate changed", strings.Replace(emailDoc("", "x"), "visibility:hidden", "visibility:visible", 1), "MANDATORY_CDATA_MISSING_OR_INCORRECT", "head > style[amp4email-boilerplate]"},
		{"disallowed ancestor", emailDoc(listScript+mustacheScript, `<amp-list layout="fixed-height" height="10" src="https://x.example/l"><template type="amp-mustache"><amp-list layout="fixed-height" height="10" src="https://x.example/l"></amp-list></template></amp-list>`), "DISALLOWED_TAG_ANCESTOR", "The tag 'amp-list' may not appear as a descendant of tag 'amp-list'"},
		{"wrong parent", emailDoc(bindScript, `<script type="application/json">{}</script>`), "DISALLOWED_SCRIPT_TAG", ""},
		{"first child", emailDoc(bindScript, `<amp-state id="s"><p>x</p></amp-state>`), "DISALLOWED_FIRST_CHILD_TAG_NAME", "First child tag must be one of ['script']"},
		{"extension missing", emailDoc(mustacheScript, `<amp-list layout="fixed-height" height="10" src="https://x.example/l"><template type="amp-mustache">x</template></amp-list>`), "MISSING_REQUIRED_EXTENSION", "requires including the 'amp-list' extension JavaScript"},
		{"extension unused", emailDoc(listScript, "x"), "EXTENSION_UNUSED", "The extension 'amp-list' was found on this page, but is unused"},
		{"extension version", emailDoc(strings.Replace(listScript, "0.1", "0.2", 1), "x"), "INVALID_EXTENSION_VERSION", "version '0.2' which is an invalid version"},
		{"deprecated version: a warning", emailDoc(listScript+strings.Replace(mustacheScript, "0.2", "0.1", 1), `<amp-list layout="fixed-height" height="10" src="https://x.example/l"><template type="amp-mustache">x</template></amp-list>`), "WARNING_EXTENSION_DEPRECATED_VERSION", "deprecated version"},
		{"extension src", emailDoc(strings.Replace(listScript, "amp-list-0.1", "amp-form-0.1", 1), "x"), "INVALID_ATTR_VALUE", "'src' in tag 'SCRIPT[custom-element=amp-list] (AMP4EMAIL)'"},
		{"layout missing", emailDoc("", `<amp-img src="https://x.example/i.png"></amp-img>`), "MISSING_LAYOUT_ATTRIBUTES", "Incomplete layout attributes specified for tag 'amp-img'"},
		{"layout unsupported", emailDoc("", `<amp-img src="https://x.example/i.png" layout="container"></amp-img>`), "SPECIFIED_LAYOUT_INVALID", "The specified layout 'container' is not supported by tag 'amp-img'"},
		{"fixed-height with width", emailDoc("", `<amp-img src="https://x.example/i.png" layout="fixed-height" width="10" height="10"></amp-img>`), "ATTR_VALUE_REQUIRED_BY_LAYOUT", "for layout 'fixed-height', set the attribute 'width' to value 'auto'"},
		{"bad layout value", emailDoc("", `<amp-img src="https://x.example/i.png" layout="huge" width="1" height="1"></amp-img>`), "INVALID_ATTR_VALUE", "'layout' in tag 'amp-img' is set to the invalid value 'huge'"},
		{"mustache in a url, whole value", emailDoc(listScript+mustacheScript, `<amp-list layout="fixed-height" height="10" src="https://x.example/l"><template type="amp-mustache"><a href="{{url}}">x</a></template></amp-list>`), "", ""},
		{"mustache in a url, with a prefix", emailDoc(listScript+mustacheScript, `<amp-list layout="fixed-height" height="10" src="https://x.example/l"><template type="amp-mustache"><a href="https://x.example/{{url}}">x</a></template></amp-list>`), "INVALID_ATTR_VALUE", "'href' in tag 'a' is set to the invalid value"},
		{"unescaped mustache in an attribute", emailDoc(listScript+mustacheScript, `<amp-list layout="fixed-height" height="10" src="https://x.example/l"><template type="amp-mustache"><p title="{{{t}}}">x</p></template></amp-list>`), "UNESCAPED_TEMPLATE_IN_ATTR_VALUE", ""},
		{"partial in an attribute", emailDoc(listScript+mustacheScript, `<amp-list layout="fixed-height" height="10" src="https://x.example/l"><template type="amp-mustache"><p title="{{> t}}">x</p></template></amp-list>`), "TEMPLATE_PARTIAL_IN_ATTR_VALUE", ""},
		{"binding to src", emailDoc("", `<amp-img src="https://x.example/i.png" [src]="s" width="1" height="1"></amp-img>`), "DISALLOWED_ATTR", "'[src]' may not appear in tag 'amp-img'"},
		{"document size", emailDoc("", "<p>"+strings.Repeat("a", 200_000)+"</p>"), "DOCUMENT_SIZE_LIMIT_EXCEEDED", "Document exceeded 200000 bytes limit. Actual size 200"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Validate([]byte(c.doc))
			if c.code == "" {
				if !r.Pass || len(r.Errors) > 0 {
					t.Fatalf("want no findings, got %v", r.Errors)
				}
				return
			}
			var found *ValidationError
			for i := range r.Errors {
				if r.Errors[i].Code == c.code {
					found = &r.Errors[i]
					break
				}
			}
			if found == nil {
				t.Fatalf("no %s in %v", c.code, r.Errors)
			}
			if !strings.Contains(found.Message(), c.message) {
				t.Errorf("message %q lacks %q", found.Message(), c.message)
			}
			if wantPass := found.Severity == "WARNING"; r.Pass != wantPass {
				t.Errorf("pass = %v with %s (%s): %v", r.Pass, c.code, found.Severity, r.Errors)
			}
			if found.Line < 1 || found.Col < 0 {
				t.Errorf("position %d:%d", found.Line, found.Col)
			}
		})
	}
}

// TestValidateNeverPanics: arbitrary bytes get a verdict.
func TestValidateNeverPanics(t *testing.T) {
	t.Parallel()
	for i, doc := range []string{"", "\x00", "<", "<!doctype", "<html ⚡4email><head><style amp-custom>", "</p></p></html>", strings.Repeat("<div>", 5000)} {
		r := Validate([]byte(doc))
		if r.Pass {
			t.Errorf("case %d passes: %q", i, doc)
		}
		_ = fmt.Sprint(r.Errors)
	}
}

// TestCSSBytesCountedOnce: an inline style counts once toward the CSS total
// however many tag specs the tag was tried against, and the boilerplate
// style, whose spec says doc_css_bytes false, counts nothing.
func TestCSSBytesCountedOnce(t *testing.T) {
	t.Parallel()
	for _, body := range []string{`<section style="color:red">x</section>`, `<section bogus style="color:red">x</section>`} {
		v := newValidation([]byte(emailDoc("", body)))
		v.run()
		if v.css.Inline != len("color:red") || v.css.Stylesheet != 0 {
			t.Errorf("%s: inline %d, stylesheet %d; want %d and 0", body, v.css.Inline, v.css.Stylesheet, len("color:red"))
		}
	}
}
