package handlers

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/singleflight"

	"github.com/amplive/amplive/amp"
	"github.com/amplive/amplive/content"
)

// Countdown images: the GIF animates this many one-second frames.
const (
	gifFrames        = 60
	imageStatusHdr   = "Amplive-Image-Status" // why a neutral image was sent
	imageCacheHdr    = "Amplive-Image-Cache"  // "hit" or "miss": whether this request rendered
	imageCacheMaxAge = 3 * time.Second        // rendered images older than this are dropped
)

// imageCache shares rendered countdown images between the opens of one
// second: the key names the image completely (kind, campaign, end, remaining
// seconds), and one render per key runs at a time.
type imageCache struct {
	flight    singleflight.Group
	mu        sync.Mutex
	items     map[string]imageEntry
	rendering map[string]bool // keys being rendered ahead
}

type imageEntry struct {
	body []byte
	at   time.Time
}

func newImageCache() *imageCache {
	return &imageCache{items: map[string]imageEntry{}, rendering: map[string]bool{}}
}

// get returns the image for key, rendering it with render on a miss; hit
// reports whether it came from the cache (or a concurrent render).
func (ic *imageCache) get(key string, now time.Time, render func() ([]byte, error)) (body []byte, hit bool, err error) {
	ic.mu.Lock()
	if e, ok := ic.items[key]; ok && now.Sub(e.at) <= imageCacheMaxAge {
		ic.mu.Unlock()
		return e.body, true, nil
	}
	ic.mu.Unlock()
	rendered := false // set by the one caller whose render runs (Do runs it in that caller's goroutine)
	v, err, _ := ic.flight.Do(key, func() (any, error) {
		ic.mu.Lock()
		e, ok := ic.items[key] // a render that finished just before Do began
		ic.mu.Unlock()
		if ok && now.Sub(e.at) <= imageCacheMaxAge {
			return e.body, nil
		}
		rendered = true
		b, err := render()
		if err != nil {
			return nil, err
		}
		ic.mu.Lock()
		for k, e := range ic.items { // small: a few keys per hot campaign
			if now.Sub(e.at) > imageCacheMaxAge {
				delete(ic.items, k)
			}
		}
		ic.items[key] = imageEntry{body: b, at: now}
		ic.mu.Unlock()
		return b, nil
	})
	if err != nil {
		return nil, false, err
	}
	return v.([]byte), !rendered, nil
}

// imageKinds are the extensions read as image URLs; only gif and png are
// rendered, the others get the neutral GIF.
var imageKinds = map[string]bool{"gif": true, "png": true, "jpg": true, "jpeg": true, "webp": true, "bmp": true}

// ahead renders key in the background unless it is cached or already being
// rendered ahead; at is the instant the image is for.
func (ic *imageCache) ahead(key string, at time.Time, render func() ([]byte, error)) {
	ic.mu.Lock()
	_, cached := ic.items[key]
	busy := ic.rendering[key]
	if !cached && !busy {
		ic.rendering[key] = true
	}
	ic.mu.Unlock()
	if cached || busy {
		return
	}
	go func() {
		defer func() {
			ic.mu.Lock()
			delete(ic.rendering, key)
			ic.mu.Unlock()
		}()
		_, _, _ = ic.get(key, at, render)
	}()
}

// countdownImage serves GET /v1/countdown/{campaign}.gif and .png — the
// countdown as an animated GIF (gifFrames one-second frames, looping, frame
// 0 = the time left at this request) or a static PNG, for the HTML part of
// emails. The token (t) is optional for campaign-wide timers and required
// for evergreen ones. An image URL never answers an error status (image
// proxies cache those): an unknown campaign, a bad or expired token or any
// failure gets 200 with a neutral image and Amplive-Image-Status saying why.
// Other paths pass through to the JSON chain.
func (s *Server) countdownImage() gin.HandlerFunc {
	return func(c *gin.Context) {
		id, kind, ok := imageParam(c.Param("campaign"))
		if !ok {
			c.Next() // not an image URL: the JSON answer (a 404 for such an id)
			return
		}
		c.Abort()
		setImageNoCache(c.Writer.Header())
		if kind != "gif" && kind != "png" {
			kind = "gif"
			s.neutralImage(c, kind, "not_found")
			return
		}
		var claims *amp.Claims // the token is optional here
		if raw := c.Query("t"); raw != "" {
			var err error
			if claims, err = s.tokens.Verify(raw); err != nil {
				s.neutralImage(c, kind, amp.TokenErrorCode(err))
				return
			}
		}
		camp, code := s.countdownCampaign(id, claims)
		if code != "" {
			s.neutralImage(c, kind, code)
			return
		}
		now := s.now()
		remaining := int64(camp.EndsAt.Sub(now) / time.Second)
		if remaining < 0 {
			remaining = 0
		}
		style := camp.Style.ImageStyle(camp.ExpiredText)
		render := func(left int64) func() ([]byte, error) {
			return func() ([]byte, error) {
				if kind == "png" {
					return content.RenderCountdownPNG(style, left)
				}
				return content.RenderCountdownGIF(style, left, gifFrames)
			}
		}
		look := lookOf(camp) // style and texts: an edit makes new keys
		keyFor := func(left int64) string {
			return kind + "|" + id + "|" + look + "|" + strconv.FormatInt(camp.EndsAt.Unix(), 10) + "|" + strconv.FormatInt(left, 10)
		}
		body, hit, err := s.images.get(keyFor(remaining), now, render(remaining))
		if hit && remaining > 0 {
			// Hot: this second's image served more than one open. Render
			// the next second's now, so its first open is a cache hit too.
			s.images.ahead(keyFor(remaining-1), now.Add(time.Second), render(remaining-1))
		}
		if err != nil {
			s.log.Error("countdown image: render failed", "request_id", c.GetString(requestIDHeader), "err", err)
			s.neutralImage(c, kind, CodeInternal)
			return
		}
		if hit {
			c.Header(imageCacheHdr, "hit")
		} else {
			c.Header(imageCacheHdr, "miss")
		}
		c.Data(http.StatusOK, "image/"+kind, body)
	}
}

// lookOf fingerprints what an image shows besides the time: the style and
// the after-text, so an edited campaign never gets a cached old image.
func lookOf(c content.Campaign) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s", c.ExpiredText)
	if c.Style != nil {
		fmt.Fprintf(h, "|%+v", *c.Style)
	}
	return strconv.FormatUint(h.Sum64(), 36)
}

// neutralImage answers 200 with a plain image and the reason in a header.
func (s *Server) neutralImage(c *gin.Context, kind, reason string) {
	c.Header(imageStatusHdr, reason)
	body, _, err := s.images.get("neutral|"+kind, time.Time{}, func() ([]byte, error) {
		if kind == "png" {
			return content.RenderNeutralPNG(content.CountdownStyle{}, "")
		}
		return content.RenderNeutralGIF(content.CountdownStyle{}, "")
	})
	if err != nil {
		c.Status(http.StatusOK) // nothing renders: an empty 200 still beats a cached error
		return
	}
	c.Data(http.StatusOK, "image/"+kind, body)
}

// imageParam splits the campaign parameter of an image URL ("sale.GIF")
// into the campaign id and the lower-case extension; ok is false when the
// parameter names no image (imageKinds), so the JSON chain answers it.
func imageParam(param string) (id, ext string, ok bool) {
	dot := strings.LastIndexByte(param, '.')
	if dot < 0 || !imageKinds[strings.ToLower(param[dot+1:])] {
		return "", "", false
	}
	return param[:dot], strings.ToLower(param[dot+1:]), true
}

// neutralKind is the format of the neutral image for extension ext: PNG for
// png, else GIF.
func neutralKind(ext string) string {
	if ext == "png" {
		return "png"
	}
	return "gif"
}

// setImageNoCache writes the headers that keep image proxies and mail
// clients from caching a countdown frame.
func setImageNoCache(h http.Header) {
	h.Set("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0")
	h.Set("Pragma", "no-cache")
	h.Set("Expires", "0")
}
