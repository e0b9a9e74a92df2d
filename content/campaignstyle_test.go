package content

import (
	"image/color"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCampaignImageStyle(t *testing.T) {
	t.Parallel()
	var none *CampaignStyle
	if diff := cmp.Diff(CountdownStyle{ExpiredText: "Over"}, none.ImageStyle("Over")); diff != "" {
		t.Errorf("nil style (-want +got):\n%s", diff)
	}
	st := &CampaignStyle{Background: "#FF8800", Text: "#00ff00", Label: "red", Width: 600, Height: 150,
		Labels: CountdownLabels{Days: "TAGE", Hours: "STD", Minutes: "MIN", Seconds: "SEK"}}
	want := CountdownStyle{
		Width: 600, Height: 150,
		Background: color.RGBA{0xFF, 0x88, 0x00, 255}, Text: color.RGBA{0, 0xFF, 0, 255},
		Labels: [4]string{"TAGE", "STD", "MIN", "SEK"}, ExpiredText: "Vorbei",
	}
	if diff := cmp.Diff(want, st.ImageStyle("Vorbei")); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
