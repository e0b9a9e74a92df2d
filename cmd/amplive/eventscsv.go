package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// numericFields are the event fields whose CSV text is sent as a JSON
// number (when it is one; otherwise as text, which validation then refuses
// with the field's name).
var numericFields = map[string]bool{
	"qty": true, "price": true, "rating": true, "stock": true, "popularity": true, "loyalty.points": true,
}

// parseCSVMap reads --map "field=column,…": which CSV column holds each
// event field. Fields not named are read from a column of their own name.
// Dotted fields ("loyalty.tier", "attributes.size") build nested objects.
func parseCSVMap(spec string) (map[string]string, error) {
	m := map[string]string{}
	if strings.TrimSpace(spec) == "" {
		return m, nil
	}
	for _, pair := range strings.Split(spec, ",") {
		field, col, ok := strings.Cut(pair, "=")
		field, col = strings.TrimSpace(field), strings.TrimSpace(col)
		if !ok || field == "" || col == "" {
			return nil, usageError{fmt.Sprintf("--map: %q is not field=column", pair)}
		}
		m[field] = col
	}
	return m, nil
}

// csvLines turns CSV rows into wire-form events, one event per row: each
// column (renamed by fieldOf, see parseCSVMap) becomes a field; empty cells
// are left out; "a.b" columns nest. Events with arrays (cart_updated,
// order_placed) cannot be written as one row and are refused by validation
// for lacking items. Rows whose width differs from the header are errors.
// It also returns each event's "line N" (of its row's start).
func csvLines(r io.Reader, fieldOf map[string]string) ([][]byte, []string, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, errors.New("the CSV is empty: a header row is needed")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("CSV header: %w", err)
	}
	colField := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		colField[i] = h
	}
	for field, col := range fieldOf {
		found := false
		for i, h := range header {
			if strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) == col {
				colField[i] = field
				found = true
			}
		}
		if !found {
			return nil, nil, usageError{fmt.Sprintf("--map %s=%s: no column %q in the CSV header", field, col, col)}
		}
	}
	var out [][]byte
	var where []string
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, where, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		where = append(where, "line "+strconv.Itoa(line))
		ev := map[string]any{}
		for i, cell := range rec {
			if cell == "" {
				continue
			}
			setPath(ev, colField[i], csvValue(colField[i], cell))
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, b)
	}
}

func csvValue(field, cell string) any {
	if numericFields[field] {
		if _, err := strconv.ParseFloat(cell, 64); err == nil {
			return json.Number(strings.TrimSpace(cell))
		}
	}
	return cell
}

// setPath sets m["a"]["b"] for the path "a.b".
func setPath(m map[string]any, path string, v any) {
	head, rest, nested := strings.Cut(path, ".")
	if !nested {
		m[path] = v
		return
	}
	sub, ok := m[head].(map[string]any)
	if !ok {
		sub = map[string]any{}
		m[head] = sub
	}
	setPath(sub, rest, v)
}
