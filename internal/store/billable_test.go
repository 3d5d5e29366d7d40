package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestBillableRecordAndHistory: RecordBillable keeps the day's highest and
// last counts, a day's first row starts from the previous day's last
// count, and BillableHistory returns the range with the row before it.
func TestBillableRecordAndHistory(t *testing.T) {
	t.Parallel()
	day := func(n int) time.Time { return time.Date(2026, 3, 1+n, 0, 0, 0, 0, time.UTC) }
	type rec struct{ day, count int }
	tests := []struct {
		name     string
		records  []rec
		from, to int
		want     []member.DayCount
	}{
		{name: "nothing recorded", from: 0, to: 5},
		{name: "one change", records: []rec{{1, 3}}, from: 0, to: 5,
			want: []member.DayCount{{Day: day(1), Max: 3, Last: 3}}},
		{name: "a day rises and falls", records: []rec{{1, 3}, {1, 5}, {1, 2}}, from: 1, to: 1,
			want: []member.DayCount{{Day: day(1), Max: 5, Last: 2}}},
		{name: "a new day starts from the last count before it", records: []rec{{1, 5}, {1, 4}, {3, 3}, {3, 2}}, from: 0, to: 5,
			want: []member.DayCount{{Day: day(1), Max: 5, Last: 4}, {Day: day(3), Max: 4, Last: 2}}},
		{name: "a new day above the last count", records: []rec{{1, 2}, {2, 7}}, from: 2, to: 2,
			want: []member.DayCount{{Day: day(1), Max: 2, Last: 2}, {Day: day(2), Max: 7, Last: 7}}},
		{name: "the row before the range comes first", records: []rec{{0, 1}, {2, 4}, {5, 6}, {9, 8}}, from: 4, to: 6,
			want: []member.DayCount{{Day: day(2), Max: 4, Last: 4}, {Day: day(5), Max: 6, Last: 6}}},
		{name: "only the row before the range", records: []rec{{0, 1}, {2, 4}}, from: 4, to: 6,
			want: []member.DayCount{{Day: day(2), Max: 4, Last: 4}}},
		{name: "rows after the range are left out", records: []rec{{7, 3}}, from: 0, to: 6},
	}
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ten := storetest.NewTenant(t, env, fmt.Sprintf("ten-%d", i))
				other := storetest.NewTenant(t, env, fmt.Sprintf("other-%d", i))
				for _, r := range tt.records {
					must(t, "record", env.DB.RecordBillable(ctx, ten.ID, day(r.day), r.count))
					must(t, "record other tenant", env.DB.RecordBillable(ctx, other.ID, day(r.day), r.count+100))
				}
				got, err := env.DB.BillableHistory(ctx, ten.ID, day(tt.from), day(tt.to))
				must(t, "history", err)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("BillableHistory(%d..%d) (-want +got):\n%s", tt.from, tt.to, diff)
				}
			})
		}
	})
}

// TestBillableRecordRefused: the schema refuses an unknown tenant and a
// negative count; an unknown tenant cannot be locked.
func TestBillableRecordRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		wantKind(t, "RecordBillable(unknown tenant)", env.DB.RecordBillable(ctx, "ten_missing", day, 1), errs.Invalid)
		wantKind(t, "LockBillable(unknown tenant)", env.DB.InTx(ctx, func(ctx context.Context) error { return env.DB.LockBillable(ctx, "ten_missing") }), errs.NotFound)
		ten := storetest.NewTenant(t, env, "acme")
		wantKind(t, "RecordBillable(-1)", env.DB.RecordBillable(ctx, ten.ID, day, -1), errs.Invalid)
	})
}
