package content

import (
	"image/color"
	"strconv"
)

// ImageStyle turns a campaign's style (nil for none) and after-text into
// the style of its countdown image. Colours that are not "#RRGGBB" and zero
// sizes fall back to the image defaults; labels left empty fall back to the
// default labels only when all four are empty.
func (s *CampaignStyle) ImageStyle(expiredText string) CountdownStyle {
	st := CountdownStyle{ExpiredText: expiredText}
	if s == nil {
		return st
	}
	st.Width, st.Height = s.Width, s.Height
	st.Background, _ = hexColor(s.Background)
	st.Text, _ = hexColor(s.Text)
	st.Label, _ = hexColor(s.Label)
	st.Labels = [4]string{s.Labels.Days, s.Labels.Hours, s.Labels.Minutes, s.Labels.Seconds}
	return st
}

// hexColor parses "#RRGGBB" into an opaque colour; ok is false (and the
// colour zero, meaning "default") for anything else.
func hexColor(h string) (color.RGBA, bool) {
	if len(h) != 7 || h[0] != '#' {
		return color.RGBA{}, false
	}
	v, err := strconv.ParseUint(h[1:], 16, 32)
	if err != nil {
		return color.RGBA{}, false
	}
	return color.RGBA{R: uint8(v >> 16), G: uint8(v >> 8), B: uint8(v), A: 255}, true
}
