// Package csvenc reads and writes CSV files the way Japanese offices
// exchange them: UTF-8 with or without a byte-order mark, or Shift_JIS as
// Excel saves it (Windows code page 932, with the NEC and IBM extensions
// such as ① and 髙, and half-width katakana).
package csvenc

import (
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/text"
)

// Encoding names a CSV file's character encoding.
type Encoding string

// The encodings a CSV file may have.
const (
	UTF8     Encoding = "utf-8"     // written with a byte-order mark so Excel opens it as UTF-8
	ShiftJIS Encoding = "shift_jis" // Windows code page 932, as Excel's "CSV (comma delimited)" saves it
)

// Parse returns the encoding v names ("" is UTF8). Errors: Invalid naming field.
func Parse(field, v string) (Encoding, error) {
	switch e := Encoding(strings.ToLower(strings.TrimSpace(v))); e {
	case "":
		return UTF8, nil
	case UTF8, ShiftJIS:
		return e, nil
	}
	return "", errs.Field(field, "csv.encoding_unknown", "encoding", text.Printable(v))
}

// ContentType is the Content-Type of a CSV download in e.
func (e Encoding) ContentType() string {
	if e == ShiftJIS {
		return "text/csv; charset=Shift_JIS"
	}
	return "text/csv; charset=utf-8"
}

// NewWriter returns a writer that writes the UTF-8 text given to it to w
// in e: UTF8 starts with a byte-order mark (sent with the first write, so
// nothing is sent if nothing is written); in ShiftJIS a character it
// cannot represent (an emoji, 𠮷) becomes "?". Close flushes it; it does
// not close w.
func NewWriter(w io.Writer, e Encoding) io.WriteCloser {
	if e == ShiftJIS {
		return transform.NewWriter(w, transform.Chain(runes.Map(shiftJISOnly()), japanese.ShiftJIS.NewEncoder()))
	}
	return &bomWriter{w: w}
}

type bomWriter struct {
	w    io.Writer
	sent bool
}

func (b *bomWriter) Write(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		if _, err := io.WriteString(b.w, "\ufeff"); err != nil {
			return 0, err
		}
	}
	return b.w.Write(p)
}

func (b *bomWriter) Close() error { return nil }

// shiftJISOnly maps each rune Shift_JIS cannot represent to '?'.
func shiftJISOnly() func(rune) rune {
	enc := japanese.ShiftJIS.NewEncoder()
	var src [utf8.UTFMax]byte
	var dst [8]byte
	return func(r rune) rune {
		if r < utf8.RuneSelf {
			return r
		}
		enc.Reset()
		if _, _, err := enc.Transform(dst[:], src[:utf8.EncodeRune(src[:], r)], true); err != nil {
			return '?'
		}
		return r
	}
}
