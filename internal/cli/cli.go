// Package cli implements kanri's subcommands, one file each.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/kanri/kanri/internal/app"
)

const usage = `kanri — a control plane and admin console for B2B SaaS workspaces

Usage: kanri <command> [flags]

Commands:
  serve             run the server (API, console) on the configured database
  demo              run the server on a demo data set and print how to sign in
  worker            run only the background jobs (mail, webhooks), beside "serve --workers=false"
  migrate           apply database migrations and exit
  mail list         list the mailbox (every mail Kanri wrote), newest first
  mail show ID      print one mail
  operator create   create an operator (the vendor's staff)
  token create      issue an API token for an operator
  version           print the version

Run "kanri <command> -h" for a command's flags.
`

// Run runs the command in args and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	cmd, rest := args[0], args[1:]
	if len(rest) > 0 && (cmd == "operator" || cmd == "token" || cmd == "mail") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"serve":           serve,
		"demo":            demo,
		"migrate":         migrate,
		"operator create": operatorCreate,
		"token create":    tokenCreate,
		"worker":          worker,
		"mail list":       mailList,
		"mail show":       mailShow,
		"version": func(context.Context, []string, io.Writer, io.Writer) error {
			_, err := fmt.Fprintln(stdout, "kanri", app.Version)
			return err
		},
	}
	run, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "kanri: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	err := run(ctx, rest, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintln(stderr, "kanri:", err)
		return 1
	}
}

// open parses the common configuration flags plus a command's own ones
// (extra may also change cfg's defaults) and opens Kanri.
func open(ctx context.Context, name string, args []string, stderr io.Writer, extra func(*flag.FlagSet, *app.Config)) (*app.App, error) {
	fs := flag.NewFlagSet("kanri "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg app.Config
	cfg.Flags(fs)
	if extra != nil {
		extra(fs, &cfg)
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: see kanri %s -h", fs.Arg(0), name)
	}
	return app.Open(ctx, cfg, stderr)
}
