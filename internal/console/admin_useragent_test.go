package console

import (
	"strings"
	"testing"
)

// TestParseUserAgent names the browser and OS of the User-Agents people
// sign in with; what it does not know stays "".
func TestParseUserAgent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, ua, browser, os string
	}{
		{"Chrome on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36",
			"Chrome 120", "Windows"},
		{"Chrome on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36",
			"Chrome 121", "macOS"},
		{"Chrome on Linux", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
			"Chrome 119", "Linux"},
		{"headless Chromium", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
			"Chrome 131", "Linux"},
		{"Chrome on Android", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
			"Chrome 120", "Android 14"},
		{"Chrome on iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0.6099.119 Mobile/15E148 Safari/604.1",
			"Chrome 120", "iOS 17"},
		{"Edge on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
			"Edge 120", "Windows"},
		{"legacy Edge", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/70.0.3538.102 Safari/537.36 Edge/18.19582",
			"Edge 18", "Windows"},
		{"Firefox on Windows", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox 121", "Windows"},
		{"Firefox on Linux", "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0", "Firefox 120", "Linux"},
		{"Firefox on iOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15",
			"Firefox 121", "iOS 17"},
		{"Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
			"Safari 17", "macOS"},
		{"Mobile Safari on iPhone", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
			"Mobile Safari 17", "iOS 17"},
		{"Mobile Safari on iPad", "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
			"Mobile Safari 16", "iOS 16"},
		{"Android's own browser", "Mozilla/5.0 (Linux; U; Android 4.0.3; ja-jp; SC-02C Build/IML74K) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
			"Android Browser 4", "Android 4"},
		{"Windows Phone", "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063",
			"Edge 15", "Windows Phone"},
		{"Opera", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
			"Opera 106", "Windows"},
		{"ChromeOS", "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
			"Chrome 120", "ChromeOS"},
		{"a program", "Go-http-client/1.1", "", ""},
		{"curl", "curl/8.5.0", "", ""},
		{"an app on Windows", "Mozilla/5.0 (Windows NT 10.0) KanriSync/2.1", "", "Windows"},
		{"nothing", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			browser, os := parseUserAgent(tt.ua)
			if browser != tt.browser || os != tt.os {
				t.Errorf("parseUserAgent(%q) = %q, %q; want %q, %q", tt.ua, browser, os, tt.browser, tt.os)
			}
		})
	}
}

// TestShorten cuts by characters, not bytes, and marks the cut.
func TestShorten(t *testing.T) {
	t.Parallel()
	tests := []struct{ s, want string }{
		{"curl/8.5.0", "curl/8.5.0"},
		{strings.Repeat("a", 60), strings.Repeat("a", 60)},
		{strings.Repeat("a", 61), strings.Repeat("a", 59) + "…"},
		{strings.Repeat("端", 70), strings.Repeat("端", 59) + "…"},
	}
	for _, tt := range tests {
		if got := shorten(tt.s, 60); got != tt.want {
			t.Errorf("shorten(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}

// FuzzParseUserAgent: any User-Agent parses without a panic, and what it
// names is short.
func FuzzParseUserAgent(f *testing.F) {
	f.Add("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0")
	f.Add("Version/")
	f.Add("iPhone OS ")
	f.Fuzz(func(t *testing.T, ua string) {
		browser, os := parseUserAgent(ua)
		if len(browser) > len(ua)+len("Samsung Internet ") || len(os) > len(ua)+len("Windows Phone") {
			t.Errorf("parseUserAgent(%q) = %q, %q: longer than it", ua, browser, os)
		}
	})
}
