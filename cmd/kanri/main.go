// Command kanri is Kanri's one binary: the server, the worker and the CLI.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/kanri/kanri/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
