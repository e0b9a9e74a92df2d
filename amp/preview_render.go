package amp

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/cbroglie/mustache"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// This file turns fetched amp-list items into HTML (amp-mustache) and the
// AMP document into a static page (RenderPreview's output).

// mustacheTemplates indexes the document's amp-mustache templates by id:
// <template type="amp-mustache" id=…> and
// <script type="text/plain" template="amp-mustache" id=…>.
func mustacheTemplates(root *html.Node) map[string]*html.Node {
	byID := map[string]*html.Node{}
	for n := range root.Descendants() {
		if id := attr(n, "id"); id != "" && isMustacheTemplate(n) {
			if _, dup := byID[id]; !dup {
				byID[id] = n
			}
		}
	}
	return byID
}

// isMustacheTemplate reports whether n is an amp-mustache template in
// either of its two forms.
func isMustacheTemplate(n *html.Node) bool {
	switch {
	case n.Type != html.ElementNode:
		return false
	case n.DataAtom == atom.Template:
		return attr(n, "type") == "amp-mustache"
	case n.DataAtom == atom.Script:
		return attr(n, "type") == "text/plain" && attr(n, "template") == "amp-mustache"
	}
	return false
}

// templateSource finds the template amp-list list renders with, as
// amp-list does (its template="id" attribute, else its first template
// child), and returns the template's mustache source.
func templateSource(list *html.Node, byID map[string]*html.Node) (string, error) {
	if id, ok := attrOK(list, "template"); ok {
		t := byID[id]
		if t == nil {
			return "", fmt.Errorf("template=%q: the document has no <template type=\"amp-mustache\"> or <script type=\"text/plain\" template=\"amp-mustache\"> with that id", id)
		}
		return mustacheSource(t)
	}
	for c := range list.ChildNodes() {
		if c.DataAtom == atom.Template && !isMustacheTemplate(c) {
			return "", fmt.Errorf("the template child has type=%q, not amp-mustache", attr(c, "type"))
		}
		if isMustacheTemplate(c) {
			return mustacheSource(c)
		}
	}
	return "", errors.New(`no amp-mustache template: give the amp-list a <template type="amp-mustache"> child or a template="id" attribute`)
}

// mustacheSource is the mustache text of template element t: the script
// form's text, or the <template>'s children serialized. Serializing
// escapes characters inside mustache tags ({{&amp;x}}); they are restored.
func mustacheSource(t *html.Node) (string, error) {
	var b bytes.Buffer
	for c := range t.ChildNodes() {
		if t.DataAtom == atom.Script {
			b.WriteString(c.Data)
			continue
		}
		if err := html.Render(&b, c); err != nil {
			return "", err
		}
	}
	if t.DataAtom == atom.Script {
		return b.String(), nil
	}
	return unescapeMustacheTags(b.String()), nil
}

// unescapeMustacheTags HTML-unescapes the inside of every {{…}} in s.
func unescapeMustacheTags(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i+2:], "}}")
		if j < 0 {
			break
		}
		b.WriteString(s[:i+2])
		b.WriteString(html.UnescapeString(s[i+2 : i+2+j]))
		s = s[i+2+j:]
	}
	b.WriteString(s)
	return b.String()
}

// renderItems renders the mustache template src once per item, the item
// as the context ({{x}} is HTML-escaped, {{{x}}} is not), and parses the
// result into detached nodes, with anything a browser would run removed.
// Partials ({{> name}}) render as nothing, as there is nowhere to define
// them in an email.
func renderItems(src string, items []any) ([]*html.Node, error) {
	t, err := mustache.ParseStringPartials(src, &mustache.StaticProvider{})
	if err != nil {
		return nil, fmt.Errorf("the template does not parse: %v", err)
	}
	var out strings.Builder
	for i, item := range items {
		s, err := t.Render(item)
		if err != nil {
			return nil, fmt.Errorf("the template fails on item %d: %v", i+1, err)
		}
		out.WriteString(s)
	}
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(out.String()), ctx)
	if err != nil {
		return nil, fmt.Errorf("the rendered items are not HTML: %v", err)
	}
	kept := nodes[:0]
	for _, n := range nodes {
		if n.Type == html.ElementNode && dangerous[n.DataAtom] {
			continue
		}
		defang(n)
		kept = append(kept, n)
	}
	return kept, nil
}

// jsNumber is a JSON number that a template prints as JavaScript does
// (1234567, not 1.234567e+06) and that is false in a section when 0.
type jsNumber float64

// String formats n like JavaScript's Number.prototype.toString.
func (n jsNumber) String() string {
	f := float64(n)
	if f == 0 {
		return "0"
	}
	if a := math.Abs(f); a >= 1e-6 && a < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
	return mant + "e" + exp[:1] + strings.TrimLeft(exp[1:], "0")
}

// jsValues replaces the float64s of a decoded JSON value with jsNumbers.
func jsValues(v any) any {
	switch x := v.(type) {
	case float64:
		return jsNumber(x)
	case []any:
		for i := range x {
			x[i] = jsValues(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = jsValues(x[k])
		}
	}
	return v
}

// defang removes from rendered items what the AMP sanitizer would and a
// browser would run: script-like elements, on* attributes and javascript:
// URLs. (Answers reach the page through {{{…}}}.)
func defang(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode && dangerous[c.DataAtom] {
			n.RemoveChild(c)
		} else {
			defang(c)
		}
		c = next
	}
	n.Attr = dropAttrs(n.Attr, func(a html.Attribute) bool {
		v := strings.ToLower(strings.TrimSpace(a.Val))
		return strings.HasPrefix(a.Key, "on") ||
			(urlAttrs[a.Key] && (strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:")))
	})
}

// urlAttrs are the attributes whose javascript: URLs defang removes.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true}

// dangerous lists the elements defang removes.
var dangerous = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Iframe: true, atom.Frame: true, atom.Frameset: true,
	atom.Object: true, atom.Embed: true, atom.Link: true, atom.Meta: true, atom.Base: true,
}

// fallbackChild is amp-list n's child with the fallback attribute, or nil.
func fallbackChild(n *html.Node) *html.Node {
	for c := range n.ChildNodes() {
		if _, ok := attrOK(c, "fallback"); ok && c.Type == html.ElementNode {
			return c
		}
	}
	return nil
}

// staticPage rewrites the parsed AMP document root into a static page
// and serializes it: blocks replace their amp-lists, AMP-only markup is
// removed or turned into plain HTML, and a report banner opens the body.
func staticPage(root *html.Node, blocks []block, sender string) ([]byte, error) {
	for _, b := range blocks {
		replaceList(b)
	}
	plainHTML(root)
	if body := findElement(root, atom.Body); body != nil {
		body.InsertBefore(banner(blocks, sender), body.FirstChild)
	}
	if head := findElement(root, atom.Head); head != nil && !hasCharset(head) {
		head.InsertBefore(element("meta", "charset", "utf-8"), head.FirstChild)
	}
	var out bytes.Buffer
	if err := html.Render(&out, root); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// replaceList puts a <div data-amplive-block="N"> where b's amp-list was,
// holding the rendered items or, when the block fails, its fallback child.
// The amp-list's other children (placeholder, template) go with it.
func replaceList(b block) {
	list := b.spec.node
	div := element("div", "data-amplive-block", strconv.Itoa(b.report.Index))
	for _, key := range []string{"id", "class"} {
		if v, ok := attrOK(list, key); ok {
			div.Attr = append(div.Attr, html.Attribute{Key: key, Val: v})
		}
	}
	if b.report.Fallback {
		if fb := fallbackChild(list); fb != nil {
			list.RemoveChild(fb)
			div.AppendChild(fb)
		}
	} else {
		for _, n := range b.items {
			div.AppendChild(n)
		}
	}
	list.Parent.InsertBefore(div, list)
	list.Parent.RemoveChild(list)
}

// htmlAMPAttrs are the <html> attributes that mark an AMP document.
var htmlAMPAttrs = map[string]bool{"⚡4email": true, "amp4email": true, "data-css-strict": true, "⚡": true, "amp": true}

// imgAttrs are the amp-img attributes kept on the <img> it becomes.
var imgAttrs = map[string]bool{"src": true, "srcset": true, "sizes": true, "alt": true, "width": true, "height": true, "id": true, "class": true, "style": true, "title": true}

// plainHTML removes AMP from the tree under n: AMP CDN scripts and the
// boilerplate style (it hides the body) go, <style amp-custom> becomes a
// plain <style>, amp-img and amp-anim become <img>, and <html> loses its
// AMP attributes. <template> elements are left as they are.
func plainHTML(n *html.Node) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if c.Type == html.ElementNode {
			switch {
			case c.DataAtom == atom.Script && isAMPScript(c),
				c.DataAtom == atom.Style && (hasAttr(c, "amp4email-boilerplate") || hasAttr(c, "amp-boilerplate")):
				if next != nil && next.Type == html.TextNode && strings.TrimSpace(next.Data) == "" {
					next = next.NextSibling
					n.RemoveChild(c.NextSibling)
				}
				n.RemoveChild(c)
			case c.DataAtom == atom.Template:
			case c.Data == "amp-img" || c.Data == "amp-anim":
				toImg(c)
			default:
				c.Attr = dropAttrs(c.Attr, func(a html.Attribute) bool {
					return (c.DataAtom == atom.Style && a.Key == "amp-custom") || (c.DataAtom == atom.Html && htmlAMPAttrs[a.Key])
				})
				plainHTML(c)
			}
		}
		c = next
	}
}

// isAMPScript reports whether script element n loads from the AMP CDN.
func isAMPScript(n *html.Node) bool {
	u, err := url.Parse(attr(n, "src"))
	return err == nil && u.Host == "cdn.ampproject.org"
}

// toImg turns amp-img (or amp-anim) n into an <img> with the same source,
// size and text; its children (placeholders, fallbacks) are dropped.
func toImg(n *html.Node) {
	layout := attr(n, "layout")
	n.Data, n.DataAtom = "img", atom.Img
	n.Attr = dropAttrs(n.Attr, func(a html.Attribute) bool { return !imgAttrs[a.Key] })
	if layout == "responsive" || layout == "intrinsic" {
		n.Attr = append(n.Attr, html.Attribute{Key: "style", Val: "max-width:100%;height:auto"})
	}
	for n.FirstChild != nil {
		n.RemoveChild(n.FirstChild)
	}
}

// banner is the report box at the top of the page: one line per block
// and its problems.
func banner(blocks []block, sender string) *html.Node {
	reports := make([]BlockReport, len(blocks))
	for i, b := range blocks {
		reports[i] = b.report
	}
	box := element("div", "data-amplive-report", "",
		"style", "font:13px/1.45 system-ui,sans-serif;color:#222;background:#fff8dc;border:1px solid #d9b44a;padding:8px 12px;margin:0 0 16px")
	title := element("strong")
	title.AppendChild(textNode("amplive preview"))
	head := element("p", "style", "margin:0")
	head.AppendChild(title)
	head.AppendChild(textNode(fmt.Sprintf(" · AMP-Email-Sender: %s · %s", sender, summarize(reports))))
	box.AppendChild(head)
	if len(reports) == 0 {
		return box
	}
	ol := element("ol", "style", "margin:4px 0 0;padding-left:20px")
	for _, r := range reports {
		li := element("li")
		li.AppendChild(textNode(r.String()))
		if len(r.Problems) > 0 {
			ul := element("ul", "style", "margin:0;color:#b00020")
			for _, p := range r.Problems {
				pli := element("li")
				pli.AppendChild(textNode(p))
				ul.AppendChild(pli)
			}
			li.AppendChild(ul)
		}
		ol.AppendChild(li)
	}
	box.AppendChild(ol)
	return box
}

// Summary is one line about the whole preview, e.g. "3 blocks, 1 with
// problems", "2 blocks, all fine" or "no amp-list in the document".
func (p Preview) Summary() string { return summarize(p.Blocks) }

// summarize counts the blocks with problems among reports, in words.
func summarize(reports []BlockReport) string {
	bad := 0
	for _, r := range reports {
		if len(r.Problems) > 0 {
			bad++
		}
	}
	switch {
	case len(reports) == 0:
		return "no amp-list in the document"
	case len(reports) == 1 && bad == 0:
		return "1 block, fine"
	case len(reports) == 1:
		return "1 block, with problems"
	case bad == 0:
		return fmt.Sprintf("%d blocks, all fine", len(reports))
	}
	return fmt.Sprintf("%d blocks, %d with problems", len(reports), bad)
}

// element makes an element node; kv are attribute key, value pairs.
func element(tag string, kv ...string) *html.Node {
	n := &html.Node{Type: html.ElementNode, Data: tag, DataAtom: atom.Lookup([]byte(tag))}
	for i := 0; i+1 < len(kv); i += 2 {
		n.Attr = append(n.Attr, html.Attribute{Key: kv[i], Val: kv[i+1]})
	}
	return n
}

// textNode makes a text node; html.Render escapes it.
func textNode(s string) *html.Node { return &html.Node{Type: html.TextNode, Data: s} }

// findElement is the first element a under n in document order, or nil.
func findElement(n *html.Node, a atom.Atom) *html.Node {
	for c := range n.Descendants() {
		if c.Type == html.ElementNode && c.DataAtom == a {
			return c
		}
	}
	return nil
}

// hasCharset reports whether head declares its character encoding.
func hasCharset(head *html.Node) bool {
	for c := range head.ChildNodes() {
		if c.DataAtom == atom.Meta && (hasAttr(c, "charset") || strings.EqualFold(attr(c, "http-equiv"), "content-type")) {
			return true
		}
	}
	return false
}

// hasAttr reports whether n has attribute key, even empty.
func hasAttr(n *html.Node, key string) bool {
	_, ok := attrOK(n, key)
	return ok
}

// dropAttrs returns attrs without those drop reports (in place).
func dropAttrs(attrs []html.Attribute, drop func(html.Attribute) bool) []html.Attribute {
	kept := attrs[:0]
	for _, a := range attrs {
		if !drop(a) {
			kept = append(kept, a)
		}
	}
	return kept
}
