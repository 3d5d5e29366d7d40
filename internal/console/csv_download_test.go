package console_test

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/encoding/japanese"
)

// TestMembersExportShiftJIS: the list offers a Shift_JIS download beside
// the UTF-8 one; it is code page 932 without a byte-order mark, "?" for
// what Shift_JIS lacks, and Excel's Shift_JIS file of it imports again.
func TestMembersExportShiftJIS(t *testing.T) {
	b, api := setUpMembers(t)
	api.importCSV("login_id,display_name,department\nann,髙橋 杏,営業①課\nbob,ﾎﾞﾌﾞ 😀,\n")
	wantIn(t, "list", b.get("/admin/members").Body, `id="member-export-sjis" href="/admin/members/export.csv?encoding=shift_jis"`, "CSVダウンロード(Shift_JIS)", "BOM付きUTF-8")
	p := b.get("/admin/members/export.csv?encoding=shift_jis")
	wantStatus(t, "export", p, http.StatusOK)
	if ct := p.Header.Get("Content-Type"); ct != "text/csv; charset=Shift_JIS" || strings.HasPrefix(p.Body, "\ufeff") {
		t.Errorf("Content-Type %q, BOM %v; want Shift_JIS without one", ct, strings.HasPrefix(p.Body, "\ufeff"))
	}
	text, err := japanese.ShiftJIS.NewDecoder().String(p.Body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	records, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil || len(records) != 4 {
		t.Fatalf("export: %d records, %v\n%s", len(records), err, text)
	}
	byLogin := map[string][]string{}
	for _, r := range records[1:] {
		byLogin[r[0]] = r
	}
	if ann, bob := byLogin["ann@acme.works.example"], byLogin["bob@acme.works.example"]; ann[1] != "髙橋 杏" || ann[4] != "営業①課" || bob[1] != "ﾎﾞﾌﾞ ?" {
		t.Errorf("rows: ann %q, bob %q", ann, bob)
	}

	var again strings.Builder
	again.WriteString("login_id,display_name,department\r\n")
	for _, r := range records[1:] {
		local, _, _ := strings.Cut(r[0], "@")
		again.WriteString("copy-" + local + "," + r[1] + "," + r[4] + "\r\n")
	}
	sjis, err := japanese.ShiftJIS.NewEncoder().String(again.String())
	if err != nil {
		t.Fatal(err)
	}
	p = b.upload("/admin/members/import", "file", "shiftjis.csv", []byte(sjis), nil)
	wantStatus(t, "re-import", p, http.StatusSeeOther)
	if c := api.list("")["copy-ann@acme.works.example"]; c.DisplayName != "髙橋 杏" || c.Department != "営業①課" {
		t.Errorf("re-imported ann: %+v", c)
	}
	if p := b.get("/admin/members/export.csv?encoding=euc-jp"); p.Status != http.StatusUnprocessableEntity || p.Header.Get("Content-Disposition") != "" {
		t.Errorf("export in an unknown encoding: %d %q, want a 422 page", p.Status, p.Header.Get("Content-Disposition"))
	}
}
