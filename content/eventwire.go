package content

import (
	"encoding/json"
	"fmt"
	"time"
)

// MarshalEvent writes ev in the flat wire form that ParseEvents reads
// ({"id","type","at","profile_id",…payload}), with `at` in RFC 3339 UTC
// (milliseconds when needed) and prices as decimal numbers in major units
// (1699 USD minor units → 16.99). ParseEvents(MarshalEvent(ev)) gives ev
// back. It fails for an unknown type or a price in an unknown currency.
func MarshalEvent(ev Event) ([]byte, error) {
	m := map[string]any{"id": ev.ID, "type": ev.Type, "at": ev.At.UTC().Format(time.RFC3339Nano)}
	if ev.ProfileID != "" {
		m["profile_id"] = ev.ProfileID
	}
	switch ev.Type {
	case EventProductViewed:
		m["sku"] = ev.SKU
	case EventCartUpdated, EventOrderPlaced:
		items := make([]map[string]any, 0, len(ev.Items))
		for _, it := range ev.Items {
			line := map[string]any{"sku": it.SKU, "qty": it.Qty}
			if ev.Type == EventOrderPlaced {
				price, err := decimalMajor(it.Price, it.Currency)
				if err != nil {
					return nil, err
				}
				line["price"], line["currency"] = price, it.Currency
			}
			items = append(items, line)
		}
		m["items"] = items
		if ev.Type == EventOrderPlaced {
			m["order_id"] = ev.OrderID
		}
	case EventProfileUpdated:
		if p := ev.Profile; p != nil {
			putString(m, "first_name", p.FirstName)
			putString(m, "locale", p.Locale)
			putString(m, "time_zone", p.TimeZone)
			if p.Tier != nil || p.Points != nil {
				l := map[string]any{}
				putString(l, "tier", p.Tier)
				if p.Points != nil {
					l["points"] = *p.Points
				}
				m["loyalty"] = l
			}
			if p.Attributes != nil {
				m["attributes"] = p.Attributes
			}
		}
	case EventProductUpdated:
		if p := ev.Product; p != nil {
			m["sku"] = p.SKU
			putString(m, "title", p.Title)
			putString(m, "url", p.URL)
			putString(m, "image", p.Image)
			putString(m, "currency", p.Currency)
			putString(m, "category", p.Category)
			putString(m, "brand", p.Brand)
			if p.Price != nil && p.Currency != nil {
				price, err := decimalMajor(*p.Price, *p.Currency)
				if err != nil {
					return nil, err
				}
				m["price"] = price
			}
			if p.Rating != nil {
				m["rating"] = *p.Rating
			}
			if p.Stock != nil {
				m["stock"] = *p.Stock
			}
			if p.Popularity != nil {
				m["popularity"] = *p.Popularity
			}
		}
	case EventCampaignUpdated:
		if c := ev.Campaign; c != nil {
			m["campaign_id"] = c.ID
			putString(m, "name", c.Name)
			putString(m, "time_zone", c.TimeZone)
			putString(m, "expired_text", c.ExpiredText)
			if c.EndsAt != nil {
				m["ends_at"] = c.EndsAt.UTC().Format(time.RFC3339Nano)
			}
			if st := c.Style; st != nil {
				sm := map[string]any{}
				putNonEmpty(sm, "background", st.Background)
				putNonEmpty(sm, "text", st.Text)
				putNonEmpty(sm, "label", st.Label)
				if st.Width > 0 {
					sm["width"] = st.Width
				}
				if st.Height > 0 {
					sm["height"] = st.Height
				}
				if st.Labels != (CountdownLabels{}) {
					lm := map[string]any{}
					putNonEmpty(lm, "days", st.Labels.Days)
					putNonEmpty(lm, "hours", st.Labels.Hours)
					putNonEmpty(lm, "minutes", st.Labels.Minutes)
					putNonEmpty(lm, "seconds", st.Labels.Seconds)
					sm["labels"] = lm
				}
				m["style"] = sm
			}
		}
	default:
		return nil, fmt.Errorf("marshal event %q: unknown type %q", ev.ID, ev.Type)
	}
	return json.Marshal(m)
}

func putNonEmpty(m map[string]any, key, v string) {
	if v != "" {
		m[key] = v
	}
}

func putString(m map[string]any, key string, v *string) {
	if v != nil {
		m[key] = *v
	}
}

// decimalMajor writes minor units as a JSON number in major units:
// 1699 USD → 16.99, 1200 JPY → 1200.
func decimalMajor(minor int64, code string) (json.Number, error) {
	exp, ok := MinorUnitDigits(code)
	if !ok {
		return "", fmt.Errorf("%w: unknown currency %q", ErrMoney, code)
	}
	neg, whole, frac := splitMinor(minor, exp)
	digits := whole
	if frac != "" {
		digits += "." + frac
	}
	if neg {
		digits = "-" + digits
	}
	return json.Number(digits), nil
}
