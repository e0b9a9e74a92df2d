package content

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Countdown image limits and defaults. Sizes are in pixels.
const (
	// DefaultCountdownWidth and DefaultCountdownHeight are the image size
	// used when CountdownStyle.Width or Height is 0.
	DefaultCountdownWidth  = 480
	DefaultCountdownHeight = 120

	// MinCountdownWidth … MaxCountdownHeight bound CountdownStyle.Width and
	// Height; a non-zero size outside them is clamped.
	MinCountdownWidth  = 120
	MaxCountdownWidth  = 1200
	MinCountdownHeight = 40
	MaxCountdownHeight = 400

	// MaxCountdownFrames is the largest frame count RenderCountdownGIF
	// renders; DefaultCountdownFrames is the usual one (a minute).
	MaxCountdownFrames     = 120
	DefaultCountdownFrames = 60

	// DefaultExpiredText is shown after the end when
	// CountdownStyle.ExpiredText is "".
	DefaultExpiredText = "This offer has ended"
)

// Default countdown colours (opaque): near-black background, white numbers,
// light grey labels.
var (
	DefaultCountdownBackground = color.RGBA{0x11, 0x11, 0x11, 0xFF}
	DefaultCountdownText       = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
	DefaultCountdownLabel      = color.RGBA{0xBB, 0xBB, 0xBB, 0xFF}
)

// DefaultCountdownLabels are the unit labels used when all four
// CountdownStyle.Labels are "".
var DefaultCountdownLabels = [4]string{"DAYS", "HOURS", "MINUTES", "SECONDS"}

// CountdownStyle is the look of a countdown image. Its zero value, and each
// zero field on its own, means the defaults above.
//
// Colours are drawn opaque (alpha is ignored), except that a colour whose A
// is 0 — the zero value — selects the default; pass A 255 for black. Text is
// drawn in the Go Bold font, which covers Latin, Greek and Cyrillic; other
// scripts show as boxes.
type CountdownStyle struct {
	// Width and Height are the image size in pixels: 0 means 480 x 120,
	// other values are clamped to 120..1200 x 40..400. Font sizes follow
	// from the height and shrink to fit the width.
	Width, Height int
	// Background fills the image; Text draws the numbers, the colons and
	// the after-end text; Label draws the unit labels and neutral messages.
	Background, Text, Label color.RGBA
	// Labels are drawn under days, hours, minutes and seconds. All four
	// "" means DefaultCountdownLabels; otherwise a "" entry is left blank.
	Labels [4]string
	// ExpiredText is shown after the end; "" means DefaultExpiredText.
	ExpiredText string
}

// normalized returns st with defaults filled in and sizes clamped.
func (st CountdownStyle) normalized() CountdownStyle {
	st.Width = clampSize(st.Width, DefaultCountdownWidth, MinCountdownWidth, MaxCountdownWidth)
	st.Height = clampSize(st.Height, DefaultCountdownHeight, MinCountdownHeight, MaxCountdownHeight)
	st.Background = opaqueOr(st.Background, DefaultCountdownBackground)
	st.Text = opaqueOr(st.Text, DefaultCountdownText)
	st.Label = opaqueOr(st.Label, DefaultCountdownLabel)
	if st.Labels == [4]string{} {
		st.Labels = DefaultCountdownLabels
	}
	if st.ExpiredText == "" {
		st.ExpiredText = DefaultExpiredText
	}
	return st
}

func clampSize(v, def, lo, hi int) int {
	switch {
	case v == 0:
		return def
	case v < lo:
		return lo
	case v > hi:
		return hi
	}
	return v
}

func opaqueOr(c, def color.RGBA) color.RGBA {
	if c.A == 0 {
		return def
	}
	c.A = 0xFF
	return c
}

// The shared palette: the background, shadeLevels antialias shades from the
// background to Text, and the same towards Label. 15 entries: 4 bits per
// pixel. Every image is opaque; delta frames are cropped, not transparent.
const (
	shadeLevels   = 7
	idxBackground = 0
	idxText       = 1                     // idxText+k-1 is shade k of Text, k in 1..shadeLevels
	idxLabel      = idxText + shadeLevels // the same for Label
	paletteSize   = idxLabel + shadeLevels
)

func (st CountdownStyle) palette() color.Palette {
	p := make(color.Palette, paletteSize)
	p[idxBackground] = st.Background
	for k := 1; k <= shadeLevels; k++ {
		p[idxText+k-1] = shadeColor(st.Background, st.Text, k)
		p[idxLabel+k-1] = shadeColor(st.Background, st.Label, k)
	}
	return p
}

// shadeColor returns shade k of shadeLevels between a and b (k = shadeLevels is b).
func shadeColor(a, b color.RGBA, k int) color.RGBA {
	f := func(x, y uint8) uint8 {
		return uint8((int(x)*(shadeLevels-k) + int(y)*k + shadeLevels/2) / shadeLevels)
	}
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 0xFF}
}

// shade maps glyph coverage (0..255) to a shade level 0..shadeLevels.
func shade(a uint8) uint8 { return uint8((int(a)*shadeLevels + 127) / 255) }

// The font is parsed once; faces are not safe for concurrent use, so every
// render makes its own.
var (
	fontOnce   sync.Once
	fontParsed *opentype.Font
	fontErr    error
)

func newCountdownFace(size float64) (font.Face, error) {
	fontOnce.Do(func() { fontParsed, fontErr = opentype.Parse(gobold.TTF) })
	if fontErr != nil {
		return nil, fmt.Errorf("content: countdown image: parse font: %w", fontErr)
	}
	if size < 4 {
		size = 4
	}
	f, err := opentype.NewFace(fontParsed, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("content: countdown image: font face: %w", err)
	}
	return f, nil
}

// glyphCoverage is a w x h glyph coverage mask (0 none, 255 full).
type glyphCoverage struct {
	w, h int
	a    []uint8
}

func newGlyphCoverage(w, h int) *glyphCoverage {
	return &glyphCoverage{w: w, h: h, a: make([]uint8, w*h)}
}

// drawString rasterizes s with its baseline origin at (x, y) pixels into c,
// clipped to c, keeping the larger coverage where glyphs overlap.
func (c *glyphCoverage) drawString(face font.Face, x, y int, s string) {
	dot := fixed.P(x, y)
	prev := rune(-1)
	for _, r := range s {
		if prev >= 0 {
			dot.X += face.Kern(prev, r)
		}
		prev = r
		dr, mask, mp, adv, ok := face.Glyph(dot, r)
		dot.X += adv
		if !ok {
			continue
		}
		clip := dr.Intersect(image.Rect(0, 0, c.w, c.h))
		for py := clip.Min.Y; py < clip.Max.Y; py++ {
			for px := clip.Min.X; px < clip.Max.X; px++ {
				var v uint8
				if m, isAlpha := mask.(*image.Alpha); isAlpha {
					v = m.AlphaAt(mp.X+px-dr.Min.X, mp.Y+py-dr.Min.Y).A
				} else {
					_, _, _, a := mask.At(mp.X+px-dr.Min.X, mp.Y+py-dr.Min.Y).RGBA()
					v = uint8(a >> 8)
				}
				if i := py*c.w + px; v > c.a[i] {
					c.a[i] = v
				}
			}
		}
	}
}

// paint writes the shades of c into pix (palette indices, same size),
// using the shade run starting at first; uncovered pixels are left alone.
func (c *glyphCoverage) paint(pix []uint8, first uint8) {
	for i, a := range c.a {
		if k := shade(a); k > 0 {
			pix[i] = first + k - 1
		}
	}
}

// ceilPx rounds a 26.6 length up to whole pixels.
func ceilPx(v fixed.Int26_6) int { return v.Ceil() }

// countdownLayout is everything needed to draw the countdown for one style
// and one number of day digits: the static part (background, colons,
// labels) and one pre-rendered tile per digit. Frames are then a copy of
// the base plus tile copies, so equal values always give equal pixels.
type countdownLayout struct {
	w, h      int
	dayDigits int
	base      []uint8           // w*h palette indices
	slots     []image.Rectangle // digit cells, left to right: days, then HHMMSS
	tiles     [10][]uint8       // digit tiles, slot-sized, palette indices
}

// dayDigitsFor is how many digits the days of remaining seconds need (≥ 2).
func dayDigitsFor(remaining int64) int {
	if remaining < 0 {
		remaining = 0
	}
	n := len(strconv.FormatInt(remaining/86400, 10))
	return max(n, 2)
}

func newCountdownLayout(st CountdownStyle, dayDigits int) (*countdownLayout, error) {
	w, h := st.Width, st.Height
	hasLabels := st.Labels != [4]string{}
	numSize, labSize := 0.52*float64(h), 0.14*float64(h)
	if !hasLabels {
		numSize = 0.62 * float64(h)
	}
	margin := max(4, w/30)
	avail := w - 2*margin
	groupDigits := [4]int{dayDigits, 2, 2, 2}

	var (
		numFace, labFace font.Face
		slotW, colonW    int
		pad, total       int
		labelW, groupW   [4]int
	)
	for attempt := 0; ; attempt++ {
		var err error
		if numFace, err = newCountdownFace(numSize); err != nil {
			return nil, err
		}
		if labFace, err = newCountdownFace(labSize); err != nil {
			return nil, err
		}
		slotW = 0
		for d := '0'; d <= '9'; d++ {
			adv, _ := numFace.GlyphAdvance(d)
			slotW = max(slotW, ceilPx(adv))
		}
		adv, _ := numFace.GlyphAdvance(':')
		colonW = ceilPx(adv)
		pad = max(1, int(math.Round(0.10*numSize)))
		total = 3 * (colonW + 2*pad)
		for g := range 4 {
			labelW[g] = ceilPx(font.MeasureString(labFace, st.Labels[g]))
			groupW[g] = max(groupDigits[g]*slotW, labelW[g])
			total += groupW[g]
		}
		if total <= avail || attempt == 4 {
			break
		}
		f := float64(avail) / float64(total) * 0.98
		numSize *= f
		labSize *= f
	}

	// Vertical: the digits' cap height, a gap, the labels' cap height,
	// centred as one block.
	numCap := ceilPx(numFace.Metrics().CapHeight)
	block := numCap
	gap, labCap := 0, 0
	if hasLabels {
		gap = max(2, int(math.Round(0.16*numSize)))
		labCap = ceilPx(labFace.Metrics().CapHeight)
		block += gap + labCap
	}
	baseline := (h-block)/2 + numCap
	labBaseline := baseline + gap + labCap

	l := &countdownLayout{w: w, h: h, dayDigits: dayDigits, base: make([]uint8, w*h)}
	colons := newGlyphCoverage(w, h)
	labels := newGlyphCoverage(w, h)
	x := (w - total) / 2
	for g := range 4 {
		dx := x + (groupW[g]-groupDigits[g]*slotW)/2
		for range groupDigits[g] {
			l.slots = append(l.slots, image.Rect(dx, 0, dx+slotW, 0))
			dx += slotW
		}
		if hasLabels && st.Labels[g] != "" {
			labels.drawString(labFace, x+(groupW[g]-labelW[g])/2, labBaseline, st.Labels[g])
		}
		x += groupW[g]
		if g < 3 {
			colons.drawString(numFace, x+pad, baseline, ":")
			x += colonW + 2*pad
		}
	}
	colons.paint(l.base, idxText)
	labels.paint(l.base, idxLabel)

	// Digit tiles span the digits' ink, one pixel more each way, and stop
	// above the labels so that drawing a tile never touches them.
	var inkTop, inkBottom fixed.Int26_6
	for d := '0'; d <= '9'; d++ {
		b, _, _ := numFace.GlyphBounds(d)
		inkTop, inkBottom = min(inkTop, b.Min.Y), max(inkBottom, b.Max.Y)
	}
	top := max(0, baseline+inkTop.Floor()-1)
	bottom := min(h, baseline+inkBottom.Ceil()+1)
	if hasLabels {
		bottom = min(bottom, labBaseline-labCap-1)
	}
	for i := range l.slots {
		l.slots[i].Min.Y, l.slots[i].Max.Y = top, bottom
	}
	tileH := bottom - top
	for d := range 10 {
		c := newGlyphCoverage(slotW, tileH)
		adv, _ := numFace.GlyphAdvance(rune('0' + d))
		c.drawString(numFace, (slotW-ceilPx(adv))/2, baseline-top, string(rune('0'+d)))
		tile := make([]uint8, slotW*tileH)
		c.paint(tile, idxText)
		l.tiles[d] = tile
	}
	return l, nil
}

// render draws remaining seconds (> 0, or 0 for the final frame) into pix.
func (l *countdownLayout) render(pix []uint8, remaining int64) {
	copy(pix, l.base)
	days := strconv.FormatInt(remaining/86400, 10)
	digits := strings.Repeat("0", l.dayDigits-len(days)) + days +
		fmt.Sprintf("%02d%02d%02d", remaining%86400/3600, remaining%3600/60, remaining%60)
	for i, r := range l.slots {
		tile := l.tiles[digits[i]-'0']
		tw := r.Dx()
		for y := r.Min.Y; y < r.Max.Y; y++ {
			copy(pix[y*l.w+r.Min.X:y*l.w+r.Max.X], tile[(y-r.Min.Y)*tw:])
		}
	}
}

// layoutCache keeps the layouts of one render call, keyed by day digits
// (the count changes only when days cross a power of ten).
type layoutCache struct {
	st      CountdownStyle
	layouts map[int]*countdownLayout
}

func (c *layoutCache) get(remaining int64) (*countdownLayout, error) {
	n := dayDigitsFor(remaining)
	if l, ok := c.layouts[n]; ok {
		return l, nil
	}
	l, err := newCountdownLayout(c.st, n)
	if err != nil {
		return nil, err
	}
	if c.layouts == nil {
		c.layouts = map[int]*countdownLayout{}
	}
	c.layouts[n] = l
	return l, nil
}

// messagePix draws msg centred in colour run first (idxText or idxLabel),
// on one line or, when that allows a larger font, two.
func messagePix(st CountdownStyle, msg string, first uint8) ([]uint8, error) {
	w, h := st.Width, st.Height
	pix := make([]uint8, w*h)
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return pix, nil
	}
	const ref = 100.0 // measure at 100 px, then scale
	refFace, err := newCountdownFace(ref)
	if err != nil {
		return nil, err
	}
	avail := float64(w - 2*max(4, w/20))
	width := func(lines []string) float64 {
		var m float64
		for _, s := range lines {
			m = max(m, float64(font.MeasureString(refFace, s))/64)
		}
		return m
	}
	best := []string{msg}
	size := min(0.34*float64(h), avail/width(best)*ref*0.95)
	if i := splitNearMiddle(msg); i > 0 {
		two := []string{strings.TrimSpace(msg[:i]), strings.TrimSpace(msg[i:])}
		if s2 := min(0.26*float64(h), avail/width(two)*ref*0.95); s2 > size*1.1 {
			best, size = two, s2
		}
	}
	face, err := newCountdownFace(size)
	if err != nil {
		return nil, err
	}
	capH := ceilPx(face.Metrics().CapHeight)
	lineGap := int(math.Round(0.45 * size))
	block := len(best)*capH + (len(best)-1)*lineGap
	c := newGlyphCoverage(w, h)
	y := (h-block)/2 + capH
	for _, s := range best {
		c.drawString(face, (w-ceilPx(font.MeasureString(face, s)))/2, y, s)
		y += capH + lineGap
	}
	c.paint(pix, first)
	return pix, nil
}

// splitNearMiddle returns the byte index of the space closest to the middle
// of s, or -1 when s has none.
func splitNearMiddle(s string) int {
	best := -1
	for i, r := range s {
		if r == ' ' && (best < 0 || absInt(i-len(s)/2) < absInt(best-len(s)/2)) {
			best = i
		}
	}
	return best
}

func absInt(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// staticPix renders one countdown frame for remaining seconds, or the
// expired text when remaining <= 0.
func staticPix(st CountdownStyle, remaining int64) ([]uint8, error) {
	if remaining <= 0 {
		return messagePix(st, st.ExpiredText, idxText)
	}
	c := layoutCache{st: st}
	l, err := c.get(remaining)
	if err != nil {
		return nil, err
	}
	pix := make([]uint8, st.Width*st.Height)
	l.render(pix, remaining)
	return pix, nil
}

func palettedImage(st CountdownStyle, pal color.Palette, pix []uint8) *image.Paletted {
	return &image.Paletted{Pix: pix, Stride: st.Width, Rect: image.Rect(0, 0, st.Width, st.Height), Palette: pal}
}

// deltaFrame returns the frame that turns prev into cur when drawn over it:
// cur cropped to the bounding box of the changed pixels. (Making unchanged
// pixels inside the box transparent was tried: it breaks LZW runs and made
// the default GIF about 20% larger.) No change gives one unchanged pixel.
func deltaFrame(prev, cur []uint8, w, h int, pal color.Palette) *image.Paletted {
	minX, minY, maxX, maxY := w, h, -1, -1
	for y := range h {
		p, c := prev[y*w:(y+1)*w], cur[y*w:(y+1)*w]
		if bytes.Equal(p, c) {
			continue
		}
		minY, maxY = min(minY, y), y
		for x := range w {
			if p[x] != c[x] {
				minX = min(minX, x)
				break
			}
		}
		for x := w - 1; x >= 0; x-- {
			if p[x] != c[x] {
				maxX = max(maxX, x)
				break
			}
		}
	}
	if maxY < 0 {
		minX, minY, maxX, maxY = 0, 0, 0, 0
	}
	img := image.NewPaletted(image.Rect(minX, minY, maxX+1, maxY+1), pal)
	for y := minY; y <= maxY; y++ {
		copy(img.Pix[(y-minY)*img.Stride:], cur[y*w+minX:y*w+maxX+1])
	}
	return img
}

// RenderCountdownGIF renders the countdown for remaining seconds as an
// animated GIF of st.Width x st.Height pixels.
//
// Frame i shows remaining-i seconds as DD:HH:MM:SS (days use as many digits
// as they need, at least two) with the unit labels underneath; every frame
// lasts one second (Delay 100) and the GIF loops forever (LoopCount 0).
// frames is clamped to 1..MaxCountdownFrames (DefaultCountdownFrames is
// typical). When the countdown reaches 0 within the frames, the last frame
// shows 00:00:00:00 and the GIF plays once (LoopCount -1) so it rests there
// instead of starting over. remaining <= 0 gives a single static frame with
// st.ExpiredText.
//
// All frames share one global palette of 15 opaque colours (the background
// and 7 antialias shades each towards Text and Label). Frame 0 is the whole
// image; each later frame is only the bounding box of the pixels that
// changed since the previous frame (usually the seconds digits), with
// Disposal gif.DisposalNone, so it draws over the previous frame. Composited, frame
// i is pixel for pixel RenderCountdownPNG(st, remaining-i).
//
// It is a pure function, safe for concurrent use; errors come only from
// font loading or encoding.
func RenderCountdownGIF(st CountdownStyle, remaining int64, frames int) ([]byte, error) {
	st = st.normalized()
	pal := st.palette()
	if remaining <= 0 {
		pix, err := messagePix(st, st.ExpiredText, idxText)
		if err != nil {
			return nil, err
		}
		return encodeGIF(st, pal, []*image.Paletted{palettedImage(st, pal, pix)}, 0)
	}
	frames = min(max(frames, 1), MaxCountdownFrames)
	loop := 0
	if int64(frames) > remaining {
		frames = int(remaining) + 1
		loop = -1
	}
	cache := layoutCache{st: st}
	imgs := make([]*image.Paletted, 0, frames)
	prev := make([]uint8, st.Width*st.Height)
	cur := make([]uint8, st.Width*st.Height)
	for i := range frames {
		v := remaining - int64(i)
		l, err := cache.get(v)
		if err != nil {
			return nil, err
		}
		l.render(cur, v)
		if i == 0 {
			imgs = append(imgs, palettedImage(st, pal, bytes.Clone(cur)))
		} else {
			imgs = append(imgs, deltaFrame(prev, cur, st.Width, st.Height, pal))
		}
		prev, cur = cur, prev
	}
	return encodeGIF(st, pal, imgs, loop)
}

func encodeGIF(st CountdownStyle, pal color.Palette, imgs []*image.Paletted, loop int) ([]byte, error) {
	g := &gif.GIF{
		Image:     imgs,
		Delay:     make([]int, len(imgs)),
		Disposal:  make([]byte, len(imgs)),
		LoopCount: loop,
		Config:    image.Config{ColorModel: pal, Width: st.Width, Height: st.Height},
	}
	for i := range imgs {
		g.Delay[i] = 100
		g.Disposal[i] = gif.DisposalNone
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		return nil, fmt.Errorf("content: countdown image: encode gif: %w", err)
	}
	return buf.Bytes(), nil
}

func encodePNG(st CountdownStyle, pix []uint8) ([]byte, error) {
	pal := st.palette()
	var buf bytes.Buffer
	if err := png.Encode(&buf, palettedImage(st, pal, pix)); err != nil {
		return nil, fmt.Errorf("content: countdown image: encode png: %w", err)
	}
	return buf.Bytes(), nil
}

// RenderCountdownPNG renders one static frame as a PNG of st.Width x
// st.Height pixels: remaining seconds as DD:HH:MM:SS with labels, or
// st.ExpiredText when remaining <= 0. Its pixels equal frame 0 of
// RenderCountdownGIF for the same arguments. Pure and safe for concurrent
// use; errors come only from font loading or encoding.
func RenderCountdownPNG(st CountdownStyle, remaining int64) ([]byte, error) {
	st = st.normalized()
	pix, err := staticPix(st, remaining)
	if err != nil {
		return nil, err
	}
	return encodePNG(st, pix)
}

// RenderNeutralGIF renders a single-frame GIF of st.Width x st.Height
// pixels with st's background and msg centred in st's Label colour (""
// gives the background only). It is the answer for an unknown campaign, a
// bad token or a store outage, where an image URL must still get an image.
// Pure and safe for concurrent use; errors come only from font loading or
// encoding.
func RenderNeutralGIF(st CountdownStyle, msg string) ([]byte, error) {
	st = st.normalized()
	pix, err := messagePix(st, msg, idxLabel)
	if err != nil {
		return nil, err
	}
	pal := st.palette()
	return encodeGIF(st, pal, []*image.Paletted{palettedImage(st, pal, pix)}, 0)
}

// RenderNeutralPNG is RenderNeutralGIF as a PNG.
func RenderNeutralPNG(st CountdownStyle, msg string) ([]byte, error) {
	st = st.normalized()
	pix, err := messagePix(st, msg, idxLabel)
	if err != nil {
		return nil, err
	}
	return encodePNG(st, pix)
}
