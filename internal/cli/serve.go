package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/kanri/kanri/internal/app"
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
  Tenants:   %[2]s, then sign in at %[1]s/admin
  Operators: kanri operator create --email you@example.com   (prints a password),
             then sign in at %[1]s/ops
`, a.Config.BaseURL, signupHint(a.Config))
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

// signupHint says how a tenant comes to exist on this server.
func signupHint(cfg app.Config) string {
	if cfg.SignupOpen {
		return "sign up at " + cfg.BaseURL + "/signup"
	}
	return "sign-up is closed (--signup=false): an operator creates the tenant (POST /api/v1/ops/tenants)"
}
