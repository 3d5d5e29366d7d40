package notify

import (
	"context"
	"io"
	"net/http"
	"strings"

	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/webhook"
)

// HTTPPoster returns a Post function that signs a delivery with every
// secret of its endpoint (Standard Webhooks) and POSTs it with client,
// which should dial through webhook.SafeDialer and not follow redirects.
func HTTPPoster(client *http.Client, clk clock.Clock) func(context.Context, *Endpoint, *Delivery) (int, error) {
	return func(ctx context.Context, e *Endpoint, d *Delivery) (int, error) {
		h, err := webhook.Headers(e.Secrets, d.EventID, clk.Now(), []byte(d.Payload))
		if err != nil {
			return 0, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, strings.NewReader(d.Payload))
		if err != nil {
			return 0, err
		}
		req.Header = h
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "Kanri-Webhooks/1")
		res, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		if res.StatusCode < 200 || res.StatusCode > 299 {
			return res.StatusCode, answered(res.StatusCode, body) // the delivery log shows what the receiver said
		}
		return res.StatusCode, nil
	}
}
