package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/amplive/amplive/amp"
)

// snippetFlags are the options shared by `snippet` and `email`: where the
// blocks point and what each block needs.
type snippetFlags struct {
	f                                                          *flags
	baseURL, esp, tokenField, campaign, sku, question, options *string
	category, topics, shopURL                                  *string
	maxItems                                                   *int
}

func newSnippetFlags(f *flags) *snippetFlags {
	return &snippetFlags{
		f:          f,
		baseURL:    f.str(setting{name: "base-url", usage: "amplive's public https address the blocks call, e.g. https://live.example.com"}),
		esp:        f.fs.String("esp", "generic", "ESP preset: "+strings.Join(amp.ESPNames(), ", ")),
		tokenField: f.fs.String("token-field", amp.DefaultTokenField, "the recipient attribute holding the token (amplive token --csv writes "+amp.DefaultTokenField+")"),
		campaign:   f.fs.String("campaign", "", "campaign id (countdown block)"),
		sku:        f.fs.String("sku", "", "product SKU (notify block; rate block: a product rating)"),
		question:   f.fs.String("question", "", "rate block as a poll: question id (a–z, 0–9, '_', '-')"),
		options:    f.fs.String("options", "", "poll options, comma-separated (default yes,no)"),
		category:   f.fs.String("category", "", "more block: only this catalog category"),
		topics:     f.fs.String("topics", "", "preferences block: the topics offered (catalog categories, comma-separated)"),
		shopURL:    f.fs.String("shop-url", "", "linked from fallbacks"),
		maxItems:   f.fs.Int("max-items", 0, "list blocks: how many items (default 4 recommendations, 5 cart lines)"),
	}
}

// build makes the snippet options; token is a literal token or "".
func (s *snippetFlags) build(token string) (amp.SnippetOptions, error) {
	if *s.baseURL == "" {
		return amp.SnippetOptions{}, usageError{"--base-url (AMPLIVE_BASE_URL) is required: amplive's public https address"}
	}
	return amp.SnippetOptions{
		BaseURL: *s.baseURL, ESP: *s.esp, TokenField: *s.tokenField, Token: token,
		Campaign: *s.campaign, SKU: *s.sku, Question: *s.question, Options: amp.ParseList(*s.options),
		Category: *s.category, Topics: amp.ParseList(*s.topics), MaxItems: *s.maxItems, ShopURL: *s.shopURL,
	}, nil
}

func runSnippet(_ context.Context, args []string, e env) error {
	f := newFlags("snippet", "snippet BLOCK --esp NAME --base-url URL [--token-field F] [block options]\n\nBlocks: "+
		strings.Join(amp.BlockNames(), ", ")+"\nESP presets: "+strings.Join(amp.ESPNames(), ", "), e)
	sf := newSnippetFlags(f)
	block, err := parseOneArg(f, args)
	if err != nil {
		return err
	}
	if block == "" {
		f.fs.Usage()
		return usageError{"name a block: " + strings.Join(amp.BlockNames(), ", ")}
	}
	opt, err := sf.build("")
	if err != nil {
		return err
	}
	s, err := amp.RenderSnippet(block, opt)
	if err != nil {
		return usageError{err.Error()}
	}
	_, err = fmt.Fprint(e.stdout, s.String())
	return err
}
