package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/notify"
)

// mailList prints the operator's mailbox, newest first.
func mailList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var limit int
	a, err := open(ctx, "mail list", args, stderr, func(fs *flag.FlagSet, _ *app.Config) {
		fs.IntVar(&limit, "limit", 50, "how many mails to show")
	})
	if err != nil {
		return err
	}
	defer a.Close()
	mails, _, err := a.Services.Notify.Mails(operatorCtx(ctx), notify.Page{Limit: limit})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCREATED\tSTATUS\tTO\tSUBJECT")
	for _, m := range mails {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.ID, m.CreatedAt.Format(time.DateTime), m.Status, m.To, m.Subject)
	}
	return tw.Flush()
}

// mailShow prints one mail: headers and both parts.
func mailShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "" || args[0][0] == '-' {
		return errors.New("usage: kanri mail show MAIL_ID [flags]")
	}
	a, err := open(ctx, "mail show", args[1:], stderr, nil)
	if err != nil {
		return err
	}
	defer a.Close()
	m, err := a.Services.Notify.Mail(operatorCtx(ctx), args[0])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "ID:       %s\nTo:       %s <%s>\nSubject:  %s\nCreated:  %s\nStatus:   %s (attempts %d)%s\n\n--- text ---\n%s\n--- html ---\n%s\n",
		m.ID, m.ToName, m.To, m.Subject, m.CreatedAt.Format(time.RFC3339), m.Status, m.Attempts, lastError(m.LastError), m.Text, m.HTML)
	return err
}

func lastError(e string) string {
	if e == "" {
		return ""
	}
	return "\nError:    " + e
}

// operatorCtx acts as an operator: the CLI runs on the server with the
// database's credentials, so it has an operator's reach.
func operatorCtx(ctx context.Context) context.Context {
	return auth.WithActor(ctx, &auth.Actor{Kind: auth.KindOperator, ID: "cli", Name: "cli"})
}
