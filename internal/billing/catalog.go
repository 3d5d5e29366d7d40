package billing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/money"
)

//go:embed catalog.json
var defaultCatalog []byte

// Catalog is what Kanri sells: one product, its plans in order from the
// cheapest (moving to a later plan is an upgrade), the currency and the tax.
type Catalog struct {
	Product    Product `json:"product"`
	Currency   string  `json:"currency"`
	TaxPercent int64   `json:"tax_percent"`
	// MinImmediateCharge, in minor units of Currency (1000 is ¥1,000; 0, the
	// default, turns it off), is the smallest total (tax included) charged
	// at once for licenses added mid-term: a smaller one goes onto the next
	// regular invoice instead, as proration_invoicing "next_invoice" does,
	// so one license on a term's last day is not a card charge of ¥16.
	MinImmediateCharge int64   `json:"min_immediate_charge"`
	Plans              []*Plan `json:"plans"`
}

// Product is the product every plan belongs to (基本商品).
type Product struct {
	ID   string `json:"id"`
	Name Names  `json:"name"`
}

// Names is a name per language ("ja", "en").
type Names map[string]string

// In returns the name in lang, or in Japanese.
func (n Names) In(lang string) string {
	if s, ok := n[lang]; ok {
		return s
	}
	return n["ja"]
}

// Plan is one plan of the catalog.
type Plan struct {
	ID   string `json:"id"`
	Name Names  `json:"name"`
	// Free marks the plan every tenant starts on; exactly one plan is free.
	Free bool `json:"free"`
	// Prices per contract in minor units: monthly per member per month,
	// annual and annual_monthly per license per month.
	Prices map[string]int64 `json:"prices"`
	// Mode is PricingFlexible or PricingAllEmployees.
	Mode string `json:"mode"`
	// MemberLimit caps billable members (0: no cap but the licenses).
	MemberLimit int      `json:"member_limit"`
	Features    []string `json:"features"`
	// Reduction is what removing licenses mid-term does: ReduceAtRenewal or ReduceImmediateCredit.
	Reduction string `json:"reduction"`
	// ProrationInvoicing is when added licenses are charged: InvoiceImmediately or InvoiceNext.
	ProrationInvoicing string `json:"proration_invoicing"`
	// ReturnToFree allows a downgrade from this plan to the free plan.
	ReturnToFree bool `json:"return_to_free"`
}

// The contracts (SPEC §3).
const (
	Monthly       = "monthly"        // per member, in arrears on the month's highest count
	Annual        = "annual"         // licenses for 12 months, paid up front
	AnnualMonthly = "annual_monthly" // licenses for 12 months, paid in 12 instalments
)

// Contracts lists the contracts in the order screens show them.
var Contracts = []string{Monthly, Annual, AnnualMonthly}

// The plan policies.
const (
	PricingFlexible       = "flexible"
	PricingAllEmployees   = "all_employees"
	ReduceAtRenewal       = "at_renewal"
	ReduceImmediateCredit = "immediate_credit"
	InvoiceImmediately    = "immediate"
	InvoiceNext           = "next_invoice"
	FeatureMail           = "mail"
)

// HasFeature reports whether the plan includes feature.
func (p *Plan) HasFeature(feature string) bool { return slices.Contains(p.Features, feature) }

// Offers reports whether the plan can be bought on contract.
func (p *Plan) Offers(contract string) bool {
	_, ok := p.Prices[contract]
	return ok
}

// Plan returns the plan called id, or nil.
func (c *Catalog) Plan(id string) *Plan {
	for _, p := range c.Plans {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// FreePlan returns the plan every tenant starts on.
func (c *Catalog) FreePlan() *Plan {
	for _, p := range c.Plans {
		if p.Free {
			return p
		}
	}
	return nil
}

// Features returns every feature a plan of the catalog includes, sorted.
func (c *Catalog) Features() []string {
	var fs []string
	for _, p := range c.Plans {
		fs = append(fs, p.Features...)
	}
	return slices.Compact(slices.Sorted(slices.Values(fs)))
}

// Rank returns the plan's place in the catalog: a higher rank is an upgrade.
func (c *Catalog) Rank(id string) int {
	return slices.IndexFunc(c.Plans, func(p *Plan) bool { return p.ID == id })
}

// DefaultCatalog returns the embedded catalog (SPEC §3).
func DefaultCatalog() *Catalog {
	c, err := ParseCatalog("catalog.json", defaultCatalog)
	if err != nil {
		panic(err) // the embedded file is checked by the tests
	}
	return c
}

// ParseCatalog reads and validates a catalog file. Errors name the file,
// the line and what to fix.
func ParseCatalog(name string, data []byte) (*Catalog, error) {
	var c Catalog
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&c)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return nil, fmt.Errorf("%s line %d: only one JSON object is allowed: remove what follows it", name, lineOf(data, dec.InputOffset()))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s line %d: %s", name, lineOf(data, decodeOffset(dec, data, err)), jsonProblem(err))
	}
	if err := c.check(data); err != nil {
		return nil, fmt.Errorf("%s %w", name, err)
	}
	return &c, nil
}

// decodeOffset is where a decoding error is: as encoding/json says, or, for
// an unknown field it does not place, where that key first appears.
func decodeOffset(dec *json.Decoder, data []byte, err error) int64 {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return syn.Offset
	case errors.As(err, &typ):
		return typ.Offset
	case errors.Is(err, io.ErrUnexpectedEOF):
		return int64(len(data))
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		return unknownKey(keyOffsets(data), m[1])
	}
	return dec.InputOffset()
}

// unknownField matches encoding/json's DisallowUnknownFields error.
var unknownField = regexp.MustCompile(`unknown field "((?:[^"\\]|\\.)*)"`)

// unknownKey returns the first offset of key outside the maps (names and
// prices), whose keys are not fields; -1 when it is nowhere.
func unknownKey(keys map[string]int64, key string) int64 {
	best := int64(-1)
	for path, off := range keys {
		parent, last := splitPath(path)
		_, inMap := splitPath(parent)
		if last == key && inMap != "name" && inMap != "prices" && (best < 0 || off < best) {
			best = off
		}
	}
	return best
}

// splitPath splits "plans[1].prices.monthly" into "plans[1].prices" and "monthly".
func splitPath(path string) (parent, last string) {
	i := strings.LastIndexByte(path, '.')
	parent, last = path[:max(i, 0)], path[i+1:]
	if j := strings.LastIndexByte(last, '['); j >= 0 {
		last = last[:j]
	}
	return parent, last
}

func jsonProblem(err error) string {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Sprintf("%s must be %s, not %s", typ.Field, article(typ.Type.String()), article(typ.Value))
	}
	if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
		return fmt.Sprintf("unknown field %q: remove it or correct its spelling", m[1])
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// article puts "a" or "an" before a JSON or Go type's name.
func article(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// lineOf returns the 1-based line of offset in data.
func lineOf(data []byte, offset int64) int {
	offset = min(max(offset, 0), int64(len(data)))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// keyOffsets maps the path of every key of a valid JSON document
// ("plans[1].prices.monthly") to where the key starts.
func keyOffsets(data []byte) map[string]int64 {
	keys := map[string]int64{}
	dec := json.NewDecoder(bytes.NewReader(data))
	_ = walkJSON(dec, data, "", keys) // a document that decoded walks cleanly
	return keys
}

// walkJSON reads one value at path, recording its keys' offsets.
func walkJSON(dec *json.Decoder, data []byte, path string, keys map[string]int64) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		for dec.More() {
			off := dec.InputOffset()
			for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
				off++ // InputOffset is the end of the previous token
			}
			k, err := dec.Token()
			if err != nil {
				return err
			}
			child := strings.TrimPrefix(path+"."+k.(string), ".")
			keys[child] = off
			if err := walkJSON(dec, data, child, keys); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if err := walkJSON(dec, data, fmt.Sprintf("%s[%d]", path, i), keys); err != nil {
				return err
			}
		}
		_, err = dec.Token()
	}
	return err
}

// check validates the catalog; an error names the line of the key at fault.
func (c *Catalog) check(data []byte) error {
	keys := keyOffsets(data)
	at := func(paths ...string) int {
		for _, path := range paths {
			if off, ok := keys[path]; ok {
				return lineOf(data, off)
			}
		}
		return 1
	}
	if !money.Supported(c.Currency) {
		return fmt.Errorf("line %d: currency %q is not supported: use an ISO 4217 code such as JPY", at("currency"), c.Currency)
	}
	if c.TaxPercent < 0 || c.TaxPercent > 100 {
		return fmt.Errorf("line %d: tax_percent must be 0 to 100", at("tax_percent"))
	}
	if c.MinImmediateCharge < 0 {
		return fmt.Errorf("line %d: min_immediate_charge must be 0 (off) or an amount in minor units, such as 1000 for ¥1,000", at("min_immediate_charge"))
	}
	if c.Product.ID == "" || c.Product.Name["ja"] == "" {
		return fmt.Errorf("line %d: product needs an id and a Japanese name", at("product"))
	}
	if len(c.Plans) == 0 {
		return fmt.Errorf("line %d: plans: list at least the free plan", at("plans"))
	}
	seen, free := map[string]bool{}, 0
	for i, p := range c.Plans {
		plan := fmt.Sprintf("plans[%d]", i)
		if seen[p.ID] {
			return fmt.Errorf("line %d: plan %q appears twice: give each plan its own id", at(plan+".id", plan), p.ID)
		}
		seen[p.ID] = true
		if p.Free {
			free++
		}
		if field, err := p.check(); err != nil {
			return fmt.Errorf("line %d: plan %q: %w", at(plan+"."+field, plan+".id", plan), p.ID, err)
		}
	}
	if free != 1 {
		return fmt.Errorf("line %d: exactly one plan must be \"free\": true (found %d)", at("plans"), free)
	}
	return nil
}

// check validates one plan and fills in the default policies. It returns
// the path of the key at fault ("prices.monthly") with the error.
func (p *Plan) check() (string, error) {
	if p.ID == "" {
		return "id", errors.New("needs an id")
	}
	if p.Name["ja"] == "" {
		return "name", errors.New("needs a Japanese name")
	}
	if len(p.Prices) == 0 {
		return "prices", errors.New("prices: give at least one contract's price")
	}
	for _, contract := range slices.Sorted(maps.Keys(p.Prices)) {
		price := p.Prices[contract]
		if !slices.Contains(Contracts, contract) {
			return "prices." + contract, fmt.Errorf("prices: unknown contract %q (use monthly, annual or annual_monthly)", contract)
		}
		if price < 0 || (p.Free && price != 0) || (!p.Free && price == 0) {
			return "prices." + contract, fmt.Errorf("prices.%s: %d is not allowed: the free plan costs 0, every other plan more", contract, price)
		}
	}
	if p.Free && (len(p.Prices) != 1 || !p.Offers(Monthly)) {
		return "prices", errors.New("the free plan has only a monthly price of 0")
	}
	if p.MemberLimit < 0 {
		return "member_limit", errors.New("member_limit must be 0 (none) or more")
	}
	for _, f := range []struct {
		name  string
		value *string
		allow []string
	}{
		{"mode", &p.Mode, []string{PricingFlexible, PricingAllEmployees}},
		{"reduction", &p.Reduction, []string{ReduceAtRenewal, ReduceImmediateCredit}},
		{"proration_invoicing", &p.ProrationInvoicing, []string{InvoiceImmediately, InvoiceNext}},
	} {
		if *f.value == "" {
			*f.value = f.allow[0]
		}
		if !slices.Contains(f.allow, *f.value) {
			return f.name, fmt.Errorf("%s: %q is not one of %v", f.name, *f.value, f.allow)
		}
	}
	return "", nil
}
