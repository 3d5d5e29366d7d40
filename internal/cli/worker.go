package cli

import (
	"context"
	"fmt"
	"io"
)

// worker runs only the background jobs, for deployments where many
// "kanri serve --workers=false" instances share one PostgreSQL database.
func worker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := open(ctx, "worker", args, stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(stdout, "Kanri worker: relaying the outbox and working jobs on %s\n", a.Config.DescribeDB())
	return a.Jobs.Run(ctx)
}
