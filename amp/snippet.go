package amp

import (
	"bytes"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/amplive/amplive/templates"
)

// Snippet is one AMP block ready to paste into an ESP's AMP editor.
type Snippet struct {
	// Block and ESP are the names the snippet was made for, e.g.
	// "recommendations" and "sendgrid".
	Block, ESP string
	// Scripts are the <script> tags the block needs in <head>, one per
	// extension, sorted by extension name.
	Scripts []string
	// Body is the block's HTML for <body>, its amp-mustache templates already
	// protected from the ESP's template language.
	Body string
	// Notes say what the preset relies on; "UNCONFIRMED" marks ESP behaviour
	// that no primary source documents.
	Notes []string
}

// String is the snippet as a marketer pastes it: a comment with the notes,
// the head scripts, then the body.
func (s Snippet) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- amplive %s block for %s.\n", s.Block, s.ESP)
	for _, n := range s.Notes {
		b.WriteString("     " + n + "\n")
	}
	b.WriteString("     Put the script tags in <head> (once per email), the rest in <body>. -->\n")
	for _, sc := range s.Scripts {
		b.WriteString(sc + "\n")
	}
	b.WriteString(s.Body)
	return b.String()
}

// SnippetOptions say where a snippet points and how it reaches each
// recipient's token.
type SnippetOptions struct {
	// BaseURL is amplive's public address, e.g. "https://live.example.com".
	// AMP for Email requires absolute https URLs
	// (https://amp.dev/documentation/components/email/amp-list); plain http
	// is accepted only for loopback hosts, for local previews.
	BaseURL string
	// ESP is a preset name (see ESPNames); empty means "generic".
	ESP string
	// TokenField is the recipient attribute that holds the token minted by
	// `amplive token --csv` (default "amp_token"): letters, digits and '_'.
	TokenField string
	// Token, when set, is a signed token written into the URLs as is instead
	// of the ESP's merge tag: for one recipient's email, tests and previews.
	Token string
	// Campaign is the campaign id of the countdown block (required by it).
	Campaign string
	// SKU is the product of the notify block (required) and of the rate
	// block (which otherwise asks Question).
	SKU string
	// Question and Options make the rate block a poll: Question is 1–64 of
	// a–z, 0–9, '_' or '-'; Options default to "yes,no".
	Question string
	Options  []string
	// Category narrows the "more" block to a catalog category.
	Category string
	// Topics are the choices of the preferences block (catalog categories,
	// lower case; required by it).
	Topics []string
	// MaxItems caps list blocks (default 4 recommendations, 5 cart lines).
	MaxItems int
	// ShopURL, when set, is linked from fallbacks (absolute http(s)).
	ShopURL string
}

// blockSpec is what the generator knows about one block.
type blockSpec struct {
	name, path string // path is the endpoint path after BaseURL
	extensions []string
	form       bool // an amp-form block (state, submit templates)
	height     int  // amp-list fixed height, px
	maxItems   int
	fallback   string
	heading    string // the block's title in a whole email
	note       string // what the block needs beyond the options (no template syntax)
}

var blockSpecs = []blockSpec{
	{name: "profile", path: "/v1/profile", extensions: []string{"amp-list", "amp-mustache"}, height: 32,
		fallback: "Hello!"},
	{name: "countdown", path: "/v1/countdown/", extensions: []string{"amp-list", "amp-mustache"}, height: 120,
		heading: "Hurry, the sale ends soon"},
	{name: "recommendations", path: "/v1/recommendations", extensions: []string{"amp-list", "amp-mustache"}, height: 640, maxItems: 4,
		fallback: "Your picks could not load right now.", heading: "Picked for you"},
	{name: "cart", path: "/v1/cart", extensions: []string{"amp-list", "amp-mustache"}, height: 400, maxItems: 5,
		fallback: "Your cart could not load right now.", heading: "Still in your cart"},
	{name: "more", path: "/v1/actions/more", extensions: []string{"amp-bind", "amp-form", "amp-mustache"}, form: true,
		heading: "More for you", note: "Show me more continues a recommendations block of 4 items, the default."},
	{name: "offer", path: "/v1/actions/offer", extensions: []string{"amp-bind", "amp-form", "amp-mustache"}, form: true,
		heading: "A gift for you", note: "The offer block needs tokens minted for the campaign: amplive token --campaign ID."},
	{name: "preferences", path: "/v1/actions/preferences", extensions: []string{"amp-bind", "amp-form", "amp-mustache"}, form: true,
		heading: "Your preferences"},
	{name: "notify", path: "/v1/actions/notify", extensions: []string{"amp-bind", "amp-form", "amp-mustache"}, form: true,
		heading: "Out of stock?"},
	{name: "rate", path: "/v1/actions/rate", extensions: []string{"amp-bind", "amp-form", "amp-mustache"}, form: true,
		heading: "Your opinion"},
}

// BlockNames lists every block the generator makes, in the order a whole
// email shows them: the amp-list blocks, then the amp-form blocks.
func BlockNames() []string {
	names := make([]string, len(blockSpecs))
	for i, b := range blockSpecs {
		names[i] = b.name
	}
	return names
}

func findBlock(name string) (blockSpec, bool) {
	for _, b := range blockSpecs {
		if b.name == name {
			return b, true
		}
	}
	return blockSpec{}, false
}

// extensionScripts are the script tags of the extensions amplive's blocks
// use, at the only versions AMP4EMAIL allows (amp-mustache 0.2, the rest 0.1;
// AMP-EMAIL.md §6, validator rules Tag/ScriptCustom*Amp4email).
var extensionScripts = map[string]string{
	"amp-bind":     `<script async custom-element="amp-bind" src="https://cdn.ampproject.org/v0/amp-bind-0.1.js"></script>`,
	"amp-form":     `<script async custom-element="amp-form" src="https://cdn.ampproject.org/v0/amp-form-0.1.js"></script>`,
	"amp-list":     `<script async custom-element="amp-list" src="https://cdn.ampproject.org/v0/amp-list-0.1.js"></script>`,
	"amp-mustache": `<script async custom-template="amp-mustache" src="https://cdn.ampproject.org/v0/amp-mustache-0.2.js"></script>`,
}

var (
	fieldName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)
	slugChars  = regexp.MustCompile(`^[A-Za-z0-9 _.-]{1,64}$`)
	questionRe = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)
	campaignRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`) // as PUT /v1/campaigns/{id} accepts
	jwtShape   = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
)

// MaxItemsLimit bounds SnippetOptions.MaxItems.
const MaxItemsLimit = 50

// RenderSnippet renders one block for one ESP preset. Errors: an unknown block or
// ESP, a base URL that is not absolute https (or http on loopback), a token
// field the ESP cannot express, or an option the block needs that is
// missing or malformed (each error names the option).
func RenderSnippet(block string, opt SnippetOptions) (Snippet, error) {
	spec, ok := findBlock(block)
	if !ok {
		return Snippet{}, fmt.Errorf("unknown block %q (blocks: %s)", block, strings.Join(BlockNames(), ", "))
	}
	esp, err := lookupESP(opt.ESP)
	if err != nil {
		return Snippet{}, err
	}
	body, err := renderBlock(spec, esp, opt)
	if err != nil {
		return Snippet{}, err
	}
	return Snippet{
		Block:   spec.name,
		ESP:     esp.Name,
		Scripts: scriptsFor(spec.extensions),
		Body:    esp.prologue + esp.protect(body),
		Notes:   notesFor([]blockSpec{spec}, esp, opt),
	}, nil
}

func scriptsFor(exts []string) []string {
	exts = slices.Clone(exts)
	slices.Sort(exts)
	exts = slices.Compact(exts)
	out := make([]string, len(exts))
	for i, e := range exts {
		out[i] = extensionScripts[e]
	}
	return out
}

// notesFor are the notes of an output made of blocks: the ESP preset's
// (or, with a literal token, a warning that the output is one recipient's),
// then each block's own.
func notesFor(blocks []blockSpec, esp ESP, opt SnippetOptions) []string {
	notes := esp.Notes
	if opt.Token != "" {
		notes = []string{"The URLs carry one recipient's token: send this to that recipient only."}
	}
	notes = slices.Clone(notes)
	for _, b := range blocks {
		if b.note != "" {
			notes = append(notes, b.note)
		}
	}
	return notes
}

// choice is one checkbox or radio button.
type choice struct{ Value, Label string }

// blockData is what a block template sees.
type blockData struct {
	ID, State, URL, ImageURL, ShopURL, FallbackText string
	Height, MaxItems                                int
	SKU, Category, Question, Prompt                 string
	Topics, Frequencies, Options                    []choice
}

var blockTemplates = template.Must(template.New("blocks").Delims(templates.Delims[0], templates.Delims[1]).
	ParseFS(templates.FS, "blocks/*.html"))

func renderBlock(spec blockSpec, esp ESP, opt SnippetOptions) (string, error) {
	base, err := checkBaseURL(opt.BaseURL)
	if err != nil {
		return "", err
	}
	tok, err := tokenRef(esp, opt)
	if err != nil {
		return "", err
	}
	d := blockData{
		ID:           "amplive-" + spec.name,
		State:        "amplive_" + spec.name,
		Height:       spec.height,
		MaxItems:     spec.maxItems,
		FallbackText: spec.fallback,
	}
	switch {
	case opt.MaxItems < 0 || opt.MaxItems > MaxItemsLimit:
		return "", fmt.Errorf("--max-items %d: from 1 to %d (0 for the block's default)", opt.MaxItems, MaxItemsLimit)
	case opt.MaxItems > 0:
		d.MaxItems = opt.MaxItems
	}
	if opt.ShopURL != "" {
		u, err := url.Parse(opt.ShopURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(opt.ShopURL, "\"'<> {}") {
			return "", fmt.Errorf("--shop-url %q: want an absolute http(s) URL", opt.ShopURL)
		}
		d.ShopURL = opt.ShopURL
	}
	path := spec.path
	if err := fillBlockOptions(spec.name, opt, &d, &path); err != nil {
		return "", err
	}
	d.URL = base + path + "?t=" + tok
	switch spec.name {
	case "recommendations":
		// The list asks for exactly the items it shows, so that it is page 1
		// of the "more" block's pages (content.RecommendPage).
		d.URL += "&limit=" + strconv.Itoa(d.MaxItems)
	case "countdown":
		// The token lets the image show a recipient's evergreen deadline.
		d.ImageURL = countdownImageURL(base, opt.Campaign, tok)
	}
	var b bytes.Buffer
	if err := blockTemplates.ExecuteTemplate(&b, spec.name+".html", d); err != nil {
		return "", fmt.Errorf("render %s: %w", spec.name, err)
	}
	return b.String(), nil
}

// fillBlockOptions checks the options a block needs and puts them in d.
func fillBlockOptions(block string, opt SnippetOptions, d *blockData, path *string) error {
	switch block {
	case "countdown":
		if !campaignRe.MatchString(opt.Campaign) {
			return fmt.Errorf("the countdown block needs --campaign ID (1–64 of letters, digits, '_', '-'), got %q", opt.Campaign)
		}
		*path += url.PathEscape(opt.Campaign)
	case "notify":
		if !slugChars.MatchString(opt.SKU) || strings.Contains(opt.SKU, " ") {
			return fmt.Errorf("the notify block needs --sku SKU, got %q", opt.SKU)
		}
		d.SKU = opt.SKU
	case "rate":
		return fillRate(opt, d)
	case "more":
		if opt.Category != "" && !slugChars.MatchString(opt.Category) {
			return fmt.Errorf("--category %q: 1–64 of letters, digits, spaces, '_', '.', '-'", opt.Category)
		}
		d.Category = opt.Category
	case "preferences":
		if len(opt.Topics) == 0 {
			return fmt.Errorf("the preferences block needs --topics (catalog categories, comma-separated)")
		}
		if dup := firstDuplicate(opt.Topics); dup != "" {
			return fmt.Errorf("--topics: %q is listed twice", dup)
		}
		for _, t := range opt.Topics {
			if !slugChars.MatchString(t) || t != strings.ToLower(t) {
				return fmt.Errorf("--topics: %q is not a lower-case category name", t)
			}
			d.Topics = append(d.Topics, choice{Value: t, Label: label(t)})
		}
		for _, f := range []string{"daily", "weekly", "monthly", "never"} {
			d.Frequencies = append(d.Frequencies, choice{Value: f, Label: label(f)})
		}
	}
	return nil
}

func fillRate(opt SnippetOptions, d *blockData) error {
	switch {
	case opt.SKU != "" && opt.Question != "":
		return fmt.Errorf("the rate block rates a product (--sku) or asks a question (--question), not both")
	case opt.SKU != "":
		if !slugChars.MatchString(opt.SKU) || strings.Contains(opt.SKU, " ") {
			return fmt.Errorf("--sku %q: not a SKU", opt.SKU)
		}
		if len(opt.Options) > 0 {
			return fmt.Errorf("--options are a poll's answers: a product rating (--sku) is 1 to 5 stars")
		}
		d.SKU = opt.SKU
		for v := 1; v <= 5; v++ {
			d.Options = append(d.Options, choice{Value: fmt.Sprint(v), Label: strings.Repeat("★", v)})
		}
	case opt.Question != "":
		if !questionRe.MatchString(opt.Question) {
			return fmt.Errorf("--question %q: 1–64 of a–z, 0–9, '_' or '-'", opt.Question)
		}
		d.Question, d.Prompt = opt.Question, label(opt.Question)+"?"
		options := opt.Options
		if len(options) == 0 {
			options = []string{"yes", "no"}
		}
		if dup := firstDuplicate(options); dup != "" {
			return fmt.Errorf("--options: %q is listed twice", dup)
		}
		for _, o := range options {
			if !slugChars.MatchString(o) || strings.Contains(o, ".") {
				return fmt.Errorf("--options: %q is not 1–64 of letters, digits, spaces, '_' or '-'", o)
			}
			d.Options = append(d.Options, choice{Value: o, Label: label(o)})
		}
	default:
		return fmt.Errorf("the rate block needs --sku SKU (a rating) or --question ID (a poll)")
	}
	return nil
}

// firstDuplicate returns the first value listed twice in vs, or "".
func firstDuplicate(vs []string) string {
	seen := make(map[string]bool, len(vs))
	for _, v := range vs {
		if seen[v] {
			return v
		}
		seen[v] = true
	}
	return ""
}

// label turns "home_decor" into "Home decor".
func label(s string) string {
	s = strings.NewReplacer("_", " ", "-", " ").Replace(s)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// checkBaseURL returns base without a trailing slash, or an error unless it
// is an absolute https URL with a host and no query, or http on loopback.
func checkBaseURL(base string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil ||
		strings.ContainsAny(base, "\"'<> {}") {
		return "", fmt.Errorf("--base-url %q: want an absolute https URL such as https://live.example.com", base)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !IsLoopbackHost(u.Hostname()) {
			return "", fmt.Errorf("--base-url %q: AMP for Email allows only https URLs (http only for a loopback preview)", base)
		}
	default:
		return "", fmt.Errorf("--base-url %q: want an absolute https URL", base)
	}
	return strings.TrimSuffix(base, "/"), nil
}

// countdownImageURL is the countdown GIF of campaign for the token tok
// (a merge tag or a JWT), under the checked base URL.
func countdownImageURL(base, campaign, tok string) string {
	return base + "/v1/countdown/" + url.PathEscape(campaign) + ".gif?t=" + tok
}

// IsLoopbackHost reports whether host (no port) is localhost (any letter
// case) or a loopback IP address.
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// tokenRef is what goes after "?t=": the literal token or the ESP merge tag.
func tokenRef(esp ESP, opt SnippetOptions) (string, error) {
	if opt.Token != "" {
		if len(opt.Token) > MaxTokenBytes || !jwtShape.MatchString(opt.Token) {
			return "", fmt.Errorf("--token: not a JWT (three base64url parts joined by '.')")
		}
		return opt.Token, nil
	}
	field := opt.TokenField
	if field == "" {
		field = DefaultTokenField
	}
	if !fieldName.MatchString(field) {
		return "", fmt.Errorf("--token-field %q: 1–64 of letters, digits and '_', not starting with a digit", field)
	}
	return esp.mergeTag(field)
}

// DefaultTokenField is the recipient attribute that holds the token unless
// SnippetOptions.TokenField says otherwise; `amplive token --csv` writes a
// column of this name.
const DefaultTokenField = "amp_token"
