package amp

import (
	"regexp"
	"slices"
	"strings"
)

// ampLayouts are the values of the layout attribute
// (https://amp.dev/documentation/guides-and-tutorials/learn/amp-html-layout/).
var ampLayouts = []string{"NODISPLAY", "FIXED", "FIXED_HEIGHT", "RESPONSIVE", "CONTAINER", "FILL", "FLEX_ITEM", "FLUID", "INTRINSIC"}

// cssLength is a width or height attribute: unset, "auto", or a number with
// a unit (px when none).
type cssLength struct {
	set, auto, valid bool
	unit             string
}

var lengthRe = regexp.MustCompile(`^\d+(?:\.\d+)?(px|em|rem|vh|vw|vmin|vmax)?$`)

func parseLength(v string, present bool) cssLength {
	switch {
	case !present:
		return cssLength{valid: true}
	case v == "auto":
		return cssLength{set: true, auto: true, valid: true}
	}
	m := lengthRe.FindStringSubmatch(v)
	if m == nil {
		return cssLength{set: true}
	}
	unit := m[1]
	if unit == "" {
		unit = "px"
	}
	return cssLength{set: true, valid: true, unit: unit}
}

// layoutName is a layout as messages write it: "fixed-height".
func layoutName(l string) string { return strings.ToLower(strings.ReplaceAll(l, "_", "-")) }

// layout checks the AMP layout attributes of el (layout, width, height,
// heights) against the layouts ts supports, as the official validator
// computes the layout when none is given.
func (v *validation) layout(ts *tagSpec, el *vElem) []ValidationError {
	var errs []ValidationError
	tag, url := ts.name(), specURL(ts)
	add := func(code string, params ...string) {
		errs = append(errs, newError(el.line, el.col, code, url, params...))
	}
	layoutAttr, hasLayout := attrOf(el.attrs, "layout")
	widthAttr, hasWidth := attrOf(el.attrs, "width")
	heightAttr, hasHeight := attrOf(el.attrs, "height")
	_, hasSizes := attrOf(el.attrs, "sizes")
	_, hasHeights := attrOf(el.attrs, "heights")
	layout := ""
	if hasLayout {
		layout = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(layoutAttr), "-", "_"))
		if !slices.Contains(ampLayouts, layout) {
			add("INVALID_ATTR_VALUE", "layout", tag, layoutAttr)
			return errs
		}
	}
	w, h := parseLength(widthAttr, hasWidth), parseLength(heightAttr, hasHeight)
	if !w.valid {
		add("INVALID_ATTR_VALUE", "width", tag, widthAttr)
		return errs
	}
	if !h.valid || (h.auto && layout != "FLUID") {
		add("INVALID_ATTR_VALUE", "height", tag, heightAttr)
		return errs
	}
	if layout == "" {
		switch {
		case !w.set && !h.set:
			layout = "CONTAINER"
		case h.set && (!w.set || w.auto):
			layout = "FIXED_HEIGHT"
		case h.set && w.set && (hasSizes || hasHeights):
			layout = "RESPONSIVE"
		default:
			layout = "FIXED"
		}
	}
	if !slices.Contains(ts.supportedLayouts, layout) {
		switch {
		case !hasLayout && layout == "CONTAINER":
			add("MISSING_LAYOUT_ATTRIBUTES", tag)
		case !hasLayout:
			add("IMPLIED_LAYOUT_INVALID", layoutName(layout), tag)
		default:
			add("SPECIFIED_LAYOUT_INVALID", layoutName(layout), tag)
		}
		return errs
	}
	switch layout {
	case "FIXED", "RESPONSIVE", "INTRINSIC":
		if !w.set {
			add("MANDATORY_ATTR_MISSING", "width", tag)
		} else if w.auto {
			add("INVALID_ATTR_VALUE", "width", tag, "auto")
		}
		if !h.set {
			add("MANDATORY_ATTR_MISSING", "height", tag)
		}
		if layout != "FIXED" && w.set && h.set && !w.auto && w.unit != h.unit {
			add("INCONSISTENT_UNITS_FOR_WIDTH_AND_HEIGHT", tag, w.unit, h.unit)
		}
	case "FIXED_HEIGHT":
		if !h.set {
			add("MANDATORY_ATTR_MISSING", "height", tag)
		}
		if w.set && !w.auto {
			add("ATTR_VALUE_REQUIRED_BY_LAYOUT", widthAttr, "width", tag, "fixed-height", "auto")
		}
	}
	if hasHeights && layout != "RESPONSIVE" {
		code := "ATTR_DISALLOWED_BY_SPECIFIED_LAYOUT"
		if !hasLayout {
			code = "ATTR_DISALLOWED_BY_IMPLIED_LAYOUT"
		}
		add(code, "heights", tag, layoutName(layout))
	}
	return errs
}
