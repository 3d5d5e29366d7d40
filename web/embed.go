// Package web holds the console's templates and static assets, embedded in
// the binary.
package web

import "embed"

// Templates are the console's html/template files.
//
//go:embed templates/*.html
var Templates embed.FS
