package amp

import (
	"fmt"
	"regexp"
	"strings"
)

// ESP is an email service provider preset: how its template language writes
// a recipient attribute, and how amp-mustache's {{ }} survive that language
// at send time (AMP-EMAIL.md §5.2).
type ESP struct {
	// Name is the preset id ("sendgrid"); Title the product name; Engine
	// the template language it runs over the AMP part.
	Name, Title, Engine string
	// Notes state what the preset relies on, with sources; "UNCONFIRMED"
	// marks behaviour no primary source documents. They contain no
	// template syntax, so they are safe in any ESP's comments.
	Notes []string

	mergeTag func(field string) (string, error)
	protect  func(html string) string
	prologue string // written once before the protected body
}

// espPresets are the presets in ESPNames order.
var espPresets = []ESP{
	{
		Name: "generic", Title: "any sender", Engine: "none",
		Notes: []string{
			"No template language: replace the placeholder after ?t= in every URL with the recipient's token before",
			"sending (any mail-merge does it), or let amplive write one recipient's email with --sub or --token.",
		},
		mergeTag: func(f string) (string, error) { return "${" + f + "}", nil },
		protect:  func(s string) string { return s },
	},
	{
		Name: "sendgrid", Title: "SendGrid dynamic templates", Engine: "Handlebars",
		Notes: []string{
			"Token: the dynamic_template_data field of the token attribute. Send AMP through the v3 Mail Send API.",
			"amp-mustache tags are written with a backslash before them, the Handlebars escape",
			"(https://handlebarsjs.com/guide/expressions.html#escaping-handlebars-expressions).",
			"UNCONFIRMED: SendGrid implements a subset of Handlebars and does not document this escape; send yourself a test.",
		},
		mergeTag: handlebarsTag,
		protect:  escapeMustache(`\`),
	},
	{
		Name: "iterable", Title: "Iterable", Engine: "Handlebars",
		Notes: []string{
			"Token: a user profile field. amp-mustache tags are written with a backslash before them, the Handlebars",
			"escape; Iterable's handlebars.java fork supports it (Iterable/handlebars.java PR 54).",
			"UNCONFIRMED: Iterable does not document it as AMP guidance; send yourself a test.",
		},
		mergeTag: handlebarsTag,
		protect:  escapeMustache(`\`),
	},
	{
		Name: "braze", Title: "Braze", Engine: "Liquid",
		Notes: []string{
			"Token: a custom attribute, written the Braze way. Each amp-mustache template is inside a Liquid raw block",
			"(https://shopify.github.io/liquid/tags/raw/). UNCONFIRMED: Braze does not document raw for AMP bodies.",
		},
		mergeTag: func(f string) (string, error) { return "{{custom_attribute.${" + f + "}}}", nil },
		protect:  wrapTemplates("{% raw %}", "{% endraw %}"),
	},
	{
		Name: "customerio", Title: "Customer.io", Engine: "Liquid",
		Notes: []string{
			"Token: a customer attribute. Each amp-mustache template is inside a Liquid raw block",
			"(https://shopify.github.io/liquid/tags/raw/). UNCONFIRMED: Customer.io does not document raw for AMP bodies.",
		},
		mergeTag: func(f string) (string, error) { return "{{customer." + f + "}}", nil },
		protect:  wrapTemplates("{% raw %}", "{% endraw %}"),
	},
	{
		Name: "klaviyo", Title: "Klaviyo", Engine: "Django-style templates",
		Notes: []string{
			"Token: a profile property. Each amp-mustache template is inside a Django verbatim block",
			"(https://docs.djangoproject.com/en/stable/ref/templates/builtins/#verbatim).",
			"UNCONFIRMED: Klaviyo documents neither AMP email support nor the verbatim tag; send yourself a test.",
		},
		mergeTag: func(f string) (string, error) { return "{{ person." + f + " }}", nil },
		protect:  wrapTemplates("{% verbatim %}", "{% endverbatim %}"),
	},
	{
		Name: "hubspot", Title: "HubSpot", Engine: "HubL (Jinjava)",
		Notes: []string{
			"Token: a contact property. Each amp-mustache template is inside a raw block, which HubL keeps from Jinja",
			"(https://developers.hubspot.com/docs/cms/reference/hubl/tags/standard-tags).",
			"UNCONFIRMED: HubSpot does not document AMP email support; send yourself a test.",
		},
		mergeTag: func(f string) (string, error) { return "{{ contact." + f + " }}", nil },
		protect:  wrapTemplates("{% raw %}", "{% endraw %}"),
	},
	{
		Name: "sfmc", Title: "Salesforce Marketing Cloud", Engine: "Guide Template Language + AMPscript",
		Notes: []string{
			"The first comment of the body switches Guide Template Language to other delimiters, as Salesforce",
			"documents for AMP (https://help.salesforce.com/s/articleView?id=mktg.mc_ceb_amp_appendix_gtl.htm),",
			"so amp-mustache keeps its own. Token: an AMPscript personalization string of a subscriber attribute.",
			"UNCONFIRMED: that personalization strings resolve inside AMP content (no Salesforce page says so).",
		},
		mergeTag: func(f string) (string, error) { return "%%" + f + "%%", nil },
		protect:  func(s string) string { return s },
		prologue: "<!-- {{={< >}=}} -->\n",
	},
	{
		Name: "mailchimp", Title: "Mailchimp", Engine: "merge tags",
		Notes: []string{
			"Token: an audience field as a merge tag (at most 10 characters, upper case). Merge tags use no braces,",
			"so amp-mustache needs no protection. UNCONFIRMED: Mailchimp does not document sending AMP email.",
		},
		mergeTag: func(f string) (string, error) {
			f = strings.ToUpper(f)
			if len(f) > 10 {
				return "", fmt.Errorf("--token-field %q: Mailchimp merge tags are at most 10 characters", f)
			}
			return "*|" + f + "|*", nil
		},
		protect: func(s string) string { return s },
	},
}

// ESPNames lists the preset names in a stable order: generic first.
func ESPNames() []string {
	out := make([]string, len(espPresets))
	for i, e := range espPresets {
		out[i] = e.Name
	}
	return out
}

// LookupESP returns the preset named name ("" means "generic"), or an error
// listing the known names.
func LookupESP(name string) (ESP, error) { return lookupESP(name) }

func lookupESP(name string) (ESP, error) {
	if name == "" {
		name = "generic"
	}
	for _, e := range espPresets {
		if e.Name == name {
			return e, nil
		}
	}
	return ESP{}, fmt.Errorf("unknown ESP %q (presets: %s)", name, strings.Join(ESPNames(), ", "))
}

func handlebarsTag(f string) (string, error) { return "{{" + f + "}}", nil }

// templateElement matches one <template …>…</template> element. amp-mustache
// templates never nest (AMP-EMAIL.md §4), so the first closing tag ends it.
var templateElement = regexp.MustCompile(`(?s)<template\b.*?</template>`)

// wrapTemplates puts every template element between open and close.
func wrapTemplates(open, close string) func(string) string {
	return func(s string) string {
		return templateElement.ReplaceAllStringFunc(s, func(t string) string { return open + t + close })
	}
}

// escapeMustache writes esc before every "{{" inside template elements.
func escapeMustache(esc string) func(string) string {
	return func(s string) string {
		return templateElement.ReplaceAllStringFunc(s, func(t string) string {
			return strings.ReplaceAll(t, "{{", esc+"{{")
		})
	}
}
