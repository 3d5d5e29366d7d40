// Package web holds the console's templates, message catalog and static
// assets, embedded in the binary so that it needs nothing beside it.
package web

import "embed"

// Templates are the console's html/template files: layout.html and
// partials.html shared by every page, and one file per page under pages/.
//
//go:embed templates
var Templates embed.FS

// Messages is the console's message catalog: JSON files under i18n/, each
// mapping a key to its Japanese and English text.
//
//go:embed i18n
var Messages embed.FS

// Static holds the stylesheet and scripts (htmx 2.0.11, 0BSD licence in
// static/htmx.LICENSE), served under /static/.
//
//go:embed static
var Static embed.FS
