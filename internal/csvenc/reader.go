package csvenc

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/kanri/kanri/internal/errs"
)

// window is how much of a file Reader looks at, from its first non-ASCII
// byte on, to tell UTF-8 from Shift_JIS.
const window = 64 << 10

// Reader decodes a CSV file in UTF-8 or Shift_JIS to UTF-8, streaming,
// deciding which it is without being told. ASCII text is the same in
// both, so it decides at the first non-ASCII byte, however far into the
// file: a UTF-8 byte-order mark, or the next 64 KiB being UTF-8, means
// UTF-8; otherwise they must be Shift_JIS, or the file is refused. Bytes
// later in the file that do not fit the encoding chosen are not replaced
// silently: Problem reports them for the record that holds them.
type Reader struct {
	br   *bufio.Reader
	enc  Encoding // "" until decided
	sjis io.Reader
}

// NewReader returns a Reader of r.
func NewReader(r io.Reader) *Reader {
	d := &Reader{br: bufio.NewReaderSize(r, window)}
	if b, _ := d.br.Peek(3); string(b) == "\ufeff" {
		_, _ = d.br.Discard(3)
		d.enc = UTF8
	}
	return d
}

// Encoding returns the encoding decided so far ("" while only ASCII was read).
func (d *Reader) Encoding() Encoding { return d.enc }

// Read reads decoded UTF-8 text. Errors: Invalid (field "file") for a
// file that is neither UTF-8 nor Shift_JIS, and r's errors.
func (d *Reader) Read(p []byte) (int, error) {
	switch d.enc {
	case UTF8:
		return d.br.Read(p)
	case ShiftJIS:
		return d.sjis.Read(p)
	}
	if _, err := d.br.Peek(1); err != nil {
		return 0, err
	}
	buf, _ := d.br.Peek(min(d.br.Buffered(), len(p)))
	ascii := len(buf)
	for i, c := range buf {
		if c >= utf8.RuneSelf {
			ascii = i
			break
		}
	}
	if ascii > 0 {
		return d.br.Read(p[:min(len(p), ascii)])
	}
	if err := d.decide(); err != nil {
		return 0, err
	}
	return d.Read(p)
}

// decide chooses the encoding at the first non-ASCII byte.
func (d *Reader) decide() error {
	b, err := d.br.Peek(window)
	atEOF := err != nil
	switch {
	case validUTF8(b, atEOF):
		d.enc = UTF8
	case validShiftJIS(b, atEOF):
		d.enc, d.sjis = ShiftJIS, transform.NewReader(d.br, japanese.ShiftJIS.NewDecoder())
	default:
		return errs.Field("file", "csv.file_not_text")
	}
	return nil
}

// validUTF8 reports whether b is UTF-8, allowing a rune cut off at its
// end unless atEOF.
func validUTF8(b []byte, atEOF bool) bool {
	if !atEOF {
		i := len(b) - 1
		for i > 0 && i > len(b)-utf8.UTFMax && !utf8.RuneStart(b[i]) {
			i--
		}
		if i >= 0 && !utf8.FullRune(b[i:]) {
			b = b[:i]
		}
	}
	return utf8.Valid(b)
}

// validShiftJIS reports whether b decodes as Shift_JIS (code page 932)
// without a replacement character.
func validShiftJIS(b []byte, atEOF bool) bool {
	dst := make([]byte, 3*len(b)+utf8.UTFMax)
	n, _, err := japanese.ShiftJIS.NewDecoder().Transform(dst, b, atEOF)
	if err != nil && !errors.Is(err, transform.ErrShortSrc) {
		return false
	}
	return !bytes.ContainsRune(dst[:n], utf8.RuneError)
}

// Problem returns what is wrong with the text of a record read through d,
// as an Invalid error (nil if nothing): bytes that are not text in the
// file's encoding.
func (d *Reader) Problem(fields []string) error {
	for _, f := range fields {
		switch {
		case d.enc == ShiftJIS && strings.ContainsRune(f, utf8.RuneError):
			return errs.E(errs.Invalid, "csv.line_not_shift_jis")
		case d.enc != ShiftJIS && !utf8.ValidString(f):
			return errs.E(errs.Invalid, "csv.line_not_utf8")
		}
	}
	return nil
}
