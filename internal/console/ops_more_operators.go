package console

import (
	"net/http"

	"github.com/kanri/kanri/internal/session"
)

// opsOperatorsPage lists the vendor's operators with the form that adds
// one and the buttons that disable them.
type opsOperatorsPage struct {
	Page
	Operators []*session.Operator
	Active    int // operators who can sign in: the last one cannot be disabled
	// Added and Password are the operator just added and its initial
	// password, on the answer to the addition only.
	Added    *session.Operator
	Password string
}

// CanDisable reports whether the page offers to disable o: another
// operator who can sign in, while more than one can.
func (p *opsOperatorsPage) CanDisable(o *session.Operator) bool {
	return o.DisabledAt.IsZero() && o.ID != p.Actor.ID && p.Active > 1
}

func (c *Console) opsOperators(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsOperators(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_operators", p)
}

func (c *Console) loadOpsOperators(r *http.Request) (*opsOperatorsPage, error) {
	p := &opsOperatorsPage{Page: c.opsPage(r, "ops.operators.title", Crumb{Key: "ops.operators.title"})}
	var err error
	if p.Operators, err = c.svc.Sessions.Operators(r.Context()); err != nil {
		return p, err
	}
	for _, o := range p.Operators {
		if o.DisabledAt.IsZero() {
			p.Active++
		}
	}
	return p, nil
}

// opsOperatorCreate adds an operator and answers with the list showing its
// initial password: once, as no later GET shows it again.
func (c *Console) opsOperatorCreate(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	var added *session.Operator
	var password string
	if err == nil {
		added, password, err = c.svc.Sessions.AddOperator(r.Context(), session.NewOperator{Email: v.Get("email"), Name: v.Get("name")})
	}
	p, lerr := c.loadOpsOperators(r)
	if lerr != nil {
		c.fail(w, r, p.Page, lerr)
		return
	}
	if err != nil {
		p.Form.Values = v
		c.formFailed(w, r, "ops_operators", p, err)
		return
	}
	p.Flash, p.Added, p.Password = "flash.ops_operator_added", added, password
	c.render(w, r, http.StatusOK, "ops_operators", p)
}

// opsOperatorDisable disables an operator; refusing yourself or the last
// operator who can sign in is said on the list.
func (c *Console) opsOperatorDisable(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Sessions.DisableOperator(r.Context(), r.PathValue("o")); err != nil {
		p, lerr := c.loadOpsOperators(r)
		if lerr != nil {
			c.fail(w, r, p.Page, lerr)
			return
		}
		c.formFailed(w, r, "ops_operators", p, err)
		return
	}
	redirect(w, r, "/ops/operators", "ops_operator_disabled")
}
