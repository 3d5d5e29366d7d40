package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// server is one listener and the HTTP server on it: the front door, and
// the metrics listener when --metrics-listen sets one.
type server struct {
	hs *http.Server
	ln net.Listener
}

// serve serves until the server is shut down, which is no error.
func (s server) serve() error {
	if err := s.hs.Serve(s.ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listenAll listens on --listen and, when set, on --metrics-listen.
func (a *App) listenAll(ctx context.Context, front, metrics http.Handler) ([]server, error) {
	main, err := a.listen(ctx, a.Config.Listen, "--listen", front)
	if err != nil {
		return nil, err
	}
	if a.Config.MetricsListen == "" {
		return []server{main}, nil
	}
	m, err := a.listen(ctx, a.Config.MetricsListen, "--metrics-listen", metrics)
	if err != nil {
		_ = main.ln.Close()
		return nil, err
	}
	return []server{main, m}, nil
}

func (a *App) listen(ctx context.Context, addr, flag string, h http.Handler) (server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return server{}, fmt.Errorf("listen on %s: %w (is another Kanri running? choose another address with %s)", addr, err, flag)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 2 * time.Minute, WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn)}
	return server{hs: hs, ln: ln}, nil
}

// shutdownAll stops every server, letting requests in flight finish until
// ctx ends.
func shutdownAll(ctx context.Context, servers []server) error {
	var all []error
	for _, s := range servers {
		all = append(all, s.hs.Shutdown(ctx))
	}
	return errors.Join(all...)
}
