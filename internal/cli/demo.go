package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
)

// The demo data set's credentials, printed at start: a demo is for trying.
const (
	demoOperator      = "operator@kanri.example"
	demoOperatorPass  = "demo-operator-pass"
	demoAdminPass     = "demo-admin-pass"
	demoMemberPass    = "demo-member-pass"
	demoWorksGroup    = "demo"
	demoCompany       = "株式会社デモ"
	demoAdminLocal    = "admin"
	demoManagerLocal  = "yamada"
	demoDatabase      = "kanri-demo.db"
	demoDatabaseUsage = "database for the demo; default " + demoDatabase + " (KANRI_DATABASE_URL)"
)

// demoMembers are the demo tenant's people and what happens to them.
var demoMembers = []struct{ local, name, dept, position, action string }{
	{"sato", "佐藤 花子", "営業部", "部長", ""},
	{"suzuki", "鈴木 一郎", "営業1課", "", ""},
	{"takahashi", "高橋 美咲", "開発部", "課長", ""},
	{"tanaka", "田中 健", "開発部", "", ""},
	{"ito", "伊藤 さくら", "総務部", "", member.ActionSuspend},
	{"watanabe", "渡辺 翔", "開発部", "", member.ActionDeactivate},
	{"kobayashi", "小林 陽菜", "総務部", "", "invite"},
	{"kato", "加藤 大輝", "営業部", "", "invite"},
}

func demo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	a, err := open(ctx, "demo", args, stderr, func(fs *flag.FlagSet, cfg *app.Config) {
		if os.Getenv("KANRI_DATABASE_URL") == "" {
			cfg.DatabaseURL = demoDatabase
		}
		fs.Lookup("database").Usage = demoDatabaseUsage
	})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := seedDemo(ctx, a); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	return a.Serve(ctx, func() {
		a.Describe(stdout)
		fmt.Fprintf(stdout, `
Demo data (%[2]s):
  Super admin:       %[5]s@%[6]s.works.example / %[7]s   → sign in at %[1]s/admin
  Operator:          %[3]s / %[4]s   → sign in at %[1]s/ops
  Member manager:    %[8]s@%[6]s.works.example / %[9]s
  Other members use the password %[9]s; some are suspended, deactivated or invited.
`, a.Config.BaseURL, a.Config.DescribeDB(), demoOperator, demoOperatorPass, demoAdminLocal, demoWorksGroup, demoAdminPass, demoManagerLocal, demoMemberPass)
	})
}

// seedDemo fills an empty database with the demo data set; a database that
// has it already is left alone.
func seedDemo(ctx context.Context, a *app.App) error {
	svc := a.Services
	sys := auth.System(ctx, "demo")
	if _, err := svc.Sessions.CreateOperator(sys, demoOperator, "Demo Operator", demoOperatorPass); errs.Is(err, errs.Conflict) {
		return nil
	} else if err != nil {
		return err
	}
	t, admin, err := svc.Members.Signup(sys, member.SignupInput{WorksGroup: demoWorksGroup, CompanyName: demoCompany, Phone: "03-1234-5678",
		Region: "東京都", AdminLoginID: demoAdminLocal, AdminName: "管理 太郎", AdminEmail: "admin@demo-company.example", AdminPassword: demoAdminPass})
	if err != nil {
		return err
	}
	as := auth.WithActor(ctx, &auth.Actor{Kind: auth.KindMember, ID: admin.ID, TenantID: t.ID, Name: admin.LoginID, SuperAdmin: true})
	roles, err := svc.Members.Roles(as, t.ID)
	if err != nil {
		return err
	}
	var managerRole string
	for _, r := range roles {
		if r.Name == "member_manager" {
			managerRole = r.ID
		}
	}
	dir, err := seedDirectory(as, svc.Members, t.ID)
	if err != nil {
		return err
	}
	name, dept := "山田 次郎", dir["人事部"]
	if _, _, err := svc.Members.Add(as, t.ID, member.AddInput{LoginID: demoManagerLocal, Password: demoMemberPass,
		Profile: member.Profile{DisplayName: &name, DepartmentID: &dept}, RoleIDs: []string{managerRole}}); err != nil {
		return err
	}
	for _, d := range demoMembers {
		if err := addDemoMember(as, a, t.ID, d.local, d.name, dir[d.dept], dir[d.position], d.action); err != nil {
			return err
		}
	}
	return nil
}

// seedDirectory creates the demo tenant's departments (営業部 with 営業1課
// below it) and positions, and returns their ids by name.
func seedDirectory(ctx context.Context, ms *member.Service, tenantID string) (map[string]string, error) {
	ids := map[string]string{"": ""}
	for _, d := range []struct{ name, parent string }{{"営業部", ""}, {"営業1課", "営業部"}, {"開発部", ""}, {"総務部", ""}, {"人事部", ""}} {
		dep, err := ms.CreateDepartment(ctx, tenantID, member.DepartmentInput{Name: d.name, ParentID: ids[d.parent]})
		if err != nil {
			return nil, err
		}
		ids[d.name] = dep.ID
	}
	for _, name := range []string{"部長", "課長"} {
		p, err := ms.SavePosition(ctx, tenantID, "", name)
		if err != nil {
			return nil, err
		}
		ids[name] = p.ID
	}
	return ids, nil
}

func addDemoMember(ctx context.Context, a *app.App, tenantID, local, name, dept, position, action string) error {
	in := member.AddInput{LoginID: local, Profile: member.Profile{DisplayName: &name, DepartmentID: &dept, PositionID: &position}}
	if action != "invite" {
		in.Password = demoMemberPass
	}
	m, _, err := a.Services.Members.Add(ctx, tenantID, in)
	if err != nil || action == "" || action == "invite" {
		return err
	}
	_, err = a.Services.Members.SetStatus(ctx, tenantID, m.ID, action)
	return err
}
