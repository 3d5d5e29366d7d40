// Package i18n is Kanri's message catalog: every text a person reads in the
// console, in an error or in a DNS check, in Japanese and in English, keyed
// by a stable name. The texts live in web/i18n/*.json; each file owns the
// keys of one area, so a key is defined in exactly one place.
//
// Console texts are fmt formats filled by position (Text). Error texts are
// filled by name (Fill): "{limit}" is replaced by the parameter "limit", so
// the API can hand the same parameters to a program as a JSON object.
package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"

	"github.com/kanri/kanri/web"
)

// The languages Kanri speaks: Japanese first, English by choice.
const (
	JA = "ja"
	EN = "en"
)

// Catalog maps a message key to its text per language.
type Catalog struct {
	texts map[string]map[string]string
}

// Messages is the catalog embedded in the binary, read once. The embedded
// files are tested, so a broken one fails the tests, not a start.
var Messages = sync.OnceValue(func() *Catalog {
	c, err := Load(web.Messages)
	if err != nil {
		panic(err)
	}
	return c
})

// Load reads every i18n/*.json file of fsys. A key without both languages,
// or defined twice, is an error.
func Load(fsys fs.FS) (*Catalog, error) {
	files, err := fs.Glob(fsys, "i18n/*.json")
	if err != nil {
		return nil, err
	}
	c := &Catalog{texts: map[string]map[string]string{}}
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
			if _, dup := c.texts[key]; dup {
				return nil, fmt.Errorf("message catalog %s: key %q is defined twice", path.Base(name), key)
			}
			if texts[JA] == "" || texts[EN] == "" {
				return nil, fmt.Errorf("message catalog %s: key %q needs both \"ja\" and \"en\"", path.Base(name), key)
			}
			c.texts[key] = texts
		}
	}
	return c, nil
}

// Has reports whether key exists; used for keys made from data.
func (c *Catalog) Has(key string) bool {
	_, ok := c.texts[key]
	return ok
}

// Keys returns every key, for tests that check the catalog's use.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.texts))
	for k := range c.texts {
		keys = append(keys, k)
	}
	return keys
}

// Text returns key's text in lang, formatted with args when there are any.
func (c *Catalog) Text(lang, key string, args ...any) (string, error) {
	texts, ok := c.texts[key]
	if !ok {
		return "", fmt.Errorf("message catalog: no key %q", key)
	}
	if len(args) == 0 {
		return texts[lang], nil
	}
	return fmt.Sprintf(texts[lang], args...), nil
}

// Term is a parameter value that is itself a catalog key: Fill shows its
// text in the reader's language, and JSON shows the key. A role's built-in
// name or a DNS record kind are terms; a member's name is not.
type Term string

// Fill returns key's text in lang with every "{name}" replaced by
// params[name]. Integers are shown with digit grouping (10,000); a Term by
// its text; a time.Time in UTC (FillIn: in a zone); the parameter "field", a request field such as "display_name",
// by the text of "field.display_name" when the catalog has one. A key the
// catalog lacks returns the key itself, so a message is never empty; a test
// makes sure every key an error can carry exists.
func (c *Catalog) Fill(lang, key string, params map[string]any) string {
	return c.FillIn(lang, time.UTC, key, params)
}

// FillIn is Fill with time parameters shown in zone, the zone named:
// 2026-12-05 18:00 JST.
func (c *Catalog) FillIn(lang string, zone *time.Location, key string, params map[string]any) string {
	texts, ok := c.texts[key]
	if !ok {
		return key
	}
	s := texts[Pick(lang, EN)]
	if len(params) == 0 || !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		open := strings.IndexByte(s, '{')
		end := strings.IndexByte(s[open+1:], '}')
		if open < 0 || end < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[open+1 : open+1+end]
		b.WriteString(s[:open])
		if v, ok := params[name]; ok {
			b.WriteString(c.show(lang, zone, name, v))
		} else {
			b.WriteString(s[open : open+end+2])
		}
		s = s[open+end+2:]
	}
}

// show renders one parameter value for Fill.
func (c *Catalog) show(lang string, zone *time.Location, name string, v any) string {
	switch v := v.(type) {
	case Term:
		return c.Fill(lang, string(v), nil)
	case time.Time:
		if zone == nil {
			zone = time.UTC
		}
		return v.In(zone).Format("2006-01-02 15:04 MST")
	case string:
		if name == "field" && c.Has("field."+v) {
			return c.Fill(lang, "field."+v, nil)
		}
		return v
	case int:
		return Group(int64(v))
	case int64:
		return Group(v)
	default:
		return fmt.Sprint(v)
	}
}

// Group writes n with a comma between every three digits: 1,234,567.
func Group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	return b.String()
}

// Pick returns lang when Kanri speaks it (in any case, with or without a
// region: "ja-JP"), else fallback.
func Pick(lang, fallback string) string {
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(lang)), "-")
	switch base {
	case JA, EN:
		return base
	}
	return fallback
}

// supported are the languages an Accept-Language header is matched with.
var supported = language.NewMatcher([]language.Tag{language.Und, language.Japanese, language.English})

// FromHeader returns the language an Accept-Language header prefers among
// Kanri's, or "" when it names neither (or is absent or unreadable).
func FromHeader(accept string) string {
	tags, _, err := language.ParseAcceptLanguage(accept)
	if err != nil || len(tags) == 0 {
		return ""
	}
	tag, _, conf := supported.Match(tags...)
	if conf == language.No {
		return ""
	}
	base, _ := tag.Base()
	return Pick(base.String(), "")
}
