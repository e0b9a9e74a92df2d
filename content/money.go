package content

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// currency describes how one ISO 4217 currency is written.
type currency struct {
	exp    int    // minor-unit digits: 2 for USD, 0 for JPY, 3 for KWD
	symbol string // as shown to readers
}

// currencies lists the ISO 4217 currencies amplive formats, with their
// minor-unit exponents from the ISO 4217 table
// (https://www.six-group.com/en/products-services/financial-information/data-standards.html).
var currencies = map[string]currency{
	"AUD": {2, "A$"}, "BRL": {2, "R$"}, "CAD": {2, "CA$"}, "CHF": {2, "CHF"}, "CNY": {2, "CN¥"},
	"CZK": {2, "Kč"}, "DKK": {2, "kr."}, "EUR": {2, "€"}, "GBP": {2, "£"}, "HKD": {2, "HK$"},
	"HUF": {2, "Ft"}, "INR": {2, "₹"}, "JPY": {0, "¥"}, "KRW": {0, "₩"}, "KWD": {3, "KD"},
	"MXN": {2, "MX$"}, "NOK": {2, "kr"}, "NZD": {2, "NZ$"}, "PLN": {2, "zł"}, "SEK": {2, "kr"},
	"SGD": {2, "S$"}, "TRY": {2, "₺"}, "USD": {2, "$"}, "ZAR": {2, "R"},
}

// MinorUnitDigits returns how many minor-unit digits the ISO 4217 currency
// code has (2 for "USD", 0 for "JPY") and whether amplive knows the code.
func MinorUnitDigits(code string) (int, bool) {
	c, ok := currencies[code]
	return c.exp, ok
}

// ErrMoney is wrapped by every ParseMoney error.
var ErrMoney = errors.New("invalid money amount")

// ParseMoney converts a decimal string such as "3.67" into minor units of
// the currency (367 for USD). It never goes through a float. It fails, with
// an error wrapping ErrMoney, on an unknown currency, a malformed number, a
// negative amount, or more decimal places than the currency has ("3.675" USD).
func ParseMoney(decimal, code string) (int64, error) {
	c, ok := currencies[code]
	if !ok {
		return 0, fmt.Errorf("%w: unknown currency %q", ErrMoney, code)
	}
	whole, frac, hasDot := strings.Cut(strings.TrimSpace(decimal), ".")
	if whole == "" || !digitsOnly(whole) || (hasDot && (frac == "" || !digitsOnly(frac))) {
		return 0, fmt.Errorf("%w: %q is not a decimal number", ErrMoney, decimal)
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > c.exp {
		return 0, fmt.Errorf("%w: %q has more than %d decimal places for %s", ErrMoney, decimal, c.exp, code)
	}
	frac += strings.Repeat("0", c.exp-len(frac))
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q is out of range", ErrMoney, decimal)
	}
	return n, nil
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// numberStyle is how a locale writes amounts.
type numberStyle struct {
	decimal, group string
	symbolAfter    bool // "12,50 €" rather than "€12.50"
}

var (
	styleEnglish = numberStyle{decimal: ".", group: ","}
	styleComma   = numberStyle{decimal: ",", group: ".", symbolAfter: true}
	styleSpace   = numberStyle{decimal: ",", group: "\u00a0", symbolAfter: true}
	styleSwiss   = numberStyle{decimal: ".", group: "’"}
)

// styleFor picks the number style of a BCP 47 locale by its language (and
// region for Swiss German). Unknown or empty locales write amounts the
// English way.
func styleFor(locale string) numberStyle {
	lang, region, _ := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-")
	switch strings.ToLower(lang) {
	case "de":
		if strings.EqualFold(region, "CH") {
			return styleSwiss
		}
		return styleComma
	case "es", "it", "nl", "pt", "da", "id", "tr", "el":
		return styleComma
	case "fr", "sv", "nb", "no", "fi", "pl", "cs", "sk", "ru", "uk", "hu":
		return styleSpace
	default:
		return styleEnglish
	}
}

// FormatMoney writes an amount given in minor units of an ISO 4217 currency
// for a reader's BCP 47 locale: FormatMoney(123450, "USD", "en-US") is
// "$1,234.50", FormatMoney(123450, "EUR", "de-DE") is "1.234,50 €". An
// unknown currency is written with two decimals and its code after the
// number ("12.00 XYZ"). The space before a trailing symbol is a no-break space.
func FormatMoney(minor int64, code, locale string) string {
	c, ok := currencies[code]
	st := styleFor(locale)
	if !ok {
		c = currency{exp: 2, symbol: code}
		st.symbolAfter = true
	}
	neg, whole, frac := splitMinor(minor, c.exp)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	if !st.symbolAfter {
		b.WriteString(c.symbol)
		if isLetters(c.symbol) {
			b.WriteByte(' ')
		}
	}
	for i := 0; i < len(whole); i++ {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(st.group)
		}
		b.WriteByte(whole[i])
	}
	if c.exp > 0 {
		b.WriteString(st.decimal)
		b.WriteString(frac)
	}
	if st.symbolAfter {
		b.WriteString("\u00a0")
		b.WriteString(c.symbol)
	}
	return b.String()
}

// splitMinor writes |minor| minor units as the digits before and after the
// decimal point of a currency with exp minor-unit digits (1699, 2 → "16",
// "99"; 5, 2 → "0", "05"; 1200, 0 → "1200", "").
func splitMinor(minor int64, exp int) (neg bool, whole, frac string) {
	neg = minor < 0
	digits := strconv.FormatInt(minor, 10)
	if neg {
		digits = digits[1:] // also right for math.MinInt64, which has no positive twin
	}
	if len(digits) <= exp {
		digits = strings.Repeat("0", exp-len(digits)+1) + digits
	}
	return neg, digits[:len(digits)-exp], digits[len(digits)-exp:]
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
