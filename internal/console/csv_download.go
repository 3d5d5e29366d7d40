package console

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/csvenc"
)

// csvDownload sends a CSV download in the encoding the query's "encoding"
// names: UTF-8 with a byte-order mark (the default, so Excel reads
// Japanese names as UTF-8) or Shift_JIS, where a character it cannot
// represent becomes "?". Its headers go out with the first bytes, so an
// error before them can still be shown as a page. The member and audit
// exports use it.
type csvDownload struct {
	w       http.ResponseWriter
	name    string
	enc     csvenc.Encoding
	text    io.WriteCloser // encodes into the response
	started bool
}

// newCSVDownload returns the download of name. Errors: Invalid (encoding).
func newCSVDownload(w http.ResponseWriter, q url.Values, name string) (*csvDownload, error) {
	enc, err := csvenc.Parse("encoding", q.Get("encoding"))
	if err != nil {
		return nil, err
	}
	d := &csvDownload{w: w, name: name, enc: enc}
	d.text = csvenc.NewWriter(responseWriter{d}, enc)
	return d, nil
}

// Write takes UTF-8 CSV text.
func (d *csvDownload) Write(b []byte) (int, error) { return d.text.Write(b) }

// close flushes the download after an export that returned err.
func (d *csvDownload) close(err error) error {
	if err != nil {
		return err
	}
	return d.text.Close()
}

// responseWriter writes encoded bytes, headers first.
type responseWriter struct{ d *csvDownload }

func (rw responseWriter) Write(b []byte) (int, error) {
	d := rw.d
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", d.enc.ContentType())
		h.Set("Content-Disposition", `attachment; filename="`+d.name+`"`)
		h.Set("Cache-Control", "no-store")
	}
	return d.w.Write(b)
}

// shiftJISURL returns the Shift_JIS download of the CSV export at u.
func shiftJISURL(u string) string {
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + "encoding=" + string(csvenc.ShiftJIS)
}
