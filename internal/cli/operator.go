package cli

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/auth"
)

func operatorCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var email, name, password string
	a, err := open(ctx, "operator create", args, stderr, func(fs *flag.FlagSet, _ *app.Config) {
		fs.StringVar(&email, "email", "", "the operator's e-mail address, used to sign in (required)")
		fs.StringVar(&name, "name", "", "the operator's name")
		fs.StringVar(&password, "password", os.Getenv("KANRI_OPERATOR_PASSWORD"), "password; default KANRI_OPERATOR_PASSWORD, else one is generated and printed")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if email == "" {
		return fmt.Errorf("--email is required")
	}
	generated := password == ""
	if generated {
		password = rand.Text()
	}
	o, err := a.Services.Sessions.CreateOperator(auth.System(ctx, "cli"), email, name, password)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "operator %s created (%s)\n", o.Email, o.ID)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n(shown once: store it in your password manager)\n", password)
	}
	return nil
}

func tokenCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var email, name string
	a, err := open(ctx, "token create", args, stderr, func(fs *flag.FlagSet, _ *app.Config) {
		fs.StringVar(&email, "operator", "", "e-mail address of the operator the token acts as (required)")
		fs.StringVar(&name, "name", "cli", "what the token is for, shown in the audit trail")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if email == "" {
		return fmt.Errorf("--operator is required")
	}
	token, err := a.Services.Sessions.CreateAPIToken(auth.System(ctx, "cli"), email, name)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", token)
	return err
}
