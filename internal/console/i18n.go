package console

import "github.com/kanri/kanri/internal/i18n"

// The console's languages: Japanese by default, English by choice.
const (
	langJA = i18n.JA
	langEN = i18n.EN
)

// langCookie remembers the language a visitor chose.
const langCookie = "kanri_lang"

// pickLang returns lang when the console speaks it, else "".
func pickLang(lang string) string { return i18n.Pick(lang, "") }
