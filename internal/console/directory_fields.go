package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
)

func (c *Console) registerFields(rt *router, manage func(http.HandlerFunc) http.HandlerFunc) {
	rt.page(fieldsURL, manage(c.customFields))
	rt.page(fieldsURL+"/new", manage(c.newField))
	rt.post(fieldsURL+"/new", manage(c.createField))
	rt.page(fieldsURL+"/{f}", manage(c.editField))
	rt.post(fieldsURL+"/{f}", manage(c.updateField))
	rt.page(fieldsURL+"/{f}/delete", manage(c.confirmDeleteField))
	rt.post(fieldsURL+"/{f}/delete", manage(c.deleteField))
}

// fieldsPage is 項目の管理: the custom member fields, each with its kind,
// whether it is required, its choices and how many members have a value.
type fieldsPage struct {
	dirFrame
	Fields []*member.Field
}

func (c *Console) customFields(w http.ResponseWriter, r *http.Request) {
	f, err := c.dirFrame(r, "fields", "")
	p := &fieldsPage{dirFrame: f}
	if err == nil {
		p.Fields, err = c.svc.Members.Fields(r.Context(), actor(r).TenantID)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_fields", p)
}

// fieldFormPage adds a field (Field nil) or changes one; a field's kind
// is chosen once, when it is added.
type fieldFormPage struct {
	dirFrame
	Field *member.Field
	Kinds []string
}

// fieldForm is the form page of field, or of a new field when it is nil.
func (c *Console) fieldForm(r *http.Request, field *member.Field) (*fieldFormPage, error) {
	title := "directory.fields.new"
	if field != nil {
		title = "directory.fields.edit"
	}
	f, err := c.dirFrame(r, "fields", title)
	p := &fieldFormPage{dirFrame: f, Field: field, Kinds: member.FieldKinds}
	p.Form.Values = url.Values{"kind": {member.FieldText}}
	if field != nil {
		p.Form.Values = url.Values{"name": {field.Name}, "kind": {field.Kind}, "choices": {strings.Join(field.Choices, "\n")}}
		if field.Required {
			p.Form.Values.Set("required", "on")
		}
	}
	return p, err
}

// fieldInput reads the form: the choices one per line.
func fieldInput(v url.Values) member.FieldInput {
	var choices []string
	for _, line := range strings.Split(v.Get("choices"), "\n") {
		if s := strings.TrimSpace(line); s != "" {
			choices = append(choices, s)
		}
	}
	return member.FieldInput{Name: v.Get("name"), Kind: v.Get("kind"), Required: v.Get("required") != "", Choices: choices}
}

func (c *Console) newField(w http.ResponseWriter, r *http.Request) {
	p, err := c.fieldForm(r, nil)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_field", p)
}

func (c *Console) createField(w http.ResponseWriter, r *http.Request) {
	p, err := c.fieldForm(r, nil)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.SaveField(r.Context(), actor(r).TenantID, "", fieldInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "directory_field", p, err)
		return
	}
	redirect(w, r, fieldsURL, "directory_field_created")
}

// findField returns the tenant's field id; another tenant's is NotFound.
func (c *Console) findField(r *http.Request, id string) (*member.Field, error) {
	fs, err := c.svc.Members.Fields(r.Context(), actor(r).TenantID)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.ID == id {
			return f, nil
		}
	}
	return nil, errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.field"))
}

// fieldEditFrame is the form of the field of the URL.
func (c *Console) fieldEditFrame(r *http.Request) (*fieldFormPage, error) {
	field, err := c.findField(r, r.PathValue("f"))
	if err != nil {
		f, ferr := c.dirFrame(r, "fields", "directory.fields.edit")
		if ferr != nil {
			err = ferr
		}
		return &fieldFormPage{dirFrame: f}, err
	}
	return c.fieldForm(r, field)
}

func (c *Console) editField(w http.ResponseWriter, r *http.Request) {
	p, err := c.fieldEditFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_field", p)
}

func (c *Console) updateField(w http.ResponseWriter, r *http.Request) {
	p, err := c.fieldEditFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		p.Form.Values.Set("kind", p.Field.Kind) // chosen once
		_, err = c.svc.Members.SaveField(r.Context(), actor(r).TenantID, p.Field.ID, fieldInput(p.Form.Values))
	}
	if err != nil {
		c.formFailed(w, r, "directory_field", p, err)
		return
	}
	redirect(w, r, fieldsURL, "directory_field_updated")
}

// fieldDeletePage says what deleting a field does: every member's value
// of it goes too, for good.
type fieldDeletePage struct {
	dirFrame
	Field  *member.Field
	UsedBy string // the rule that matches members by the field, which must change first
}

func (c *Console) fieldDeletion(r *http.Request) (*fieldDeletePage, error) {
	f, err := c.dirFrame(r, "fields", "directory.fields.delete")
	p := &fieldDeletePage{dirFrame: f}
	if err == nil {
		p.Field, err = c.findField(r, r.PathValue("f"))
	}
	return p, err
}

func (c *Console) confirmDeleteField(w http.ResponseWriter, r *http.Request) {
	p, err := c.fieldDeletion(r)
	if err == nil {
		p.UsedBy, err = c.ruleUsing(r, member.MatchField, p.Field.ID)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "directory_field_delete", p)
}

// deleteField deletes the field and its values; the form's confirm says
// the admin read that it cannot be undone.
func (c *Console) deleteField(w http.ResponseWriter, r *http.Request) {
	p, err := c.fieldDeletion(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		_, err = c.svc.Members.DeleteField(r.Context(), actor(r).TenantID, p.Field.ID, p.Form.Values.Get("confirm") != "")
	}
	if err != nil {
		c.formFailed(w, r, "directory_field_delete", p, err)
		return
	}
	redirect(w, r, fieldsURL, "directory_field_deleted")
}
