package amp

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// checkAMP4Email returns the AMP4EMAIL structure rules doc breaks (AMP-EMAIL.md
// §2–§6): the required skeleton, the extension scripts matching the
// components used, amp-list/amp-state/amp-form/amp-img/a attribute rules,
// CSS and size limits. It is the test suite's structural check until the
// validator issue lands; it does not replace the official validator.
func checkAMP4Email(doc string) []string {
	var probs []string
	bad := func(format string, a ...any) { probs = append(probs, fmt.Sprintf(format, a...)) }
	if !strings.HasPrefix(strings.ToLower(doc), "<!doctype html>") {
		bad("the document does not start with <!doctype html>")
	}
	if len(doc) > MaxAMPBytes {
		bad("%d bytes, over %d", len(doc), MaxAMPBytes)
	}
	if strings.Contains(doc, "!important") {
		bad("!important is not allowed")
	}
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		return append(probs, "unparsable: "+err.Error())
	}
	htmlEl := chkChild(root, "html")
	if htmlEl == nil || !(hasAttr(htmlEl, "⚡4email") || hasAttr(htmlEl, "amp4email")) || !hasAttr(htmlEl, "data-css-strict") {
		bad("<html> needs ⚡4email and data-css-strict")
		return probs
	}
	head := chkChild(htmlEl, "head")
	if first := chkFirst(head); first == nil || first.Data != "meta" || attr(first, "charset") != "utf-8" {
		bad(`<meta charset="utf-8"> must be the first child of <head>`)
	}
	checkHead(head, bad)
	used := map[string]bool{}
	chkWalk(chkChild(htmlEl, "body"), func(n *html.Node, inTemplate bool) { checkElement(n, inTemplate, used, bad) })
	included := map[string]bool{}
	for _, s := range chkElements(head, "script") {
		if name := attr(s, "custom-element") + attr(s, "custom-template"); name != "" {
			included[name] = true
		}
	}
	for e := range used {
		if !included[e] {
			bad("%s is used but its script is missing", e)
		}
	}
	for e := range included {
		if !used[e] {
			bad("the %s script is included but unused", e)
		}
	}
	return probs
}

var allowedScripts = map[string]string{
	"amp-list": "https://cdn.ampproject.org/v0/amp-list-0.1.js", "amp-bind": "https://cdn.ampproject.org/v0/amp-bind-0.1.js",
	"amp-form": "https://cdn.ampproject.org/v0/amp-form-0.1.js", "amp-mustache": "https://cdn.ampproject.org/v0/amp-mustache-0.2.js",
}

func checkHead(head *html.Node, bad func(string, ...any)) {
	runtime, boilerplate, custom := 0, 0, 0
	for _, n := range chkElements(head, "") {
		switch n.Data {
		case "script":
			name := attr(n, "custom-element") + attr(n, "custom-template")
			switch {
			case attr(n, "src") == "https://cdn.ampproject.org/v0.js" && name == "":
				runtime++
			case name != "" && allowedScripts[name] == attr(n, "src"):
			default:
				bad("script %q is not an allowed AMP4EMAIL script", attr(n, "src"))
			}
			if !hasAttr(n, "async") {
				bad("script %q is not async", attr(n, "src"))
			}
		case "style":
			switch {
			case hasAttr(n, "amp4email-boilerplate"):
				boilerplate++
				if chkText(n) != "body{visibility:hidden}" {
					bad("the boilerplate style is %q", chkText(n))
				}
			case hasAttr(n, "amp-custom"):
				custom++
				if len(chkText(n)) > MaxCSSBytes {
					bad("amp-custom CSS over %d bytes", MaxCSSBytes)
				}
			default:
				bad("a <style> that is neither amp4email-boilerplate nor amp-custom")
			}
		case "title", "link", "base":
			bad("<%s> is not allowed in an AMP email head", n.Data)
		}
	}
	if runtime != 1 || boilerplate != 1 || custom > 1 {
		bad("head has %d AMP runtime scripts, %d boilerplate styles, %d amp-custom styles (want 1, 1, ≤1)", runtime, boilerplate, custom)
	}
}

var wholeMustache = regexp.MustCompile(`^\{\{[a-z_.]+\}\}$`)

func checkElement(n *html.Node, inTemplate bool, used map[string]bool, bad func(string, ...any)) {
	if st := attr(n, "style"); len(st) > MaxInlineStyleBytes {
		bad("<%s> inline style over %d bytes", n.Data, MaxInlineStyleBytes)
	}
	for _, a := range n.Attr {
		if strings.HasPrefix(a.Key, "[") {
			used["amp-bind"] = true
		}
	}
	switch n.Data {
	case "amp-list":
		used["amp-list"] = true
		checkXHRURL("amp-list src", attr(n, "src"), bad)
		for _, banned := range []string{"credentials", "[src]", "load-more", "reset-on-refresh"} {
			if hasAttr(n, banned) {
				bad("amp-list has %s, which AMP4EMAIL does not allow", banned)
			}
		}
		if attr(n, "layout") == "" || attr(n, "height") == "" {
			bad("amp-list %s needs layout and height", attr(n, "id"))
		}
		var placeholder, fallback bool
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			placeholder = placeholder || hasAttr(c, "placeholder")
			fallback = fallback || hasAttr(c, "fallback")
		}
		if !placeholder || !fallback {
			bad("amp-list %s needs a placeholder and a fallback", attr(n, "id"))
		}
		if inTemplate {
			bad("amp-list inside a template")
		}
	case "amp-state":
		used["amp-bind"] = true
		if hasAttr(n, "src") {
			bad("amp-state with src is not allowed in email")
		}
	case "form":
		used["amp-form"] = true
		if attr(n, "method") != "post" {
			bad("form %s: method must be post", attr(n, "id"))
		}
		checkXHRURL("form action-xhr", attr(n, "action-xhr"), bad)
		for _, banned := range []string{"action", "target", "name", "verify-xhr"} {
			if hasAttr(n, banned) {
				bad("form has %s, which AMP4EMAIL does not allow", banned)
			}
		}
	case "template":
		if attr(n, "type") != "amp-mustache" {
			bad("a template that is not amp-mustache")
		}
		used["amp-mustache"] = true
		if inTemplate {
			bad("nested templates")
		}
	case "amp-img":
		src := attr(n, "src")
		if !(inTemplate && wholeMustache.MatchString(src)) && !strings.HasPrefix(src, "https://") {
			bad("amp-img src %q: https, or one whole mustache tag in a template", src)
		}
		if attr(n, "width") == "" || attr(n, "height") == "" || attr(n, "layout") == "" {
			bad("amp-img %q needs width, height and layout", src)
		}
	case "a":
		href := attr(n, "href")
		u, err := url.Parse(href)
		if !(inTemplate && wholeMustache.MatchString(href)) && (err != nil || !slices.Contains([]string{"http", "https", "mailto", "tel"}, u.Scheme)) {
			bad("a href %q: absolute http(s), mailto or tel", href)
		}
		if t := attr(n, "target"); t != "" && t != "_blank" {
			bad("a target %q: only _blank", t)
		}
	case "input":
		if slices.Contains([]string{"password", "file", "image", "button"}, attr(n, "type")) {
			bad("input type %s is not allowed", attr(n, "type"))
		}
	case "script":
		if attr(n, "type") != "application/json" || n.Parent == nil || n.Parent.Data != "amp-state" {
			bad("a script in the body that is not amp-state JSON")
		}
	case "img", "iframe", "link", "style", "object", "embed", "video", "audio":
		bad("<%s> is not allowed in an AMP email body", n.Data)
	}
}

func checkXHRURL(what, v string, bad func(string, ...any)) {
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Scheme != "https" || u.Host == "":
		bad("%s %q: absolute https only", what, v)
	case strings.Contains(v, "{{") || strings.Contains(v, "}}") || strings.Contains(v, "__amp_source_origin"):
		bad("%s %q contains {{, }} or __amp_source_origin", what, v)
	}
}

func chkWalk(n *html.Node, visit func(n *html.Node, inTemplate bool)) {
	var rec func(n *html.Node, inTemplate bool)
	rec = func(n *html.Node, inTemplate bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			visit(c, inTemplate)
			rec(c, inTemplate || c.Data == "template")
		}
	}
	if n != nil {
		rec(n, false)
	}
}

func chkChild(n *html.Node, tag string) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == tag {
			return c
		}
	}
	return nil
}

func chkFirst(n *html.Node) *html.Node {
	if n == nil {
		return nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

// elements are the element children of n named tag ("" for all).
func chkElements(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (tag == "" || c.Data == tag) {
			out = append(out, c)
		}
	}
	return out
}

func chkText(n *html.Node) string {
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	}
	return b.String()
}

// TestCheckAMP4EmailCatchesFaults: the structural check is itself tested on
// documents that break one rule each, so a green suite means something.
func TestCheckAMP4EmailCatchesFaults(t *testing.T) {
	t.Parallel()
	opt := sampleOptions("generic")
	opt.Token = "TOKEN.x.y"
	good, err := RenderEmail(EmailOptions{SnippetOptions: opt, Blocks: []string{"recommendations", "offer"}})
	if err != nil {
		t.Fatal(err)
	}
	if probs := checkAMP4Email(good.AMP); len(probs) > 0 {
		t.Fatalf("the good document fails: %v", probs)
	}
	cases := []struct{ name, from, to, want string }{
		{"no doctype", "<!doctype html>", "", "doctype"},
		{"no css strict", " data-css-strict", "", "data-css-strict"},
		{"http src", "https://live.example.com/v1/recommendations", "http://live.example.com/v1/recommendations", "https only"},
		{"merge tag left", "?t=TOKEN", "?t={{amp_token}}", "contains {{"},
		{"credentials", "<amp-list ", `<amp-list credentials="include" `, "credentials"},
		{"missing script", `<script async custom-element="amp-form" src="https://cdn.ampproject.org/v0/amp-form-0.1.js"></script>`, "", "amp-form is used"},
		{"important", "margin: 0; padding: 0;", "margin: 0 !important;", "!important"},
		{"no fallback", "<div fallback", "<div", "fallback"},
		{"title", "<meta charset=\"utf-8\">", "<meta charset=\"utf-8\"><title>x</title>", "<title>"},
		{"amp-state src", "<amp-state ", `<amp-state src="https://x.example/s.json" `, "amp-state with src"},
		{"old mustache", "amp-mustache-0.2.js", "amp-mustache-0.1.js", "not an allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := strings.Replace(good.AMP, c.from, c.to, 1)
			if doc == good.AMP {
				t.Fatalf("%q not found in the document", c.from)
			}
			probs := strings.Join(checkAMP4Email(doc), "\n")
			if !strings.Contains(probs, c.want) {
				t.Errorf("want a problem containing %q, got:\n%s", c.want, probs)
			}
		})
	}
}
