package console

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// The console's languages: Japanese by default, English by choice.
const (
	langJA = "ja"
	langEN = "en"
)

// langCookie remembers the language a visitor chose.
const langCookie = "kanri_lang"

// catalog maps a message key to its text per language. It is loaded once
// at start; a key without both languages, or defined twice, stops the start.
type catalog map[string]map[string]string

// loadCatalog reads every i18n/*.json file of fsys. Each file owns the keys
// of one area of the console, so a key is defined in exactly one place.
func loadCatalog(fsys fs.FS) (catalog, error) {
	files, err := fs.Glob(fsys, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	cat := catalog{}
	for _, name := range files {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var part map[string]map[string]string
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("message catalog %s: %w", name, err)
		}
		for key, texts := range part {
			if _, dup := cat[key]; dup {
				return nil, fmt.Errorf("message catalog %s: key %q is defined twice", path.Base(name), key)
			}
			if texts[langJA] == "" || texts[langEN] == "" {
				return nil, fmt.Errorf("message catalog %s: key %q needs both \"ja\" and \"en\"", path.Base(name), key)
			}
			cat[key] = texts
		}
	}
	return cat, nil
}

// text returns key's text in lang, formatted with args when there are any.
func (c catalog) text(lang, key string, args ...any) (string, error) {
	texts, ok := c[key]
	if !ok {
		return "", fmt.Errorf("message catalog: no key %q", key)
	}
	if len(args) == 0 {
		return texts[lang], nil
	}
	return fmt.Sprintf(texts[lang], args...), nil
}

// has reports whether key exists; used for keys that come from a URL.
func (c catalog) has(key string) bool {
	_, ok := c[key]
	return ok
}

// pickLang returns lang when the console speaks it, else "".
func pickLang(lang string) string {
	switch l := strings.ToLower(lang); l {
	case langJA, langEN:
		return l
	}
	return ""
}
