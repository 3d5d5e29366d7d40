package console

import (
	"net/http"

	"github.com/kanri/kanri/internal/errs"
)

// notFound answers a path no route has, on the console's error page in
// the visitor's language (the API's paths have their own, a problem).
func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	p := Page{Title: "error.title"}
	msg := c.text(r, &p, "frontdoor.not_found")
	c.render(w, r, http.StatusNotFound, "error", &errorPage{Page: p, Status: http.StatusNotFound, Message: msg})
}

// refuseCursor shows a page link whose cursor cannot be read (edited by
// hand, cut short) beside the list, in the page's language, instead of the
// first page as if nothing were wrong. It reports whether err was that.
func (c *Console) refuseCursor(r *http.Request, p *Page, err error) bool {
	if !errs.Is(err, errs.Malformed) {
		return false
	}
	text := c.text(r, p, "frontdoor.bad_cursor")
	if p.Form.Errors == nil {
		p.Form.Errors = map[string]string{}
	}
	p.Form.Errors["cursor"] = text
	return true
}

// text is key's text in p's language, settling the language first when
// the page has none yet.
func (c *Console) text(r *http.Request, p *Page, key string) string {
	if p.Lang == "" {
		p.Lang = c.lang(r, "")
	}
	s, err := c.cat.Text(p.Lang, key)
	if err != nil {
		c.log.ErrorContext(r.Context(), "message catalog", "err", err)
	}
	return s
}
