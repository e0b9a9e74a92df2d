package content

import "strings"

// CountdownLabels are the unit words to show beside a countdown's numbers,
// in the reader's language and in the number's grammatical form ("1 day",
// "2 days"; "1 Tag", "2 Tage").
type CountdownLabels struct {
	Days    string `bson:"days,omitempty" json:"days"`
	Hours   string `bson:"hours,omitempty" json:"hours"`
	Minutes string `bson:"minutes,omitempty" json:"minutes"`
	Seconds string `bson:"seconds,omitempty" json:"seconds"`
}

// unitWords holds, per language, [unit][0] for a count of one and [unit][1]
// for other counts, units in the order days, hours, minutes, seconds.
var unitWords = map[string][4][2]string{
	"en": {{"day", "days"}, {"hour", "hours"}, {"minute", "minutes"}, {"second", "seconds"}},
	"de": {{"Tag", "Tage"}, {"Stunde", "Stunden"}, {"Minute", "Minuten"}, {"Sekunde", "Sekunden"}},
	"fr": {{"jour", "jours"}, {"heure", "heures"}, {"minute", "minutes"}, {"seconde", "secondes"}},
	"es": {{"día", "días"}, {"hora", "horas"}, {"minuto", "minutos"}, {"segundo", "segundos"}},
	"it": {{"giorno", "giorni"}, {"ora", "ore"}, {"minuto", "minuti"}, {"secondo", "secondi"}},
	"nl": {{"dag", "dagen"}, {"uur", "uur"}, {"minuut", "minuten"}, {"seconde", "seconden"}},
	"pt": {{"dia", "dias"}, {"hora", "horas"}, {"minuto", "minutos"}, {"segundo", "segundos"}},
	"ja": {{"日", "日"}, {"時間", "時間"}, {"分", "分"}, {"秒", "秒"}},
}

// Localize fills the block's Labels for a BCP 47 locale ("de-DE"; an
// unknown or empty locale gets English), choosing singular or plural by each
// number (French treats 0 as singular).
func (b *CountdownBlock) Localize(locale string) {
	lang, _, _ := strings.Cut(strings.ReplaceAll(locale, "_", "-"), "-")
	lang = strings.ToLower(lang)
	words, ok := unitWords[lang]
	if !ok {
		words = unitWords["en"]
	}
	pick := func(unit int, n int64) string {
		if n == 1 || (lang == "fr" && n == 0) {
			return words[unit][0]
		}
		return words[unit][1]
	}
	it := &b.Items
	it.Labels = CountdownLabels{
		Days:    pick(0, it.Days),
		Hours:   pick(1, it.Hours),
		Minutes: pick(2, it.Minutes),
		Seconds: pick(3, it.Seconds),
	}
}
