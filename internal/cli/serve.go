package cli

import (
	"context"
	"fmt"
	"io"
)

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := open(ctx, "serve", args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Serve(ctx, func() {
		a.Describe(stdout)
		fmt.Fprintf(stdout, `
How to sign in:
  Operators: kanri operator create --email you@example.com   (prints a password), then
             curl -X POST %[1]s/api/v1/ops/login -H 'Content-Type: application/json' \
               -d '{"login_id":"you@example.com","password":"…"}'
  Tenants:   sign up with POST %[1]s/api/v1/signup (README: Quickstart), then POST /api/v1/auth/login
`, a.Config.BaseURL)
	})
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := open(ctx, "migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	_, err = fmt.Fprintf(stdout, "migrations applied to %s\n", a.Config.DescribeDB())
	return err
}
