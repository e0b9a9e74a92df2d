package content

import (
	"errors"
	"testing"
)

func TestParseMoney(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, cur string
		want    int64
		wantErr bool
	}{
		{"16", "USD", 1600, false},
		{"3.67", "USD", 367, false},
		{"44.75", "USD", 4475, false},
		{"0", "USD", 0, false},
		{"3.670", "USD", 367, false}, // trailing zeros add no precision
		{"1200", "JPY", 1200, false},
		{"1.5", "JPY", 0, true},
		{"3.675", "USD", 0, true},
		{"1.234", "KWD", 1234, false},
		{"-1", "USD", 0, true},
		{"1e3", "USD", 0, true},
		{"", "USD", 0, true},
		{"1.", "USD", 0, true},
		{".5", "USD", 0, true},
		{"12", "XYZ", 0, true},
		{"99999999999999999999", "USD", 0, true},
	}
	for _, tc := range cases {
		got, err := ParseMoney(tc.in, tc.cur)
		if tc.wantErr {
			if !errors.Is(err, ErrMoney) {
				t.Errorf("ParseMoney(%q, %q) error = %v, want ErrMoney", tc.in, tc.cur, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q, %q) = %d, %v; want %d", tc.in, tc.cur, got, err, tc.want)
		}
	}
}

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	cases := []struct {
		minor       int64
		cur, locale string
		want        string
	}{
		{123450, "USD", "en-US", "$1,234.50"},
		{5, "USD", "", "$0.05"},
		{0, "USD", "en", "$0.00"},
		{-250, "USD", "en-US", "-$2.50"},
		{123450, "EUR", "de-DE", "1.234,50\u00a0€"},
		{123450, "EUR", "fr-FR", "1\u00a0234,50\u00a0€"},
		{123450, "CHF", "de-CH", "CHF 1’234.50"},
		{1200, "JPY", "ja-JP", "¥1,200"},
		{1234567, "KWD", "en", "KD 1,234.567"},
		{1600, "XYZ", "en-US", "16.00\u00a0XYZ"},
		{1600, "GBP", "en_GB", "£16.00"},
	}
	for _, tc := range cases {
		if got := FormatMoney(tc.minor, tc.cur, tc.locale); got != tc.want {
			t.Errorf("FormatMoney(%d, %q, %q) = %q, want %q", tc.minor, tc.cur, tc.locale, got, tc.want)
		}
	}
}

func TestMinorUnitDigits(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{"USD": 2, "JPY": 0, "KWD": 3} {
		if got, ok := MinorUnitDigits(code); !ok || got != want {
			t.Errorf("MinorUnitDigits(%q) = %d, %v; want %d", code, got, ok, want)
		}
	}
	if _, ok := MinorUnitDigits("usd"); ok {
		t.Error("lower-case code accepted")
	}
}
