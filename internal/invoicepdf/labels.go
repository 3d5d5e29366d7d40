package invoicepdf

import "github.com/kanri/kanri/internal/billing"

// labels is the fixed text of one language. It is built per rendering by
// labelsFor rather than kept in a package map, which would be mutable
// global state.
type labels struct {
	title       string
	greeting    string // the line under the recipient
	amount      string // the headline amount: billed or returned
	billTo      string // above the recipient; "" in Japanese, where 御中 says it
	honorific   string // after the recipient's name
	number      string
	issued      string
	original    string // a credit note's invoice
	registered  string // the issuer's registration number (登録番号)
	columns     [6]string
	through     string // between a period's first and last day
	subtotal    string
	taxFormat   string // rate, taxable base: "10%対象 ¥54,000  消費税"
	total       string
	due         string
	bank        string
	paid        string
	paidOn      string // with a date
	page        string // page n of m: "%d/{nb}"
	noLines     string
	creditTitle string
	// statementTitle and month title a wholesale statement and name its
	// number, which is its month.
	statementTitle, month string
}

// labelsFor returns the text for lang ("en", else Japanese) and an
// invoice's kind: a credit note changes the title and the amount's name.
func labelsFor(lang, kind string) labels {
	l := japanese()
	if lang == "en" {
		l = english()
	}
	switch kind {
	case billing.KindCreditNote:
		l.title = l.creditTitle
		l.amount, l.greeting = creditWording(lang)
	case statementKind:
		l.title, l.number = l.statementTitle, l.month
	}
	return l
}

// japanese is the text of a Japanese invoice (the default).
func japanese() labels {
	return labels{
		title:       "請求書",
		creditTitle: "適格返還請求書",
		greeting:    "下記のとおりご請求申し上げます。",
		amount:      "ご請求金額（税込）",
		honorific:   " 御中",
		number:      "請求書番号",
		issued:      "発行日",
		original:    "元の請求書",
		registered:  "登録番号",
		columns:     [6]string{"品目", "期間", "数量", "税率", "単価", "金額"},
		through:     "〜",
		subtotal:    "小計（税抜）",
		taxFormat:   "%d%%対象 %s  消費税",
		total:       "合計（税込）",
		due:         "お支払期限",
		bank:        "お振込先",
		paid:        "お支払い済み",
		paidOn:      "お支払い済み（%s）",
		page:        "%d/{nb}",
		noLines:     "明細はありません",

		statementTitle: "卸売明細書",
		month:          "対象月",
	}
}

// english is the text of an English invoice.
func english() labels {
	return labels{
		title:       "Invoice",
		creditTitle: "Credit Note (qualified return invoice)",
		greeting:    "Please find the charges below.",
		amount:      "Amount due (tax included)",
		billTo:      "Bill to",
		number:      "Invoice number",
		issued:      "Issue date",
		original:    "Original invoice",
		registered:  "Registration number",
		columns:     [6]string{"Description", "Period", "Qty", "Tax", "Unit price", "Amount"},
		through:     " – ",
		subtotal:    "Subtotal (excl. tax)",
		taxFormat:   "Taxable at %d%% %s  Consumption tax",
		total:       "Total (tax included)",
		due:         "Payment due",
		bank:        "Bank transfer to",
		paid:        "Paid",
		paidOn:      "Paid on %s",
		page:        "%d/{nb}",
		noLines:     "No lines",

		statementTitle: "Wholesale statement",
		month:          "Month",
	}
}

// creditWording names a credit note's headline amount and says why it was
// issued.
func creditWording(lang string) (amount, greeting string) {
	if lang == "en" {
		return "Amount credited (tax included)", "The following amounts are returned to you."
	}
	return "返還金額（税込）", "下記のとおりご返還申し上げます。"
}
