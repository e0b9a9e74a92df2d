package content

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"sync"
	"testing"
)

func mustDecodeGIF(tb testing.TB, b []byte) *gif.GIF {
	tb.Helper()
	g, err := gif.DecodeAll(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("gif.DecodeAll: %v", err)
	}
	return g
}

func mustDecodePNG(tb testing.TB, b []byte) image.Image {
	tb.Helper()
	m, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("png.Decode: %v", err)
	}
	return m
}

// mustStatic is the static render of v seconds, decoded. For v == 0 (the
// final 00:00:00:00 frame, which no public static render shows) it draws
// the layout directly.
func mustStatic(tb testing.TB, st CountdownStyle, v int64) image.Image {
	tb.Helper()
	if v > 0 {
		b, err := RenderCountdownPNG(st, v)
		if err != nil {
			tb.Fatalf("RenderCountdownPNG(%d): %v", v, err)
		}
		return mustDecodePNG(tb, b)
	}
	st = st.normalized()
	c := layoutCache{st: st}
	l, err := c.get(0)
	if err != nil {
		tb.Fatal(err)
	}
	pix := make([]uint8, st.Width*st.Height)
	l.render(pix, 0)
	return palettedImage(st, st.palette(), pix)
}

// composite applies the frames of g in order onto a canvas, as a viewer
// does with Disposal none, and returns the canvas after each frame.
func composite(g *gif.GIF) []*image.RGBA {
	canvas := image.NewRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	out := make([]*image.RGBA, 0, len(g.Image))
	for _, f := range g.Image {
		b := f.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if c := f.Palette[f.ColorIndexAt(x, y)]; !isTransparent(c) {
					canvas.Set(x, y, c)
				}
			}
		}
		snap := image.NewRGBA(canvas.Rect)
		copy(snap.Pix, canvas.Pix)
		out = append(out, snap)
	}
	return out
}

func isTransparent(c color.Color) bool {
	_, _, _, a := c.RGBA()
	return a == 0
}

// diffPixel returns the first pixel where a and b differ, and whether any does.
func diffPixel(a, b image.Image) (image.Point, bool) {
	if a.Bounds() != b.Bounds() {
		return a.Bounds().Max, true
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return image.Pt(x, y), true
			}
		}
	}
	return image.Point{}, false
}

func TestRenderCountdownGIF(t *testing.T) {
	t.Parallel()
	custom := CountdownStyle{
		Width: 300, Height: 80,
		Background: color.RGBA{0xFF, 0xF4, 0xE0, 0xFF},
		Text:       color.RGBA{0xC0, 0x10, 0x20, 0xFF},
		Label:      color.RGBA{0x40, 0x40, 0x40, 0xFF},
		Labels:     [4]string{"TAGE", "STUNDEN", "MINUTEN", "SEKUNDEN"},
	}
	cases := []struct {
		name       string
		st         CountdownStyle
		remaining  int64
		frames     int
		wantFrames int
		wantLoop   int
		wantW      int
		wantH      int
	}{
		{"default 60 frames", CountdownStyle{}, 3*86400 + 4*3600 + 5*60 + 6, 60, 60, 0, 480, 120},
		{"across an hour", CountdownStyle{}, 3600 + 30, 60, 60, 0, 480, 120},
		{"across a day", CountdownStyle{}, 86400 + 10, 60, 60, 0, 480, 120},
		{"ends within the frames", CountdownStyle{}, 5, 60, 6, -1, 480, 120},
		{"ends exactly on the last frame", CountdownStyle{}, 59, 60, 60, -1, 480, 120},
		{"one second short of ending", CountdownStyle{}, 60, 60, 60, 0, 480, 120},
		{"400 days", CountdownStyle{}, 400*86400 + 10, 60, 60, 0, 480, 120},
		{"100 to 99 days", CountdownStyle{}, 100*86400 + 30, 60, 60, 0, 480, 120},
		{"absurd days", CountdownStyle{}, math.MaxInt64, 3, 3, 0, 480, 120},
		{"custom style", custom, 2*86400 + 61, 60, 60, 0, 300, 80},
		{"no labels", CountdownStyle{Labels: [4]string{"", "", "", ""}}, 7200, 10, 10, 0, 480, 120},
		{"clamped size", CountdownStyle{Width: 5000, Height: 10}, 90061, 5, 5, 0, 1200, 40},
		{"small", CountdownStyle{Width: 120, Height: 40}, 90061, 5, 5, 0, 120, 40},
		{"frames below 1", CountdownStyle{}, 1000, 0, 1, 0, 480, 120},
		{"frames above max", CountdownStyle{}, 100000, 500, MaxCountdownFrames, 0, 480, 120},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := RenderCountdownGIF(tc.st, tc.remaining, tc.frames)
			if err != nil {
				t.Fatalf("RenderCountdownGIF: %v", err)
			}
			g := mustDecodeGIF(t, b)
			if got, want := len(g.Image), tc.wantFrames; got != want {
				t.Fatalf("frames = %d, want %d", got, want)
			}
			if got, want := g.Config.Width, tc.wantW; got != want {
				t.Errorf("width = %d, want %d", got, want)
			}
			if got, want := g.Config.Height, tc.wantH; got != want {
				t.Errorf("height = %d, want %d", got, want)
			}
			if tc.wantFrames > 1 {
				if got, want := g.LoopCount, tc.wantLoop; got != want {
					t.Errorf("LoopCount = %d, want %d", got, want)
				}
			}
			if pal, ok := g.Config.ColorModel.(color.Palette); !ok || len(pal) > 16 {
				t.Errorf("global palette = %T of %d colours, want ≤ 16", g.Config.ColorModel, len(pal))
			}
			full := image.Rect(0, 0, tc.wantW, tc.wantH)
			for i, f := range g.Image {
				if got, want := g.Delay[i], 100; got != want {
					t.Errorf("frame %d: delay = %d, want %d", i, got, want)
				}
				if got, want := g.Disposal[i], byte(gif.DisposalNone); got != want {
					t.Errorf("frame %d: disposal = %d, want %d", i, got, want)
				}
				if len(f.Palette) > 16 {
					t.Errorf("frame %d: %d colours, want ≤ 16", i, len(f.Palette))
				}
				if i == 0 && f.Bounds() != full {
					t.Errorf("frame 0 bounds = %v, want %v", f.Bounds(), full)
				}
				// A delta is small unless the day digits' count changes (100 → 99 days).
				sameLayout := dayDigitsFor(tc.remaining-int64(i)) == dayDigitsFor(tc.remaining-int64(i)+1)
				if i > 0 && sameLayout && f.Bounds().Dx()*f.Bounds().Dy()*2 > full.Dx()*full.Dy() {
					t.Errorf("frame %d bounds = %v: not a small delta of %v", i, f.Bounds(), full)
				}
			}
			// Composited, frame k is the static render of remaining-k.
			for k, got := range composite(g) {
				want := mustStatic(t, tc.st, tc.remaining-int64(k))
				if p, differ := diffPixel(want, got); differ {
					t.Fatalf("frame %d (remaining %d) differs from the static render at %v", k, tc.remaining-int64(k), p)
				}
			}
		})
	}
}

// TestCountdownGIFFirstFrameDigits checks that the frame-0 comparison above
// tells neighbouring values apart: frame 0 matches the remaining time, not
// one second more or less.
func TestCountdownGIFFirstFrameDigits(t *testing.T) {
	t.Parallel()
	const remaining = 2*86400 + 3*3600 + 4*60 + 5
	b, err := RenderCountdownGIF(CountdownStyle{}, remaining, 60)
	if err != nil {
		t.Fatal(err)
	}
	frame0 := composite(mustDecodeGIF(t, b))[0]
	for _, v := range []int64{remaining - 1, remaining + 1, remaining + 60, remaining + 86400} {
		if _, differ := diffPixel(mustStatic(t, CountdownStyle{}, v), frame0); !differ {
			t.Errorf("frame 0 of %d equals the static render of %d", remaining, v)
		}
	}
}

// TestCountdownGIFEnds checks that the last frame of a countdown ending
// within the frames is 00:00:00:00 and not the expired text.
func TestCountdownGIFEnds(t *testing.T) {
	t.Parallel()
	b, err := RenderCountdownGIF(CountdownStyle{}, 3, 60)
	if err != nil {
		t.Fatal(err)
	}
	frames := composite(mustDecodeGIF(t, b))
	last := frames[len(frames)-1]
	if p, differ := diffPixel(mustStatic(t, CountdownStyle{}, 0), last); differ {
		t.Errorf("last frame is not 00:00:00:00 (first difference at %v)", p)
	}
	expired, err := RenderCountdownPNG(CountdownStyle{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, differ := diffPixel(mustDecodePNG(t, expired), last); !differ {
		t.Error("last frame shows the expired text, want 00:00:00:00")
	}
}

func TestRenderCountdownExpired(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		st        CountdownStyle
		remaining int64
	}{
		{"zero", CountdownStyle{}, 0},
		{"negative", CountdownStyle{}, -3600},
		{"custom text", CountdownStyle{ExpiredText: "Sale over — see you next time"}, -1},
		{"long text on a small image", CountdownStyle{Width: 120, Height: 40, ExpiredText: "This very special limited offer has unfortunately come to its end"}, -1},
		{"min int64", CountdownStyle{}, math.MinInt64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := RenderCountdownGIF(tc.st, tc.remaining, 60)
			if err != nil {
				t.Fatal(err)
			}
			g := mustDecodeGIF(t, b)
			if got, want := len(g.Image), 1; got != want {
				t.Fatalf("frames = %d, want %d", got, want)
			}
			p, err := RenderCountdownPNG(tc.st, tc.remaining)
			if err != nil {
				t.Fatal(err)
			}
			static := mustDecodePNG(t, p)
			if pt, differ := diffPixel(static, composite(g)[0]); differ {
				t.Errorf("GIF and PNG differ at %v", pt)
			}
			if !hasColour(static, tc.st.normalized().Text) {
				t.Error("expired image has no text pixels")
			}
		})
	}
}

func hasColour(m image.Image, c color.RGBA) bool {
	r := m.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if color.RGBAModel.Convert(m.At(x, y)) == c {
				return true
			}
		}
	}
	return false
}

func TestRenderCountdownPNG(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		st           CountdownStyle
		remaining    int64
		wantW, wantH int
	}{
		{"default", CountdownStyle{}, 93784, 480, 120},
		{"large", CountdownStyle{Width: 1200, Height: 400}, 93784, 1200, 400},
		{"expired", CountdownStyle{Width: 200, Height: 60}, 0, 200, 60},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, err := RenderCountdownPNG(tc.st, tc.remaining)
			if err != nil {
				t.Fatal(err)
			}
			m := mustDecodePNG(t, b)
			if got, want := m.Bounds(), image.Rect(0, 0, tc.wantW, tc.wantH); got != want {
				t.Errorf("bounds = %v, want %v", got, want)
			}
			g, err := RenderCountdownGIF(tc.st, tc.remaining, 60)
			if err != nil {
				t.Fatal(err)
			}
			if p, differ := diffPixel(m, composite(mustDecodeGIF(t, g))[0]); differ {
				t.Errorf("PNG differs from GIF frame 0 at %v", p)
			}
		})
	}
}

func TestRenderNeutral(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		st         CountdownStyle
		msg        string
		wantW      int
		wantH      int
		wantBlank  bool
		background color.RGBA
	}{
		{"blank", CountdownStyle{}, "", 480, 120, true, DefaultCountdownBackground},
		{"message", CountdownStyle{}, "Countdown unavailable", 480, 120, false, DefaultCountdownBackground},
		{"styled", CountdownStyle{Width: 200, Height: 50, Background: color.RGBA{0, 0, 0, 0xFF}}, "Unknown campaign", 200, 50, false, color.RGBA{0, 0, 0, 0xFF}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gb, err := RenderNeutralGIF(tc.st, tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			g := mustDecodeGIF(t, gb)
			if got, want := len(g.Image), 1; got != want {
				t.Fatalf("frames = %d, want %d", got, want)
			}
			pb, err := RenderNeutralPNG(tc.st, tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			m := mustDecodePNG(t, pb)
			if got, want := m.Bounds(), image.Rect(0, 0, tc.wantW, tc.wantH); got != want {
				t.Errorf("bounds = %v, want %v", got, want)
			}
			if p, differ := diffPixel(m, composite(g)[0]); differ {
				t.Errorf("GIF and PNG differ at %v", p)
			}
			blank := image.NewUniform(tc.background)
			_, differ := diffPixel(m, &boundedUniform{blank, m.Bounds()})
			if got, want := !differ, tc.wantBlank; got != want {
				t.Errorf("image is blank = %v, want %v", got, want)
			}
		})
	}
}

// boundedUniform is a uniform colour with finite bounds, for diffPixel.
type boundedUniform struct {
	*image.Uniform
	r image.Rectangle
}

func (u *boundedUniform) Bounds() image.Rectangle { return u.r }

func TestCountdownStyleNormalized(t *testing.T) {
	t.Parallel()
	red := color.RGBA{0xFF, 0, 0, 0x80}
	cases := []struct {
		name      string
		in        CountdownStyle
		wantW     int
		wantH     int
		wantText  color.RGBA
		wantLabel string
		wantAfter string
	}{
		{"zero", CountdownStyle{}, 480, 120, DefaultCountdownText, "DAYS", DefaultExpiredText},
		{"clamp low", CountdownStyle{Width: 10, Height: -5}, 120, 40, DefaultCountdownText, "DAYS", DefaultExpiredText},
		{"clamp high", CountdownStyle{Width: 9999, Height: 9999}, 1200, 400, DefaultCountdownText, "DAYS", DefaultExpiredText},
		{"given", CountdownStyle{Width: 600, Height: 150, Text: red, Labels: [4]string{"", "h"}, ExpiredText: "Over"}, 600, 150, color.RGBA{0xFF, 0, 0, 0xFF}, "", "Over"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.in.normalized()
			if got.Width != tc.wantW || got.Height != tc.wantH {
				t.Errorf("size = %dx%d, want %dx%d", got.Width, got.Height, tc.wantW, tc.wantH)
			}
			if got.Text != tc.wantText {
				t.Errorf("Text = %v, want %v", got.Text, tc.wantText)
			}
			if got.Labels[0] != tc.wantLabel {
				t.Errorf("Labels[0] = %q, want %q", got.Labels[0], tc.wantLabel)
			}
			if got.ExpiredText != tc.wantAfter {
				t.Errorf("ExpiredText = %q, want %q", got.ExpiredText, tc.wantAfter)
			}
		})
	}
}

// TestRenderCountdownConcurrent renders from many goroutines (run with
// -race) and checks every result is identical.
func TestRenderCountdownConcurrent(t *testing.T) {
	t.Parallel()
	want, err := RenderCountdownGIF(CountdownStyle{}, 123456, 20)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			got, err := RenderCountdownGIF(CountdownStyle{}, 123456, 20)
			if err != nil {
				t.Error(err)
				return
			}
			if !bytes.Equal(got, want) {
				t.Error("concurrent render differs")
			}
		})
	}
	wg.Wait()
}

func BenchmarkRenderCountdownGIF(b *testing.B) {
	var out []byte
	for b.Loop() {
		var err error
		if out, err = RenderCountdownGIF(CountdownStyle{}, 3*86400+4*3600+5*60+6, 60); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "bytes/gif")
}

func BenchmarkRenderCountdownGIFLarge(b *testing.B) {
	var out []byte
	for b.Loop() {
		var err error
		if out, err = RenderCountdownGIF(CountdownStyle{Width: 1200, Height: 400}, 3*86400+4*3600+5*60+6, 60); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "bytes/gif")
}

func BenchmarkRenderCountdownPNG(b *testing.B) {
	var out []byte
	for b.Loop() {
		var err error
		if out, err = RenderCountdownPNG(CountdownStyle{}, 3*86400+4*3600+5*60+6); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "bytes/png")
}
