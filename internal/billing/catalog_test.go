package billing

import (
	"strings"
	"testing"
)

func TestDefaultCatalog(t *testing.T) {
	t.Parallel()
	c, err := ParseCatalog("catalog.json", defaultCatalog)
	if err != nil {
		t.Fatal(err)
	}
	if c.Currency != "JPY" || c.TaxPercent != 10 {
		t.Errorf("currency %s, tax %d%%; want JPY, 10%%", c.Currency, c.TaxPercent)
	}
	if f := c.FreePlan(); f == nil || f.ID != "free" || f.MemberLimit != 30 {
		t.Errorf("free plan %+v, want free with 30 members", f)
	}
	for _, tc := range []struct {
		plan                   string
		monthly, annual, annMo int64
		mail                   bool
	}{
		{"standard", 540, 450, 450, false},
		{"advanced", 1080, 900, 900, true},
	} {
		p := c.Plan(tc.plan)
		if p == nil {
			t.Fatalf("no plan %q", tc.plan)
		}
		if p.Prices[Monthly] != tc.monthly || p.Prices[Annual] != tc.annual || p.Prices[AnnualMonthly] != tc.annMo {
			t.Errorf("%s prices %v, want %d/%d/%d", tc.plan, p.Prices, tc.monthly, tc.annual, tc.annMo)
		}
		if p.HasFeature(FeatureMail) != tc.mail || p.Reduction != ReduceAtRenewal || p.ReturnToFree {
			t.Errorf("%s: mail %v, reduction %q, return to free %v", tc.plan, p.HasFeature(FeatureMail), p.Reduction, p.ReturnToFree)
		}
	}
	if got := []int{c.Rank("free"), c.Rank("standard"), c.Rank("advanced"), c.Rank("gold")}; got[0] != 0 || got[1] != 1 || got[2] != 2 || got[3] != -1 {
		t.Errorf("ranks %v, want [0 1 2 -1]", got)
	}
}

// TestParseCatalogErrors: each error names the file, the line of the key at
// fault and what is wrong.
func TestParseCatalogErrors(t *testing.T) {
	t.Parallel()
	base := string(defaultCatalog)
	edit := func(old, new string) string {
		if !strings.Contains(base, old) {
			t.Fatalf("catalog.json has no %q", old)
		}
		return strings.Replace(base, old, new, 1)
	}
	// The default catalog without its free plan (lines 6–14).
	lines := strings.Split(base, "\n")
	noFree := strings.Join(append(append([]string{}, lines[:5]...), lines[14:]...), "\n")
	for _, tc := range []struct {
		name, data string
		line       string
		want       string
	}{
		{"syntax error", edit(`"free": true,`, `"free": true,,`), "line 9:", "invalid character ','"},
		{"truncated", base[:200], "line 8:", "unexpected EOF"},
		{"trailing data", base + "{}\n", "line 37:", "only one JSON object"},
		{"wrong type", edit(`"member_limit": 30`, `"member_limit": "30"`), "line 12:", "member_limit must be an int, not a string"},
		{"wrong type object", edit(`"features": ["mail"]`, `"features": {"mail": true}`), "line 30:", "features must be a []string, not an object"},
		{"unknown field", edit(`"member_limit": 30,`, `"member_limit": 30, "colour": "red",`), "line 12:", `unknown field "colour"`},
		{"unknown field top level", edit(`"tax_percent": 10,`, `"tax_percent": 10, "tax": 8,`), "line 4:", `unknown field "tax"`},
		{"duplicate plan id", edit(`"id": "advanced"`, `"id": "standard"`), "line 26:", `plan "standard" appears twice`},
		{"negative price", edit(`"monthly": 1080`, `"monthly": -1080`), "line 28:", "prices.monthly: -1080 is not allowed"},
		{"zero price", edit(`"monthly": 540`, `"monthly": 0`), "line 18:", "prices.monthly: 0 is not allowed"},
		{"unknown contract", edit(`"annual_monthly": 900`, `"weekly": 900`), "line 28:", `unknown contract "weekly"`},
		{"no free plan", noFree, "line 5:", `exactly one plan must be "free": true (found 0)`},
		{"two free plans", edit(`"id": "standard",`, `"id": "standard", "free": true,`), "line 18:", `plan "standard": prices.annual: 450 is not allowed`},
		{"unknown mode", edit("\"mode\": \"flexible\",\n      \"features\": [\"mail\"]", "\"mode\": \"everyone\",\n      \"features\": [\"mail\"]"), "line 29:", `mode: "everyone" is not one of`},
		{"unknown reduction", edit(`"reduction": "at_renewal",
      "proration_invoicing": "immediate",
      "return_to_free": false
    },
    {`, `"reduction": "later",
      "proration_invoicing": "immediate",
      "return_to_free": false
    },
    {`), "line 21:", `reduction: "later"`},
		{"currency", edit(`"JPY"`, `"YEN"`), "line 3:", `currency "YEN" is not supported`},
		{"tax", edit(`"tax_percent": 10`, `"tax_percent": 110`), "line 4:", "tax_percent must be 0 to 100"},
		{"negative minimum charge", edit(`"tax_percent": 10,`, `"tax_percent": 10, "min_immediate_charge": -1,`), "line 4:", "min_immediate_charge must be 0 (off) or an amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseCatalog("my.json", []byte(tc.data))
			if err == nil {
				t.Fatal("got no error")
			}
			if got := err.Error(); !strings.HasPrefix(got, "my.json "+tc.line) || !strings.Contains(got, tc.want) {
				t.Fatalf("error %q, want my.json %s … %s", got, tc.line, tc.want)
			}
		})
	}
}

// TestParseCatalogDefaults: omitted policies take the first allowed value.
func TestParseCatalogDefaults(t *testing.T) {
	t.Parallel()
	c, err := ParseCatalog("min.json", []byte(`{"product": {"id": "p", "name": {"ja": "P"}}, "currency": "USD", "tax_percent": 0,
 "plans": [{"id": "free", "name": {"ja": "F"}, "free": true, "prices": {"monthly": 0}},
           {"id": "pro", "name": {"ja": "P", "en": "Pro"}, "prices": {"annual": 1200}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Plan("pro")
	if p.Mode != PricingFlexible || p.Reduction != ReduceAtRenewal || p.ProrationInvoicing != InvoiceImmediately {
		t.Errorf("defaults: mode %q, reduction %q, invoicing %q", p.Mode, p.Reduction, p.ProrationInvoicing)
	}
	if c.MinImmediateCharge != 0 {
		t.Errorf("min_immediate_charge %d; want 0 (off)", c.MinImmediateCharge)
	}
	if p.Name.In("en") != "Pro" || c.FreePlan().Name.In("en") != "F" {
		t.Errorf("names: %q, %q", p.Name.In("en"), c.FreePlan().Name.In("en"))
	}
}
