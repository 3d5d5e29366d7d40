package api

import (
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/idempotency"
)

// Secret is a one-time secret in an answer: a bearer token, an invitation
// token, a webhook signing secret. Every wire field that carries one has
// this type: the client gets it in the first answer only, and an
// Idempotency-Key replay answers null in its place.
type Secret string

// TransformSchema marks Secret fields in the API document, so that a test
// can check every answer's token- and secret-like fields are Secrets.
func (Secret) TransformSchema(_ huma.Registry, s *huma.Schema) *huma.Schema {
	if s.Extensions == nil {
		s.Extensions = map[string]any{}
	}
	s.Extensions[secretExtension] = true
	return s
}

// secretExtension is the API document's mark of a Secret field.
const secretExtension = "x-one-time-secret"

var secretType = reflect.TypeFor[Secret]()

// redactSecrets is a huma transformer: it notes every Secret of an answer
// that the Idempotency-Key middleware stores, which keeps null in its place.
func redactSecrets(ctx huma.Context, _ string, v any) (any, error) {
	if note := idempotency.Redactor(ctx.Context()); note != nil {
		eachSecret(reflect.ValueOf(v), note)
	}
	return v, nil
}

// eachSecret calls note with every non-empty Secret in v.
func eachSecret(v reflect.Value, note func(string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			eachSecret(v.Elem(), note)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				eachSecret(v.Field(i), note)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			eachSecret(v.Index(i), note)
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			eachSecret(it.Value(), note)
		}
	case reflect.String:
		if v.Type() == secretType && v.Len() > 0 {
			note(v.String())
		}
	}
}
