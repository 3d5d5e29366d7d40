package errs_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/i18n"
)

// codeArg is, for each constructor of errs, the position of its code; the
// name, value pairs of the parameters follow it.
var codeArg = map[string]int{"E": 1, "Field": 1, "Taken": 2, "Wrap": 2, "Later": 1}

// fieldNamed are the constructors whose error names a field, which every
// message may show as {field}.
var fieldNamed = map[string]bool{"Field": true, "Taken": true}

var placeholder = regexp.MustCompile(`\{([a-z_]+)\}`)

// use is one place in the code that makes an error with a code.
type use struct {
	where  string
	code   string
	params []string // the parameter names given; nil when they cannot be known
	known  bool     // params lists every parameter
}

// TestEveryCodeHasBothLanguages walks the code of every package under
// internal/ for the errors it makes (errs.E, errs.Field, errs.Taken,
// errs.Wrap, errs.Later, and errs.Error / errs.Detail literals) and fails
// when a code is not a literal, when the catalog lacks it, when its
// Japanese or English text needs a parameter the call does not give, or
// when the two languages need different parameters. It also fails for an
// error text in the catalog that no code uses.
func TestEveryCodeHasBothLanguages(t *testing.T) {
	cat := i18n.Messages()
	uses := walk(t, "..")
	if len(uses) < 100 {
		t.Fatalf("found only %d errors under internal/: the walk is broken", len(uses))
	}
	used := map[string]bool{}
	for _, u := range uses {
		used[u.code] = true
		if !cat.Has(u.code) {
			t.Errorf("%s: code %q is not in the message catalog (web/i18n/errors_*.json)", u.where, u.code)
			continue
		}
		ja, en := needs(t, u.code, i18n.JA), needs(t, u.code, i18n.EN)
		if !slices.Equal(ja, en) {
			t.Errorf("%s: code %q: Japanese needs %v, English needs %v", u.where, u.code, ja, en)
		}
		if !u.known {
			continue
		}
		for _, p := range en {
			if !slices.Contains(u.params, p) {
				t.Errorf("%s: code %q needs the parameter {%s}, which the call does not give (it gives %v)", u.where, u.code, p, u.params)
			}
		}
	}
	for _, key := range errorKeys(t) {
		if !used[key] && !strings.HasPrefix(key, "field.") && !literalIn(t, "..", key) {
			t.Errorf("catalog key %q (an error text) is used by no code", key)
		}
	}
}

// needs returns the sorted parameter names code's text in lang uses.
func needs(t *testing.T, code, lang string) []string {
	t.Helper()
	s, err := i18n.Messages().Text(lang, code)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range placeholder.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(names, m[1]) {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return names
}

// walk parses every non-test Go file under root and returns its uses.
func walk(t *testing.T, root string) []use {
	t.Helper()
	var uses []use
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if u, ok := callUse(t, fset, n); ok {
					uses = append(uses, u)
				}
			case *ast.CompositeLit:
				if u, ok := literalUse(t, fset, n); ok {
					uses = append(uses, u)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return uses
}

// errsName returns X when e is errs.X.
func errsName(e ast.Expr) string {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	if id, ok := sel.X.(*ast.Ident); ok && id.Name == "errs" {
		return sel.Sel.Name
	}
	return ""
}

func callUse(t *testing.T, fset *token.FileSet, call *ast.CallExpr) (use, bool) {
	name := errsName(call.Fun)
	at, ok := codeArg[name]
	if !ok || len(call.Args) <= at {
		return use{}, false
	}
	u := use{where: fset.Position(call.Pos()).String(), known: !call.Ellipsis.IsValid()}
	if u.code = literal(t, u.where, call.Args[at]); u.code == "" {
		return use{}, false
	}
	if fieldNamed[name] {
		u.params = append(u.params, "field")
	}
	for i := at + 1; i < len(call.Args); i += 2 {
		if lit, ok := call.Args[i].(*ast.BasicLit); ok {
			s, _ := strconv.Unquote(lit.Value)
			u.params = append(u.params, s)
		} else {
			u.known = false
		}
	}
	return u, true
}

// literalUse finds errs.Error{…Code: "…"} and errs.Detail{…Code: "…"}.
func literalUse(t *testing.T, fset *token.FileSet, lit *ast.CompositeLit) (use, bool) {
	if name := errsName(lit.Type); name != "Error" && name != "Detail" {
		return use{}, false
	}
	u := use{where: fset.Position(lit.Pos()).String()}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		switch kv.Key.(*ast.Ident).Name {
		case "Code":
			u.code = literal(t, u.where, kv.Value)
		case "Field":
			u.params = append(u.params, "field")
		}
	}
	// Params built elsewhere cannot be checked here; the code still must
	// be a literal in the catalog.
	return u, u.code != ""
}

// literal returns the string literal e, or fails: a code made at run time
// cannot be checked.
func literal(t *testing.T, where string, e ast.Expr) string {
	t.Helper()
	if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
		s, _ := strconv.Unquote(lit.Value)
		return s
	}
	if sel, ok := e.(*ast.SelectorExpr); ok && sel.Sel.Name == "Code" {
		return "" // a code passed on from another error, checked where it was made
	}
	t.Errorf("%s: the code is not a string literal; write it out so that this test can check it", where)
	return ""
}

// errorKeys returns every key of web/i18n/errors_*.json.
func errorKeys(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../web/i18n/errors_*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error catalog files: %v", err)
	}
	var keys []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var part map[string]json.RawMessage
		if err := json.Unmarshal(raw, &part); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for k := range part {
			keys = append(keys, k)
		}
	}
	return keys
}

// literalIn reports whether the Go code under root holds s as a string
// literal: a code that reaches an error some other way (a Term, a code
// chosen from a table).
func literalIn(t *testing.T, root, s string) bool {
	t.Helper()
	found := false
	quoted := strconv.Quote(s)
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if found || err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		raw, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(raw), quoted) {
			found = true
		}
		return err
	})
	return found
}
