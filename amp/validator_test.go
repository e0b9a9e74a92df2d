package amp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// officialCase is one official AMP4EMAIL test case: the document and the
// expected verdict and error lines.
type officialCase struct {
	name  string
	doc   []byte
	pass  bool
	lines []string // "amp4email_feature_tests/NAME.html:LINE:COL message (see URL)"
}

func officialCases(t *testing.T) []officialCase {
	t.Helper()
	dir := filepath.Join("..", "testdata", "amp-validator")
	outs, err := filepath.Glob(filepath.Join(dir, "*.out"))
	if err != nil || len(outs) == 0 {
		t.Fatalf("no official cases in %s: %v", dir, err)
	}
	var cases []officialCase
	for _, out := range outs {
		name := strings.TrimSuffix(filepath.Base(out), ".out")
		doc, err := os.ReadFile(filepath.Join(dir, name+".html"))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		c := officialCase{name: name, doc: doc}
		for i, line := range strings.Split(string(want), "\n") {
			if i == 0 {
				c.pass = line == "PASS"
			}
			if strings.HasPrefix(line, "amp4email_feature_tests/") {
				c.lines = append(c.lines, line)
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// ourLines formats r as the official test outputs do.
func ourLines(name string, r ValidationResult) []string {
	var lines []string
	for _, e := range r.Errors {
		lines = append(lines, "amp4email_feature_tests/"+name+".html:"+e.String())
	}
	return lines
}

// Agreement floors: TestAgreementWithOfficialValidator fails below them.
// Raise them as the validator improves; never lower them.
const (
	minExactCases    = 18
	minVerdictsRight = 18
)

// TestAgreementWithOfficialValidator runs every official AMP4EMAIL case and
// compares the verdict and each error line with the official output; it
// logs the agreement (go test ./amp -run Agreement -v) and fails below the
// floors above.
func TestAgreementWithOfficialValidator(t *testing.T) {
	exact, verdicts := 0, 0
	for _, c := range officialCases(t) {
		r := Validate(c.doc)
		got := ourLines(c.name, r)
		if r.Pass == c.pass {
			verdicts++
		} else {
			t.Logf("%s: verdict pass=%v, official pass=%v", c.name, r.Pass, c.pass)
		}
		missing, extra := diffLines(c.lines, got)
		if len(missing) == 0 && len(extra) == 0 && strings.Join(got, "\n") == strings.Join(c.lines, "\n") {
			exact++
			t.Logf("%-32s exact (%d lines)", c.name, len(c.lines))
			continue
		}
		t.Logf("%-32s %d of %d official lines matched, %d extra", c.name, len(c.lines)-len(missing), len(c.lines), len(extra))
		for _, m := range missing {
			t.Logf("    missing: %s", m)
		}
		for _, x := range extra {
			t.Logf("    extra:   %s", x)
		}
	}
	t.Logf("agreement: %d of 18 verdicts, %d of 18 cases exact", verdicts, exact)
	if exact < minExactCases || verdicts < minVerdictsRight {
		t.Errorf("agreement fell: %d verdicts (floor %d), %d exact cases (floor %d)", verdicts, minVerdictsRight, exact, minExactCases)
	}
}

// diffLines returns the lines of want not in got and of got not in want
// (as multisets).
func diffLines(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, g := range got {
		count[g]++
	}
	for _, w := range want {
		if count[w] > 0 {
			count[w]--
		} else {
			missing = append(missing, w)
		}
	}
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
			extra = append(extra, g)
		}
	}
	return missing, extra
}

// TestEveryBlockAloneValidates: each block, alone in an email with a real
// token, passes the validator with no warning (the whole emails of every
// ESP are validated after their send-time render in esp_render_test.go).
func TestEveryBlockAloneValidates(t *testing.T) {
	t.Parallel()
	opt := sampleOptions("generic")
	opt.Token = sampleToken
	for _, block := range BlockNames() {
		e, err := RenderEmail(EmailOptions{SnippetOptions: opt, Blocks: []string{block}})
		if err != nil {
			t.Fatal(err)
		}
		if r := Validate([]byte(e.AMP)); !r.Pass || len(r.Errors) > 0 {
			t.Errorf("%s: %v", block, r.Errors)
		}
	}
}
